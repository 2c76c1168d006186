/*
 * A bounded pool of worker threads for CPU-heavy work (Argon2id) and outbound
 * HTTP, so the HTTP I/O threads never run them. The queue has a fixed
 * capacity: submit fails with E_UNAVAILABLE when it is full, which callers
 * answer as 503 rather than letting latency grow without bound.
 *
 * Every task carries a deadline: a task still queued when its deadline passes
 * is run with expired = true and must only report the timeout (suspended HTTP
 * connections never time out on their own, so this is what bounds them).
 */
#ifndef PILOTO_CORE_WORKPOOL_H
#define PILOTO_CORE_WORKPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common.h"

struct workpool;

typedef void (*workpool_fn)(void *arg, bool expired);

struct workpool_stats {
    unsigned threads;
    unsigned queue_cap;
    unsigned queued;
    unsigned running;
    uint64_t completed;
    uint64_t expired;
    uint64_t rejected;
};

struct workpool *workpool_new(unsigned threads, unsigned queue_cap);
/*
 * Queues fn(arg, expired) to run on a worker before deadline_ms (monotonic,
 * clock_mono_ms()). 0, or E_UNAVAILABLE when the queue is full or the pool is
 * stopping (fn is then not called).
 */
NODISCARD int workpool_submit(struct workpool *wp, workpool_fn fn, void *arg, int64_t deadline_ms);
void workpool_get_stats(struct workpool *wp, struct workpool_stats *out);
/* Runs every queued task (expired ones as expired), joins the threads, frees. Accepts NULL. */
void workpool_free(struct workpool *wp);

#endif
