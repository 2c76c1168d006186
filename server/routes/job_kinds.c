#include "routes/job_kinds.h"

#include "auth/auth.h"
#include "auth/mails.h"
#include "crm/crm.h"
#include "crm/delivery.h"
#include "crm/retry.h"
#include "jobs/housekeeping.h"
#include "jobs/mail_delivery.h"
#include "replies/reply.h"
#include "routes/documents.h"
#include "whatsapp/send.h"

#define S  1000LL
#define MN (60 * S)

/*
 * Every job kind. Columns (jobs/queue.h, struct job_kind): name, handler,
 * dead hook, max attempts, first back-off, longest back-off, time budget,
 * period (0: enqueued by the code that needs it), most running at once on
 * one instance (0: no limit).
 */
const struct job_kind jobs_kinds[] = {
    /* One outbox mail over SMTP; a day of retries at most 5 min apart. */
    {MAILS_JOB, mail_delivery_run, mail_delivery_dead, 20, 1 * S, 5 * MN, 45 * S, 0, 0},
    /* Forgot-password: look the address up, mail a reset link (issue 9). */
    {AUTH_FORGOT_JOB, auth_forgot_password_job, NULL, 5, 1 * S, 1 * MN, 30 * S, 0, 0},
    /*
     * Indexes one uploaded document version (fetch, extract, chunk, swap);
     * retried only for storage or database outages, a few minutes at most;
     * pdftotext is limited to 30 s, a 10 MB download to 60 s. One at a time
     * per instance: extraction is CPU-heavy, and the other kinds (mail,
     * WhatsApp replies) must keep a worker while documents queue up.
     */
    {DOCUMENTS_INDEX_JOB, documents_index_job, documents_index_dead, 5, 5 * S, 2 * MN, 3 * MN, 0,
     1},
    /* Removes a deleted document's files from the store: an hour of retries. */
    {DOCUMENTS_PURGE_JOB, documents_purge_job, NULL, 12, 2 * S, 10 * MN, 1 * MN, 0, 0},
    /*
     * One event to a workspace's CRM. The handler schedules every retry itself
     * (CRM_RETRY_SCHEDULE, Retry-After) and buries it when the schedule runs
     * out; the attempts here only bound it, and the back-off only serves a
     * run that failed on the database.
     */
    {CRM_JOB, crm_delivery_run, crm_delivery_dead, CRM_RETRY_STEPS_MAX + 1, 30 * S, 10 * MN, 90 * S,
     0, 0},
    /* Purges expired sessions, tokens, throttles, old jobs and mails. */
    {HOUSEKEEPING_JOB, housekeeping_run, NULL, 3, 1 * MN, 10 * MN, 2 * MN, HOUSEKEEPING_PERIOD_S *S,
     0},
    /*
     * One text to a lead through Meta (whatsapp/send.h): rate limits and 5xx retried for
     * about an hour, Meta's floors honoured; dead = the message failed.
     */
    {WHATSAPP_SEND_JOB, whatsapp_send_job, whatsapp_send_dead, 12, 1 * S, 10 * MN, 30 * S, 0, 0},
    /*
     * An agent's answer to a lead (replies/reply.h): the model's faults are retried inside the
     * call (OpenAI's policy, within LLM_REPLY_TIMEOUT), then here for about half an hour; a
     * longer Retry-After is honoured. Waiting for a model slot is a snooze, not an attempt
     * (LLM_WORKSPACE_CONCURRENCY caps a workspace's model calls across instances).
     */
    {REPLY_JOB, reply_job, NULL, 8, 5 * S, 10 * MN, 11 * MN, 0, 0},
    /* Marks the person's messages read once answered: a courtesy, a few tries. */
    {WHATSAPP_READ_JOB, whatsapp_read_job, NULL, 5, 2 * S, 1 * MN, 20 * S, 0, 0},
    /* Purges raw webhook payloads and unclaimed statuses past their keep time. */
    {WHATSAPP_PURGE_JOB, whatsapp_purge_job, NULL, 3, 1 * MN, 10 * MN, 2 * MN,
     WHATSAPP_PURGE_PERIOD_S *S, 0},
};

const size_t jobs_nkinds = ARRAY_LEN(jobs_kinds);
