/*
 * The sales channel's workspace routes (SPEC §11): agents, leads and their
 * messages. Rows in the tenant table (routes/workspaces.c) point here, each
 * with its minimum role: members work the inbox and the leads, admins
 * manage the agents. Handlers read req->tenant (mw_tenant), never {wid}.
 */
#include "routes/channel.h"

#include "agents/agents.h"
#include "agents/handoff.h"
#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/strnum.h"
#include "integrations/whatsapp.h"
#include "leads/leads.h"
#include "unicode/unicode.h"
#include "whatsapp/send.h"
#include "workspaces/workspaces.h"

static const char *
time_ms(struct request *req, int64_t ms)
{
    char *out = arena_alloc(req->arena, 32);
    clock_format_rfc3339(ms, out, 32);
    return out;
}

/* A path parameter as a NUL-terminated id of ours, or NULL (then nothing can match: 404). */
static const char *
param_id(struct request *req, const char *name)
{
    struct str id = request_param(req, name);
    return id.len && id.len < AGENT_ID_SIZE ? arena_strdup_str(req->arena, id) : NULL;
}

/* ---- Agents -------------------------------------------------------------------------------- */

static json_t *
agent_json(struct request *req, const struct agent *a)
{
    json_t *docs = json_array(), *words = json_array();
    const char *model = a->model && a->model[0] ? a->model : req->app->cfg->llm_model;

    for (size_t i = 0; i < a->ndocuments; i++) {
        json_array_append_new(docs, json_string(a->document_ids[i]));
    }
    for (size_t i = 0; i < a->nhandoff_words; i++) {
        json_array_append_new(words,
                              json_stringn(a->handoff_words[i].ptr, a->handoff_words[i].len));
    }
    /* The token is write-only: the answer only says one is set. */
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:f, s:b, s:o, s:i, s:o, s:b, "
                     "s:s, s:s}",
                     "id", a->id, "name", a->name, "persona", a->persona, "instructions",
                     a->instructions, "phoneNumberId", a->phone_number_id, "status",
                     a->active ? "active" : "paused", "model", model, "defaultModel",
                     !(a->model && a->model[0]), "temperature", a->temperature_pct / 100.0,
                     "allDocuments", a->all_documents, "documentIds", docs, "debounceSeconds",
                     a->debounce_s, "handoffWords", words, "hasAccessToken", a->has_token,
                     "createdAt", time_ms(req, a->created_at * 1000), "updatedAt",
                     time_ms(req, a->updated_at * 1000));
}

static const struct json_field agent_fields[] = {
    {"name", JSON_F_STRING, true, 1, AGENTS_NAME_MAX},
    {"instructions", JSON_F_STRING, false, 0, AGENTS_INSTRUCTIONS_MAX},
    {"phoneNumberId", JSON_F_STRING, true, 1, 32},
    {"accessToken", JSON_F_STRING, true, 1, AGENTS_TOKEN_MAX},
    {"status", JSON_F_STRING, false, 1, 16},
    {"documentIds", JSON_F_STRINGS, false, 0, AGENTS_DOCUMENTS_MAX},
    {"persona", JSON_F_STRING, false, 0, AGENTS_PERSONA_MAX},
    {"model", JSON_F_STRING, false, 0, AGENTS_MODEL_MAX},
    {"temperature", JSON_F_NUMBER, false, 0, 2},
    {"allDocuments", JSON_F_BOOL, false, 0, 0},
    {"debounceSeconds", JSON_F_INT, false, 0, AGENTS_DEBOUNCE_MAX},
    {"handoffWords", JSON_F_STRINGS, false, 0, HANDOFF_WORDS_MAX},
};
enum {
    AF_NAME,
    AF_INSTRUCTIONS,
    AF_PNID,
    AF_TOKEN,
    AF_STATUS,
    AF_DOCS,
    AF_PERSONA,
    AF_MODEL,
    AF_TEMPERATURE,
    AF_ALL_DOCS,
    AF_DEBOUNCE,
    AF_HANDOFF,
};

/* A JSON_F_STRINGS value as a list in the request's arena. */
static struct str *
strings_of(struct request *req, const struct json_value *v)
{
    struct str *out = arena_alloc(req->arena, st_mult((size_t)v->i + 1, sizeof(*out)));

    for (int64_t i = 0; i < v->i; i++) {
        if (!json_node_string(json_node_at(v->node, (size_t)i), &out[i])) {
            out[i] = STR_NULL;
        }
    }
    return out;
}

