/*
 * Meta's webhook payload (the WhatsApp Cloud API "messages" field), walked
 * through json/'s lenient node API: every entry, every change, every message
 * and every status. The shape, from Meta's webhook reference:
 *
 *   {"object":"whatsapp_business_account","entry":[{"id":WABA,"changes":[
 *     {"field":"messages","value":{"metadata":{"phone_number_id":..},
 *      "contacts":[{"profile":{"name":..},"wa_id":..}],
 *      "messages":[{"from","id","timestamp","type",<type>:{..},"context":{..}}],
 *      "statuses":[{"id","status","timestamp","recipient_id",
 *                   "biz_opaque_callback_data","errors":[{"code","title"}]}]}}]}]}
 */
#include "integrations/whatsapp.h"

#include "core/err.h"
#include "core/strnum.h"
#include "json/json.h"

/* A NUL-terminated copy of s in the arena (the document is freed before we return). */
static struct str
keep(struct arena *a, struct str s)
{
    if (s.len == 0) {
        return str_make("", 0);
    }
    return str_make(arena_strndup(a, s.ptr, s.len), s.len);
}

static bool
is_id(struct str s)
{
    return s.len > 0 && s.len <= WHATSAPP_ID_MAX && str_is_visible(s);
}

/* Meta writes timestamps as strings of unix seconds; junk reads as 0. */
static int64_t
timestamp_of(const struct json_node *n)
{
    struct str s;
    int64_t v = 0;

    if (json_node_int(json_node_member(n, "timestamp"), &v)) {
        return v >= 0 ? v : 0;
    }
    s = json_node_str(n, "timestamp");
    if (strnum_parse(s, 0, INT64_C(1) << 40, &v)) {
        return 0;
    }
    return v;
}

/* The profile name of sender in a change's contacts (the only contact's when none matches). */
static struct str
profile_name(const struct json_node *value, struct str sender)
{
    const struct json_node *contacts = json_node_member(value, "contacts");
    size_t n = json_node_count(contacts);

    for (size_t i = 0; i < n; i++) {
        const struct json_node *c = json_node_at(contacts, i);
        if (str_eq(json_node_str(c, "wa_id"), sender)) {
            return json_node_str(json_node_member(c, "profile"), "name");
        }
    }
    if (n == 1) {
        return json_node_str(json_node_member(json_node_at(contacts, 0), "profile"), "name");
    }
    return STR_NULL;
}

static struct str
first_nonempty(struct str a, struct str b)
{
    return a.len ? a : b;
}

/* What a person reads for a message of type t whose type object is obj. */
static struct str
text_of(struct arena *a, const struct json_node *msg, enum whatsapp_type t,
        const struct json_node *obj)
{
    switch (t) {
    case WA_TYPE_TEXT:
        return json_node_str(obj, "body");
    case WA_TYPE_IMAGE:
    case WA_TYPE_VIDEO:
        return json_node_str(obj, "caption");
    case WA_TYPE_DOCUMENT:
        return first_nonempty(json_node_str(obj, "caption"), json_node_str(obj, "filename"));
    case WA_TYPE_AUDIO:
    case WA_TYPE_STICKER:
        return STR_NULL;
    case WA_TYPE_LOCATION: {
        double lat;
        double lon;
        struct str place =
            first_nonempty(json_node_str(obj, "name"), json_node_str(obj, "address"));
        if (place.len) {
            return place;
        }
        if (json_node_number(json_node_member(obj, "latitude"), &lat) &&
            json_node_number(json_node_member(obj, "longitude"), &lon)) {
            return str_from_cstr(arena_printf(a, "%.6f,%.6f", lat, lon));
        }
        return STR_NULL;
    }
    case WA_TYPE_CONTACTS:
        return json_node_str(json_node_member(json_node_at(obj, 0), "name"), "formatted_name");
    case WA_TYPE_INTERACTIVE: {
        struct str kind = json_node_str(obj, "type");
        const struct json_node *reply = NULL;
        if (kind.len && kind.len < 64) {
            char name[64];
            str_copy_to(kind, name, sizeof(name));
            reply = json_node_member(obj, name);
        }
        return first_nonempty(json_node_str(reply, "title"), json_node_str(reply, "body"));
    }
    case WA_TYPE_BUTTON:
        return first_nonempty(json_node_str(obj, "text"), json_node_str(obj, "payload"));
    case WA_TYPE_REACTION:
        return json_node_str(obj, "emoji");
    case WA_TYPE_OTHER:
        return json_node_str(json_node_member(msg, "system"), "body");
    }
    return STR_NULL;
}

