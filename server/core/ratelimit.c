#include "core/ratelimit.h"

#include <pthread.h>

#define WAYS    4
#define KEY_MAX 24

struct bucket {
    uint8_t key[KEY_MAX];
    uint8_t keylen; /* 0 = empty slot */
    double tokens;
    int64_t last_ms;
};

struct set {
    pthread_mutex_t lock;
    struct bucket b[WAYS];
};

struct ratelimiter {
    struct set *sets;
    size_t mask;
    clock_fn now_ms;
    uint64_t seed;
};

struct ratelimiter *
ratelimiter_new(size_t sets, clock_fn now_ms)
{
    struct ratelimiter *rl = xcalloc(1, sizeof(*rl));
    size_t n = 1;

    while (n < sets) {
        n *= 2;
    }
    rl->sets = xcalloc(n, sizeof(struct set));
    rl->mask = n - 1;
    rl->now_ms = now_ms;
    rl->seed = (uint64_t)(uintptr_t)rl ^ 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_init(&rl->sets[i].lock, NULL);
    }
    return rl;
}

void
ratelimiter_free(struct ratelimiter *rl)
{
    if (!rl) {
        return;
    }
    for (size_t i = 0; i <= rl->mask; i++) {
        pthread_mutex_destroy(&rl->sets[i].lock);
    }
    free(rl->sets);
    free(rl);
}

/* FNV-1a, seeded per process so set placement is not predictable from outside. */
static uint64_t
hash(uint64_t seed, const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

bool
ratelimiter_take(struct ratelimiter *rl, const void *key, size_t keylen, unsigned per_minute,
                 unsigned burst, int *retry_after_s)
{
    struct set *s;
    struct bucket *hit = NULL;
    struct bucket *victim = NULL;
    int64_t now = rl->now_ms();
    double rate = (double)per_minute / 60000.0; /* tokens per ms */
    bool ok;

    if (keylen > KEY_MAX) {
        keylen = KEY_MAX;
    }
    s = &rl->sets[hash(rl->seed, key, keylen) & rl->mask];
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < WAYS; i++) {
        struct bucket *b = &s->b[i];
        if (b->keylen == keylen && memcmp(b->key, key, keylen) == 0) {
            hit = b;
            break;
        }
        if (!victim || b->keylen == 0 || (victim->keylen && b->last_ms < victim->last_ms)) {
            victim = b;
        }
    }
    if (!hit) {
        hit = victim;
        memcpy(hit->key, key, keylen);
        hit->keylen = (uint8_t)keylen;
        hit->tokens = (double)burst;
        hit->last_ms = now;
    }
    if (now > hit->last_ms) {
        hit->tokens += (double)(now - hit->last_ms) * rate;
        if (hit->tokens > (double)burst) {
            hit->tokens = (double)burst;
        }
        hit->last_ms = now;
    }
    ok = hit->tokens >= 1.0;
    if (ok) {
        hit->tokens -= 1.0;
    } else if (retry_after_s) {
        double wait_ms = (1.0 - hit->tokens) / (rate > 0 ? rate : 1e-9);
        int secs = (int)(wait_ms / 1000.0) + 1;
        *retry_after_s = secs < 1 ? 1 : secs;
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}
