/* Security headers on every response (SPEC §6), per kind of group. */
#include "middleware/middleware.h"

#include "app.h"

static void
common(struct request *req)
{
    const struct config *cfg = req->app->cfg;

    response_set_header(req, "X-Content-Type-Options", "nosniff");
    response_set_header(req, "X-Frame-Options", "DENY");
    if (cfg->cookie_secure || req->secure) {
        response_set_header(req, "Strict-Transport-Security",
                            "max-age=63072000; includeSubDomains");
    }
}

static void
api_after(struct request *req)
{
    common(req);
    response_set_header(req, "Content-Security-Policy",
                        "default-src 'none'; frame-ancestors 'none'");
    response_set_header(req, "Referrer-Policy", "no-referrer");
    response_set_header(req, "Cross-Origin-Resource-Policy", "same-site");
    /* Authenticated answers and errors alike: nothing from the API is cacheable. */
    response_set_header(req, "Cache-Control", "no-store");
}

static void
spa_after(struct request *req)
{
    common(req);
    /*
     * The SPA needs only its own scripts and styles; connect-src adds the
     * API origin when it lives elsewhere (app.<domain> -> api.<domain>),
     * and Cloud Storage's when documents are uploaded straight to it.
     */
    if (!response_get_header(req, "Content-Security-Policy")) {
        const struct config *cfg = req->app->cfg;
        const char *api = cfg->public_url ? cfg->public_url : "";
        bool gcs = cfg->storage_url && strncmp(cfg->storage_url, "gs://", 5) == 0;
        char csp[2048];
        (void)snprintf(csp, sizeof(csp),
                       "default-src 'self'; script-src 'self'; style-src 'self'; "
                       "img-src 'self' data:; font-src 'self'; connect-src 'self' %s%s%s; "
                       "object-src 'none'; base-uri 'self'; form-action 'self'; "
                       "frame-ancestors 'none'",
                       api, gcs ? " " : "", gcs ? cfg->gcs_api_url : "");
        response_set_header(req, "Content-Security-Policy", csp);
    }
    response_set_header(req, "Referrer-Policy", "strict-origin-when-cross-origin");
    response_set_header(req, "Cross-Origin-Opener-Policy", "same-origin");
}

static void
machine_after(struct request *req)
{
    common(req);
    response_set_header(req, "Referrer-Policy", "no-referrer");
    response_set_header(req, "Content-Security-Policy",
                        "default-src 'none'; frame-ancestors 'none'");
    response_set_header(req, "Cache-Control", "no-store");
}

const struct middleware mw_sec_headers_api = {"sec_headers_api", NULL, api_after};
const struct middleware mw_sec_headers_spa = {"sec_headers_spa", NULL, spa_after};
const struct middleware mw_sec_headers_machine = {"sec_headers_machine", NULL, machine_after};
