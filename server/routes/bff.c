/*
 * /bff: browser flows that are not JSON data (OAuth redirects, signed upload
 * URLs, small view-models). Session cookie, CSRF on non-GET, CORS for the
 * app origins only. Its routes arrive with the features that need them.
 */
#include "routes/routes.h"

#include "middleware/middleware.h"

static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors, &mw_sec_headers_api, &mw_session, &mw_csrf, &mw_json_body, NULL,
};

const struct route_group routes_bff = {
    "bff", "/bff", 0, chain, NULL, 0, NULL,
};
