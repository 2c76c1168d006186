/*
 * Routing: one table per route group, each with its own middleware chain,
 * so a group's policy (CORS, CSRF, auth, limits) is visible in one place
 * (routes/<group>.c). The router resolves the group and the route from the
 * path, answers 404 and 405 (with Allow) as problem+json, runs the chain's
 * `before` hooks, then the handler, and every chain's `after` hooks on every
 * response, errors included.
 */
#ifndef PILOTO_ROUTER_ROUTER_H
#define PILOTO_ROUTER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common.h"
#include "http/request.h"

enum route_flags {
    ROUTE_JSON = 1 << 0, /* takes a JSON body (Content-Type checked, parsed, depth-limited) */
    ROUTE_AUTH = 1 << 1, /* needs a valid session, else 401 */
    ROUTE_STRICT_RATE = 1 << 2, /* the stricter per-IP rate class (login, sign-up, reset) */
    ROUTE_RECENT_AUTH = 1 << 3, /* needs an authentication within REAUTH_WINDOW (mw_recent_auth) */
    ROUTE_HASHES = 1 << 4,      /* runs Argon2id: 429 while the worker queue is half full */
    /*
     * Workspace routes (/api/v1/workspaces/{wid}/...): the least role the
     * caller needs in {wid}, one of the three; mw_tenant answers 404 to
     * non-members and 403 below it.
     */
    ROUTE_MEMBER = 1 << 5,
    ROUTE_ADMIN = 1 << 6,
    ROUTE_OWNER = 1 << 7,
    /* a GET that only reads: its session may come from the session cache (session/cache.h) */
    ROUTE_CACHED_SESSION = 1 << 8,
    /*
     * Authenticated by a signature its handler checks before any other work
     * (webhooks): the per-IP limit charges only requests whose signature
     * failed (mw_ratelimit_charge), so a sender's real traffic is never
     * throttled by its address.
     */
    ROUTE_SIGNED = 1 << 9,
    /*
     * The body is not kept in memory: when the headers are in, the chain's
     * before hooks run, then the handler with req->body_pending set, to
     * check what it can (a refusal is answered before any byte is read)
     * and give the body a sink (request_set_body_sink). Once the body is
     * in, the handler runs again as usual, without the chain.
     */
    ROUTE_BODY_STREAM = 1 << 10,
};

enum group_flags {
    GROUP_CLAIM_BY_ROUTE = 1 << 0, /* claims a request only when one of its paths matches */
    GROUP_CATCH_ALL = 1 << 1,      /* claims whatever no other group did (the SPA) */
};

/*
 * One route. methods: a mask of enum http_method (GET also answers HEAD).
 * pattern: the full path; a "{name}" segment matches one non-empty segment
 * and becomes the path parameter name (request_param(req, "name")).
 * body_limit: bytes (0 = no body; for ROUTE_JSON routes 0 means
 * JSON_BODY_LIMIT). flags: enum route_flags; a route under
 * /api/v1/workspaces/{wid} carries its minimum role there (ROUTE_MEMBER,
 * ROUTE_ADMIN or ROUTE_OWNER), and routes_init refuses a {wid} route
 * without one, or one without {wid}.
 */
struct route {
    unsigned methods;
    const char *pattern;
    request_fn handler;
    size_t body_limit;
    unsigned flags;
};

/*
 * A middleware: before runs in chain order and returns 0 to go on, or an
 * E_* (or a response already set, with 1) to stop; after runs on every
 * response of the group, in reverse order. Either may be NULL.
 */
#define MIDDLEWARE_ANSWERED 2
struct middleware {
    const char *name;
    int (*before)(struct request *req);
    void (*after)(struct request *req);
};

struct route_group {
    const char *name;   /* for logs and metrics */
    const char *prefix; /* "/api/v1": the path equals it or continues with '/' */
    unsigned flags;
    const struct middleware *const *chain; /* NULL-terminated */
    const struct route *routes;
    size_t nroutes;
    request_fn fallback; /* GROUP_CATCH_ALL: handles every path; may be NULL */
};

/*
 * Installs the groups, tried in order, and the body limit of ROUTE_JSON
 * routes that set none (JSON_BODY_LIMIT). Called once at start-up.
 */
void router_init(const struct route_group *const *groups, size_t n, size_t json_body_limit);

/* http_dispatch hooks (http/server.h). */
int router_begin(struct request *req);
int router_run(struct request *req);
void router_finish(struct request *req);

/*
 * Matches path against pattern, filling up to HTTP_MAX_PARAMS parameters:
 * each names its {name} (a view into pattern) and the segment it matched (a
 * view into path). Pure; true on a match.
 */
bool router_match(const char *pattern, struct str path, struct path_param *params, size_t *nparams);
/* A route's minimum workspace role from its flags: 0 (none), 1 member, 2 admin, 3 owner. */
unsigned router_min_role(unsigned flags);
/* Allow header text for a method mask ("GET, HEAD, POST"), into out. */
void router_allow_text(unsigned methods, char *out, size_t cap);

#endif
