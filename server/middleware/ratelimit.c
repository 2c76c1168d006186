/*
 * Per-IP rate limits (SPEC §6): every request takes a token from the
 * client's general bucket; login, sign-up and reset routes also from a much
 * smaller one; routes that hash a password are also refused while the
 * worker queue is half full, for all clients. IPv6 clients are counted per
 * /64. 429 with Retry-After when
 * empty.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"
#include "core/ratelimit.h"

#include "core/workpool.h"

enum rate_class {
    RATE_GENERAL = 1,
    RATE_STRICT = 2,
};

/*
 * The client's bucket key: its address, an IPv6 one cut to its /64 (one
 * customer line gets a /64 or more: counting each of its 2^64 addresses
 * apart gave anyone unlimited buckets).
 */
static void
client_key(const struct ipaddr *ip, uint8_t key[16])
{
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    memcpy(key, ip->b, 16);
    if (memcmp(ip->b, v4_mapped, sizeof(v4_mapped)) != 0) {
        memset(key + 8, 0, 8);
    }
}

static bool
take(struct request *req, enum rate_class cls, unsigned per_min)
{
    uint8_t key[17];
    int retry = 0;

    client_key(&req->client_ip, key);
    key[16] = (uint8_t)cls;
    if (ratelimiter_take(req->app->rl, key, sizeof(key), per_min, per_min, &retry)) {
        return true;
    }
    req->retry_after = retry;
    request_note(req, "rate limited (%s)", cls == RATE_STRICT ? "strict" : "general");
    return false;
}

/*
 * Argon2id work for all clients together: once half the worker queue is
 * waiting, a route that hashes answers 429 at once, so a flood from many
 * addresses meets 429s here before the queue is full (whose answer is a
 * 503) and the other half stays for the rest of the service. The queue
 * itself is the bucket: it drains exactly as fast as this machine hashes,
 * which no configured rate would know.
 */
static bool
hashing_backed_up(struct request *req)
{
    struct workpool_stats ws;

    workpool_get_stats(req->app->pool, &ws);
    return ws.queued >= (ws.queue_cap > 1 ? ws.queue_cap / 2 : 1);
}

static int
before(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    unsigned flags = req->route ? req->route->flags : 0;

    if (req->method == HTTP_OPTIONS) {
        flags = 0; /* a preflight does none of the work */
    }
    /* A signed route charges only its failed signatures (mw_ratelimit_charge). */
    if (req->app->rl && !(flags & ROUTE_SIGNED)) {
        if (!take(req, RATE_GENERAL, cfg->rate_general_per_min)) {
            return E_RATE_LIMITED;
        }
        if ((flags & ROUTE_STRICT_RATE) && !take(req, RATE_STRICT, cfg->rate_auth_per_min)) {
            return E_RATE_LIMITED;
        }
    }
    if ((flags & ROUTE_HASHES) && req->app->pool && hashing_backed_up(req)) {
        req->retry_after = 1;
        request_note(req, "rate limited (password hashing backed up, all clients)");
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
