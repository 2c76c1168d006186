/*
 * Loads the session named by the session cookie (SPEC §5) into
 * req->session, sliding its idle expiry. Routes flagged ROUTE_AUTH answer
 * 401 without one; mw_recent_auth answers ROUTE_RECENT_AUTH ones 403
 * recent_auth_required when the last authentication is older than
 * REAUTH_WINDOW (a separate step, so a workspace chain can run it after
 * tenancy: a non-member gets 404 before anything else). A cookie that
 * names no live session is cleared. Not in the /internal chain: machines
 * never authenticate with cookies.
 *
 * GET and HEAD requests to routes flagged ROUTE_CACHED_SESSION (they only
 * read) may take the session from the session cache (session/cache.h);
 * every other request reads it from the database.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "middleware/cookies.h"
#include "session/session.h"

static int
before(struct request *req)
{
    struct str token = cookies_get(req, COOKIE_SESSION);
    unsigned flags = req->route ? req->route->flags : 0;
    int64_t now = clock_wall_s();

    if (token.len) {
        struct session *s = arena_alloc(req->arena, sizeof(*s));
        bool safe = req->method == HTTP_GET || req->method == HTTP_HEAD;
        struct session_cache *cache =
            safe && (flags & ROUTE_CACHED_SESSION) ? req->app->sessions : NULL;
        int err = session_lookup(req->app->db, cache, req->app->cfg, token, now, s);
        if (err == 0) {
            req->session = s;
        } else if (err == E_UNAUTHENTICATED) {
            cookies_set(req, COOKIE_SESSION, "", 0);
        } else {
            request_note(req, "session lookup failed: %s", err_name(err));
            req->retry_after = 1;
            return err;
        }
    }
    if ((flags & ROUTE_AUTH) && !req->session) {
        return E_UNAUTHENTICATED;
    }
    return 0;
}

static int
recent_auth(struct request *req)
{
    unsigned flags = req->route ? req->route->flags : 0;

    if ((flags & ROUTE_RECENT_AUTH) && req->session &&
        clock_wall_s() - req->session->auth_at > (int64_t)req->app->cfg->reauth_window_s) {
        return E_REAUTH;
    }
    return 0;
}

const struct middleware mw_session = {"session", before, NULL};
const struct middleware mw_recent_auth = {"recent_auth", recent_auth, NULL};
