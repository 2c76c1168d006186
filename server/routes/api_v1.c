/*
 * /api/v1: the dashboard's data API. Session cookie, CSRF on non-GET, CORS
 * for the app origins only.
 */
#include "routes/routes.h"

#include "middleware/middleware.h"

static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors, &mw_sec_headers_api, &mw_csrf, &mw_json_body, NULL,
};

const struct route_group routes_api_v1 = {
    "api", "/api/v1", 0, chain, NULL, 0, NULL,
};
