/*
 * The "mail" job kind: delivers one mail of the outbox (auth/mails.h writes
 * it and enqueues the job in the same transaction) over SMTP (SMTP_URL) and
 * records the outcome on the outbox row: "sent" (the body, whose links are
 * single-use secrets, is wiped), "failed" once the job is dead, and attempts
 * and the last error meanwhile. Payload: {"outbox": <mail_outbox.id>}.
 *
 * Without SMTP_URL in dev the mail is printed to the log (links included:
 * that is how a developer clicks them) and marked "logged"; in production it
 * waits (the job snoozes) until an instance with SMTP_URL takes it.
 *
 * A run killed between the SMTP answer and the outbox update sends the mail
 * again on its next run: at least once, never lost.
 */
#ifndef PILOTO_JOBS_MAIL_DELIVERY_H
#define PILOTO_JOBS_MAIL_DELIVERY_H

#include "jobs/queue.h"

int mail_delivery_run(struct job_ctx *ctx, const struct job *job);
int mail_delivery_dead(struct db_conn *conn, const struct job *job, const char *last_error);

#endif
