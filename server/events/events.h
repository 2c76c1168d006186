/*
 * Live updates (SPEC §8): what changed in a workspace, as numbered events.
 *
 * Each workspace numbers its events 1, 2, 3... A flow that changes a
 * message or a lead calls events_emit inside its own transaction: the
 * event takes the next number (the workspace's counter row stays locked
 * until the transaction ends, so numbers commit in order), goes into a
 * bounded log (the latest EVENTS_LOG_KEEP per workspace, for Last-Event-ID
 * replay), and is announced on EVENTS_CHANNEL once the transaction commits
 * (db_notify: this process on SQLite, every instance on PostgreSQL), where
 * the stream hub (routes/events.h) brings the open streams up to date.
 *
 * Functions return 0 or an E_* from the database.
 */
#ifndef PILOTO_EVENTS_EVENTS_H
#define PILOTO_EVENTS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

#define EVENTS_CHANNEL "piloto_events"
/* Events kept per workspace for replay; a client further behind gets a reset. */
#define EVENTS_LOG_KEEP 1000
/* Longest kind name and data (JSON text) an event may carry. */
#define EVENTS_KIND_MAX 31
#define EVENTS_DATA_MAX 800

struct event {
    int64_t id;
    const char *kind;
    const char *data; /* a JSON object, one line */
};

/*
 * Records an event in conn's open transaction (BUG outside one): kind is
 * one of the SPEC's names (message.created, message.status, lead.updated),
 * data a one-line JSON object with the leadId, at most EVENTS_DATA_MAX
 * bytes (E_INVALID otherwise). *id (may be NULL) gets the event's number.
 */
NODISCARD int events_emit(struct db_conn *conn, const char *workspace_id, const char *kind,
                          const char *data, int64_t *id);

/* The workspace's latest event number (0 before the first). */
NODISCARD int events_head(struct db *db, const char *workspace_id, int64_t *head);

/* Workspace ids per statement of events_heads. */
#define EVENTS_HEADS_BATCH 64
/*
 * The latest event numbers of n workspaces (ids NUL-terminated in rows of
 * stride bytes), in one statement per EVENTS_HEADS_BATCH of them: heads[i]
 * is workspace i's head, 0 before its first event.
 */
NODISCARD int events_heads(struct db *db, const char *workspace_ids, size_t stride, size_t n,
                           int64_t *heads);

/*
 * The events after `after`, oldest first, at most max, into arena a.
 * *reset is true when the log no longer holds all of them (the client is
 * further behind than EVENTS_LOG_KEEP) or `after` is past the head: the
 * client must refetch, and continues from *head. *head is the latest
 * number at the time of the read.
 */
NODISCARD int events_since(struct db *db, const char *workspace_id, int64_t after, size_t max,
                           struct arena *a, struct event **out, size_t *n, bool *reset,
                           int64_t *head);

/* kind: [a-z._]{1,EVENTS_KIND_MAX}; data: one line of UTF-8 JSON object text. */
bool events_kind_ok(struct str kind);
bool events_data_ok(struct str data);

/*
 * A notification's payload: "<workspace id> <event id>" (what events_emit
 * sends on EVENTS_CHANNEL; the streams read the event from the log).
 * events_format_note writes it into out (cap bytes; E_INVALID when it does
 * not fit); events_parse_note reads one back (false for anything else: the
 * id in canonical decimal, >= 1), the workspace id pointing into payload.
 */
NODISCARD int events_format_note(const char *workspace_id, int64_t id, char *out, size_t cap);
bool events_parse_note(const char *payload, struct str *workspace_id, int64_t *id);

/* The event as text/event-stream lines ("id: N\nevent: K\ndata: D\n\n") appended to b. */
NODISCARD int events_render(struct buf *b, int64_t id, struct str kind, struct str data);

#endif