/*
 * The reply settings of a create or patch: documents are all of the
 * workspace's unless allDocuments is false or, without allDocuments, a
 * non-empty documentIds names a chosen set.
 */
static void
decode_settings(struct request *req, const struct json_value *v, bool patch, struct agent_fields *f)
{
    f->has_persona = v[AF_PERSONA].present;
    f->persona = v[AF_PERSONA].s;
    f->has_model = v[AF_MODEL].present;
    f->model = v[AF_MODEL].s;
    if (f->model.len && !agents_is_model_name(f->model)) {
        request_field_error(req, "model", "invalid", "must be a model name ([A-Za-z0-9._:/-])");
    }
    f->has_temperature = v[AF_TEMPERATURE].present;
    f->temperature_pct = (int)(v[AF_TEMPERATURE].d * 100.0 + 0.5);
    f->has_debounce = v[AF_DEBOUNCE].present;
    f->debounce_s = (int)v[AF_DEBOUNCE].i;
    f->has_documents = v[AF_DOCS].present || v[AF_ALL_DOCS].present || !patch;
    f->all_documents =
        v[AF_ALL_DOCS].present ? v[AF_ALL_DOCS].b : !(v[AF_DOCS].present && v[AF_DOCS].i > 0);
    if (v[AF_DOCS].present && !f->all_documents) {
        f->document_ids = strings_of(req, &v[AF_DOCS]);
        f->ndocuments = (size_t)v[AF_DOCS].i;
    }
    f->has_handoff = v[AF_HANDOFF].present;
    if (f->has_handoff) {
        f->handoff_words = strings_of(req, &v[AF_HANDOFF]);
        f->nhandoff_words = (size_t)v[AF_HANDOFF].i;
        for (size_t i = 0; i < f->nhandoff_words; i++) {
            if (handoff_check_word(f->handoff_words[i])) {
                request_field_error(req, "handoffWords", "invalid",
                                    "each must be 1 to 64 characters with a letter or digit");
                break;
            }
        }
    }
}

/* Decodes a create (all required fields) or a patch (any subset) into f. */
static int
decode_agent(struct request *req, bool patch, struct agent_fields *f)
{
    struct json_field spec[ARRAY_LEN(agent_fields)];
    struct json_value v[ARRAY_LEN(agent_fields)];
    int err;

    memcpy(spec, agent_fields, sizeof(spec));
    for (size_t i = 0; patch && i < ARRAY_LEN(spec); i++) {
        spec[i].required = false;
    }
    if ((err = routes_decode(req, spec, ARRAY_LEN(spec), v))) {
        return err;
    }
    memset(f, 0, sizeof(*f));
    f->has_name = v[AF_NAME].present;
    if (f->has_name && leads_check_name(v[AF_NAME].s, AGENTS_NAME_MAX, &f->name)) {
        request_field_error(req, "name", "invalid", "must be 1 to 100 visible characters");
    }
    f->has_instructions = v[AF_INSTRUCTIONS].present || !patch;
    f->instructions = v[AF_INSTRUCTIONS].present ? v[AF_INSTRUCTIONS].s : str_make("", 0);
    f->has_phone_number_id = v[AF_PNID].present;
    f->phone_number_id = v[AF_PNID].s;
    f->has_token = v[AF_TOKEN].present;
    f->token = v[AF_TOKEN].s;
    f->has_status = v[AF_STATUS].present || !patch;
    f->active = !v[AF_STATUS].present || str_eq_cstr(v[AF_STATUS].s, "active");
    if (f->has_phone_number_id && !whatsapp_is_phone_number_id(f->phone_number_id)) {
        request_field_error(req, "phoneNumberId", "invalid",
                            "must be Meta's phone number id (digits)");
    }
    if (v[AF_STATUS].present && !str_eq_cstr(v[AF_STATUS].s, "active") &&
        !str_eq_cstr(v[AF_STATUS].s, "paused")) {
        request_field_error(req, "status", "invalid", "must be active or paused");
    }
    if (f->has_token && !str_is_visible(f->token)) {
        request_field_error(req, "accessToken", "invalid", "must be printable");
    }
    decode_settings(req, v, patch, f);
    return req->nfield_errors ? E_VALIDATION : 0;
}

