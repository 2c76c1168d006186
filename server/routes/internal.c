/*
 * /internal: machines (WhatsApp and CRM webhooks, job callbacks). Each
 * integration authenticates with its own HMAC signature or bearer token;
 * cookies are never read, there is no CSRF and never any CORS header.
 */
#include "routes/routes.h"

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "integrations/whatsapp.h"
#include "middleware/middleware.h"
#include "whatsapp/inbound.h"

/*
 * GET /internal/whatsapp: Meta's subscription handshake. 200 with the
 * challenge as text/plain when the verify token matches, else 403.
 */
static int
whatsapp_handshake(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    struct str challenge = request_query(req, "hub.challenge");
    int err = whatsapp_check_handshake(str_from_cstr(cfg->whatsapp_verify_token),
                                       request_query(req, "hub.mode"),
                                       request_query(req, "hub.verify_token"), challenge);

    if (err) {
        request_note(req, cfg->whatsapp_verify_token ? "whatsapp handshake refused"
                                                     : "WHATSAPP_VERIFY_TOKEN unset");
        return err;
    }
    response_set(req, 200, "text/plain; charset=utf-8", challenge.ptr, challenge.len);
    return 0;
}

/*
 * POST /internal/whatsapp: the signature over the raw bytes first, then the
 * parse, then everything stored in one transaction, and only then 200.
 * Anything short of that is not 200, so Meta delivers it again.
 */
static int
whatsapp_webhook(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    struct str body = buf_str(&req->body);
    struct whatsapp_batch batch;
    struct whatsapp_inbound_result res;
    int err;

    memset(&batch, 0, sizeof(batch));
    err = whatsapp_check_signature(str_from_cstr(cfg->whatsapp_app_secret),
                                   request_header(req, "X-Hub-Signature-256"), body);
    if (err) {
        request_note(req, cfg->whatsapp_app_secret ? "bad X-Hub-Signature-256"
                                                   : "WHATSAPP_APP_SECRET unset");
        return mw_ratelimit_charge(req) ? E_RATE_LIMITED : err;
    }
    if ((err = whatsapp_parse_webhook(body, req->arena, &batch))) {
        request_note(req, "whatsapp payload refused (%s)", err_name(err));
        return err;
    }
    if ((err = whatsapp_inbound_store(req->app->db, body, &batch, clock_wall_ms(), &res))) {
        request_note(req, "whatsapp payload not stored (%s)", err_name(err));
        return err;
    }
    if (res.unknown) {
        /* Acknowledged all the same: Meta would resend it forever. */
        log_msg(LOG_WARNING, "whatsapp: %zu items for phone number id '%s' that no agent has",
                res.unknown, res.unknown_pnid);
    }
    request_note(req, "whatsapp in=%zu dup=%zu statuses=%zu applied=%zu skipped=%zu unknown=%zu",
                 res.messages_new, res.messages_dup, res.statuses_new, res.statuses_applied,
                 batch.n_skipped, res.unknown);
    response_set(req, 200, "application/json", "{\"ok\":true}", 11);
    return 0;
}

static const struct route routes[] = {
    {HTTP_GET, "/internal/whatsapp", whatsapp_handshake, 0, 0},
    {HTTP_POST, "/internal/whatsapp", whatsapp_webhook, WHATSAPP_MAX_BODY, ROUTE_SIGNED},
};

static const struct middleware *const chain[] = {
    &mw_ratelimit,
    &mw_sec_headers_machine,
    &mw_json_body,
    NULL,
};

const struct route_group routes_internal = {
    "internal", "/internal", 0, chain, routes, ARRAY_LEN(routes), NULL,
};
