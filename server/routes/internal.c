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

/* The answer once the webhook is stored (or not): only a commit earns a 200. */
static int
whatsapp_answer(struct request *req, const struct whatsapp_batch *batch, int err,
                const struct whatsapp_inbound_result *res)
{
    if (err) {
        request_note(req, "whatsapp payload not stored (%s)", err_name(err));
        if (err == E_UNAVAILABLE) {
            req->retry_after = 1;
        }
        return err;
    }
    if (res->unknown) {
        /* Acknowledged all the same: Meta would resend it forever. */
        log_msg(LOG_WARNING, "whatsapp: %zu items for phone number id '%s' that no agent has",
                res->unknown, res->unknown_pnid);
    }
    request_note(req, "whatsapp in=%zu dup=%zu statuses=%zu applied=%zu skipped=%zu unknown=%zu",
                 res->messages_new, res->messages_dup, res->statuses_new, res->statuses_applied,
                 batch->n_skipped, res->unknown);
    response_set(req, 200, "application/json", "{\"ok\":true}", 11);
    return 0;
}

static void
whatsapp_stored(struct whatsapp_ingest_item *item)
{
    request_resume(item->arg);
}

static int
whatsapp_then(struct request *req)
{
    struct whatsapp_ingest_item *item = req->ctx;
    return whatsapp_answer(req, item->batch, item->err, &item->result);
}

/*
 * POST /internal/whatsapp: the signature over the raw bytes first, then the
 * parse, then everything stored in one transaction, and only then 200.
 * Anything short of that is not 200, so Meta delivers it again. On SQLite
 * the transaction is a group commit shared with the webhooks arriving
 * meanwhile (whatsapp_ingest), the connection suspended until it is done.
 */
static int
whatsapp_webhook(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    struct str body = buf_str(&req->body);
    struct whatsapp_batch *batch = arena_alloc(req->arena, sizeof(*batch));
    struct whatsapp_inbound_result res;
    struct whatsapp_ingest_item *item;
    int err;

    err = whatsapp_check_signature(str_from_cstr(cfg->whatsapp_app_secret),
                                   request_header(req, "X-Hub-Signature-256"), body);
    if (err) {
        request_note(req, cfg->whatsapp_app_secret ? "bad X-Hub-Signature-256"
                                                   : "WHATSAPP_APP_SECRET unset");
        return mw_ratelimit_charge(req) ? E_RATE_LIMITED : err;
    }
    if ((err = whatsapp_parse_webhook(body, req->arena, batch))) {
        request_note(req, "whatsapp payload refused (%s)", err_name(err));
        return err;
    }
    if (!req->app->ingest) {
        err = whatsapp_inbound_store(req->app->db, body, batch, clock_wall_ms(), &res);
        return whatsapp_answer(req, batch, err, &res);
    }
    item = arena_alloc(req->arena, sizeof(*item));
    item->raw = body;
    item->batch = batch;
    item->now_ms = clock_wall_ms();
    item->done = whatsapp_stored;
    item->arg = req;
    req->ctx = item;
    /* Suspend first: the commit may be done before submit returns. */
    err = request_suspend(req, whatsapp_then);
    if (whatsapp_ingest_submit(req->app->ingest, item)) {
        item->err = E_UNAVAILABLE;
        request_resume(req);
    }
    return err;
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
