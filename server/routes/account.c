#include "routes/account.h"

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "middleware/cookies.h"
#include "session/csrf.h"

const char *
account_time(struct request *req, int64_t unix_s)
{
    char *out = arena_alloc(req->arena, 32);
    clock_format_rfc3339(unix_s * 1000, out, 32);
    return out;
}

json_t *
account_user_json(const struct user *u)
{
    char created[32];
    clock_format_rfc3339(u->created_at * 1000, created, sizeof(created));
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "id", u->id, "email", u->email, "name",
                     u->name, "emailVerified", u->email_verified_at != 0, "hasPassword",
                     u->has_password, "createdAt", created);
}

json_t *
account_workspace_json(const struct workspace *w)
{
    return json_pack("{s:s, s:s, s:s}", "id", w->id, "name", w->name, "role",
                     workspaces_role_name(w->role));
}

struct auth_client
account_client(struct request *req)
{
    /* Client text, stored and logged: valid UTF-8, cut on a code point (item 2 of issue 9). */
    char *ua = arena_alloc(req->arena, ACCOUNT_USER_AGENT_MAX + 1);
    (void)str_utf8_clean(request_header(req, "User-Agent"), ua, ACCOUNT_USER_AGENT_MAX + 1);
    return (struct auth_client){req->client_ip_text, ua};
}

const char *
account_start_session(struct request *req, const struct auth_result *r)
{
    char *csrf = arena_alloc(req->arena, CSRF_TOKEN_SIZE);
    int64_t max_age = session_cookie_max_age(&r->session, clock_wall_s());

    csrf_token_for_session(req->app->cfg, r->session.id, csrf);
    cookies_set(req, COOKIE_SESSION, r->token, max_age);
    cookies_set(req, COOKIE_CSRF, csrf, max_age);
    return csrf;
}

void
account_clear_cookies(struct request *req)
{
    cookies_set(req, COOKIE_SESSION, "", 0);
    cookies_set(req, COOKIE_CSRF, "", 0);
}

int
account_fail(struct request *req, int err, const struct auth_result *r)
{
    if (err == E_VALIDATION && r->field) {
        request_field_error(req, r->field, r->field_code, r->field_code);
    }
    if (err == E_RATE_LIMITED || err == E_UNAVAILABLE) {
        req->retry_after = r->retry_after > 0 ? r->retry_after : 1;
    }
    return err;
}
