/*
 * The CRM_JOB handler: sends one delivery of crm_deliveries to its
 * workspace's endpoint, signed as Standard Webhooks v1 with the current
 * secret (and the previous one during a rotation), and records what came of
 * it (crm/retry.h says what each answer means):
 *
 *   - the attempt is recorded (attempts + 1) before the request: a run killed
 *     mid-request is run again after its lease with the same webhook-id, and
 *     the CRM dedupes on it;
 *   - 2xx: delivered; an id in the answer (the endpoint's id field) becomes
 *     the lead's CRM id, in the transaction that completes the job;
 *   - 410: the delivery failed, the endpoint is disabled, the owners and
 *     admins get a mail and the audit log a crm.disabled row, in one
 *     transaction;
 *   - 429/503 with Retry-After: tried again after it; anything else: after
 *     the schedule's next wait; when the schedule ran out, dead (the dead
 *     hook says so too when the queue buries a job whose lease ran out).
 *
 * Requests: a short timeout (CRM_TIMEOUT), a 64 KiB answer cap, no
 * redirects, and the reach of crm_reach (public https only in production,
 * checked on the connected address).
 */
#ifndef PILOTO_CRM_DELIVERY_H
#define PILOTO_CRM_DELIVERY_H

#include "db/db.h"
#include "jobs/queue.h"

/* Largest CRM answer read (only for its id). */
#define CRM_ANSWER_MAX (64 * 1024)

int crm_delivery_run(struct job_ctx *ctx, const struct job *job);
int crm_delivery_dead(struct db_conn *conn, const struct job *job, const char *last_error);

#endif
