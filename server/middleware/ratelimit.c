/*
 * Per-IP rate limits (SPEC §6): every request takes a token from the
 * client's general bucket; login, sign-up and reset routes also from a much
 * smaller one; routes that hash a password also from one bucket shared by
 * all clients. IPv6 clients are counted per /64. 429 with Retry-After when
 * empty.
 */
#include "middleware/middleware.h"

#include "app.h"
#include "core/err.h"
#include "core/ratelimit.h"

/* Password hashes a worker thread is counted on for, a minute (Argon2id at ~0.1 s). */
#define RATE_HASHING_PER_WORKER 600

enum rate_class {
    RATE_GENERAL = 1,
    RATE_STRICT = 2,
    RATE_HASHING = 3, /* one bucket for the whole process, not per client */
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
take(struct request *req, enum rate_class cls, unsigned per_min, unsigned burst)
{
    uint8_t key[17];
    int retry = 0;

    if (cls == RATE_HASHING) {
        memset(key, 0, 16);
    } else {
        client_key(&req->client_ip, key);
    }
    key[16] = (uint8_t)cls;
    if (ratelimiter_take(req->app->rl, key, sizeof(key), per_min, burst, &retry)) {
        return true;
    }
    req->retry_after = retry;
    request_note(req, "rate limited (%s)",
                 cls == RATE_STRICT    ? "strict"
                 : cls == RATE_HASHING ? "hashing, all clients"
                                       : "general");
    return false;
}

static int
before(struct request *req)
{
    const struct config *cfg = req->app->cfg;
    unsigned flags = req->route ? req->route->flags : 0;

    if (!req->app->rl) {
        return 0;
    }
    if (!take(req, RATE_GENERAL, cfg->rate_general_per_min, cfg->rate_general_per_min)) {
        return E_RATE_LIMITED;
    }
    if (req->method == HTTP_OPTIONS) {
        return 0;
    }
    if ((flags & ROUTE_STRICT_RATE) &&
        !take(req, RATE_STRICT, cfg->rate_auth_per_min, cfg->rate_auth_per_min)) {
        return E_RATE_LIMITED;
    }
    /*
     * Argon2id work for everyone together: a flood from many addresses meets
     * 429s here before it fills the worker queue (whose answer is a 503).
     * Half the queue at once, refilled at RATE_HASHING_PER_WORKER a minute
     * per worker thread.
     */
    if ((flags & ROUTE_HASHES) &&
        !take(req, RATE_HASHING, cfg->worker_threads * RATE_HASHING_PER_WORKER,
              cfg->worker_queue > 1 ? cfg->worker_queue / 2 : 1)) {
        return E_RATE_LIMITED;
    }
    return 0;
}

const struct middleware mw_ratelimit = {"ratelimit", before, NULL};
