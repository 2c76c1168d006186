/*
 * /auth: sign-up, login, logout, the current user, the CSRF token,
 * re-authentication. Session cookie where needed, CSRF on non-GET (sign-up
 * and login too: login CSRF), CORS for the app origins only. Flows that
 * hash a password run on the worker pool (routes/route_job.h), so a flood of
 * logins never stalls the I/O threads.
 */
#include "routes/routes.h"

#include "app.h"
#include "auth/passwords.h"
#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "middleware/middleware.h"
#include "routes/account.h"
#include "routes/route_job.h"
#include "workspaces/invitations.h"
#include "middleware/cookies.h"
#include "session/csrf.h"

static int
reply_session(struct request *req, struct route_job *job, unsigned status)
{
    const char *csrf;
    int err = route_job_failed(req, job);

    if (err) {
        return err;
    }
    csrf = account_start_session(req, &job->result);
    routes_reply_json_take(
        req, status,
        json_pack("{s:o, s:s}", "user", account_user_json(&job->result.user), "csrfToken", csrf));
    return 0;
}

/* POST /auth/signup {"email","password","name"} -> 201 + a session. */
static const struct json_field signup_fields[] = {
    {"email", JSON_F_STRING, true, 1, ACCOUNT_EMAIL_MAX},
    {"password", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
    {"name", JSON_F_STRING, true, 1, ACCOUNT_NAME_MAX},
    {"invitationToken", JSON_F_STRING, false, 1, 64},
};

/*
 * Signing up from an invitation's link ({"invitationToken"}): once the
 * account exists, the invitation is accepted with it, which also proves the
 * address the token was mailed to (the account is verified when it is that
 * address). The sign-up succeeds either way; the answer says what became of
 * the invitation.
 */
struct signup_invitation {
    struct workspace joined;
    int err; /* the acceptance's: 0, or an E_INVITATION_* */
};

static int
signup_work(struct request *req, struct route_job *job)
{
    struct signup_invitation *inv = job->flow;
    int err = auth_signup(req->app->db, req->app->cfg, job->email, job->name, job->password,
                          &job->client, &job->result);

    if (!err && inv) {
        inv->err = invitations_accept(req->app->db, job->result.user.id, job->token, &job->client,
                                      &inv->joined);
        if (!inv->err) {
            job->result.user.email_verified_at = clock_wall_s();
        }
    }
    return err;
}

/*
 * A taken address answers like a success (SPEC §4: no account enumeration):
 * the same status and shape, a user that is not stored, and no session; the
 * owner was mailed instead. The SPA then finds no session and shows login.
 */
static int
signup_decoy(struct request *req, const struct route_job *job)
{
    char token[CSRF_TOKEN_SIZE];
    struct user u;

    memset(&u, 0, sizeof(u));
    crypto_random_token(16, u.id, sizeof(u.id));
    (void)snprintf(u.email, sizeof(u.email), "%s", job->email);
    (void)snprintf(u.name, sizeof(u.name), "%.*s", (int)job->name.len, job->name.ptr);
    u.has_password = true;
    u.created_at = clock_wall_s();
    csrf_token_new(req->app->cfg, token);
    cookies_set(req, COOKIE_CSRF, token, -1);
    routes_reply_json_take(
        req, 201, json_pack("{s:o, s:s}", "user", account_user_json(&u), "csrfToken", token));
    return 0;
}

static int
signup_then(struct request *req, struct route_job *job)
{
    if (!req->defer_err && job->err == E_CONFLICT) {
        return signup_decoy(req, job);
    }
    if (!job->err && job->flow) {
        const struct signup_invitation *inv = job->flow;
        const char *csrf = account_start_session(req, &job->result);
        routes_reply_json_take(
            req, 201,
            json_pack("{s:o, s:s, s:o, s:s?}", "user", account_user_json(&job->result.user),
                      "csrfToken", csrf, "workspace",
                      inv->err ? json_null() : account_workspace_json(&inv->joined),
                      "invitationError", inv->err ? err_slug(inv->err) : NULL));
        return 0;
    }
    return reply_session(req, job, 201);
}

static int
signup(struct request *req)
{
    struct json_value v[ARRAY_LEN(signup_fields)];
    struct route_job *job;
    const char *code;
    int err = routes_decode(req, signup_fields, ARRAY_LEN(signup_fields), v);

    if (err) {
        return err;
    }
    job = route_job_new(req);
    if (accounts_normalize_email(v[0].s, job->email)) {
        request_field_error(req, "email", "invalid", "is not an email address");
    }
    if (passwords_check_policy(v[1].s, &code)) {
        request_field_error(req, "password", code, "does not meet the password policy");
    }
    if (accounts_check_name(v[2].s, &job->name)) {
        request_field_error(req, "name", "invalid", "must be 1 to 100 visible characters");
    }
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    job->password = v[1].s;
    if (v[3].present) {
        job->token = v[3].s;
        job->flow = arena_alloc(req->arena, sizeof(struct signup_invitation));
    }
    return route_job_defer(req, job, signup_work, signup_then);
}

/* POST /auth/login {"email","password","remember"} -> 200 + a new session. */
static const struct json_field login_fields[] = {
    {"email", JSON_F_STRING, true, 1, ACCOUNT_EMAIL_MAX},
    {"password", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
    {"remember", JSON_F_BOOL, false, 0, 0},
};

static int
login_work(struct request *req, struct route_job *job)
{
    return auth_login(req->app->db, req->app->cfg, job->email_ok ? job->email : NULL, job->password,
                      job->remember, req->session, &job->client, &job->result);
}

static int
login_then(struct request *req, struct route_job *job)
{
    return reply_session(req, job, 200);
}

static int
login(struct request *req)
{
    struct json_value v[ARRAY_LEN(login_fields)];
    struct route_job *job;
    int err = routes_decode(req, login_fields, ARRAY_LEN(login_fields), v);

    if (err) {
        return err;
    }
    job = route_job_new(req);
    job->email_ok = accounts_normalize_email(v[0].s, job->email) == 0;
    job->password = v[1].s;
    job->remember = v[2].present && v[2].b;
    return route_job_defer(req, job, login_work, login_then);
}

/* POST /auth/logout -> 204; the session is revoked server-side. */
static int
logout(struct request *req)
{
    struct auth_client client = account_client(req);
    int err = auth_logout(req->app->db, req->session, &client);

    if (err) {
        return err;
    }
    account_clear_cookies(req);
    response_empty(req, 204);
    return 0;
}

_Static_assert(sizeof(((struct user *)0)->email) == SESSION_USER_EMAIL_SIZE, "email sizes differ");
_Static_assert(sizeof(((struct user *)0)->name) == SESSION_USER_NAME_SIZE, "name sizes differ");

/* GET /auth/me -> {"user": {...}} or 401: the user came with the session (session_lookup). */
static int
me(struct request *req)
{
    const struct session *s = req->session;
    struct user u = {0};

    (void)snprintf(u.id, sizeof(u.id), "%s", s->user_id);
    (void)snprintf(u.email, sizeof(u.email), "%s", s->user.email);
    (void)snprintf(u.name, sizeof(u.name), "%s", s->user.name);
    u.has_password = s->user.has_password;
    u.email_verified_at = s->user.email_verified_at;
    u.created_at = s->user.created_at;
    routes_reply_json_take(req, 200, json_pack("{s:o}", "user", account_user_json(&u)));
    return 0;
}

/* GET /auth/csrf -> {"csrfToken"} and the same value in the CSRF cookie. */
static int
csrf(struct request *req)
{
    char token[CSRF_TOKEN_SIZE];
    int64_t max_age = -1;

    if (req->session) {
        csrf_token_for_session(req->app->cfg, req->session->id, token);
        max_age = session_cookie_max_age(req->session, clock_wall_s());
    } else {
        csrf_token_new(req->app->cfg, token);
    }
    cookies_set(req, COOKIE_CSRF, token, max_age);
    routes_reply_json_take(req, 200, json_pack("{s:s}", "csrfToken", token));
    return 0;
}

/* POST /auth/reauth {"password"} -> 204: the session counts as freshly authenticated. */
static const struct json_field reauth_fields[] = {
    {"password", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
};

static int
reauth_work(struct request *req, struct route_job *job)
{
    return auth_reauth(req->app->db, req->session, job->password, &job->client, &job->result);
}

static int
reauth_then(struct request *req, struct route_job *job)
{
    int err = route_job_failed(req, job);

    if (err) {
        return err;
    }
    response_empty(req, 204);
    return 0;
}

static int
reauth(struct request *req)
{
    struct json_value v[ARRAY_LEN(reauth_fields)];
    struct route_job *job;
    int err = routes_decode(req, reauth_fields, ARRAY_LEN(reauth_fields), v);

    if (err) {
        return err;
    }
    job = route_job_new(req);
    job->password = v[0].s;
    return route_job_defer(req, job, reauth_work, reauth_then);
}

/* POST /auth/verify-email {"token"} -> {"user"}: the address is verified. */
static const struct json_field token_fields[] = {
    {"token", JSON_F_STRING, true, 1, 64},
};

static int
verify_email(struct request *req)
{
    struct json_value v[ARRAY_LEN(token_fields)];
    struct auth_client client = account_client(req);
    struct auth_result r;
    int err = routes_decode(req, token_fields, ARRAY_LEN(token_fields), v);

    if (err) {
        return err;
    }
    if ((err = auth_verify_email(req->app->db, req->app->cfg, v[0].s, &client, &r))) {
        return account_fail(req, err, &r);
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "user", account_user_json(&r.user)));
    return 0;
}

/* POST /auth/verify-email/resend -> 202 (204 when already verified). */
static int
verify_email_resend(struct request *req)
{
    struct auth_client client = account_client(req);
    struct auth_result r;
    bool sent = false;
    int err =
        auth_resend_verification(req->app->db, req->app->cfg, req->session, &client, &r, &sent);

    if (err) {
        return account_fail(req, err, &r);
    }
    response_empty(req, sent ? 202 : 204);
    return 0;
}

/* POST /auth/password/forgot {"email"} -> 202, whether or not the address has an account. */
static const struct json_field forgot_fields[] = {
    {"email", JSON_F_STRING, true, 1, ACCOUNT_EMAIL_MAX},
};

static int
password_forgot(struct request *req)
{
    struct json_value v[ARRAY_LEN(forgot_fields)];
    struct auth_client client = account_client(req);
    char email[ACCOUNT_EMAIL_MAX + 1];
    bool sent = false;
    int err = routes_decode(req, forgot_fields, ARRAY_LEN(forgot_fields), v);

    if (err) {
        return err;
    }
    if (accounts_normalize_email(v[0].s, email)) {
        request_field_error(req, "email", "invalid", "is not an email address");
        return E_VALIDATION;
    }
    if ((err = auth_forgot_password(req->app->db, req->app->cfg, email, &client, &sent))) {
        return err;
    }
    (void)sent; /* the answer is the same whether or not a job was queued */
    response_empty(req, 202);
    return 0;
}

/* POST /auth/password/reset {"token","password"} -> 200 + a new session. */
static const struct json_field reset_fields[] = {
    {"token", JSON_F_STRING, true, 1, 64},
    {"password", JSON_F_STRING, true, 1, PASSWORD_MAX_CHARS * 2},
};

static int
reset_work(struct request *req, struct route_job *job)
{
    return auth_reset_password(req->app->db, req->app->cfg, job->token, job->password, &job->client,
                               &job->result);
}

static int
reset_then(struct request *req, struct route_job *job)
{
    return reply_session(req, job, 200);
}

static int
password_reset(struct request *req)
{
    struct json_value v[ARRAY_LEN(reset_fields)];
    struct route_job *job;
    const char *code;
    int err = routes_decode(req, reset_fields, ARRAY_LEN(reset_fields), v);

    if (err) {
        return err;
    }
    if (passwords_check_policy(v[1].s, &code)) {
        request_field_error(req, "password", code, "does not meet the password policy");
        return E_VALIDATION;
    }
    job = route_job_new(req);
    job->token = v[0].s;
    job->password = v[1].s;
    return route_job_defer(req, job, reset_work, reset_then);
}

/* clang-format off */
static const struct route routes[] = {
    {HTTP_POST, "/auth/signup", signup, 8192, ROUTE_JSON | ROUTE_STRICT_RATE | ROUTE_HASHES},
    {HTTP_POST, "/auth/login", login, 8192, ROUTE_JSON | ROUTE_STRICT_RATE | ROUTE_HASHES},
    {HTTP_POST, "/auth/logout", logout, 0, 0},
    {HTTP_GET, "/auth/me", me, 0, ROUTE_AUTH | ROUTE_CACHED_SESSION},
    {HTTP_GET, "/auth/csrf", csrf, 0, ROUTE_CACHED_SESSION},
    {HTTP_POST, "/auth/reauth", reauth, 8192, ROUTE_JSON | ROUTE_AUTH | ROUTE_STRICT_RATE | ROUTE_HASHES},
    {HTTP_POST, "/auth/verify-email", verify_email, 4096, ROUTE_JSON | ROUTE_STRICT_RATE},
    {HTTP_POST, "/auth/verify-email/resend", verify_email_resend, 0,
     ROUTE_AUTH | ROUTE_STRICT_RATE},
    {HTTP_POST, "/auth/password/forgot", password_forgot, 4096, ROUTE_JSON | ROUTE_STRICT_RATE},
    {HTTP_POST, "/auth/password/reset", password_reset, 8192, ROUTE_JSON | ROUTE_STRICT_RATE | ROUTE_HASHES},
};
/* clang-format on */

static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors, &mw_sec_headers_api, &mw_session, &mw_csrf, &mw_json_body, NULL,
};

const struct route_group routes_auth = {
    "auth", "/auth", 0, chain, routes, ARRAY_LEN(routes), NULL,
};