static int
agent_answer(struct request *req, int err, unsigned status, const struct agent *a)
{
    if (err == E_CONFLICT) {
        request_field_error(req, "phoneNumberId", "taken", "another agent answers on this number");
        response_problem(req, err, "another agent answers on this phone number id");
        return 0;
    }
    if (err == E_INVALID) {
        response_problem(req, E_CONFLICT, "this workspace has as many agents as it may");
        return 0;
    }
    if (err == E_VALIDATION) {
        request_field_error(req, "documentIds", "invalid",
                            "each must be a document of this workspace");
        return err;
    }
    if (err) {
        return err;
    }
    routes_reply_json_take(req, status, json_pack("{s:o}", "agent", agent_json(req, a)));
    return 0;
}

/* POST /agents -> 201 {"agent"} */
int
channel_agent_create(struct request *req)
{
    struct agent_fields f;
    struct agent a = {0};
    int err = decode_agent(req, false, &f);

    if (err) {
        return err;
    }
    err = agents_create(req->app->db, req->app->cfg, req->tenant->workspace_id, &f, req->arena, &a);
    return agent_answer(req, err, 201, &a);
}

/* GET /agents -> {"agents": [...]} */
int
channel_agent_list(struct request *req)
{
    struct agent *list = NULL;
    size_t n = 0;
    json_t *arr;
    int err = agents_list(req->app->db, req->tenant->workspace_id, req->arena, &list, &n);

    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, agent_json(req, &list[i]));
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "agents", arr));
    return 0;
}

/* GET /agents/{id} */
int
channel_agent_get(struct request *req)
{
    const char *id = param_id(req, "id");
    struct agent a = {0};
    int err =
        id ? agents_get(req->app->db, req->tenant->workspace_id, id, req->arena, &a) : E_NOT_FOUND;
    return agent_answer(req, err, 200, &a);
}

/* PATCH /agents/{id} */
int
channel_agent_patch(struct request *req)
{
    const char *id = param_id(req, "id");
    struct agent_fields f;
    struct agent a = {0};
    int err = decode_agent(req, true, &f);

    if (err) {
        return err;
    }
    err = id ? agents_update(req->app->db, req->app->cfg, req->tenant->workspace_id, id, &f,
                             req->arena, &a)
             : E_NOT_FOUND;
    return agent_answer(req, err, 200, &a);
}

/* DELETE /agents/{id} -> 204 */
int
channel_agent_delete(struct request *req)
{
    const char *id = param_id(req, "id");
    int err = id ? agents_delete(req->app->db, req->tenant->workspace_id, id) : E_NOT_FOUND;

    if (err) {
        return err;
    }
    response_empty(req, 204);
    return 0;
}

/* ---- Leads --------------------------------------------------------------------------------- */

static json_t *
lead_json(struct request *req, const struct lead *l)
{
    json_t *last = json_null();
    json_t *window = json_null();

    if (l->last_author) {
        last = json_pack("{s:s, s:s, s:s}", "text", l->last_text ? l->last_text : "", "author",
                         l->last_author, "type", l->last_type ? l->last_type : "text");
    }
    if (l->window_closes_at) {
        window = json_string(time_ms(req, l->window_closes_at * 1000));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:s, s:o, s:s?, s:s?, "
                     "s:I, s:o}",
                     "id", l->id, "name", l->name, "phone", l->phone, "stage", l->stage, "ownerId",
                     l->owner_id[0] ? l->owner_id : NULL, "agentId",
                     l->agent_id[0] ? l->agent_id : NULL, "crmId", l->crm_id, "lastMessageAt",
                     time_ms(req, l->last_message_at_ms), "takenOver", l->taken_over, "createdAt",
                     time_ms(req, l->created_at * 1000), "lastMessage", last, "agentName",
                     l->agent_name, "ownerName", l->owner_name, "unread", (json_int_t)l->unread,
                     "windowClosesAt", window);
}

/*
 * The pipeline's filters: owner=me|none|<userId> (me is the asking person)
 * and takenOver=true|false. Nonzero (and field errors) when one is invalid.
 */
