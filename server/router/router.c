#include "router/router.h"

#include "core/err.h"

static const struct route_group *const *groups;
static size_t ngroups;
static size_t json_limit;

void
router_init(const struct route_group *const *g, size_t n, size_t json_body_limit)
{
    groups = g;
    ngroups = n;
    json_limit = json_body_limit;
}

bool
router_match(const char *pattern, struct str path, struct path_param *params, size_t *nparams)
{
    struct str pat = str_from_cstr(pattern);
    size_t i = 1;
    size_t j = 1;
    size_t np = 0;

    if (pat.len == 0 || path.len == 0 || pat.ptr[0] != '/' || path.ptr[0] != '/') {
        return false;
    }
    for (;;) {
        const char *pslash = memchr(pat.ptr + i, '/', pat.len - i);
        const char *sslash = memchr(path.ptr + j, '/', path.len - j);
        size_t pe = pslash ? (size_t)(pslash - pat.ptr) : pat.len;
        size_t se = sslash ? (size_t)(sslash - path.ptr) : path.len;
        struct str ps = str_make(pat.ptr + i, pe - i);
        struct str seg = str_make(path.ptr + j, se - j);

        if (ps.len > 2 && ps.ptr[0] == '{' && ps.ptr[ps.len - 1] == '}') {
            if (seg.len == 0 || np == HTTP_MAX_PARAMS) {
                return false;
            }
            params[np++] = (struct path_param){str_make(ps.ptr + 1, ps.len - 2), seg};
        } else if (!str_eq(ps, seg)) {
            return false;
        }
        /* Both end here, or neither: "/a/" never matches "/a". */
        if ((pe == pat.len) != (se == path.len)) {
            return false;
        }
        if (pe == pat.len) {
            break;
        }
        i = pe + 1;
        j = se + 1;
    }
    *nparams = np;
    return true;
}

unsigned
router_min_role(unsigned flags)
{
    return (flags & ROUTE_OWNER) ? 3 : (flags & ROUTE_ADMIN) ? 2 : (flags & ROUTE_MEMBER) ? 1 : 0;
}

void
router_allow_text(unsigned methods, char *out, size_t cap)
{
    static const struct {
        unsigned m;
        const char *name;
    } names[] = {{HTTP_GET, "GET"},        {HTTP_HEAD, "HEAD"},   {HTTP_POST, "POST"},
                 {HTTP_PUT, "PUT"},        {HTTP_PATCH, "PATCH"}, {HTTP_DELETE, "DELETE"},
                 {HTTP_OPTIONS, "OPTIONS"}};
    size_t len = 0;

    out[0] = '\0';
    if (methods & HTTP_GET) {
        methods |= HTTP_HEAD;
    }
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (methods & names[i].m) {
            int n = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", names[i].name);
            if (n < 0 || (size_t)n >= cap - len) {
                out[len] = '\0';
                break;
            }
            len += (size_t)n;
        }
    }
}

static bool
prefix_claims(const struct route_group *g, struct str path)
{
    struct str p = str_from_cstr(g->prefix);
    return str_has_prefix(path, p) && (path.len == p.len || path.ptr[p.len] == '/');
}

