#include "events/events.h"

#include <stdio.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"

int
events_emit(struct db_conn *conn, const char *workspace_id, const char *kind, const char *data,
            int64_t *id)
{
    struct db_result *r = NULL;
    int64_t next;
    int err;

    if (!events_kind_ok(str_from_cstr(kind)) || !events_data_ok(str_from_cstr(data))) {
        return E_INVALID;
    }
    {
        /* The counter row stays locked until this transaction ends: numbers commit in order. */
        struct db_param p[] = {DB_CSTR(workspace_id)};
        err = db_exec(conn,
                      "INSERT INTO workspace_event_heads (workspace_id, last_id) VALUES ($1, 1) "
                      "ON CONFLICT (workspace_id) DO UPDATE SET last_id = "
                      "workspace_event_heads.last_id + 1 RETURNING last_id",
                      p, 1, &r);
        if (err) {
            return err;
        }
        next = db_result_rows(r) ? db_int(r, 0, 0) : 0;
        db_result_free(r);
        if (next <= 0) {
            return E_DB;
        }
    }
    {
        struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(next), DB_CSTR(kind), DB_CSTR(data),
                               DB_INT(clock_wall_ms())};
        err = db_exec(conn,
                      "INSERT INTO workspace_events (workspace_id, id, kind, data, created_at) "
                      "VALUES ($1, $2, $3, $4, $5)",
                      p, ARRAY_LEN(p), NULL);
        if (err) {
            return err;
        }
    }
    if (next > EVENTS_LOG_KEEP) {
        struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(next - EVENTS_LOG_KEEP)};
        err = db_exec(conn, "DELETE FROM workspace_events WHERE workspace_id = $1 AND id <= $2", p,
                      2, NULL);
        if (err) {
            return err;
        }
    }
    {
        char note[DB_NOTIFY_PAYLOAD_MAX + 1];
        if ((err = events_format_note(workspace_id, next, note, sizeof(note))) ||
            (err = db_notify(conn, EVENTS_CHANNEL, note))) {
            return err;
        }
    }
    if (id) {
        *id = next;
    }
    return 0;
}

int
events_head(struct db *db, const char *workspace_id, int64_t *head)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id)};
    int err =
        db_run(db, "SELECT last_id FROM workspace_event_heads WHERE workspace_id = $1", p, 1, &r);

    *head = 0;
    if (!err && db_result_rows(r)) {
        *head = db_int(r, 0, 0);
    }
    db_result_free(r);
    return err;
}

int
events_heads(struct db *db, const char *workspace_ids, size_t stride, size_t n, int64_t *heads)
{
    for (size_t i = 0; i < n; i++) {
        heads[i] = 0;
    }
    for (size_t at = 0; at < n; at += EVENTS_HEADS_BATCH) {
        size_t k = n - at < EVENTS_HEADS_BATCH ? n - at : EVENTS_HEADS_BATCH;
        struct db_param p[EVENTS_HEADS_BATCH];
        struct db_result *r = NULL;
        struct buf sql = BUF_INIT;
        int err = buf_addstr(&sql, "SELECT workspace_id, last_id FROM workspace_event_heads "
                                   "WHERE workspace_id IN (");

        /* Placeholders only: the ids are bound. */
        for (size_t j = 0; j < k; j++) {
            p[j] = DB_CSTR(workspace_ids + (at + j) * stride);
            err |= buf_addf(&sql, "%s$%zu", j ? ", " : "", j + 1);
        }
        err |= buf_addch(&sql, ')');
        if (err) {
            buf_release(&sql);
            return E_INTERNAL;
        }
        err = db_run(db, sql.ptr, p, k, &r);
        buf_release(&sql);
        if (err) {
            return err;
        }
        for (size_t row = 0; row < db_result_rows(r); row++) {
            const char *wid = db_text(r, row, 0);
            for (size_t j = 0; j < k; j++) {
                if (strcmp(wid, workspace_ids + (at + j) * stride) == 0) {
                    heads[at + j] = db_int(r, row, 1);
                }
            }
        }
        db_result_free(r);
    }
    return 0;
}

int
events_since(struct db *db, const char *workspace_id, int64_t after, size_t max, struct arena *a,
             struct event **out, size_t *n, bool *reset, int64_t *head)
{
    struct db_result *r = NULL;
    size_t rows;
    int err;

    *out = NULL;
    *n = 0;
    *reset = false;
    if ((err = events_head(db, workspace_id, head))) {
        return err;
    }
    if (after > *head || after < 0) {
        *reset = true;
        return 0;
    }
    if (after == *head) {
        return 0;
    }
    {
        struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(after), DB_INT(max)};
        err = db_run(db,
                     "SELECT id, kind, data FROM workspace_events WHERE workspace_id = $1 "
                     "AND id > $2 ORDER BY id LIMIT $3",
                     p, 3, &r);
    }
    if (err) {
        return err;
    }
    rows = db_result_rows(r);
    /* Numbers have no gaps; the log lost the next one when the oldest it has is later. */
    if (rows == 0 || db_int(r, 0, 0) != after + 1) {
        *reset = true;
        db_result_free(r);
        return 0;
    }
    *out = arena_alloc(a, rows * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        (*out)[i].id = db_int(r, i, 0);
        (*out)[i].kind = arena_strdup(a, db_text(r, i, 1));
        (*out)[i].data = arena_strdup(a, db_text(r, i, 2));
    }
    *n = rows;
    db_result_free(r);
    return 0;
}
