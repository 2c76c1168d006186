/*
 * /auth/google: Sign in with Google (SPEC §4). Two top-level browser
 * navigations, both GET:
 *
 *   /auth/google/start?next=/path&remember=1
 *       sets the pre-auth cookie and redirects to the provider;
 *   /auth/google/callback?code&state[&iss] or ?error&state
 *       finishes the sign-in and redirects to APP_URL + next, with a new
 *       session, or to APP_URL + /entrar?erro=<code> (AUTH_GOOGLE_* in
 *       auth/auth_google.h). Every outcome is a redirect, never a problem page.
 *
 * Policy: per-IP rate limits (the strict class: these are logins), API
 * security headers (no-store; Referrer-Policy no-referrer keeps the code
 * out of Referer), the session (a login replaces it). No CSRF token: these
 * are cross-site top-level GETs by design, protected by state, PKCE and
 * nonce bound to the pre-auth cookie, which is SameSite=Lax so it comes
 * back on the provider's redirect. No CORS: nothing here is for fetch().
 *
 * Both handlers do their work on the worker pool: the start fetches the
 * discovery document when it is not cached, the callback redeems the code
 * and may fetch the JWK Set.
 *
 * Connecting Google from the account settings starts elsewhere, with
 * POST /api/v1/me/identities/google (account_google_connect, below: a
 * session, CSRF and a recent authentication); its callback is the same one
 * and lands on CONNECT_PAGE?google=conectado, or CONNECT_PAGE?erro=<code>.
 */
#include "routes/routes.h"

#include "app.h"
#include "auth/auth_google.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "middleware/middleware.h"
#include "routes/account.h"
#include "routes/route_job.h"
#include "middleware/cookies.h"

/* The pre-auth cookie (gets the __Host-/__Secure- prefix like the others). */
#define COOKIE_OAUTH "piloto_oauth"
/* The dashboard page that connects sign-in methods (web/src/lib/paths.ts). */
#define CONNECT_PAGE "/conta/seguranca"

/* The Google flow's own state (job->flow), in the request arena. */
struct google_flow {
    char next[GOOGLE_NEXT_MAX + 1];
    struct auth_google_start start;
    struct auth_google_callback cb;
    struct auth_google_outcome outcome;
    char why[GOOGLE_WHY_MAX];
    const char *link_user_id; /* connecting from the settings: the session's user */
};

static void
release_flow(void *p)
{
    struct google_flow *g = p;
    crypto_wipe(g->start.cookie, sizeof(g->start.cookie));
    buf_release(&g->start.url);
}

static struct route_job *
new_job(struct request *req, struct google_flow **flow)
{
    struct route_job *job = route_job_new(req);
    struct google_flow *g = arena_alloc(req->arena, sizeof(*g));

    g->start.url = (struct buf)BUF_INIT;
    request_on_free(req, release_flow, g);
    job->flow = g;
    *flow = g;
    return job;
}

static void
redirect(struct request *req, const char *location)
{
    response_empty(req, 302);
    response_set_header(req, "Location", location);
}

/*
 * Where a failed flow lands, with an error code the dashboard shows a message
 * for: the sign-in page, or the settings page for a flow that was connecting.
 */
static int
redirect_error(struct request *req, const char *error, bool connect)
{
    const char *app = req->app->cfg->app_url ? req->app->cfg->app_url : "";
    redirect(req, arena_printf(req->arena, "%s%s?erro=%s", app, connect ? CONNECT_PAGE : "/entrar",
                               error));
    return 0;
}

static bool
query_true(struct request *req, const char *name)
{
    struct str v = request_query(req, name);
    return str_eq_cstr(v, "1") || str_eq_cstr(v, "true");
}

static int
start_work(struct request *req, struct route_job *job)
{
    struct google_flow *g = job->flow;
    return auth_google_start(req->app->db, req->app->cfg, g->next, job->remember, g->link_user_id,
                             &g->start, g->why, sizeof(g->why));
}

static int
start_then(struct request *req, struct route_job *job)
{
    struct google_flow *g = job->flow;

    if (req->defer_err) {
        return redirect_error(req, AUTH_GOOGLE_FAILED, false);
    }
    if (job->err) {
        request_note(req, "google start: %s%s%s", err_name(job->err), g->why[0] ? ": " : "",
                     g->why);
        return redirect_error(req,
                              job->err == E_NOT_FOUND     ? AUTH_GOOGLE_DISABLED
                              : job->err == E_UNAVAILABLE ? AUTH_GOOGLE_UNAVAILABLE
                                                          : AUTH_GOOGLE_FAILED,
                              false);
    }
    cookies_set(req, COOKIE_OAUTH, g->start.cookie, OAUTH_STATE_TTL_S);
    redirect(req, g->start.url.ptr);
    return 0;
}

/* GET /auth/google/start?next=/path&remember=1 -> 302 to the provider. */
static int
start(struct request *req)
{
    struct route_job *job;
    struct google_flow *g;
    struct str next = request_query(req, "next");

    if (!req->app->cfg->google_client_id) {
        request_note(req, "google sign-in is not configured");
        return redirect_error(req, AUTH_GOOGLE_DISABLED, false);
    }
    job = new_job(req, &g);
    /* Only a path on APP_URL: anything else would make us an open redirector. */
    if (next.len && google_is_safe_next(next)) {
        memcpy(g->next, next.ptr, next.len);
        g->next[next.len] = '\0';
    } else {
        if (next.len) {
            request_note(req, "unsafe next ignored");
        }
        g->next[0] = '/';
    }
    job->remember = query_true(req, "remember");
    return route_job_defer(req, job, start_work, start_then);
}

