/*
 * /api/v1 routes of the workspaces (SPEC §8, §11): creating and listing
 * one's workspaces, accepting an invitation, and everything under
 * /api/v1/workspaces/{wid}. That last part is the tenant table: each row
 * carries the least role the caller needs in {wid} (ROUTE_MEMBER,
 * ROUTE_ADMIN, ROUTE_OWNER), and the chain resolves who is asking
 * (mw_tenant) before any handler runs, so handlers read req->tenant and
 * never the raw {wid}. A domain module adds a workspace route as one row
 * here with its role; routes_init checks every {wid} row has one.
 * Session cookie, CSRF on non-GET, CORS for the app origins only, like the
 * rest of /api/v1.
 */
#include "routes/events.h"
#include "routes/routes.h"

#include "app.h"
#include "core/err.h"
#include "core/strnum.h"
#include "middleware/middleware.h"
#include "routes/account.h"
#include "routes/documents.h"
#include "routes/channel.h"
#include "workspaces/invitations.h"
#include "workspaces/workspaces.h"

static json_t *
member_json(struct request *req, const struct ws_member *m)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "userId", m->user_id, "email", m->email, "name",
                     m->name, "role", workspaces_role_name(m->role), "joinedAt",
                     account_time(req, m->joined_at));
}

static json_t *
invitation_json(struct request *req, const struct invitation *inv)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", inv->id, "email", inv->email,
                     "role", workspaces_role_name(inv->role), "createdAt",
                     account_time(req, inv->created_at), "sentAt", account_time(req, inv->sent_at),
                     "expiresAt", account_time(req, inv->expires_at), "invitedBy",
                     inv->invited_by[0] ? inv->invited_by : NULL);
}

/* Renders one element of a list (items of the struct the list holds). */
typedef json_t *(*item_json_fn)(struct request *req, const void *item);

static json_t *
workspace_item(struct request *req, const void *item)
{
    (void)req;
    return account_workspace_json(item);
}

static json_t *
member_item(struct request *req, const void *item)
{
    return member_json(req, item);
}

static json_t *
invitation_item(struct request *req, const void *item)
{
    return invitation_json(req, item);
}

/* 200 {key: [item, ...]} for n items of size bytes each, or err as it is. */
static int
reply_list(struct request *req, int err, const char *key, const void *items, size_t size, size_t n,
           item_json_fn fn)
{
    json_t *arr;

    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, fn(req, (const char *)items + i * size));
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", key, arr));
    return 0;
}

/* The name field, checked: 0 or E_VALIDATION with the field error. */
static int
check_name(struct request *req, struct str in)
{
    struct str name;
    if (workspaces_check_name(in, &name)) {
        request_field_error(req, "name", "invalid", "must be 1 to 200 visible characters");
        return E_VALIDATION;
    }
    return 0;
}

/* A path id copied out: NULL when too long to name anything (answered 404). */
static const char *
param_id(struct request *req, const char *name)
{
    struct str id = request_param(req, name);
    return id.len < WS_ID_SIZE ? arena_strdup_str(req->arena, id) : NULL;
}

static const struct json_field name_fields[] = {
    {"name", JSON_F_STRING, true, 0, WS_NAME_MAX + 64},
};

/* POST /api/v1/workspaces {"name"} -> 201 {"workspace"}: the caller is its owner. */
static int
workspace_create(struct request *req)
{
    struct json_value v[ARRAY_LEN(name_fields)];
    struct auth_client client = account_client(req);
    struct workspace w = {0};
    int err = routes_decode(req, name_fields, ARRAY_LEN(name_fields), v);

    if (err || (err = check_name(req, v[0].s))) {
        return err;
    }
    if ((err = workspaces_create(req->app->db, req->session->user_id, v[0].s, &client, &w))) {
        return err;
    }
    routes_reply_json_take(req, 201, json_pack("{s:o}", "workspace", account_workspace_json(&w)));
    return 0;
}

/* GET /api/v1/workspaces -> {"workspaces": [...]} */
static int
workspace_list(struct request *req)
{
    struct workspace *list = NULL;
    size_t n = 0;
    int err = workspaces_list(req->app->db, req->session->user_id, req->arena, &list, &n);

    return reply_list(req, err, "workspaces", list, sizeof(*list), n, workspace_item);
}

