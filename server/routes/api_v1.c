/*
 * /api/v1: the dashboard's data API. Session cookie, CSRF on non-GET, CORS
 * for the app origins only. For now: the account (profile, password,
 * sessions, linked sign-in methods; connecting Google lives with the rest
 * of the Google flow in routes/auth_google.c).
 */
#include "routes/routes.h"

#include "app.h"
#include "auth/auth_google.h"
#include "auth/passwords.h"
#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "middleware/middleware.h"
#include "routes/account.h"
#include "routes/route_job.h"

/* The sign-in methods linked to the account: [{"id","provider","email","createdAt"}]. */
static json_t *
identities_json(struct request *req, const struct identity *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", list[i].id, "provider",
                                             "google", "email", list[i].email, "createdAt",
                                             account_time(req, list[i].created_at)));
    }
    return arr;
}

/* GET /api/v1/me -> {"user": {...}, "identities": [...]} */
static int
me_get(struct request *req)
{
    struct identity *list = NULL;
    size_t n = 0;
    struct user u;
    int err = auth_get_user(req->app->db, req->session->user_id, &u);

    if (err) {
        return err == E_NOT_FOUND ? E_UNAUTHENTICATED : err;
    }
    if ((err = auth_list_identities(req->app->db, u.id, req->arena, &list, &n))) {
        return err;
    }
    routes_reply_json_take(req, 200,
                           json_pack("{s:o, s:o}", "user", account_user_json(&u), "identities",
                                     identities_json(req, list, n)));
    return 0;
}

/*
 * DELETE /api/v1/me/identities/{id} -> 204. A sensitive action (recent
 * authentication); 409 when it would leave the account no way to sign in.
 */
static int
identity_delete(struct request *req)
{
    struct auth_client client = account_client(req);
    struct str id = request_param(req, "id");
    char idbuf[IDENTITY_ID_SIZE];
    int err;

    if (id.len >= sizeof(idbuf)) {
        return E_NOT_FOUND;
    }
    memcpy(idbuf, id.ptr, id.len);
    idbuf[id.len] = '\0';
    err = auth_unlink_identity(req->app->db, req->session, idbuf, &client);
    if (err == E_CONFLICT) {
        response_problem(req, err,
                         "this is the account's only way to sign in: set a password first");
        return 0;
    }
    if (err) {
        return err;
    }
    response_empty(req, 204);
    return 0;
}

/* PATCH /api/v1/me {"name"} */
static const struct json_field me_fields[] = {
    {"name", JSON_F_STRING, true, 1, ACCOUNT_NAME_MAX},
};

static int
me_patch(struct request *req)
{
    struct json_value v[ARRAY_LEN(me_fields)];
    struct auth_client client = account_client(req);
    struct str name;
    struct user u;
    int err = routes_decode(req, me_fields, ARRAY_LEN(me_fields), v);

    if (err) {
        return err;
    }
    if (accounts_check_name(v[0].s, &name)) {
        request_field_error(req, "name", "invalid", "must be 1 to 100 visible characters");
        return E_VALIDATION;
    }
    if ((err = auth_update_name(req->app->db, req->session, name, &client, &u))) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "user", account_user_json(&u)));
    return 0;
}

