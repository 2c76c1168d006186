/*
 * When a CRM delivery is tried again, and what an answer means: pure
 * functions, so the schedule can be tested without waiting days.
 *
 * The schedule is a list of waits, one per retry (CRM_RETRY_SCHEDULE; the
 * default below): after failed attempt n (1-based) the delivery waits step
 * n, jittered to between 80% and 120% of it so a CRM coming back is not hit
 * by every workspace at once; when the list is exhausted the delivery is
 * dead (kept, visible in the delivery log, can be sent again by hand).
 *
 *   default: 30s 2m 10m 30m 1h 2h 4h 8h 12h 24h 24h 24h
 *            13 attempts over about 4 days; the first retry within a minute
 *
 * An answer is classified by crm_retry_classify:
 *   2xx                                   delivered
 *   410 Gone                              the endpoint is disabled (admins told)
 *   429 or 503 with Retry-After           retried after what it asks, between 1 s and
 *                                         CRM_RETRY_AFTER_MAX (counts as an attempt)
 *   anything else (3xx: redirects are not followed, 4xx, 5xx, 429/503 without a
 *   Retry-After), no answer (refused address, timeout, reset), an oversized answer
 *                                         retried on the schedule
 */
#ifndef PILOTO_CRM_RETRY_H
#define PILOTO_CRM_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/common.h"
#include "core/str.h"

/* Longest schedule (retries); a delivery makes at most CRM_RETRY_STEPS_MAX + 1 attempts. */
#define CRM_RETRY_STEPS_MAX CONFIG_CRM_RETRY_STEPS_MAX
/* Longest single wait of the schedule: 7 days (the job queue's own limit). */
#define CRM_RETRY_STEP_MAX_MS CONFIG_CRM_RETRY_STEP_MAX_MS
/* Longest wait a Retry-After may ask for. */
#define CRM_RETRY_AFTER_MAX_S (24 * 3600)
#define CRM_RETRY_DEFAULT     CONFIG_CRM_RETRY_DEFAULT

struct crm_retry {
    int64_t step_ms[CRM_RETRY_STEPS_MAX];
    size_t nsteps;
};

/*
 * Parses a schedule (CRM_RETRY_SCHEDULE, checked at start by config):
 * comma-separated waits, each a whole number and a unit (ms, s, m, h, d),
 * 1 ms .. CRM_RETRY_STEP_MAX_MS, 1 .. CRM_RETRY_STEPS_MAX of them, no
 * spaces (strnum_parse_durations). 0, or E_INVALID (out unchanged).
 */
NODISCARD int crm_retry_parse(struct str text, struct crm_retry *out);

/*
 * The wait after failed attempt `attempt` (1-based), jittered by rnd
 * (0..UINT32_MAX) into [80%, 120%] of the step: true and *wait_ms, or false
 * when the schedule is exhausted (the delivery is dead).
 */
bool crm_retry_next(const struct crm_retry *r, int attempt, uint32_t rnd, int64_t *wait_ms);

/* Sum of the steps without jitter: how long a delivery is retried, for docs and tests. */
int64_t crm_retry_span_ms(const struct crm_retry *r);

enum crm_outcome {
    CRM_DELIVERED,   /* 2xx */
    CRM_GONE,        /* 410: disable the endpoint */
    CRM_RETRY_AFTER, /* 429/503 with a Retry-After: wait *wait_s */
    CRM_RETRY,       /* on the schedule */
};

/*
 * What an answer means. status is the HTTP status (0 when no answer came);
 * retry_after_s the Retry-After in seconds or -1. *wait_s is set for
 * CRM_RETRY_AFTER (clamped to 1 .. CRM_RETRY_AFTER_MAX_S).
 */
enum crm_outcome crm_retry_classify(long status, int64_t retry_after_s, int64_t *wait_s);

#endif
