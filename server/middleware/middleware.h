/*
 * The middlewares route groups compose into chains (routes/<group>.c).
 * Each is a const struct middleware; pure decision helpers are exported
 * for the unit tests.
 */
#ifndef PILOTO_MIDDLEWARE_MIDDLEWARE_H
#define PILOTO_MIDDLEWARE_MIDDLEWARE_H

#include <stdbool.h>

#include "config/config.h"
#include "core/str.h"
#include "router/router.h"

/* Security headers: API groups (CSP default-src 'none', no-store) and the SPA. */
extern const struct middleware mw_sec_headers_api;
extern const struct middleware mw_sec_headers_spa;
/* Security headers for machine groups (/internal, platform): no CORS ever, no-store. */
extern const struct middleware mw_sec_headers_machine;
/* CORS for the app origins only, with credentials; answers preflights. */
extern const struct middleware mw_cors;
/* CSRF: Origin/Referer against the app origins, then the session-bound token. */
extern const struct middleware mw_csrf;
/* Per-IP token buckets: every request, and the strict class for ROUTE_STRICT_RATE. */
extern const struct middleware mw_ratelimit;
/*
 * Takes a token from the client's general bucket for a ROUTE_SIGNED route
 * whose signature failed: 0, or E_RATE_LIMITED (Retry-After set).
 */
NODISCARD int mw_ratelimit_charge(struct request *req);
/* The session cookie -> req->session; 401 for ROUTE_AUTH routes without one. */
extern const struct middleware mw_session;
/* 403 recent_auth_required on ROUTE_RECENT_AUTH routes past REAUTH_WINDOW (after mw_session). */
extern const struct middleware mw_recent_auth;
/*
 * Tenancy: on routes with a minimum role (under /api/v1/workspaces/{wid}),
 * resolves who is asking into req->tenant before any handler runs: 401
 * without a session, 404 not_found unless a member of {wid} (whatever the
 * reason: no existence leak), 403 forbidden below the route's min_role.
 */
extern const struct middleware mw_tenant;
/* Content-Type and strict parsing of JSON bodies for ROUTE_JSON routes. */
extern const struct middleware mw_json_body;

/* true when the Origin header value names an allowed app origin. */
bool cors_origin_allowed(const struct config *cfg, struct str origin);
/*
 * The origin a state-changing request claims, from Origin or else Referer:
 * 0 and *out, or E_ORIGIN when neither is present or parses.
 */
NODISCARD int csrf_request_origin(struct str origin, struct str referer, struct origin *out);

#endif
