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

/* Raw payloads are purged after this long; statuses no message claimed too. */
#define WHATSAPP_PAYLOAD_KEEP_S (7 * 24 * 3600)
#define WHATSAPP_STATUS_KEEP_S  (30 * 24 * 3600)
/* Meta's customer-service window. */
#define WHATSAPP_WINDOW_S (24 * 3600)

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

/* Deletes raw payloads and unclaimed statuses past their keep time. */
NODISCARD int whatsapp_purge(struct db *db, int64_t now_s);

#endif
