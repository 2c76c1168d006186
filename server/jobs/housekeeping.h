/*
 * The "housekeeping" job kind (periodic, one queued at a time): deletes what
 * has outlived its use, in batches, each batch its own short transaction so
 * no table is locked for long (issue 9, item 11):
 *   - sessions past their idle or absolute expiry, or revoked, after a week
 *     (the week keeps a just-ended session recognisable in the logs);
 *   - email tokens used or expired, a day after they were issued (the
 *     once-a-minute limits look at the newest token only);
 *   - login-throttle rows whose failures have decayed and that lock nothing,
 *     and mail-throttle rows whose daily window ended more than a day ago;
 *   - OAuth states past their expiry;
 *   - finished jobs after JOBS_DONE_KEEP_S, dead ones after JOBS_DEAD_KEEP_S;
 *   - outbox mails delivered, logged or failed more than 30 days ago (their
 *     bodies were already wiped at delivery).
 * Each purge is one row of a table in housekeeping.c.
 */
#ifndef PILOTO_JOBS_HOUSEKEEPING_H
#define PILOTO_JOBS_HOUSEKEEPING_H

#include "jobs/queue.h"

#define HOUSEKEEPING_JOB      "housekeeping"
#define HOUSEKEEPING_PERIOD_S 3600
/* Rows one statement deletes; a purge stops at the job's deadline or when a batch is short. */
#define HOUSEKEEPING_BATCH 500

int housekeeping_run(struct job_ctx *ctx, const struct job *job);

#endif