/* POST /api/v1/me/password {"currentPassword","newPassword"} -> 200 + a new session. */
static const struct json_field password_fields[] = {
    {"currentPassword", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
    {"newPassword", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
};

static int
password_work(struct request *req, struct route_job *job)
{
    return auth_change_password(req->app->db, req->app->cfg, req->session, job->password,
                                job->new_password, &job->client, &job->result);
}

static int
password_then(struct request *req, struct route_job *job)
{
    const char *csrf;
    int err = route_job_failed(req, job);

    if (err) {
        return err;
    }
    csrf = account_start_session(req, &job->result);
    routes_reply_json_take(
        req, 200,
        json_pack("{s:o, s:s}", "user", account_user_json(&job->result.user), "csrfToken", csrf));
    return 0;
}

static int
password_change(struct request *req)
{
    struct json_value v[ARRAY_LEN(password_fields)];
    struct route_job *job;
    const char *code;
    struct user u;
    bool has_password;
    int err = routes_decode(req, password_fields, ARRAY_LEN(password_fields), v);

    if (err) {
        return err;
    }
    if (passwords_check_policy(v[1].s, &code)) {
        request_field_error(req, "newPassword", code, "does not meet the password policy");
        return E_VALIDATION;
    }
    /* An account without a password (Google only) sets one through the reset flow. */
    if ((err = auth_get_user(req->app->db, req->session->user_id, &u))) {
        return err == E_NOT_FOUND ? E_UNAUTHENTICATED : err;
    }
    has_password = u.has_password;
    crypto_wipe(&u, sizeof(u));
    if (!has_password) {
        response_problem(req, E_CONFLICT,
                         "this account has no password: set one with a password reset");
        return 0;
    }
    job = route_job_new(req);
    job->password = v[0].s;
    job->new_password = v[1].s;
    return route_job_defer(req, job, password_work, password_then);
}

/*
 * POST /api/v1/me/email {"email","password"} -> 202: a verification link goes
 * to the new address, which replaces the current one once verified. The
 * answer is the same whether or not the new address is taken.
 */
static const struct json_field email_fields[] = {
    {"email", JSON_F_STRING, true, 1, ACCOUNT_EMAIL_MAX},
    {"password", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
};

static int
email_work(struct request *req, struct route_job *job)
{
    return auth_request_email_change(req->app->db, req->app->cfg, req->session, job->email,
                                     job->password, &job->client, &job->result);
}

static int
email_then(struct request *req, struct route_job *job)
{
    int err = route_job_failed(req, job);

    if (err) {
        return err;
    }
    response_empty(req, 202);
    return 0;
}

static int
email_change(struct request *req)
{
    struct json_value v[ARRAY_LEN(email_fields)];
    struct route_job *job;
    int err = routes_decode(req, email_fields, ARRAY_LEN(email_fields), v);

    if (err) {
        return err;
    }
    job = route_job_new(req);
    if (accounts_normalize_email(v[0].s, job->email)) {
        request_field_error(req, "email", "invalid", "is not an email address");
        return E_VALIDATION;
    }
    job->password = v[1].s;
    return route_job_defer(req, job, email_work, email_then);
}

/* GET /api/v1/me/sessions */
static int
sessions_list(struct request *req)
{
    struct db_conn *conn = NULL;
    struct session *list = NULL;
    size_t n = 0;
    json_t *arr;
    int err = db_acquire(req->app->db, &conn);

    if (!err) {
        err = session_list(conn, req->session->user_id, clock_wall_s(), req->arena, &list, &n);
        db_release(conn);
    }
    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct session *s = &list[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b}", "id", s->id, "createdAt",
                           account_time(req, s->created_at), "lastSeenAt",
                           account_time(req, s->last_seen_at), "expiresAt",
                           account_time(req, s->idle_expires_at < s->absolute_expires_at
                                                 ? s->idle_expires_at
                                                 : s->absolute_expires_at),
                           "ip", s->ip, "userAgent", s->user_agent, "current",
                           strcmp(s->id, req->session->id) == 0, "remember", s->remember));
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "sessions", arr));
    return 0;
}

/* DELETE /api/v1/me/sessions/{id} -> 204 (revoking the current one logs out). */
static int
session_delete(struct request *req)
{
    struct auth_client client = account_client(req);
    char *id = arena_strdup_str(req->arena, request_param(req, "id"));
    int err;

    if (strlen(id) >= SESSION_ID_SIZE) {
        return E_NOT_FOUND;
    }
    if ((err = auth_revoke_session(req->app->db, req->session, id, &client))) {
        return err;
    }
    if (strcmp(id, req->session->id) == 0) {
        account_clear_cookies(req);
    }
    response_empty(req, 204);
    return 0;
}

/* DELETE /api/v1/me/sessions -> {"revoked": n}: every session but this one. */
static int
sessions_delete_others(struct request *req)
{
    struct auth_client client = account_client(req);
    uint64_t n = 0;
    int err = auth_revoke_other_sessions(req->app->db, req->session, &client, &n);

    if (err) {
        return err;
    }
    routes_reply_json_take(req, 200, json_pack("{s:I}", "revoked", (json_int_t)n));
    return 0;
}

/* clang-format off */
static const struct route routes[] = {
    {HTTP_GET, "/api/v1/me", me_get, 0, ROUTE_AUTH | ROUTE_CACHED_SESSION},
    {HTTP_PATCH, "/api/v1/me", me_patch, 8192, ROUTE_JSON | ROUTE_AUTH},
    {HTTP_POST, "/api/v1/me/password", password_change, 8192,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_STRICT_RATE | ROUTE_HASHES},
    {HTTP_POST, "/api/v1/me/email", email_change, 8192,
     ROUTE_JSON | ROUTE_AUTH | ROUTE_STRICT_RATE | ROUTE_HASHES},
    {HTTP_GET, "/api/v1/me/sessions", sessions_list, 0, ROUTE_AUTH | ROUTE_CACHED_SESSION},
    {HTTP_DELETE, "/api/v1/me/sessions", sessions_delete_others, 0, ROUTE_AUTH},
    {HTTP_DELETE, "/api/v1/me/sessions/{id}", session_delete, 0, ROUTE_AUTH},
    {HTTP_POST, "/api/v1/me/identities/google", account_google_connect, 0,
     ROUTE_AUTH | ROUTE_RECENT_AUTH | ROUTE_STRICT_RATE},
    {HTTP_DELETE, "/api/v1/me/identities/{id}", identity_delete, 0,
     ROUTE_AUTH | ROUTE_RECENT_AUTH},
};
/* clang-format on */

static const struct middleware *const chain[] = {
    &mw_ratelimit,   &mw_cors, &mw_sec_headers_api, &mw_session,
    &mw_recent_auth, &mw_csrf, &mw_json_body,       NULL,
};

const struct route_group routes_api_v1 = {
    "api", "/api/v1", 0, chain, routes, ARRAY_LEN(routes), NULL,
};
