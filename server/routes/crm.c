/*
 * The CRM push (SPEC §8, §11), owners and admins of {wid} only:
 *
 *   GET    /api/v1/workspaces/{wid}/crm                          the endpoint (never its secret)
 *   PUT    /api/v1/workspaces/{wid}/crm {"url","events","idField"} creates (secret shown once)
 *                                                              or changes and re-enables it
 *   DELETE /api/v1/workspaces/{wid}/crm                          removes it
 *   POST   /api/v1/workspaces/{wid}/crm/rotate                   a new secret (shown once)
 *   POST   /api/v1/workspaces/{wid}/crm/test                     "enviar teste": 202 {"delivery"}
 *   GET    /api/v1/workspaces/{wid}/crm/deliveries?cursor=&limit= the delivery log
 *   POST   /api/v1/workspaces/{wid}/crm/deliveries/{id}/redeliver "reenviar": 202 {"delivery"}
 *
 * The same chain as the workspace routes: tenancy before everything else.
 */
#include "routes/routes.h"

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/strnum.h"
#include "crm/crm.h"
#include "crypto/crypto.h"
#include "middleware/middleware.h"
#include "routes/account.h"

/* RFC 3339 of a unix-ms time in the request's arena, or NULL for 0 (rendered null). */
static const char *
time_ms(struct request *req, int64_t ms)
{
    char *out;

    if (!ms) {
        return NULL;
    }
    out = arena_alloc(req->arena, 32);
    clock_format_rfc3339(ms, out, 32);
    return out;
}

static json_t *
endpoint_json(struct request *req, const struct crm_endpoint *e, const char *secret)
{
    json_t *events = json_array();
    json_t *o;

    for (unsigned f = 1; f & CRM_EV_ALL; f <<= 1) {
        if (e->events & f) {
            json_array_append_new(events, json_string(crm_event_name(f)));
        }
    }
    o = json_pack("{s:s, s:o, s:s, s:b, s:s?, s:s?, s:s?, s:s, s:s}", "url", e->url, "events",
                  events, "idField", e->id_field, "enabled", e->enabled, "disabledReason",
                  e->disabled_reason[0] ? e->disabled_reason : NULL, "disabledAt",
                  time_ms(req, e->disabled_at * 1000), "previousSecretUntil",
                  time_ms(req, e->previous_until * 1000), "createdAt",
                  account_time(req, e->created_at), "updatedAt", account_time(req, e->updated_at));
    if (secret && secret[0]) {
        json_object_set_new(o, "secret", json_string(secret));
    }
    return o;
}

static json_t *
delivery_json(struct request *req, const struct crm_delivery *d)
{
    return json_pack("{s:s, s:s, s:s?, s:s, s:I, s:o, s:s?, s:s?, s:s?, s:s}", "id", d->id, "event",
                     d->event ? d->event : "", "leadId", d->lead_id, "status",
                     d->status ? d->status : "", "attempts", (json_int_t)d->attempts, "lastStatus",
                     d->last_status ? json_integer(d->last_status) : json_null(), "lastError",
                     d->last_error, "lastAttemptAt", time_ms(req, d->last_attempt_at_ms),
                     "nextAttemptAt", time_ms(req, d->next_attempt_at_ms), "createdAt",
                     time_ms(req, d->created_at_ms));
}

/* 200 {"crm": ...} with the secret when one was just made; the secret is wiped after. */
static int
reply_endpoint(struct request *req, unsigned status, const struct crm_endpoint *e, char *secret)
{
    routes_reply_json_take(req, status, json_pack("{s:o}", "crm", endpoint_json(req, e, secret)));
    if (secret) {
        crypto_wipe(secret, STDWEBHOOK_SECRET_SIZE);
    }
    return 0;
}

/* GET /crm -> {"crm"} or 404 */
static int
crm_show(struct request *req)
{
    struct crm_endpoint e = {0};
    int err = crm_get(req->app->db, req->tenant->workspace_id, &e);

    return err ? err : reply_endpoint(req, 200, &e, NULL);
}

