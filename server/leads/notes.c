/* The team's internal notes on a lead (leads/leads.h): never sent to WhatsApp. */
#include "core/err.h"
#include "leads/internal.h"

#define NOTE_COLS                                                                                  \
    "n.id, n.author_user_id, u.name, n.text, n.created_at_ms FROM lead_notes n "                   \
    "LEFT JOIN workspace_members m ON m.workspace_id = n.workspace_id "                            \
    "AND m.user_id = n.author_user_id "                                                            \
    "LEFT JOIN users u ON u.id = m.user_id "

static void
read_note(const struct db_result *r, size_t row, struct arena *a, struct lead_note *out)
{
    out->id = db_int(r, row, 0);
    out->author_id = leads_opt(a, r, row, 1);
    out->author_name = leads_opt(a, r, row, 2);
    out->text = leads_opt(a, r, row, 3);
    out->created_at_ms = db_int(r, row, 4);
}

struct add {
    const char *workspace_id;
    const char *lead_id;
    const char *user_id;
    struct str text;
    int64_t now_ms;
    struct arena *a;
    struct lead_note *out;
};

static int
add_tx(struct db_conn *conn, void *arg)
{
    struct add *n = arg;
    struct db_result *r = NULL;
    int64_t id = 0;
    int err = leads_exists(conn, n->workspace_id, n->lead_id);

    if (!err) {
        struct db_param p[] = {DB_CSTR(n->workspace_id), DB_CSTR(n->lead_id), DB_CSTR(n->user_id),
                               DB_TEXT(n->text.ptr, n->text.len), DB_INT(n->now_ms)};
        err = db_exec(conn,
                      "INSERT INTO lead_notes (workspace_id, lead_id, author_user_id, text, "
                      "created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                      p, ARRAY_LEN(p), &r);
        if (!err && db_result_rows(r) != 1) {
            err = E_DB;
        }
        if (!err) {
            id = db_int(r, 0, 0);
        }
        db_result_free(r);
        r = NULL;
    }
    if (!err) {
        struct db_param p[] = {DB_CSTR(n->workspace_id), DB_INT(id)};
        err =
            db_exec(conn, "SELECT " NOTE_COLS "WHERE n.workspace_id = $1 AND n.id = $2", p, 2, &r);
        if (!err && db_result_rows(r) != 1) {
            err = E_DB;
        }
        if (!err) {
            read_note(r, 0, n->a, n->out);
        }
        db_result_free(r);
    }
    if (!err) {
        /* The other open pages of the lead show it. */
        err = leads_emit(conn, n->workspace_id, "note.created", n->lead_id, "noteId", id);
    }
    return err;
}

int
leads_note_add(struct db *db, const char *workspace_id, const char *lead_id, const char *user_id,
               struct str text, int64_t now_ms, struct arena *a, struct lead_note *out)
{
    struct add n = {workspace_id, lead_id, user_id, text, now_ms, a, out};

    memset(out, 0, sizeof(*out));
    return db_tx(db, add_tx, &n);
}

struct page {
    const char *workspace_id;
    const char *lead_id;
    bool has_before;
    int64_t before_id;
    size_t limit;
    struct arena *a;
    struct lead_note **out;
    size_t *n;
    bool *more;
};

static int
page_on(struct db_conn *conn, void *arg)
{
    struct page *pg = arg;
    struct db_result *r = NULL;
    int err = leads_exists(conn, pg->workspace_id, pg->lead_id);

    if (!err) {
        struct db_param p[] = {DB_CSTR(pg->workspace_id), DB_CSTR(pg->lead_id),
                               pg->has_before ? DB_INT(pg->before_id) : DB_NULL,
                               DB_INT(pg->limit + 1)};
        err = db_exec(conn,
                      "SELECT " NOTE_COLS "WHERE n.workspace_id = $1 AND n.lead_id = $2 "
                      "AND (CAST($3 AS BIGINT) IS NULL OR n.id < $3) "
                      "ORDER BY n.id DESC LIMIT CAST($4 AS INTEGER)",
                      p, ARRAY_LEN(p), &r);
    }
    if (!err) {
        size_t rows = leads_page_rows(r, pg->limit, pg->more);
        *pg->out = arena_alloc(pg->a, st_mult(rows + 1, sizeof(struct lead_note)));
        for (size_t i = 0; i < rows; i++) {
            read_note(r, i, pg->a, &(*pg->out)[i]);
        }
        *pg->n = rows;
    }
    db_result_free(r);
    return err;
}

int
leads_notes(struct db *db, const char *workspace_id, const char *lead_id, bool has_before,
            int64_t before_id, size_t limit, struct arena *a, struct lead_note **out, size_t *n,
            bool *more)
{
    struct page pg = {workspace_id, lead_id, has_before, before_id, limit, a, out, n, more};

    *out = NULL;
    *n = 0;
    *more = false;
    if (limit == 0 || limit > LEADS_PAGE_MAX) {
        return E_INVALID;
    }
    return db_with_conn(db, page_on, &pg);
}