static int
callback_work(struct request *req, struct route_job *job)
{
    struct google_flow *g = job->flow;
    return auth_google_login(req->app->db, req->app->cfg, &g->cb, req->session, &job->client,
                             &job->result, &g->outcome);
}

static int
callback_then(struct request *req, struct route_job *job)
{
    struct google_flow *g = job->flow;
    const char *app = req->app->cfg->app_url ? req->app->cfg->app_url : "";

    if (req->defer_err) {
        return redirect_error(req, AUTH_GOOGLE_FAILED, false);
    }
    if (job->err) {
        const char *error = g->outcome.error ? g->outcome.error : AUTH_GOOGLE_FAILED;
        request_note(req, "google callback: %s: %s", g->outcome.error ? g->outcome.error : "?",
                     g->outcome.why);
        return redirect_error(req, error, g->outcome.connect);
    }
    request_note(req, "google %s", g->outcome.event ? g->outcome.event : "login");
    if (g->outcome.connect) {
        redirect(req, arena_printf(req->arena, "%s%s?google=conectado", app, CONNECT_PAGE));
        return 0;
    }
    (void)account_start_session(req, &job->result);
    redirect(req, arena_printf(req->arena, "%s%s", app, g->outcome.next));
    return 0;
}

/* The provider's error code, if it is a plain word (it goes to the log). */
static const char *
provider_error(struct str e)
{
    if (e.len == 0 || e.len > 64) {
        return "?";
    }
    for (size_t i = 0; i < e.len; i++) {
        if (!((e.ptr[i] >= 'a' && e.ptr[i] <= 'z') || e.ptr[i] == '_')) {
            return "?";
        }
    }
    return NULL;
}

/* GET /auth/google/callback -> 302 to APP_URL + next, or to the sign-in page with erro=. */
static int
callback(struct request *req)
{
    struct route_job *job;
    struct google_flow *g;
    struct str error = request_query(req, "error");
    struct str cookie = cookies_get(req, COOKIE_OAUTH);

    /* The pre-auth cookie is good for this one callback, whatever its outcome. */
    cookies_set(req, COOKIE_OAUTH, "", 0);
    if (error.ptr) {
        /* RFC 6749 §4.1.2.1: the user refused, or the provider could not go on. */
        const char *bad = provider_error(error);
        const char *code =
            str_eq_cstr(error, "access_denied") ? AUTH_GOOGLE_DENIED : AUTH_GOOGLE_FAILED;
        request_note(req, "provider answered error=%.*s", bad ? 1 : (int)error.len,
                     bad ? bad : error.ptr);
        /* The state is spent either way; it also says where the user started. */
        return redirect_error(req, code, auth_google_abandon(req->app->db, cookie));
    }
    if (!req->app->cfg->google_client_id) {
        return redirect_error(req, AUTH_GOOGLE_DISABLED, false);
    }
    job = new_job(req, &g);
    g->cb.cookie = cookie;
    g->cb.state = request_query(req, "state");
    g->cb.code = request_query(req, "code");
    g->cb.iss = request_query(req, "iss");
    if (cookie.len == 0 || g->cb.state.len == 0) {
        /* Login CSRF: a callback this browser did not start. */
        request_note(req, "google callback without %s", cookie.len ? "state" : "pre-auth cookie");
        return redirect_error(req, AUTH_GOOGLE_STATE, false);
    }
    if (g->cb.code.len == 0) {
        request_note(req, "google callback without code");
        return redirect_error(req, AUTH_GOOGLE_FAILED, false);
    }
    return route_job_defer(req, job, callback_work, callback_then);
}

/* 404 problem: GOOGLE_CLIENT_ID (or the issuer or PUBLIC_URL) is not set. */
static int
not_configured(struct request *req)
{
    response_problem(req, E_NOT_FOUND, "Google sign-in is not configured");
    return 0;
}

/*
 * The state is saved: set the pre-auth cookie and answer the provider URL.
 * Other errors (discovery's, the database's) go out as they are.
 */
static int
connect_then(struct request *req, struct route_job *job)
{
    struct google_flow *g = job->flow;

    if (req->defer_err) {
        return req->defer_err;
    }
    if (job->err) {
        request_note(req, "google connect: %s%s%s", err_name(job->err), g->why[0] ? ": " : "",
                     g->why);
        return job->err == E_NOT_FOUND ? not_configured(req) : job->err;
    }
    cookies_set(req, COOKIE_OAUTH, g->start.cookie, OAUTH_STATE_TTL_S);
    routes_reply_json_take(req, 200, json_pack("{s:s}", "redirectUrl", g->start.url.ptr));
    return 0;
}

int
account_google_connect(struct request *req)
{
    struct route_job *job;
    struct google_flow *g;

    if (!req->app->cfg->google_client_id) {
        return not_configured(req);
    }
    job = new_job(req, &g);
    (void)snprintf(g->next, sizeof(g->next), "%s", CONNECT_PAGE);
    g->link_user_id = arena_strdup(req->arena, req->session->user_id);
    return route_job_defer(req, job, start_work, connect_then);
}

/* clang-format off */
static const struct route routes[] = {
    {HTTP_GET, "/auth/google/start", start, 0, ROUTE_STRICT_RATE},
    {HTTP_GET, "/auth/google/callback", callback, 0, ROUTE_STRICT_RATE},
};
/* clang-format on */

static const struct middleware *const chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_api,
    &mw_session,
    NULL,
};

const struct route_group routes_auth_google = {
    "auth_google", "/auth/google", 0, chain, routes, ARRAY_LEN(routes), NULL,
};