static int
parse_pipeline_filters(struct request *req, struct leads_filter *f)
{
    struct str owner = request_query(req, "owner");
    struct str taken = request_query(req, "takenOver");
    int bad = 0;

    if (str_eq_cstr(owner, "me")) {
        f->owner_id = str_from_cstr(req->tenant->user_id);
    } else if (str_eq_cstr(owner, "none")) {
        f->owner_none = true;
    } else if (owner.len > 64) {
        request_field_error(req, "owner", "invalid", "must be me, none or a member's id");
        bad = 1;
    } else if (owner.len) {
        f->owner_id = owner;
    }
    if (taken.len) {
        f->has_taken_over = true;
        f->taken_over = str_eq_cstr(taken, "true");
        if (!f->taken_over && !str_eq_cstr(taken, "false")) {
            request_field_error(req, "takenOver", "invalid", "must be true or false");
            bad = 1;
        }
    }
    return bad;
}

/*
 * GET /leads?stage=&owner=&ownerId=&agentId=&takenOver=&q=&cursor=&limit=
 * -> {"leads", "nextCursor"}
 */
int
channel_lead_list(struct request *req)
{
    struct leads_filter f;
    struct str cursor = request_query(req, "cursor");
    struct str limit = request_query(req, "limit");
    struct lead *list = NULL;
    size_t n = 0;
    bool more = false;
    int64_t lim = LEADS_PAGE_DEFAULT;
    char next[LEADS_CURSOR_MAX + 1];
    json_t *arr;
    int err;

    memset(&f, 0, sizeof(f));
    f.stage = request_query(req, "stage");
    f.owner_id = request_query(req, "ownerId");
    f.agent_id = request_query(req, "agentId");
    f.q = request_query(req, "q");
    if (parse_pipeline_filters(req, &f)) {
        return E_VALIDATION;
    }
    if (f.stage.len && !leads_is_stage(f.stage)) {
        request_field_error(req, "stage", "invalid",
                            "must be new, engaged, qualified, won or lost");
    }
    if (f.q.len && (!str_is_utf8(f.q) || str_utf8_len(f.q) > LEADS_QUERY_MAX)) {
        request_field_error(req, "q", "too_long", "at most 100 characters");
    }
    if (f.owner_id.len > 64 || f.agent_id.len > 64) {
        request_field_error(req, f.owner_id.len > 64 ? "ownerId" : "agentId", "invalid",
                            "is not an id");
    }
    if (cursor.len) {
        f.has_cursor = true;
        if (leads_cursor_parse(cursor, &f.cursor)) {
            request_field_error(req, "cursor", "invalid", "is not a cursor this server gave");
        }
    }
    if (limit.len && strnum_parse(limit, 1, LEADS_PAGE_MAX, &lim)) {
        request_field_error(req, "limit", "out_of_range", "must be 1 to 100");
    }
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    f.limit = (size_t)lim;
    if ((err = leads_list(req->app->db, req->tenant->workspace_id, &f, req->arena, &list, &n,
                          &more))) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, lead_json(req, &list[i]));
    }
    if (more && n) {
        struct leads_cursor c = {list[n - 1].last_message_at_ms, ""};
        str_copy_to(str_from_cstr(list[n - 1].id), c.id, sizeof(c.id));
        leads_cursor_render(&c, next, sizeof(next));
    }
    routes_reply_json_take(
        req, 200, json_pack("{s:o, s:s?}", "leads", arr, "nextCursor", more && n ? next : NULL));
    return 0;
}

/* GET /leads/{id} -> {"lead"} */
int
channel_lead_get(struct request *req)
{
    const char *id = param_id(req, "id");
    struct lead l = {0};
    int err =
        id ? leads_get(req->app->db, req->tenant->workspace_id, id, req->arena, &l) : E_NOT_FOUND;

    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "lead", lead_json(req, &l)));
    return 0;
}

static const struct json_field lead_patch_fields[] = {
    {"stage", JSON_F_STRING, false, 1, 16},
    {"ownerId", JSON_F_STRING, false, 0, 64},
    {"name", JSON_F_STRING, false, 1, LEADS_NAME_MAX},
    {"takenOver", JSON_F_BOOL, false, 0, 0},
};