/* GET /api/v1/workspaces/{wid} -> {"workspace"} */
static int
workspace_get(struct request *req)
{
    struct workspace w = {0};
    int err = workspaces_get(req->app->db, req->tenant, &w);

    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "workspace", account_workspace_json(&w)));
    return 0;
}

/* PATCH /api/v1/workspaces/{wid} {"name"} -> {"workspace"} */
static int
workspace_rename(struct request *req)
{
    struct json_value v[ARRAY_LEN(name_fields)];
    struct auth_client client = account_client(req);
    struct workspace w = {0};
    int err = routes_decode(req, name_fields, ARRAY_LEN(name_fields), v);

    if (err || (err = check_name(req, v[0].s))) {
        return err;
    }
    if ((err = workspaces_rename(req->app->db, req->tenant, v[0].s, &client, &w))) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "workspace", account_workspace_json(&w)));
    return 0;
}

/* GET /api/v1/workspaces/{wid}/members -> {"members": [...]} */
static int
member_list(struct request *req)
{
    struct ws_member *list = NULL;
    size_t n = 0;
    int err = workspaces_members(req->app->db, req->tenant, req->arena, &list, &n);

    return reply_list(req, err, "members", list, sizeof(*list), n, member_item);
}

/*
 * Maps the domain's refusals to answers that say why, and records them in
 * the workspace's audit log (event, about member user_id).
 */
static int
member_fail(struct request *req, int err, const char *event, const char *user_id)
{
    if (err == E_FORBIDDEN || err == E_LAST_OWNER) {
        struct auth_client client = account_client(req);
        (void)workspaces_audit_refused(req->app->db, req->tenant, event, user_id ? user_id : "",
                                       err, &client);
    }
    if (err == E_FORBIDDEN) {
        response_problem(req, err, "only an owner may change an owner or make one");
        return 0;
    }
    if (err == E_LAST_OWNER) {
        response_problem(req, err,
                         "the workspace would have no owner: hand ownership to someone first");
        return 0;
    }
    return err;
}

static const struct json_field role_fields[] = {
    {"role", JSON_F_STRING, true, 1, 16},
};

/* PATCH /api/v1/workspaces/{wid}/members/{userId} {"role"} -> {"member"}; recent auth. */
static int
member_patch(struct request *req)
{
    struct json_value v[ARRAY_LEN(role_fields)];
    struct auth_client client = account_client(req);
    const char *user_id = param_id(req, "userId");
    enum ws_role role;
    struct ws_member m = {0};
    int err = routes_decode(req, role_fields, ARRAY_LEN(role_fields), v);

    if (err) {
        return err;
    }
    if (!workspaces_parse_role(v[0].s, &role)) {
        request_field_error(req, "role", "invalid", "must be owner, admin or member");
        return E_VALIDATION;
    }
    if (!user_id) {
        return E_NOT_FOUND;
    }
    err = workspaces_set_role(req->app->db, req->tenant, user_id, role, &client, &m);
    if (err) {
        return member_fail(req, err, "member.role_changed", user_id);
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "member", member_json(req, &m)));
    return 0;
}

/* Removes what the id names in the caller's workspace (a member, an invitation). */
typedef int (*remove_fn)(struct db *db, const struct tenant *t, const char *id,
                         const struct auth_client *client);

/*
 * DELETE of the thing the path's param names -> 204: 404 for an id too long
 * to name anything; a refusal through member_fail when refused_event names
 * the audit event (the member routes), as it is otherwise.
 */
static int
delete_by_param(struct request *req, const char *param, remove_fn remove, const char *refused_event)
{
    struct auth_client client = account_client(req);
    const char *id = param_id(req, param);
    int err;

    if (!id) {
        return E_NOT_FOUND;
    }
    if ((err = remove(req->app->db, req->tenant, id, &client))) {
        return refused_event ? member_fail(req, err, refused_event, id) : err;
    }
    response_empty(req, 204);
    return 0;
}

/* DELETE /api/v1/workspaces/{wid}/members/{userId} -> 204 */
static int
member_delete(struct request *req)
{
    return delete_by_param(req, "userId", workspaces_remove_member, "member.removed");
}

