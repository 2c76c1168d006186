/*
 * Inbound WhatsApp: what POST /internal/whatsapp does once the signature
 * checked and the payload parsed (integrations/whatsapp.h). In ONE
 * transaction it keeps the raw body (once per distinct body, for replay),
 * stores every message of the batch (unique on Meta's id, so a redelivery or
 * a concurrent duplicate inserts nothing), creates the lead of a new sender
 * and its conversation with the business number (opening the 24-hour
 * window), and records every status, moving its message forward only
 * (whatsapp_status_advance). The route answers 200 only after the commit:
 * an acknowledged message is in the database.
 *
 * A message for a phone number id no agent has is counted (the route logs
 * it) and acknowledged, not stored as a lead: Meta would resend it forever.
 * Its raw payload is kept all the same, for replay once the number is set up.
 */
#ifndef PILOTO_WHATSAPP_INBOUND_H
#define PILOTO_WHATSAPP_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "integrations/whatsapp.h"
#include "leads/leads.h"

/* Raw payloads are purged after this long; statuses no message claimed too. */
#define WHATSAPP_PAYLOAD_KEEP_S (7 * 24 * 3600)
#define WHATSAPP_STATUS_KEEP_S  (30 * 24 * 3600)
/* Meta's customer-service window (the inbox shows when it closes: leads/leads.h). */
#define WHATSAPP_WINDOW_S LEADS_WINDOW_S

struct whatsapp_inbound_result {
    size_t messages_new;                    /* stored now */
    size_t messages_dup;                    /* already stored (redelivery) */
    size_t statuses_new;                    /* recorded now */
    size_t statuses_applied;                /* moved a message forward */
    size_t unknown;                         /* items for a phone number id no agent has */
    char unknown_pnid[WHATSAPP_ID_MAX + 1]; /* the first such id, for the log */
};

/*
 * Stores batch b, parsed from raw, in one transaction of db (db_tx). now_ms
 * is the receive time (wall clock). 0, or E_* as db.h (nothing stored then).
 */
NODISCARD int whatsapp_inbound_store(struct db *db, struct str raw, const struct whatsapp_batch *b,
                                     int64_t now_ms, struct whatsapp_inbound_result *out);

/*
 * Applies one status to our message message_id (which is at status
 * current): moves it forward (never back), keeping Meta's error on failure
 * and the delivery/read times (read implies delivered). Compare-and-set on
 * the current status, so concurrent webhooks cannot move it back. Sets
 * *applied when the message changed. Inside the caller's transaction.
 */
NODISCARD int whatsapp_apply_status(struct db_conn *conn, int64_t message_id,
                                    enum whatsapp_status incoming, int64_t ts, int64_t error_code,
                                    struct str error_title, bool *applied);

/*
 * Applies the statuses recorded for wamid before its send learnt it (a
 * crash between Meta's answer and our write, or statuses that outran the
 * answer) to message_id. Inside the caller's transaction.
 */
NODISCARD int whatsapp_apply_recorded(struct db_conn *conn, int64_t message_id, struct str wamid);

/*
 * Group commit (SQLite). With synchronous=FULL every commit waits for the
 * disk, and SQLite has one writer at a time: a webhook per transaction is
 * bounded by the disk's flushes, not by the work. The ingest thread takes
 * every webhook waiting and stores them all in ONE transaction (each as
 * whatsapp_inbound_store would), so one flush acknowledges many. Nothing is
 * answered before its group committed. When a group fails, its webhooks are
 * stored again one transaction each, so a bad one cannot fail the others.
 * On PostgreSQL concurrent commits already share their flushes: the route
 * stores directly (no ingest thread).
 */
#define WHATSAPP_INGEST_GROUP_MAX 64   /* webhooks per transaction */
#define WHATSAPP_INGEST_QUEUE_MAX 4096 /* waiting webhooks before E_UNAVAILABLE */

struct whatsapp_ingest;

/* One webhook handed to the ingest thread; owned by the caller until done runs. */
struct whatsapp_ingest_item {
    struct str raw;
    const struct whatsapp_batch *batch;
    int64_t now_ms;
    /* Filled by the ingest thread before done(item) runs, on that thread. */
    int err;
    struct whatsapp_inbound_result result;
    void (*done)(struct whatsapp_ingest_item *item);
    void *arg;
    struct whatsapp_ingest_item *next; /* private */
};

/* Starts the ingest thread on db. */
struct whatsapp_ingest *whatsapp_ingest_start(struct db *db);
/* Queues item: 0 (done will run), or E_UNAVAILABLE (queue full or stopping; done will not run). */
NODISCARD int whatsapp_ingest_submit(struct whatsapp_ingest *g, struct whatsapp_ingest_item *item);
/* Stores what is queued, stops the thread, frees. Accepts NULL. */
void whatsapp_ingest_stop(struct whatsapp_ingest *g);

/* Deletes raw payloads and unclaimed statuses past their keep time. */
NODISCARD int whatsapp_purge(struct db *db, int64_t now_s);

#endif
