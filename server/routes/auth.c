/*
 * /auth: sign-up, login, logout, the current user, the CSRF token.
 * Session cookie where needed, CSRF on non-GET (sign-up and login too),
 * CORS for the app origins only.
 */
#include "routes/routes.h"

#include "middleware/middleware.h"

static const struct middleware *const chain[] = {
    &mw_ratelimit, &mw_cors, &mw_sec_headers_api, &mw_csrf, &mw_json_body, NULL,
};

const struct route_group routes_auth = {
    "auth", "/auth", 0, chain, NULL, 0, NULL,
};
