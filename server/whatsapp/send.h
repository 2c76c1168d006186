/*
 * Outbound WhatsApp: a text to a lead, from the agent or from a person,
 * through the job queue (SPEC §8).
 *
 * whatsapp_send_text stores the message ("pending") and enqueues its send in
 * the caller's transaction: the message exists if and only if its send job
 * does. The 24-hour customer-service window is checked first, before Meta is
 * ever called: outside it, a person's text is refused (E_WINDOW_CLOSED, the
 * route answers 409 window_closed), the agent's is skipped without a word.
 *
 * The send job (WHATSAPP_SEND_JOB) posts to
 * $WHATSAPP_API_URL/{phone-number-id}/messages with the number's token
 * (opened from its sealed form only here, never logged). It survives a
 * crash at any moment without a silent loss:
 *   - the attempt is recorded (send_attempts) and committed BEFORE the call;
 *   - Meta's message id (wamid) is recorded AFTER it, with the job's
 *     completion, in one transaction;
 *   - the send carries biz_opaque_callback_data "m:<message id>", so a
 *     status webhook for a send whose answer the crash lost names its
 *     message, which learns its wamid from it (whatsapp/inbound.c); a rerun
 *     of the job then finds the wamid and does not send again.
 * A run killed between Meta's accept and any status webhook sends again:
 * delivery is at least once, never silently zero.
 *
 * Meta's answers (integrations/whatsapp.h): rate limits, throughput and 5xx
 * are retried with back-off (no sooner than Meta's floor); 131047 (window)
 * marks the message failed; a bad token or another refusal marks it failed
 * with Meta's code; a send that exhausts its attempts dies failed (the
 * kind's dead hook). After a send is accepted the person's last message is
 * marked read (WHATSAPP_READ_JOB), as the answer shows they were heard.
 */
#ifndef PILOTO_WHATSAPP_SEND_H
#define PILOTO_WHATSAPP_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "jobs/queue.h"

#define WHATSAPP_SEND_JOB       "whatsapp.send"
#define WHATSAPP_READ_JOB       "whatsapp.read"
#define WHATSAPP_PURGE_JOB      "whatsapp.purge"
#define WHATSAPP_PURGE_PERIOD_S 3600
/* Longest wait for Meta's answer to one send. */
#define WHATSAPP_SEND_TIMEOUT_MS 15000

enum whatsapp_author {
    WA_AUTHOR_AGENT,
    WA_AUTHOR_PERSON,
};

/*
 * Stores a text from author (user_id for a person, NULL for the agent) to
 * lead_id of workspace_id and enqueues its send, on conn inside the caller's
 * transaction. text: 1..WHATSAPP_TEXT_MAX characters. 0 and *message_id,
 * or E_NOT_FOUND (no such lead, or it never wrote to any number we have),
 * E_WINDOW_CLOSED (a person, outside the window; an agent gets 0 with
 * *message_id 0: skipped), E_DB.
 */
NODISCARD int whatsapp_send_text(struct db_conn *conn, const char *workspace_id,
                                 const char *lead_id, enum whatsapp_author author,
                                 const char *user_id, struct str text, int64_t now_ms,
                                 int64_t *message_id);

/* The job kinds' handlers (jobs/kinds.c). */
int whatsapp_send_job(struct job_ctx *ctx, const struct job *job);
int whatsapp_send_dead(struct db_conn *conn, const struct job *job, const char *last_error);
int whatsapp_read_job(struct job_ctx *ctx, const struct job *job);
int whatsapp_purge_job(struct job_ctx *ctx, const struct job *job);

#endif