/* POST /api/v1/workspaces/{wid}/leave -> 204 (409 last_owner for the last owner). */
static int
workspace_leave(struct request *req)
{
    struct auth_client client = account_client(req);
    int err = workspaces_leave(req->app->db, req->tenant, &client);

    if (err) {
        return member_fail(req, err, "member.left", req->tenant->user_id);
    }
    response_empty(req, 204);
    return 0;
}

static const struct json_field transfer_fields[] = {
    {"userId", JSON_F_STRING, true, 1, 64},
};

/* POST /api/v1/workspaces/{wid}/transfer {"userId"} -> {"workspace"}; owner, recent auth. */
static int
workspace_transfer(struct request *req)
{
    struct json_value v[ARRAY_LEN(transfer_fields)];
    struct auth_client client = account_client(req);
    struct workspace w = {0};
    char *user_id;
    int err = routes_decode(req, transfer_fields, ARRAY_LEN(transfer_fields), v);

    if (err) {
        return err;
    }
    user_id = arena_strdup_str(req->arena, v[0].s);
    err = workspaces_transfer(req->app->db, req->tenant, user_id, &client);
    if (err == E_INVALID) {
        request_field_error(req, "userId", "invalid", "is yourself: choose another member");
        return E_VALIDATION;
    }
    if (err == E_NOT_FOUND) {
        request_field_error(req, "userId", "not_member", "is not a member of this workspace");
        return E_VALIDATION;
    }
    if (err || (err = workspaces_get(req->app->db, req->tenant, &w))) {
        return member_fail(req, err, "ownership.transferred", user_id);
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "workspace", account_workspace_json(&w)));
    return 0;
}

/* GET /api/v1/workspaces/{wid}/invitations -> {"invitations": [...]} (pending ones). */
static int
invitation_list(struct request *req)
{
    struct invitation *list = NULL;
    size_t n = 0;
    int err = invitations_list(req->app->db, req->tenant, req->arena, &list, &n);

    return reply_list(req, err, "invitations", list, sizeof(*list), n, invitation_item);
}

static const struct json_field invite_fields[] = {
    {"email", JSON_F_STRING, true, 1, ACCOUNT_EMAIL_MAX},
    {"role", JSON_F_STRING, true, 1, 16},
};

/* POST /api/v1/workspaces/{wid}/invitations {"email","role"} -> 201 {"invitation"}; mailed. */
static int
invitation_create(struct request *req)
{
    struct json_value v[ARRAY_LEN(invite_fields)];
    struct auth_client client = account_client(req);
    char email[ACCOUNT_EMAIL_MAX + 1];
    struct invitation inv = {0};
    enum ws_role role = WS_NONE;
    int err = routes_decode(req, invite_fields, ARRAY_LEN(invite_fields), v);

    if (err) {
        return err;
    }
    if (accounts_normalize_email(v[0].s, email)) {
        request_field_error(req, "email", "invalid", "is not an email address");
    }
    if (!workspaces_parse_role(v[1].s, &role) || role == WS_OWNER) {
        request_field_error(req, "role", "invalid",
                            "must be admin or member (hand ownership over once they joined)");
    }
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    err = invitations_create(req->app->db, req->app->cfg, req->tenant, email, role, &client, &inv);
    if (err == E_ALREADY_MEMBER) {
        response_problem(req, err, "this address belongs to a member of the workspace already");
        return 0;
    }
    if (err == E_INVITATION_PENDING) {
        response_problem(req, err, "an invitation to this address is pending: resend it instead");
        return 0;
    }
    if (err) {
        return err;
    }
    routes_reply_json_take(req, 201, json_pack("{s:o}", "invitation", invitation_json(req, &inv)));
    return 0;
}

/* DELETE /api/v1/workspaces/{wid}/invitations/{id} -> 204: the link stops working. */
static int
invitation_revoke(struct request *req)
{
    return delete_by_param(req, "id", invitations_revoke, NULL);
}

/* POST /api/v1/workspaces/{wid}/invitations/{id}/resend -> {"invitation"}: a new link, 7 days. */
static int
invitation_resend(struct request *req)
{
    struct auth_client client = account_client(req);
    const char *id = param_id(req, "id");
    struct invitation inv = {0};
    int err;

    if (!id) {
        return E_NOT_FOUND;
    }
    if ((err = invitations_resend(req->app->db, req->app->cfg, req->tenant, id, &client, &inv))) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "invitation", invitation_json(req, &inv)));
    return 0;
}

