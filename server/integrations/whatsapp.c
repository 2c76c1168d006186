#include "integrations/whatsapp.h"

#include "core/err.h"
#include "crypto/crypto.h"
#include "json/json.h"

/* ---- Signature and handshake --------------------------------------------------------------- */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int
whatsapp_check_signature(struct str app_secret, struct str header, struct str body)
{
    uint8_t want[CRYPTO_HMAC_LEN];
    uint8_t got[CRYPTO_HMAC_LEN];
    int rc = E_UNAUTHENTICATED;

    header = str_trim(header);
    if (app_secret.len == 0 || !str_has_prefix(header, STR_LIT("sha256=")) ||
        header.len != 7 + 2 * CRYPTO_HMAC_LEN) {
        return E_UNAUTHENTICATED;
    }
    for (size_t i = 0; i < CRYPTO_HMAC_LEN; i++) {
        int hi = hex_value(header.ptr[7 + 2 * i]);
        int lo = hex_value(header.ptr[8 + 2 * i]);
        if (hi < 0 || lo < 0) {
            return E_UNAUTHENTICATED;
        }
        got[i] = (uint8_t)(hi << 4 | lo);
    }
    crypto_hmac_sha256((const uint8_t *)app_secret.ptr, app_secret.len, body.ptr, body.len, want);
    if (crypto_equal(want, got, sizeof(want))) {
        rc = 0;
    }
    crypto_wipe(want, sizeof(want));
    return rc;
}

static bool
is_challenge(struct str s)
{
    if (s.len == 0 || s.len > WHATSAPP_CHALLENGE_MAX) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

int
whatsapp_check_handshake(struct str verify_token, struct str mode, struct str token,
                         struct str challenge)
{
    bool ok = verify_token.len > 0 && crypto_equal_str(verify_token, token);

    if (!ok || !str_eq_cstr(mode, "subscribe") || !is_challenge(challenge)) {
        return E_FORBIDDEN;
    }
    return 0;
}

/* ---- Types and statuses -------------------------------------------------------------------- */

/* Type names in enum order; WA_TYPE_OTHER last. */
static const char *const type_names[] = {
    "text",     "image",    "audio",       "document", "video",    "sticker",
    "location", "contacts", "interactive", "button",   "reaction", "other",
};

const char *
whatsapp_type_name(enum whatsapp_type t)
{
    return (size_t)t < ARRAY_LEN(type_names) ? type_names[t] : "other";
}

enum whatsapp_type
whatsapp_type_parse(struct str s)
{
    for (size_t i = 0; i < WA_TYPE_OTHER; i++) {
        if (str_eq_cstr(s, type_names[i])) {
            return (enum whatsapp_type)i;
        }
    }
    return WA_TYPE_OTHER;
}

static const char *const status_names[] = {"", "pending", "sent", "delivered", "read", "failed"};

const char *
whatsapp_status_name(enum whatsapp_status s)
{
    return (size_t)s < ARRAY_LEN(status_names) ? status_names[s] : "";
}

enum whatsapp_status
whatsapp_status_parse(struct str s)
{
    for (size_t i = 1; i < ARRAY_LEN(status_names); i++) {
        if (str_eq_cstr(s, status_names[i])) {
            return (enum whatsapp_status)i;
        }
    }
    return WA_STATUS_NONE;
}

enum whatsapp_status
whatsapp_status_advance(enum whatsapp_status current, enum whatsapp_status incoming)
{
    if (incoming == WA_STATUS_NONE || incoming == WA_STATUS_PENDING ||
        current == WA_STATUS_FAILED) {
        return current;
    }
    if (incoming == WA_STATUS_FAILED) {
        /* A failure after the person read it cannot be about this send's delivery. */
        return current == WA_STATUS_READ ? current : WA_STATUS_FAILED;
    }
    return incoming > current ? incoming : current;
}

/* ---- Outbound ------------------------------------------------------------------------------ */

bool
whatsapp_is_phone_number_id(struct str s)
{
    if (s.len == 0 || s.len > 32) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
    }
    return true;
}

int
whatsapp_render_url(const char *base, struct str phone_number_id, struct buf *out)
{
    if (!base || !base[0] || !whatsapp_is_phone_number_id(phone_number_id)) {
        return E_INVALID;
    }
    return buf_addf(out, "%s/%.*s/messages", base, (int)phone_number_id.len, phone_number_id.ptr);
}

/* A wa_id or message id we put into a request: bounded and printable. */
static bool
is_wire_id(struct str s)
{
    return s.len > 0 && s.len <= WHATSAPP_ID_MAX && str_is_visible(s) && str_is_utf8(s);
}

static int
add_member(struct buf *out, const char *name, struct str value)
{
    int rc = buf_addf(out, ",\"%s\":\"", name);
    if (!rc) {
        rc = buf_add_json_escaped(out, value);
    }
    if (!rc) {
        rc = buf_addch(out, '"');
    }
    return rc;
}