/* PATCH /leads/{id} {"stage","ownerId","name","takenOver"} -> {"lead"} */
int
channel_lead_patch(struct request *req)
{
    const char *id = param_id(req, "id");
    struct json_value v[ARRAY_LEN(lead_patch_fields)];
    struct lead_patch p;
    const char *bad = NULL;
    struct lead l = {0};
    int err = routes_decode(req, lead_patch_fields, ARRAY_LEN(lead_patch_fields), v);

    if (err) {
        return err;
    }
    memset(&p, 0, sizeof(p));
    p.has_stage = v[0].present;
    p.stage = v[0].s;
    /* "ownerId": null or "" clears the owner. */
    p.has_owner = v[1].present || json_object_get(json_doc_root(req->json), "ownerId") != NULL;
    p.owner_id = v[1].s;
    p.has_name = v[2].present;
    if (p.has_name && leads_check_name(v[2].s, LEADS_NAME_MAX, &p.name)) {
        request_field_error(req, "name", "invalid", "must be 1 to 200 visible characters");
        return E_VALIDATION;
    }
    p.has_taken_over = v[3].present;
    p.taken_over = v[3].b;
    p.actor = LEAD_ACTOR_PERSON;
    p.by_user_id = req->tenant->user_id;
    if (p.has_stage && !leads_is_stage(p.stage)) {
        request_field_error(req, "stage", "invalid",
                            "must be new, engaged, qualified, won or lost");
        return E_VALIDATION;
    }
    err = id ? leads_update(req->app->db, req->app->cfg, req->tenant->workspace_id, id, &p,
                            req->arena, &l, &bad)
             : E_NOT_FOUND;
    if (err == E_VALIDATION && bad) {
        request_field_error(req, bad, "invalid", "is not a member of this workspace");
    }
    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "lead", lead_json(req, &l)));
    return 0;
}

/* GET /leads/{id}/history -> {"history": [entry...]} (newest first) */
int
channel_lead_history(struct request *req)
{
    const char *id = param_id(req, "id");
    struct lead_history_entry *list = NULL;
    size_t n = 0;
    json_t *arr;
    int err = id ? leads_history(req->app->db, req->tenant->workspace_id, id, req->arena, &list, &n)
                 : E_NOT_FOUND;

    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct lead_history_entry *e = &list[i];
        json_t *by = e->user_id ? json_pack("{s:s, s:s?}", "id", e->user_id, "name", e->user_name)
                                : json_null();
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s}", "id",
                                             (json_int_t)e->id, "kind", e->kind, "from", e->from,
                                             "to", e->to, "actor", e->actor, "by", by, "at",
                                             time_ms(req, e->at_ms)));
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "history", arr));
    return 0;
}

/* GET /summary -> {"checklist", "today"} (the home page) */
int
channel_summary(struct request *req)
{
    struct leads_summary s;
    char day[16];
    char start[32];
    int err = leads_summary(req->app->db, req->tenant->workspace_id, clock_wall_ms(), &s);

    if (err) {
        return err;
    }
    /* The day in São Paulo: its start is 03:00 UTC, whose UTC date is that day. */
    clock_format_rfc3339(s.day_start_ms, start, sizeof(start));
    str_copy_to(str_from_cstr(start), day, 11);
    routes_reply_json_take(
        req, 200,
        json_pack("{s:{s:b, s:b, s:b, s:b}, s:{s:s, s:s, s:s, s:I, s:I, s:I, s:I}}", "checklist",
                  "numberConnected", s.number_connected, "agentCreated", s.agent_created,
                  "documentsReady", s.documents_ready, "firstConversation", s.first_conversation,
                  "today", "date", day, "timeZone", "America/Sao_Paulo", "since",
                  time_ms(req, s.day_start_ms), "newLeads", (json_int_t)s.new_leads,
                  "answeredByAgent", (json_int_t)s.answered, "handoffs", (json_int_t)s.handoffs,
                  "qualified", (json_int_t)s.qualified));
    return 0;
}

/* ---- Messages ------------------------------------------------------------------------------ */

static json_t *
message_json(struct request *req, const struct lead_message *m)
{
    json_t *meta = NULL;
    json_t *media = json_null();
    json_t *error = json_null();
    json_t *sources = NULL;

    if (m->metadata) {
        meta = json_loads(m->metadata, JSON_REJECT_DUPLICATES, NULL);
    }
    if (m->media_id) {
        media = json_pack("{s:s, s:s?}", "id", m->media_id, "mimeType", m->mime_type);
    }
    if (m->error_code || m->error_title) {
        error = json_pack("{s:o, s:s?}", "code",
                          m->error_code ? json_integer((json_int_t)m->error_code) : json_null(),
                          "title", m->error_title);
    }
    /* sources: the ids of the document chunks an agent's answer was given (replies/reply.h). */
    if (m->sources) {
        sources = json_loads(m->sources, JSON_REJECT_DUPLICATES, NULL);
    }
    if (!json_is_array(sources)) {
        json_decref(sources);
        sources = json_array();
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id",
                     arena_printf(req->arena, "%lld", (long long)m->id), "direction", m->direction,
                     "author", m->author, "type", m->type, "text", m->text, "status", m->status,
                     "createdAt", time_ms(req, m->created_at_ms), "sources", sources, "media",
                     media, "metadata", meta ? meta : json_null(), "error", error);
}

