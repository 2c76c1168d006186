/*
 * Token buckets keyed by bytes (client address + route class), per process
 * (SPEC §2: per-IP request limits may be per instance). A fixed table,
 * 4-way set associative: memory is bounded whatever the number of clients;
 * when a set is full, the bucket idle longest is forgotten. Thread-safe
 * (one lock per set). The clock is injected so tests can drive it.
 */
#ifndef PILOTO_CORE_RATELIMIT_H
#define PILOTO_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/clock.h"
#include "core/common.h"

struct ratelimiter;

/* sets: rounded up to a power of two (4 buckets each). now_ms: monotonic clock. */
struct ratelimiter *ratelimiter_new(size_t sets, clock_fn now_ms);
void ratelimiter_free(struct ratelimiter *rl);
/*
 * Takes one token from the bucket of key (refilled at per_minute tokens per
 * minute, holding at most burst). true if allowed; otherwise false and
 * *retry_after_s = whole seconds until a token is back (at least 1).
 */
bool ratelimiter_take(struct ratelimiter *rl, const void *key, size_t keylen, unsigned per_minute,
                      unsigned burst, int *retry_after_s);

#endif
