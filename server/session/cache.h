/*
 * The session cache: a session found by its cookie token, with its user,
 * is kept in memory for at most SESSION_CACHE_TTL_MS (1 s by default), so
 * the requests of a busy browser cost one database lookup a second instead
 * of one each (session_lookup; only found sessions, never a miss).
 *
 * How long a change can go unseen:
 *   - on this instance, not at all: every change made through session.c or
 *     auth/ is announced on SESSION_CHANNEL (db_notify, keyed by user id),
 *     and the cache's subscription drops the user's entries when it
 *     commits, before the flow answers; an entry read before that commit is
 *     kept out (the epoch);
 *   - on other instances on PostgreSQL, until the notification arrives:
 *     those db_notify calls and a trigger on every change to users and
 *     user_sessions (migration 0010) notify the channel, and each instance's
 *     subscription drops the user's entries. While its listener is not
 *     connected nothing is answered from the cache; a notification lost
 *     anyway is bounded by the time to live;
 *   - other processes on one SQLite file: the time to live.
 * The middleware uses the cache only for GET and HEAD requests to routes
 * that only read (ROUTE_CACHED_SESSION): every request that may change
 * something reads the session from the database.
 *
 * Thread-safe. Entries are direct-mapped by token hash (a collision replaces).
 */
#ifndef PILOTO_SESSION_CACHE_H
#define PILOTO_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "session/session.h"

#define SESSION_CACHE_SLOTS 1024

/*
 * A cache over db with entries living ttl_ms, subscribed to SESSION_CHANNEL.
 * NULL when ttl_ms is 0 (no cache) or the subscription fails (logged).
 */
struct session_cache *session_cache_new(struct db *db, unsigned ttl_ms);
/* Unsubscribes and frees. Accepts NULL. */
void session_cache_free(struct session_cache *c);

/* Copies the live entry for a token hash into out: true on a hit. */
bool session_cache_get(struct session_cache *c, const uint8_t hash[CRYPTO_SHA256_LEN],
                       int64_t now_mono_ms, struct session *out);
/* The change count a lookup reads before going to the database. */
uint64_t session_cache_epoch(struct session_cache *c);
/* Keeps s for a token hash, unless a change was reported since epoch. */
void session_cache_put(struct session_cache *c, const uint8_t hash[CRYPTO_SHA256_LEN],
                       const struct session *s, uint64_t epoch, int64_t now_mono_ms);
/* Drops the entries of user_id (every entry when NULL). */
void session_cache_forget(struct session_cache *c, const char *user_id);

#endif