static const struct json_field accept_fields[] = {
    {"token", JSON_F_STRING, true, 1, 64},
};

/* POST /api/v1/invitations/accept {"token"} -> {"workspace"}: the caller joins. */
static int
invitation_accept(struct request *req)
{
    struct json_value v[ARRAY_LEN(accept_fields)];
    struct auth_client client = account_client(req);
    struct workspace w = {0};
    int err = routes_decode(req, accept_fields, ARRAY_LEN(accept_fields), v);

    if (err) {
        return err;
    }
    err = invitations_accept(req->app->db, req->session->user_id, v[0].s, &client, &w);
    if (err == E_INVITATION_EMAIL) {
        response_problem(req, err,
                         "sign in with the address the invitation was sent to, then open the "
                         "link again");
        return 0;
    }
    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "workspace", account_workspace_json(&w)));
    return 0;
}

/*
 * POST /api/v1/invitations/preview {"token"} -> {"invitation": {...}}: what
 * the acceptance page shows, signed in or not (the token is the capability).
 */
static int
invitation_preview(struct request *req)
{
    struct json_value v[ARRAY_LEN(accept_fields)];
    struct invitation_preview p = {0};
    int err = routes_decode(req, accept_fields, ARRAY_LEN(accept_fields), v);

    if (err || (err = invitations_preview(req->app->db, v[0].s, &p))) {
        return err;
    }
    routes_reply_json_take(req, 200,
                           json_pack("{s:{s:s, s:s, s:{s:s}, s:s, s:s}}", "invitation", "email",
                                     p.inv.email, "role", workspaces_role_name(p.inv.role),
                                     "workspace", "name", p.workspace_name, "expiresAt",
                                     account_time(req, p.inv.expires_at), "status",
                                     invitations_status_name(p.status)));
    return 0;
}

/* The actor of an audit row: {"id","email","name"}, or null when none is known. */
static json_t *
actor_json(const struct ws_audit_event *e)
{
    if (!e->user_id[0]) {
        return json_null();
    }
    return json_pack("{s:s, s:s?, s:s?}", "id", e->user_id, "email", e->email[0] ? e->email : NULL,
                     "name", e->name[0] ? e->name : NULL);
}

/* A row's detail, stored as a JSON object by the server itself; {} if it somehow is not one. */
static json_t *
detail_json(const char *text)
{
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(v)) {
        json_decref(v);
        v = json_object();
    }
    return v;
}

/* GET /api/v1/workspaces/{wid}/audit?cursor=&limit= -> {"events": [...], "nextCursor"} */
static int
audit_list(struct request *req)
{
    struct str cursor = request_query(req, "cursor");
    struct str limit_text = request_query(req, "limit");
    struct ws_audit_event *list = NULL;
    int64_t before = 0;
    int64_t limit = WS_AUDIT_PAGE;
    int64_t next = 0;
    size_t n = 0;
    json_t *arr;
    int err;

    if (cursor.len && strnum_parse(cursor, 1, INT64_MAX, &before)) {
        request_field_error(req, "cursor", "invalid", "is not a cursor this server gave");
    }
    if (limit_text.len && strnum_parse(limit_text, 1, WS_AUDIT_PAGE_MAX, &limit)) {
        request_field_error(req, "limit", "out_of_range", "must be 1 to 200");
    }
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    err = workspaces_audit(req->app->db, req->tenant, before, (size_t)limit, req->arena, &list, &n,
                           &next);
    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct ws_audit_event *e = &list[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id",
                                             arena_printf(req->arena, "%lld", (long long)e->id),
                                             "at", account_time(req, e->at), "event", e->event,
                                             "outcome", e->outcome, "actor", actor_json(e), "ip",
                                             e->ip, "detail", detail_json(e->detail)));
    }
    routes_reply_json_take(
        req, 200,
        json_pack("{s:o, s:s?}", "events", arr, "nextCursor",
                  next ? arena_printf(req->arena, "%lld", (long long)next) : NULL));
    return 0;
}

