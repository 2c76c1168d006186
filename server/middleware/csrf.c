/*
 * CSRF (SPEC §5), for every state-changing request of /auth, /bff and
 * /api (login and sign-up included: login CSRF). First the request must come
 * from an app origin (Origin, or Referer when a browser sent no Origin):
 * a foreign page can make a browser send a POST, but it cannot forge that
 * header. Then the double-submit token: X-CSRF-Token must equal the CSRF
 * cookie and be the HMAC bound to this session (session/csrf.h). Runs after
 * session_load, so it knows the session.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"
#include "middleware/cookies.h"
#include "session/csrf.h"
#include "session/session.h"

int
csrf_request_origin(struct str origin, struct str referer, struct origin *out)
{
    if (origin.len) {
        /* "null" (sandboxed frames, some redirects) is never an app origin. */
        return origin_parse(origin, out) ? E_ORIGIN : 0;
    }
    if (referer.len) {
        struct str path;
        struct str r = referer;
        long q = str_find(r, '?');
        long h = str_find(r, '#');
        if (q >= 0) {
            r.len = (size_t)q;
        }
        if (h >= 0 && (size_t)h < r.len) {
            r.len = (size_t)h;
        }
        return origin_parse_url(r, out, &path) ? E_ORIGIN : 0;
    }
    return E_ORIGIN;
}

static bool
is_safe(enum http_method m)
{
    return m == HTTP_GET || m == HTTP_HEAD || m == HTTP_OPTIONS;
}

static int
before(struct request *req)
{
    struct origin o;

    if (is_safe(req->method)) {
        return 0;
    }
    if (csrf_request_origin(request_header(req, "Origin"), request_header(req, "Referer"), &o) ||
        !config_is_app_origin(req->app->cfg, &o)) {
        request_note(req, "state-changing request from a foreign or unknown origin");
        return E_ORIGIN;
    }
    if (!csrf_token_check(req->app->cfg, req->session ? req->session->id : NULL,
                          request_header(req, "X-CSRF-Token"), cookies_get(req, COOKIE_CSRF))) {
        request_note(req, "missing or wrong CSRF token");
        return E_CSRF;
    }
    return 0;
}

const struct middleware mw_csrf = {"csrf", before, NULL};