static const struct json_field put_fields[] = {
    {"url", JSON_F_STRING, true, 1, HTTPC_URL_MAX},
    {"events", JSON_F_STRINGS, true, 1, 2},
    {"idField", JSON_F_STRING, false, 1, CRM_ID_FIELD_MAX},
};

/* PUT /crm {"url","events","idField"} -> 200 {"crm"} (with "secret" when created). */
static int
crm_save(struct request *req)
{
    struct json_value v[ARRAY_LEN(put_fields)];
    struct auth_client client = account_client(req);
    struct str names[2];
    struct crm_endpoint e = {0};
    char secret[STDWEBHOOK_SECRET_SIZE] = "";
    char why[128];
    unsigned events = 0;
    char *url;
    char *id_field = NULL;
    int err = routes_decode(req, put_fields, ARRAY_LEN(put_fields), v);

    if (err) {
        return err;
    }
    url = arena_strdup_str(req->arena, v[0].s);
    if (httpc_check_url(url, crm_reach(req->app->cfg), why, sizeof(why))) {
        /* The field error keeps the pointer: the reason goes to the request's arena. */
        request_field_error(req, "url", "not_allowed", arena_strdup(req->arena, why));
        err = E_VALIDATION;
    }
    for (size_t i = 0; i < (size_t)v[1].i && i < ARRAY_LEN(names); i++) {
        names[i] = STR_NULL;
        (void)json_node_string(json_node_at(v[1].node, i), &names[i]);
    }
    if (crm_parse_events(names, (size_t)v[1].i, &events)) {
        request_field_error(req, "events", "invalid",
                            "must list lead.qualified and/or lead.stage_changed");
        err = E_VALIDATION;
    }
    if (v[2].present) {
        if (!crm_id_field_valid(v[2].s)) {
            request_field_error(req, "idField", "invalid",
                                "must be a field name or a dotted path like data.id");
            err = E_VALIDATION;
        }
        id_field = arena_strdup_str(req->arena, v[2].s);
    }
    if (err) {
        return err;
    }
    err = crm_put(req->app->db, req->app->cfg, req->tenant->workspace_id, req->tenant->user_id,
                  &client, url, events, id_field, &e, secret);
    return err ? err : reply_endpoint(req, 200, &e, secret);
}

/* DELETE /crm -> 204 */
static int
crm_remove(struct request *req)
{
    struct auth_client client = account_client(req);
    int err = crm_delete(req->app->db, req->tenant->workspace_id, req->tenant->user_id, &client);

    if (!err) {
        response_empty(req, 204);
    }
    return err;
}

/* POST /crm/rotate -> 200 {"crm"} with the new "secret". */
static int
crm_rotate_secret(struct request *req)
{
    struct auth_client client = account_client(req);
    struct crm_endpoint e = {0};
    char secret[STDWEBHOOK_SECRET_SIZE] = "";
    int err = crm_rotate(req->app->db, req->app->cfg, req->tenant->workspace_id,
                         req->tenant->user_id, &client, &e, secret);

    return err ? err : reply_endpoint(req, 200, &e, secret);
}

/* 202 {"delivery"} */
static int
reply_delivery(struct request *req, int err, const struct crm_delivery *d)
{
    if (err == E_CONFLICT) {
        response_problem(req, err, "the CRM endpoint is disabled or the delivery is not failed");
        return 0;
    }
    if (!err) {
        routes_reply_json_take(req, 202, json_pack("{s:o}", "delivery", delivery_json(req, d)));
    }
    return err;
}

/* POST /crm/test -> 202 {"delivery"} */
static int
crm_test(struct request *req)
{
    struct auth_client client = account_client(req);
    struct crm_delivery d = {0};
    int err = crm_send_test(req->app->db, req->app->cfg, req->tenant->workspace_id,
                            req->tenant->user_id, &client, req->arena, &d);

    return reply_delivery(req, err, &d);
}