/* A page of a lead's messages or notes: ?cursor= (the last id seen) and ?limit=. */
struct page {
    bool has_cursor;
    int64_t before;
    size_t limit;
};

/* 0 and *pg, E_VALIDATION (field errors set), E_NOT_FOUND (no usable id). */
static int
page_params(struct request *req, const char *id, struct page *pg)
{
    struct str cursor = request_query(req, "cursor");
    struct str limit = request_query(req, "limit");
    int64_t lim = LEADS_PAGE_DEFAULT;

    pg->has_cursor = cursor.len > 0;
    pg->before = 0;
    if (cursor.len && leads_msg_cursor_parse(cursor, &pg->before)) {
        request_field_error(req, "cursor", "invalid", "is not a cursor this server gave");
    }
    if (limit.len && strnum_parse(limit, 1, LEADS_PAGE_MAX, &lim)) {
        request_field_error(req, "limit", "out_of_range", "must be 1 to 100");
    }
    pg->limit = (size_t)lim;
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    return id ? 0 : E_NOT_FOUND;
}

/* 200 {key: arr, "nextCursor"}: the cursor after last_id when more follow, else null. */
static void
page_reply(struct request *req, const char *key, json_t *arr, bool more, int64_t last_id)
{
    char next[LEADS_CURSOR_MAX + 1];

    if (more) {
        leads_msg_cursor_render(last_id, next, sizeof(next));
    }
    routes_reply_json_take(req, 200,
                           json_pack("{s:o, s:s?}", key, arr, "nextCursor", more ? next : NULL));
}

/* GET /leads/{id}/messages?cursor=&limit= -> {"messages" (newest first), "nextCursor"} */
int
channel_message_list(struct request *req)
{
    const char *id = param_id(req, "id");
    struct page pg;
    struct lead_message *list = NULL;
    size_t n = 0;
    bool more = false;
    json_t *arr;
    int err = page_params(req, id, &pg);

    if (err) {
        return err;
    }
    if ((err = leads_messages(req->app->db, req->tenant->workspace_id, id, pg.has_cursor, pg.before,
                              pg.limit, req->arena, &list, &n, &more))) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, message_json(req, &list[i]));
    }
    page_reply(req, "messages", arr, more && n, n ? list[n - 1].id : 0);
    return 0;
}

static const struct json_field reply_fields[] = {
    {"text", JSON_F_STRING, true, 1, WHATSAPP_TEXT_MAX},
};

struct reply {
    const struct tenant *t;
    const char *lead_id;
    struct str text;
    int64_t message_id;
};

static int
reply_tx(struct db_conn *conn, void *arg)
{
    struct reply *r = arg;
    return whatsapp_send_text(conn, r->t->workspace_id, r->lead_id, WA_AUTHOR_PERSON, r->t->user_id,
                              r->text, clock_wall_ms(), &r->message_id);
}

/* POST /leads/{id}/messages {"text"} -> 202 {"message"}, or 409 window_closed. */
int
channel_message_send(struct request *req)
{
    const char *id = param_id(req, "id");
    struct json_value v[ARRAY_LEN(reply_fields)];
    struct reply r = {req->tenant, id, STR_NULL, 0};
    struct lead_message *list = NULL;
    size_t n = 0;
    bool more = false;
    int err = routes_decode(req, reply_fields, ARRAY_LEN(reply_fields), v);

    if (err) {
        return err;
    }
    if (!id) {
        return E_NOT_FOUND;
    }
    r.text = v[0].s;
    if ((err = db_tx(req->app->db, reply_tx, &r))) {
        if (err == E_WINDOW_CLOSED) {
            response_problem(req, err,
                             "the lead last wrote more than 24 hours ago: WhatsApp only allows a "
                             "template message now");
            return 0;
        }
        return err;
    }
    /* The message as stored (pending): the newest one at or before its id. */
    err = leads_messages(req->app->db, req->tenant->workspace_id, id, true, r.message_id + 1, 1,
                         req->arena, &list, &n, &more);
    if (err || n == 0) {
        return err ? err : E_DB;
    }
    routes_reply_json_take(req, 202, json_pack("{s:o}", "message", message_json(req, &list[0])));
    return 0;
}

