/*
 * CORS (SPEC §5): only the configured app origins, with credentials; the
 * methods and headers the SPA uses; a preflight max-age; Vary: Origin on
 * every answer so caches never mix origins. Anything else gets no CORS
 * headers at all, and a refused preflight is a 403.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"

#define CORS_METHODS "GET, POST, PUT, PATCH, DELETE"
#define CORS_HEADERS "Content-Type, X-CSRF-Token"
#define CORS_MAX_AGE "600"

bool
cors_origin_allowed(const struct config *cfg, struct str origin)
{
    struct origin o;
    return origin.len && !origin_parse(origin, &o) && config_is_app_origin(cfg, &o);
}

static bool
method_allowed(struct str m)
{
    static const char *const ok[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        if (str_eq_cstr(m, ok[i])) {
            return true;
        }
    }
    return false;
}

/* Access-Control-Request-Headers: a comma list, each content-type or x-csrf-token. */
static bool
headers_allowed(struct str list)
{
    struct str rest = list;
    while (rest.len) {
        struct str h = str_trim(str_cut(&rest, ','));
        if (h.len == 0) {
            continue;
        }
        if (!str_eq_nocase(h, STR_LIT("content-type")) &&
            !str_eq_nocase(h, STR_LIT("x-csrf-token"))) {
            return false;
        }
    }
    return true;
}

static void
allow_origin(struct request *req, struct str origin)
{
    char *o = arena_strdup_str(req->arena, origin);
    response_set_header(req, "Access-Control-Allow-Origin", o);
    response_set_header(req, "Access-Control-Allow-Credentials", "true");
}

static int
before(struct request *req)
{
    struct str origin = request_header(req, "Origin");
    struct str acrm = request_header(req, "Access-Control-Request-Method");

    if (req->method != HTTP_OPTIONS || !origin.ptr || !acrm.ptr) {
        return 0;
    }
    if (!cors_origin_allowed(req->app->cfg, origin) || !method_allowed(acrm) ||
        !headers_allowed(request_header(req, "Access-Control-Request-Headers"))) {
        request_note(req, "preflight refused");
        return E_ORIGIN;
    }
    response_empty(req, 204);
    allow_origin(req, origin);
    response_set_header(req, "Access-Control-Allow-Methods", CORS_METHODS);
    response_set_header(req, "Access-Control-Allow-Headers", CORS_HEADERS);
    response_set_header(req, "Access-Control-Max-Age", CORS_MAX_AGE);
    return MIDDLEWARE_ANSWERED;
}

static void
after(struct request *req)
{
    struct str origin = request_header(req, "Origin");

    response_set_header(req, "Vary", "Origin");
    if (response_get_header(req, "Access-Control-Allow-Origin")) {
        return;
    }
    if (origin.ptr && cors_origin_allowed(req->app->cfg, origin)) {
        allow_origin(req, origin);
        response_set_header(req, "Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
    }
}

const struct middleware mw_cors = {"cors", before, after};
