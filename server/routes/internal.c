/*
 * /internal: machines (WhatsApp and CRM webhooks, job callbacks). Each
 * integration authenticates with its own HMAC signature or bearer token;
 * cookies are never read, there is no CSRF and never any CORS header. Its
 * routes arrive with the integrations.
 */
#include "routes/routes.h"

#include "middleware/middleware.h"

static const struct middleware *const chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_machine,
    &mw_json_body,
    NULL,
};

const struct route_group routes_internal = {
    "internal", "/internal", 0, chain, NULL, 0, NULL,
};