/* Finds the group, then the route; sets req->allow on a path match with another method. */
static int
resolve(struct request *req)
{
    const struct route_group *g = NULL;
    unsigned allowed = 0;
    unsigned want = req->method == HTTP_HEAD ? HTTP_GET | HTTP_HEAD : (unsigned)req->method;

    for (size_t i = 0; i < ngroups && !g; i++) {
        const struct route_group *cand = groups[i];
        if (cand->flags & GROUP_CATCH_ALL) {
            g = cand;
        } else if (cand->flags & GROUP_CLAIM_BY_ROUTE) {
            for (size_t r = 0; r < cand->nroutes; r++) {
                struct path_param params[HTTP_MAX_PARAMS];
                size_t np;
                if (router_match(cand->routes[r].pattern, req->path, params, &np)) {
                    g = cand;
                    break;
                }
            }
        } else if (prefix_claims(cand, req->path)) {
            g = cand;
        }
    }
    if (!g) {
        return E_NOT_FOUND;
    }
    req->group = g;
    req->group_name = g->name;
    for (size_t r = 0; r < g->nroutes; r++) {
        const struct route *rt = &g->routes[r];
        size_t np = 0;
        if (!router_match(rt->pattern, req->path, req->params, &np)) {
            continue;
        }
        if (rt->methods & want) {
            req->route = rt;
            req->nparams = np;
            return 0;
        }
        allowed |= rt->methods;
    }
    if (allowed) {
        char allow[80];
        router_allow_text(allowed | HTTP_OPTIONS, allow, sizeof(allow));
        req->allow = arena_strdup(req->arena, allow);
        /* OPTIONS goes through the chain so CORS can answer a preflight. */
        return req->method == HTTP_OPTIONS ? 0 : E_METHOD;
    }
    return g->fallback ? 0 : E_NOT_FOUND;
}

/* The group's before hooks, once per request: 0, an E_*, or MIDDLEWARE_ANSWERED. */
static int
run_chain(struct request *req)
{
    const struct route_group *g = req->group;

    if (req->chain_done) {
        return 0;
    }
    req->chain_done = true;
    for (const struct middleware *const *m = g->chain; m && *m; m++) {
        if ((*m)->before) {
            int rc = (*m)->before(req);
            if (rc) {
                return rc;
            }
        }
    }
    return 0;
}

/* A streamed body's first step (ROUTE_BODY_STREAM): the chain, then the handler's checks. */
static int
begin_stream(struct request *req)
{
    int rc = run_chain(req);

    if (rc == MIDDLEWARE_ANSWERED) {
        return HANDLER_ANSWERED;
    }
    if (rc) {
        return rc;
    }
    req->body_pending = true;
    rc = req->route->handler(req);
    req->body_pending = false;
    if (rc == HANDLER_DEFERRED) {
        BUG("a ROUTE_BODY_STREAM handler deferred before its body");
    }
    return rc == 0 && req->resp.status ? HANDLER_ANSWERED : rc;
}

int
router_begin(struct request *req)
{
    int err = resolve(req);

    if (req->route) {
        req->body_limit = req->route->body_limit;
        if (req->body_limit == 0 && (req->route->flags & ROUTE_JSON)) {
            req->body_limit = json_limit;
        }
        if (!err && (req->route->flags & ROUTE_BODY_STREAM)) {
            err = begin_stream(req);
        }
    }
    return err;
}

int
router_run(struct request *req)
{
    const struct route_group *g = req->group;
    int rc = run_chain(req);

    if (rc == MIDDLEWARE_ANSWERED) {
        return 0;
    }
    if (rc) {
        return rc;
    }
    if (req->route) {
        return req->route->handler(req);
    }
    if (req->method == HTTP_OPTIONS && req->allow) {
        response_empty(req, 204);
        response_set_header(req, "Allow", req->allow);
        return 0;
    }
    if (g->fallback) {
        return g->fallback(req);
    }
    return E_NOT_FOUND;
}

void
router_finish(struct request *req)
{
    const struct route_group *g = req->group;
    size_t n = 0;

    response_set_header(req, "X-Request-Id", request_echo_id(req));
    if (!g) {
        /* No group claimed the path: the strictest headers. */
        response_set_header(req, "X-Content-Type-Options", "nosniff");
        response_set_header(req, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
        response_set_header(req, "X-Frame-Options", "DENY");
        response_set_header(req, "Referrer-Policy", "no-referrer");
        response_set_header(req, "Cache-Control", "no-store");
        return;
    }
    while (g->chain && g->chain[n]) {
        n++;
    }
    while (n-- > 0) {
        if (g->chain[n]->after) {
            g->chain[n]->after(req);
        }
    }
}
