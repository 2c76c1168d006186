/*
 * Per-IP rate limits (SPEC §6): every request takes a token from the
 * client's general bucket; login, sign-up and reset routes also from a much
 * smaller one. 429 with Retry-After when empty.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"
#include "core/ratelimit.h"

enum rate_class {
    RATE_GENERAL = 1,
    RATE_STRICT = 2,
};

static bool
take(struct request *req, enum rate_class cls, unsigned per_min)
{
    uint8_t key[17];
    int retry = 0;

    memcpy(key, req->client_ip.b, 16);
    key[16] = (uint8_t)cls;
    if (ratelimiter_take(req->app->rl, key, sizeof(key), per_min, per_min, &retry)) {
        return true;
    }
    req->retry_after = retry;
    request_note(req, "rate limited (%s)", cls == RATE_STRICT ? "strict" : "general");
    return false;
}

static int
before(struct request *req)
{
    const struct config *cfg = req->app->cfg;

    if (!req->app->rl || (req->route && (req->route->flags & ROUTE_SIGNED))) {
        return 0;
    }
    if (!take(req, RATE_GENERAL, cfg->rate_general_per_min)) {
        return E_RATE_LIMITED;
    }
    if (req->route && (req->route->flags & ROUTE_STRICT_RATE) && req->method != HTTP_OPTIONS &&
        !take(req, RATE_STRICT, cfg->rate_auth_per_min)) {
        return E_RATE_LIMITED;
    }
    return 0;
}

int
mw_ratelimit_charge(struct request *req)
{
    if (req->app->rl && !take(req, RATE_GENERAL, req->app->cfg->rate_general_per_min)) {
        return E_RATE_LIMITED;
    }
    return 0;
}

const struct middleware mw_ratelimit = {"ratelimit", before, NULL};