/* A log cursor "<created_at_ms>.<id>": 0 or E_INVALID. */
static int
parse_cursor(struct str s, int64_t *ms, struct str *id)
{
    long dot = str_find(s, '.');

    if (dot <= 0) {
        return E_INVALID;
    }
    *id = str_make(s.ptr + dot + 1, s.len - (size_t)dot - 1);
    if (id->len == 0 || id->len >= CRM_EVENT_ID_SIZE ||
        strnum_parse(str_make(s.ptr, (size_t)dot), 1, INT64_MAX, ms)) {
        return E_INVALID;
    }
    for (size_t i = 0; i < id->len; i++) {
        char c = id->ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return E_INVALID;
        }
    }
    return 0;
}

/* GET /crm/deliveries?cursor=&limit= -> {"deliveries": [...], "nextCursor"} */
static int
crm_log(struct request *req)
{
    struct str cursor = request_query(req, "cursor");
    struct str limit_s = request_query(req, "limit");
    struct crm_delivery *list = NULL;
    struct str before_id = STR_NULL;
    int64_t before_ms = 0;
    int64_t limit = CRM_LOG_PAGE;
    size_t n = 0;
    bool more = false;
    json_t *arr;
    int err = 0;

    if (cursor.len && parse_cursor(cursor, &before_ms, &before_id)) {
        request_field_error(req, "cursor", "invalid", "is not a cursor this API gave");
        err = E_VALIDATION;
    }
    if (limit_s.len && strnum_parse(limit_s, 1, CRM_LOG_PAGE_MAX, &limit)) {
        request_field_error(req, "limit", "out_of_range", "must be 1 to 200");
        err = E_VALIDATION;
    }
    if (err || (err = crm_deliveries(req->app->db, req->tenant->workspace_id, before_ms,
                                     arena_strdup_str(req->arena, before_id), (size_t)limit,
                                     req->arena, &list, &n, &more))) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, delivery_json(req, &list[i]));
    }
    routes_reply_json_take(
        req, 200,
        json_pack("{s:o, s:s?}", "deliveries", arr, "nextCursor",
                  more && n ? arena_printf(req->arena, "%lld.%s",
                                           (long long)list[n - 1].created_at_ms, list[n - 1].id)
                            : NULL));
    return 0;
}

/* POST /crm/deliveries/{id}/redeliver -> 202 {"delivery"} */
static int
crm_resend(struct request *req)
{
    struct auth_client client = account_client(req);
    struct str id = request_param(req, "id");
    struct crm_delivery d = {0};
    int err;

    if (id.len == 0 || id.len >= CRM_EVENT_ID_SIZE) {
        return E_NOT_FOUND;
    }
    err = crm_redeliver(req->app->db, req->tenant->workspace_id, arena_strdup_str(req->arena, id),
                        req->tenant->user_id, &client, req->arena, &d);
    return reply_delivery(req, err, &d);
}

/* Columns: methods, path, handler, body limit, flags (every row: owners and admins). */
/* clang-format off */
static const struct route routes[] = {
    {HTTP_GET, "/api/v1/workspaces/{wid}/crm", crm_show, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_PUT, "/api/v1/workspaces/{wid}/crm", crm_save, 8192, ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_DELETE, "/api/v1/workspaces/{wid}/crm", crm_remove, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/crm/rotate", crm_rotate_secret, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/crm/test", crm_test, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/crm/deliveries", crm_log, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/crm/deliveries/{id}/redeliver", crm_resend, 0,
     ROUTE_AUTH | ROUTE_ADMIN},
};
/* clang-format on */

/* The workspace routes' chain: tenancy first, so a non-member learns nothing but 404. */
static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors,        &mw_sec_headers_api, &mw_session, &mw_csrf,
    &mw_tenant,    &mw_recent_auth, &mw_json_body,       NULL,
};

const struct route_group routes_crm = {
    "crm", "/api/v1", GROUP_CLAIM_BY_ROUTE, chain, routes, ARRAY_LEN(routes), NULL,
};