static struct str
metadata_of(struct arena *a, const struct json_node *obj)
{
    struct buf b = BUF_INIT;
    struct str out = str_make("", 0);

    b.max = WHATSAPP_MAX_METADATA;
    if (obj && json_node_render(obj, &b) == 0 && b.len) {
        out = keep(a, buf_str(&b));
    }
    buf_release(&b);
    return out;
}

static bool
parse_message(struct arena *a, const struct json_node *value, struct str phone_number_id,
              const struct json_node *msg, struct whatsapp_message *m)
{
    struct str id = json_node_str(msg, "id");
    struct str from = json_node_str(msg, "from");
    struct str type_name = json_node_str(msg, "type");
    const struct json_node *obj = NULL;

    if (!is_id(id) || !is_id(from) || !is_id(phone_number_id)) {
        return false;
    }
    memset(m, 0, sizeof(*m));
    m->type = whatsapp_type_parse(type_name);
    if (type_name.len && type_name.len < 64) {
        char name[64];
        str_copy_to(type_name, name, sizeof(name));
        obj = json_node_member(msg, name);
    }
    if (!obj && m->type == WA_TYPE_OTHER) {
        obj = json_node_member(msg, "errors");
    }
    m->phone_number_id = keep(a, phone_number_id);
    m->id = keep(a, id);
    m->from = keep(a, from);
    m->profile_name = keep(a, profile_name(value, from));
    m->timestamp = timestamp_of(msg);
    m->type_name = keep(a, type_name.len ? type_name : str_from_cstr("unknown"));
    m->text = keep(a, text_of(a, msg, m->type, obj));
    m->media_id = keep(a, STR_NULL);
    m->mime_type = keep(a, STR_NULL);
    if (m->type >= WA_TYPE_IMAGE && m->type <= WA_TYPE_STICKER) {
        m->media_id = keep(a, json_node_str(obj, "id"));
        m->mime_type = keep(a, json_node_str(obj, "mime_type"));
    }
    m->context_id = keep(a, m->type == WA_TYPE_REACTION
                                ? json_node_str(obj, "message_id")
                                : json_node_str(json_node_member(msg, "context"), "id"));
    m->metadata = metadata_of(a, obj);
    return true;
}

static bool
parse_status(struct arena *a, struct str phone_number_id, const struct json_node *st,
             struct whatsapp_status_update *s)
{
    struct str id = json_node_str(st, "id");
    struct str name = json_node_str(st, "status");
    const struct json_node *e = json_node_at(json_node_member(st, "errors"), 0);
    int64_t code = 0;

    if (!is_id(id) || !is_id(phone_number_id) || name.len == 0 || name.len > 64) {
        return false;
    }
    memset(s, 0, sizeof(*s));
    s->phone_number_id = keep(a, phone_number_id);
    s->id = keep(a, id);
    s->recipient_id = keep(a, json_node_str(st, "recipient_id"));
    s->status = whatsapp_status_parse(name);
    if (s->status == WA_STATUS_PENDING) {
        s->status = WA_STATUS_NONE; /* ours, never Meta's */
    }
    s->status_name = keep(a, name);
    s->timestamp = timestamp_of(st);
    if (e && json_node_int(json_node_member(e, "code"), &code)) {
        s->error_code = code;
    }
    s->error_title =
        keep(a, first_nonempty(json_node_str(e, "title"), json_node_str(e, "message")));
    s->biz_opaque = keep(a, json_node_str(st, "biz_opaque_callback_data"));
    return true;
}

