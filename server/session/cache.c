#include "session/cache.h"

#include <pthread.h>

#include "core/log.h"

/*
 * What finding and forgetting read, apart from the sessions themselves, so
 * that dropping a user's entries walks 80 KiB, not every cached session.
 */
struct entry {
    uint8_t hash[CRYPTO_SHA256_LEN];
    uint64_t gen; /* live while equal to the cache's gen */
    int64_t expires_ms;
    char user_id[SESSION_ID_SIZE];
};

struct session_cache {
    struct db_subscription *sub; /* SESSION_CHANNEL */
    unsigned ttl_ms;
    pthread_mutex_t lock;     /* guards everything below */
    uint64_t gen;             /* bumped to drop every entry at once */
    uint64_t epoch;           /* bumped by every change reported */
    struct entry *slots;      /* SESSION_CACHE_SLOTS, allocated zeroed (untouched until used) */
    struct session *sessions; /* the session of each slot */
};

static void
on_change(void *ctx, const char *key)
{
    session_cache_forget(ctx, key);
}

struct session_cache *
session_cache_new(struct db *db, unsigned ttl_ms)
{
    struct session_cache *c;

    if (ttl_ms == 0) {
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    c->ttl_ms = ttl_ms;
    c->gen = 1;
    c->slots = xcalloc(SESSION_CACHE_SLOTS, sizeof(*c->slots));
    c->sessions = xcalloc(SESSION_CACHE_SLOTS, sizeof(*c->sessions));
    pthread_mutex_init(&c->lock, NULL);
    if (db_subscribe(db, SESSION_CHANNEL, on_change, c, &c->sub)) {
        log_msg(LOG_WARNING, "cannot subscribe to session changes: the session cache is off");
        session_cache_free(c);
        return NULL;
    }
    return c;
}

void
session_cache_free(struct session_cache *c)
{
    if (!c) {
        return;
    }
    db_unsubscribe(c->sub);
    pthread_mutex_destroy(&c->lock);
    free(c->slots);
    free(c->sessions);
    free(c);
}

static size_t
slot_of(const uint8_t hash[CRYPTO_SHA256_LEN])
{
    uint32_t h = (uint32_t)hash[0] | (uint32_t)hash[1] << 8 | (uint32_t)hash[2] << 16 |
                 (uint32_t)hash[3] << 24;
    return h % SESSION_CACHE_SLOTS;
}

bool
session_cache_get(struct session_cache *c, const uint8_t hash[CRYPTO_SHA256_LEN],
                  int64_t now_mono_ms, struct session *out)
{
    size_t i = slot_of(hash);
    struct entry *e = &c->slots[i];
    bool hit;

    /* Across instances the cache is only as good as its notifications. */
    if (!db_subscription_is_current(c->sub)) {
        return false;
    }
    pthread_mutex_lock(&c->lock);
    hit = e->gen == c->gen && e->expires_ms > now_mono_ms &&
          memcmp(e->hash, hash, CRYPTO_SHA256_LEN) == 0;
    if (hit) {
        *out = c->sessions[i];
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

uint64_t
session_cache_epoch(struct session_cache *c)
{
    uint64_t epoch;

    pthread_mutex_lock(&c->lock);
    epoch = c->epoch;
    pthread_mutex_unlock(&c->lock);
    return epoch;
}

void
session_cache_put(struct session_cache *c, const uint8_t hash[CRYPTO_SHA256_LEN],
                  const struct session *s, uint64_t epoch, int64_t now_mono_ms)
{
    size_t i = slot_of(hash);
    struct entry *e = &c->slots[i];

    pthread_mutex_lock(&c->lock);
    if (epoch == c->epoch) {
        memcpy(e->hash, hash, CRYPTO_SHA256_LEN);
        e->gen = c->gen;
        e->expires_ms = now_mono_ms + c->ttl_ms;
        memcpy(e->user_id, s->user_id, sizeof(e->user_id));
        c->sessions[i] = *s;
    }
    pthread_mutex_unlock(&c->lock);
}

void
session_cache_forget(struct session_cache *c, const char *user_id)
{
    pthread_mutex_lock(&c->lock);
    c->epoch++;
    if (!user_id) {
        c->gen++;
    } else {
        for (size_t i = 0; i < SESSION_CACHE_SLOTS; i++) {
            struct entry *e = &c->slots[i];
            if (e->gen == c->gen && strncmp(e->user_id, user_id, sizeof(e->user_id)) == 0) {
                e->gen = 0;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
}