int
whatsapp_render_text(const struct whatsapp_text_send *s, struct buf *out)
{
    size_t before = out->len;
    size_t chars;
    int rc;

    if (!is_wire_id(s->to) || !str_is_utf8(s->body) || !str_is_utf8(s->biz_opaque) ||
        (s->reply_to.len && !is_wire_id(s->reply_to))) {
        return E_INVALID;
    }
    chars = str_utf8_len(s->body);
    if (chars == 0 || chars > WHATSAPP_TEXT_MAX ||
        str_utf8_len(s->biz_opaque) > WHATSAPP_OPAQUE_MAX) {
        return E_INVALID;
    }
    rc = buf_addstr(out, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\"");
    if (!rc) {
        rc = add_member(out, "to", s->to);
    }
    if (!rc) {
        rc = buf_addstr(out, ",\"type\":\"text\",\"text\":{\"preview_url\":false");
    }
    if (!rc) {
        rc = add_member(out, "body", s->body);
    }
    if (!rc) {
        rc = buf_addch(out, '}');
    }
    if (!rc && s->reply_to.len) {
        rc = buf_addstr(out, ",\"context\":{\"message_id\":\"");
        if (!rc) {
            rc = buf_add_json_escaped(out, s->reply_to);
        }
        if (!rc) {
            rc = buf_addstr(out, "\"}");
        }
    }
    if (!rc && s->biz_opaque.len) {
        rc = add_member(out, "biz_opaque_callback_data", s->biz_opaque);
    }
    if (!rc) {
        rc = buf_addch(out, '}');
    }
    if (rc) {
        out->len = before;
        out->ptr[before] = '\0';
    }
    return rc;
}

int
whatsapp_render_read(struct str message_id, struct buf *out)
{
    size_t before = out->len;
    int rc;

    if (!is_wire_id(message_id)) {
        return E_INVALID;
    }
    rc = buf_addstr(out, "{\"messaging_product\":\"whatsapp\",\"status\":\"read\"");
    if (!rc) {
        rc = add_member(out, "message_id", message_id);
    }
    if (!rc) {
        rc = buf_addch(out, '}');
    }
    if (rc) {
        out->len = before;
        out->ptr[before] = '\0';
    }
    return rc;
}

/* Meta's error codes and what each means for a send. Columns: code, outcome, back-off floor. */
static const struct {
    int64_t code;
    enum whatsapp_outcome outcome;
    unsigned floor_s;
} meta_codes[] = {
    {131047, WA_OUT_WINDOW_CLOSED, 0}, /* re-engagement: more than 24 h since the person wrote */
    {131056, WA_OUT_RETRY, 60},        /* pair rate limit: too many to this person, wait */
    {130429, WA_OUT_RETRY, 2},         /* throughput limit of the number */
    {80007, WA_OUT_RETRY, 30},         /* WhatsApp Business account rate limit */
    {4, WA_OUT_RETRY, 30},             /* application request limit */
    {613, WA_OUT_RETRY, 30},           /* calls per hour exceeded */
    {131000, WA_OUT_RETRY, 5},         /* something went wrong (transient) */
    {131016, WA_OUT_RETRY, 10},        /* service unavailable */
    {1, WA_OUT_RETRY, 5},              /* API unknown (transient) */
    {2, WA_OUT_RETRY, 5},              /* API service (transient) */
    {190, WA_OUT_AUTH, 0},             /* access token expired or invalid */
};

static void
set_detail(struct whatsapp_answer *out, struct str msg, const char *fallback)
{
    if (msg.len && str_is_visible(msg)) {
        str_copy_to(msg, out->detail, sizeof(out->detail));
    } else {
        (void)snprintf(out->detail, sizeof(out->detail), "%s", fallback);
    }
}

void
whatsapp_classify_answer(long http_status, struct str body, struct whatsapp_answer *out)
{
    struct json_doc *doc = NULL;
    const struct json_node *root = NULL;
    const struct json_node *err = NULL;
    int64_t code = 0;

    memset(out, 0, sizeof(*out));
    if (body.len && json_doc_parse(body, &doc) == 0) {
        root = json_doc_node(doc);
        err = json_node_member(root, "error");
    }
    if (http_status >= 200 && http_status < 300 && !err) {
        struct str id = json_node_str(json_node_at(json_node_member(root, "messages"), 0), "id");
        if (is_wire_id(id)) {
            out->outcome = WA_OUT_SENT;
            str_copy_to(id, out->wamid, sizeof(out->wamid));
            (void)snprintf(out->detail, sizeof(out->detail), "sent");
        } else {
            out->outcome = WA_OUT_RETRY;
            out->code = http_status;
            (void)snprintf(out->detail, sizeof(out->detail), "answer without a message id");
        }
        goto out;
    }
    if (err && json_node_int(json_node_member(err, "code"), &code)) {
        out->code = code;
        set_detail(out, json_node_str(err, "message"), "error");
        for (size_t i = 0; i < ARRAY_LEN(meta_codes); i++) {
            if (meta_codes[i].code == code) {
                out->outcome = meta_codes[i].outcome;
                out->retry_floor_s = meta_codes[i].floor_s;
                goto out;
            }
        }
    } else {
        out->code = http_status;
        (void)snprintf(out->detail, sizeof(out->detail),
                       http_status ? "HTTP %ld without an error code" : "no answer", http_status);
    }
    /* No known code: the HTTP status decides. */
    if (http_status == 0 || http_status == 429 || http_status >= 500 || http_status == 408) {
        /* No floor for a 5xx or no answer: the kind's exponential back-off decides. */
        out->outcome = WA_OUT_RETRY;
        out->retry_floor_s = http_status == 429 ? 30 : 0;
    } else if (http_status == 401 || (http_status == 403 && !err)) {
        out->outcome = WA_OUT_AUTH;
    } else {
        out->outcome = WA_OUT_REJECTED;
    }
out:
    json_doc_free(doc);
}
