/*
 * The dashboard SPA, served from STATIC_DIR when set (same-origin
 * topology). Whatever no API group claims lands here; without STATIC_DIR the
 * fallback group answers 404 problem+json instead.
 */
#include "routes/routes.h"

#include "app.h"
#include "core/err.h"
#include "http/static.h"
#include "middleware/middleware.h"

static int
serve(struct request *req)
{
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