/*
 * Columns: methods, path, handler, body limit, flags. Every {wid} row
 * carries its minimum role (ROUTE_MEMBER / ROUTE_ADMIN / ROUTE_OWNER).
 */
/* clang-format off */
static const struct route routes[] = {
    {HTTP_POST, "/api/v1/workspaces", workspace_create, 4096, ROUTE_JSON | ROUTE_AUTH},
    {HTTP_GET, "/api/v1/workspaces", workspace_list, 0, ROUTE_AUTH},
    {HTTP_POST, "/api/v1/invitations/accept", invitation_accept, 4096,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_STRICT_RATE},
    {HTTP_POST, "/api/v1/invitations/preview", invitation_preview, 4096,
     ROUTE_JSON | ROUTE_STRICT_RATE},
    {HTTP_GET, "/api/v1/workspaces/{wid}", workspace_get, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_PATCH, "/api/v1/workspaces/{wid}", workspace_rename, 4096, ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/leave", workspace_leave, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_POST, "/api/v1/workspaces/{wid}/transfer", workspace_transfer, 4096,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_OWNER | ROUTE_RECENT_AUTH},
    {HTTP_GET, "/api/v1/workspaces/{wid}/members", member_list, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_PATCH, "/api/v1/workspaces/{wid}/members/{userId}", member_patch, 4096,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN | ROUTE_RECENT_AUTH},
    {HTTP_DELETE, "/api/v1/workspaces/{wid}/members/{userId}", member_delete, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/invitations", invitation_list, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/invitations", invitation_create, 4096,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN | ROUTE_STRICT_RATE},
    {HTTP_DELETE, "/api/v1/workspaces/{wid}/invitations/{id}", invitation_revoke, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_POST, "/api/v1/workspaces/{wid}/invitations/{id}/resend", invitation_resend, 0,
     ROUTE_AUTH | ROUTE_ADMIN | ROUTE_STRICT_RATE},
    {HTTP_GET, "/api/v1/workspaces/{wid}/audit", audit_list, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/documents", documents_route_list, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/documents/search", documents_route_search, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_POST, "/api/v1/workspaces/{wid}/documents/{id}/complete", documents_route_complete, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_DELETE, "/api/v1/workspaces/{wid}/documents/{id}", documents_route_delete, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/documents/{id}/chunks", documents_route_chunks, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/events", events_stream, 0, ROUTE_AUTH | ROUTE_MEMBER},
    /* The sales channel (routes/channel.c): admins manage agents, members work the leads. */
    {HTTP_GET, "/api/v1/workspaces/{wid}/agents", channel_agent_list, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_POST, "/api/v1/workspaces/{wid}/agents", channel_agent_create, 64 * 1024,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/agents/{id}", channel_agent_get, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_PATCH, "/api/v1/workspaces/{wid}/agents/{id}", channel_agent_patch, 64 * 1024,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_DELETE, "/api/v1/workspaces/{wid}/agents/{id}", channel_agent_delete, 0, ROUTE_AUTH | ROUTE_ADMIN},
    {HTTP_GET, "/api/v1/workspaces/{wid}/leads", channel_lead_list, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/leads/{id}", channel_lead_get, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_PATCH, "/api/v1/workspaces/{wid}/leads/{id}", channel_lead_patch, 8192,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/leads/{id}/messages", channel_message_list, 0,
     ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/leads/{id}/history", channel_lead_history, 0,
     ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_GET, "/api/v1/workspaces/{wid}/summary", channel_summary, 0, ROUTE_AUTH | ROUTE_MEMBER},
    {HTTP_POST, "/api/v1/workspaces/{wid}/leads/{id}/messages", channel_message_send, 32 * 1024,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_MEMBER},
};
/* clang-format on */

/* Tenancy before recent-auth and the body: a non-member learns nothing but 404. */
static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors,        &mw_sec_headers_api, &mw_session, &mw_csrf,
    &mw_tenant,    &mw_recent_auth, &mw_json_body,       NULL,
};

const struct route_group routes_workspaces = {
    "workspaces", "/api/v1", GROUP_CLAIM_BY_ROUTE, chain, routes, ARRAY_LEN(routes), NULL,
};