/* Calls fn for every change of every entry; stops at the first non-zero return. */
typedef int (*change_fn)(const struct json_node *change, void *arg);

static int
each_change(const struct json_node *root, change_fn fn, void *arg)
{
    const struct json_node *entries = json_node_member(root, "entry");
    size_t n_entries = json_node_count(entries);
    size_t seen = 0;

    for (size_t i = 0; i < n_entries; i++) {
        const struct json_node *changes = json_node_member(json_node_at(entries, i), "changes");
        size_t n_changes = json_node_count(changes);
        for (size_t j = 0; j < n_changes; j++) {
            int rc;
            if (++seen > WHATSAPP_MAX_CHANGES) {
                return E_TOO_LARGE;
            }
            if ((rc = fn(json_node_at(changes, j), arg))) {
                return rc;
            }
        }
    }
    return 0;
}

struct walk {
    struct arena *a;
    struct whatsapp_batch *out;
    size_t cap_messages;
    size_t cap_statuses;
};

static bool
is_messages_change(const struct json_node *change)
{
    return str_eq_cstr(json_node_str(change, "field"), "messages");
}

static int
count_change(const struct json_node *change, void *arg)
{
    struct walk *w = arg;

    if (!is_messages_change(change)) {
        return 0;
    }
    const struct json_node *value = json_node_member(change, "value");
    w->cap_messages += json_node_count(json_node_member(value, "messages"));
    w->cap_statuses += json_node_count(json_node_member(value, "statuses"));
    return w->cap_messages + w->cap_statuses > WHATSAPP_MAX_EVENTS ? E_TOO_LARGE : 0;
}

static int
read_change(const struct json_node *change, void *arg)
{
    struct walk *w = arg;
    struct whatsapp_batch *b = w->out;

    if (!is_messages_change(change)) {
        b->n_ignored++;
        return 0;
    }
    const struct json_node *value = json_node_member(change, "value");
    struct str pnid = json_node_str(json_node_member(value, "metadata"), "phone_number_id");
    const struct json_node *msgs = json_node_member(value, "messages");
    const struct json_node *sts = json_node_member(value, "statuses");

    for (size_t i = 0; i < json_node_count(msgs); i++) {
        if (parse_message(w->a, value, pnid, json_node_at(msgs, i), &b->messages[b->n_messages])) {
            b->n_messages++;
        } else {
            b->n_skipped++;
        }
    }
    for (size_t i = 0; i < json_node_count(sts); i++) {
        if (parse_status(w->a, pnid, json_node_at(sts, i), &b->statuses[b->n_statuses])) {
            b->n_statuses++;
        } else {
            b->n_skipped++;
        }
    }
    return 0;
}

int
whatsapp_parse_webhook(struct str body, struct arena *a, struct whatsapp_batch *out)
{
    struct json_doc *doc = NULL;
    const struct json_node *root;
    struct walk w = {a, out, 0, 0};
    int rc;

    memset(out, 0, sizeof(*out));
    if (body.len > WHATSAPP_MAX_BODY) {
        return E_TOO_LARGE;
    }
    if ((rc = json_doc_parse(body, &doc))) {
        return rc;
    }
    root = json_doc_node(doc);
    if (!str_eq_cstr(json_node_str(root, "object"), "whatsapp_business_account") ||
        !json_node_member(root, "entry") || json_node_count(json_node_member(root, "entry")) == 0) {
        rc = E_INVALID;
        goto out;
    }
    /* Count first, so the arrays are sized once and the batch is refused whole if too big. */
    if ((rc = each_change(root, count_change, &w))) {
        goto out;
    }
    out->messages = arena_alloc(a, st_mult(w.cap_messages + 1, sizeof(*out->messages)));
    out->statuses = arena_alloc(a, st_mult(w.cap_statuses + 1, sizeof(*out->statuses)));
    rc = each_change(root, read_change, &w);
out:
    json_doc_free(doc);
    if (rc) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