/* ---- Read marker and notes ----------------------------------------------------------------- */

static const struct json_field read_fields[] = {
    {"messageId", JSON_F_STRING, false, 1, 20},
};

/* POST /leads/{id}/read {"messageId"?} -> {"lead"}: the team has read up to it (default: all). */
int
channel_lead_read(struct request *req)
{
    const char *id = param_id(req, "id");
    struct json_value v[ARRAY_LEN(read_fields)];
    int64_t up_to = 0;
    struct lead l = {0};
    int err = routes_decode(req, read_fields, ARRAY_LEN(read_fields), v);

    if (err) {
        return err;
    }
    if (v[0].present && strnum_parse(v[0].s, 1, INT64_MAX, &up_to)) {
        request_field_error(req, "messageId", "invalid", "is not a message id");
        return E_VALIDATION;
    }
    err = id ? leads_mark_read(req->app->db, req->tenant->workspace_id, id, up_to, req->arena, &l)
             : E_NOT_FOUND;
    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "lead", lead_json(req, &l)));
    return 0;
}

static json_t *
note_json(struct request *req, const struct lead_note *n)
{
    return json_pack("{s:s, s:s?, s:s?, s:s, s:s}", "id",
                     arena_printf(req->arena, "%lld", (long long)n->id), "authorId", n->author_id,
                     "authorName", n->author_name, "text", n->text ? n->text : "", "createdAt",
                     time_ms(req, n->created_at_ms));
}

/* GET /leads/{id}/notes?cursor=&limit= -> {"notes" (newest first), "nextCursor"} */
int
channel_note_list(struct request *req)
{
    const char *id = param_id(req, "id");
    struct page pg;
    struct lead_note *list = NULL;
    size_t n = 0;
    bool more = false;
    json_t *arr;
    int err = page_params(req, id, &pg);

    if (err) {
        return err;
    }
    if ((err = leads_notes(req->app->db, req->tenant->workspace_id, id, pg.has_cursor, pg.before,
                           pg.limit, req->arena, &list, &n, &more))) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, note_json(req, &list[i]));
    }
    page_reply(req, "notes", arr, more && n, n ? list[n - 1].id : 0);
    return 0;
}

/*
 * A note is the team's free text: line breaks and tabs are its layout, but
 * not other controls, bidi overrides or zero-width characters (as names,
 * leads_check_name), nor a text that shows nothing.
 */
static bool
note_text_ok(struct str text)
{
    size_t start = 0;

    if (text.len == 0 || !str_is_utf8(text) || unicode_is_blank(text)) {
        return false;
    }
    for (size_t i = 0; i <= text.len; i++) {
        if (i == text.len || text.ptr[i] == '\n' || text.ptr[i] == '\t') {
            if (unicode_has_layout_controls(str_make(text.ptr + start, i - start))) {
                return false;
            }
            start = i + 1;
        }
    }
    return true;
}

static const struct json_field note_fields[] = {
    {"text", JSON_F_STRING, true, 1, LEADS_NOTE_MAX},
};

/* POST /leads/{id}/notes {"text"} -> 201 {"note"} */
int
channel_note_create(struct request *req)
{
    const char *id = param_id(req, "id");
    struct json_value v[ARRAY_LEN(note_fields)];
    struct lead_note note;
    struct str text;
    int err = routes_decode(req, note_fields, ARRAY_LEN(note_fields), v);

    if (err) {
        return err;
    }
    text = str_trim(v[0].s);
    if (!note_text_ok(text)) {
        request_field_error(req, "text", "invalid",
                            "must show some text, without control or invisible characters");
        return E_VALIDATION;
    }
    if (!id) {
        return E_NOT_FOUND;
    }
    if ((err = leads_note_add(req->app->db, req->tenant->workspace_id, id, req->tenant->user_id,
                              text, clock_wall_ms(), req->arena, &note))) {
        return err;
    }
    routes_reply_json_take(req, 201, json_pack("{s:o}", "note", note_json(req, &note)));
    return 0;
}
