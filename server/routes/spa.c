/*
 * The dashboard SPA, served from STATIC_DIR when set (same-origin
 * topology). Whatever no API group claims lands here, except paths under
 * /api, /auth and /internal (a 404 problem: a client calling a route that
 * does not exist must not get the index); without STATIC_DIR the fallback
 * group answers 404 problem+json instead.
 */
#include "routes/routes.h"

#include "app.h"
#include "core/err.h"
#include "http/static.h"
#include "middleware/middleware.h"

/* Path roots that belong to the API: an unknown path under them is a 404 problem, never the SPA. */
static const char *const api_roots[] = {"/api", "/auth", "/internal"};

static bool
is_api_path(struct str path)
{
    for (size_t i = 0; i < ARRAY_LEN(api_roots); i++) {
        struct str root = str_from_cstr(api_roots[i]);
        if (str_has_prefix(path, root) && (path.len == root.len || path.ptr[root.len] == '/')) {
            return true;
        }
    }
    return false;
}

static int
serve(struct request *req)
{
    if (is_api_path(req->path)) {
        return E_NOT_FOUND;
    }
    return static_serve(req, req->app->cfg->static_dir);
}

static int
not_found(struct request *req)
{
    (void)req;
    return E_NOT_FOUND;
}

static const struct middleware *const spa_chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_spa,
    NULL,
};

static const struct middleware *const none_chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_machine,
    NULL,
};

const struct route_group routes_spa = {
    "spa", "/", GROUP_CATCH_ALL, spa_chain, NULL, 0, serve,
};

const struct route_group routes_none = {
    "none", "/", GROUP_CATCH_ALL, none_chain, NULL, 0, not_found,
};
