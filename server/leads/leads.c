#include "leads/leads.h"

#include <stdio.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "crm/crm.h"
#include "events/events.h"
#include "leads/internal.h"
#include "unicode/unicode.h"

int
leads_check_name(struct str name, size_t max, struct str *trimmed)
{
    struct str n = str_trim(name);
    size_t chars;

    if (!str_is_utf8(n) || !str_is_visible(n) || unicode_has_layout_controls(n)) {
        return E_VALIDATION;
    }
    chars = str_utf8_len(n);
    if (chars < 1 || chars > max) {
        return E_VALIDATION;
    }
    *trimmed = n;
    return 0;
}

static const char *const stages[] = {"new", "engaged", "qualified", "won", "lost"};

bool
leads_is_stage(struct str s)
{
    for (size_t i = 0; i < ARRAY_LEN(stages); i++) {
        if (str_eq_cstr(s, stages[i])) {
            return true;
        }
    }
    return false;
}

/* ---- Leads --------------------------------------------------------------------------------- */

/*
 * The inbox's columns come from correlated subqueries (each one index
 * lookup per row of the page: messages_lead, the primary keys,
 * conversations' (lead_id, ...) unique key), so the filters and the keyset
 * condition stay on leads alone.
 */
/* clang-format off */
#define LEAD_LAST_MSG(col) \
    "(SELECT " col " FROM messages lm WHERE lm.lead_id = leads.id ORDER BY lm.id DESC LIMIT 1)"
#define LEAD_QUOTE_(x) #x
#define LEAD_QUOTE(x)  LEAD_QUOTE_(x)
#define LEAD_COLS \
    "id, name, phone, stage, COALESCE(owner_id, ''), COALESCE(agent_id, ''), crm_id, " \
    "last_message_at_ms, taken_over, created_at, " \
    LEAD_LAST_MSG("substr(lm.text, 1, " LEAD_QUOTE(LEADS_PREVIEW_MAX) ")") ", " \
    LEAD_LAST_MSG("lm.author") ", " \
    LEAD_LAST_MSG("lm.type") ", " \
    "(SELECT la.name FROM agents la WHERE la.id = leads.agent_id), " \
    "(SELECT lu.name FROM workspace_members lwm JOIN users lu ON lu.id = lwm.user_id " \
    "WHERE lwm.workspace_id = leads.workspace_id AND lwm.user_id = leads.owner_id), " \
    "(SELECT COUNT(*) FROM messages lr WHERE lr.lead_id = leads.id AND lr.direction = 'in' " \
    "AND lr.id > leads.read_message_id), " \
    "(SELECT MAX(lc.last_inbound_at) FROM conversations lc WHERE lc.lead_id = leads.id)"
/* clang-format on */

const char *
leads_opt(struct arena *a, const struct db_result *r, size_t row, size_t col)
{
    return db_is_null(r, row, col)
               ? NULL
               : arena_strndup(a, db_text(r, row, col), db_text_len(r, row, col));
}

size_t
leads_page_rows(const struct db_result *r, size_t limit, bool *more)
{
    size_t rows = db_result_rows(r);

    *more = rows > limit;
    return *more ? limit : rows;
}

int
leads_exists(struct db_conn *conn, const char *workspace_id, const char *lead_id)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(lead_id)};
    int err = db_exec(conn, "SELECT 1 FROM leads WHERE workspace_id = $1 AND id = $2", p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    return err;
}

int
leads_emit(struct db_conn *conn, const char *workspace_id, const char *kind, const char *lead_id,
           const char *key, int64_t id)
{
    char data[EVENTS_DATA_MAX + 1];
    int k = key ? snprintf(data, sizeof(data), "{\"leadId\":\"%s\",\"%s\":\"%lld\"}", lead_id, key,
                           (long long)id)
                : snprintf(data, sizeof(data), "{\"leadId\":\"%s\"}", lead_id);

    return k > 0 && (size_t)k < sizeof(data) ? events_emit(conn, workspace_id, kind, data, NULL)
                                             : E_INTERNAL;
}

static void
read_lead(const struct db_result *r, size_t row, struct arena *a, struct lead *out)
{
    memset(out, 0, sizeof(*out));
    db_text_copy(r, row, 0, out->id, sizeof(out->id));
    out->name = arena_strndup(a, db_text(r, row, 1), db_text_len(r, row, 1));
    db_text_copy(r, row, 2, out->phone, sizeof(out->phone));
    db_text_copy(r, row, 3, out->stage, sizeof(out->stage));
    db_text_copy(r, row, 4, out->owner_id, sizeof(out->owner_id));
    db_text_copy(r, row, 5, out->agent_id, sizeof(out->agent_id));
    out->crm_id =
        db_is_null(r, row, 6) ? NULL : arena_strndup(a, db_text(r, row, 6), db_text_len(r, row, 6));
    out->last_message_at_ms = db_int(r, row, 7);
    out->taken_over = db_int(r, row, 8) != 0;
    out->created_at = db_int(r, row, 9);
    out->last_text = leads_opt(a, r, row, 10);
    out->last_author = leads_opt(a, r, row, 11);
    out->last_type = leads_opt(a, r, row, 12);
    out->agent_name = leads_opt(a, r, row, 13);
    out->owner_name = leads_opt(a, r, row, 14);
    out->unread = db_int(r, row, 15);
    out->window_closes_at = db_is_null(r, row, 16) ? 0 : db_int(r, row, 16) + LEADS_WINDOW_S;
}

/* The text filter as a LIKE pattern: %q% with %, _ and \ escaped. */
static char *
like_pattern(struct arena *a, struct str q)
{
    struct buf b = BUF_INIT;
    char *out;
    int err = buf_addch(&b, '%');

    for (size_t i = 0; !err && i < q.len; i++) {
        char c = q.ptr[i];
        if (c == '%' || c == '_' || c == '\\') {
            err = buf_addch(&b, '\\');
        }
        if (!err) {
            err = buf_addch(&b, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
    }
    if (!err) {
        err = buf_addch(&b, '%');
    }
    out = err ? NULL : arena_strndup(a, b.ptr, b.len);
    buf_release(&b);
    return out;
}

int
leads_list(struct db *db, const char *workspace_id, const struct leads_filter *f, struct arena *a,
           struct lead **out, size_t *n, bool *more)
{
    struct db_result *r = NULL;
    char *pattern = f->q.len ? like_pattern(a, f->q) : NULL;
    size_t limit = f->limit ? f->limit : LEADS_PAGE_DEFAULT;
    struct db_param p[] = {
        DB_CSTR(workspace_id),
        f->stage.len ? DB_TEXT(f->stage.ptr, f->stage.len) : DB_NULL,
        f->owner_id.len ? DB_TEXT(f->owner_id.ptr, f->owner_id.len) : DB_NULL,
        f->agent_id.len ? DB_TEXT(f->agent_id.ptr, f->agent_id.len) : DB_NULL,
        pattern ? DB_CSTR(pattern) : DB_NULL,
        f->has_cursor ? DB_INT(f->cursor.at_ms) : DB_NULL,
        f->has_cursor ? DB_CSTR(f->cursor.id) : DB_NULL,
        DB_INT(limit + 1),
        f->owner_none ? DB_INT(1) : DB_NULL,
        f->has_taken_over ? DB_INT(f->taken_over ? 1 : 0) : DB_NULL,
    };
    int err;

    *out = NULL;
    *n = 0;
    *more = false;
    if (limit > LEADS_PAGE_MAX) {
        return E_INVALID;
    }
    /*
     * Each filter is "param IS NULL OR column = param", so one statement (and
     * one cached plan) serves every combination; the keyset condition walks
     * leads_inbox (workspace_id, last_message_at_ms, id) backwards.
     */
    err = db_run(db,
                 "SELECT " LEAD_COLS " FROM leads WHERE workspace_id = $1 "
                 "AND (CAST($2 AS TEXT) IS NULL OR stage = $2) "
                 "AND (CAST($3 AS TEXT) IS NULL OR owner_id = $3) "
                 "AND (CAST($9 AS INTEGER) IS NULL OR owner_id IS NULL) "
                 "AND (CAST($10 AS INTEGER) IS NULL OR taken_over = CAST($10 AS INTEGER)) "
                 "AND (CAST($4 AS TEXT) IS NULL OR agent_id = $4) "
                 "AND (CAST($5 AS TEXT) IS NULL OR lower(name) LIKE $5 ESCAPE '\\' "
                 "OR phone LIKE $5 ESCAPE '\\') "
                 "AND (CAST($6 AS BIGINT) IS NULL OR last_message_at_ms < $6 "
                 "OR (last_message_at_ms = $6 AND id < $7)) "
                 "ORDER BY last_message_at_ms DESC, id DESC LIMIT CAST($8 AS INTEGER)",
                 p, ARRAY_LEN(p), &r);
    if (!err) {
        size_t rows = leads_page_rows(r, limit, more);
        *out = arena_alloc(a, st_mult(rows + 1, sizeof(struct lead)));
        for (size_t i = 0; i < rows; i++) {
            read_lead(r, i, a, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

static int
get_on(struct db_conn *conn, const char *workspace_id, const char *id, struct arena *a,
       struct lead *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(id)};
    int err = db_exec(conn, "SELECT " LEAD_COLS " FROM leads WHERE workspace_id = $1 AND id = $2",
                      p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_lead(r, 0, a, out);
    }
    db_result_free(r);
    return err;
}

int
leads_get(struct db *db, const char *workspace_id, const char *id, struct arena *a,
          struct lead *out)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);

    if (!err) {
        err = get_on(conn, workspace_id, id, a, out);
        db_release(conn);
    }
    return err;
}

struct update {
    const struct config *cfg;
    const char *workspace_id;
    const char *id;
    const struct lead_patch *p;
    struct arena *a;
    struct lead *out;
    const char **bad_field;
};

static int
check_member(struct db_conn *conn, const char *workspace_id, struct str user_id)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_TEXT(user_id.ptr, user_id.len)};
    int err = db_exec(
        conn, "SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2", p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_VALIDATION;
    }
    db_result_free(r);
    return err;
}

/*
 * Takes the lead's row lock before it is read, so concurrent changes see each
 * other's result (their history and CRM events chain). PostgreSQL's READ
 * COMMITTED would let both read the old row; SQLite's BEGIN IMMEDIATE already
 * serialises writers.
 */
static int
lock_lead(struct db_conn *conn, const char *workspace_id, const char *id)
{
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(id)};

    if (db_conn_get_kind(conn) != DB_POSTGRES) {
        return 0;
    }
    return db_exec(conn, "SELECT 1 FROM leads WHERE workspace_id = $1 AND id = $2 FOR UPDATE", p, 2,
                   NULL);
}

static int
update_tx(struct db_conn *conn, void *arg)
{
    struct update *u = arg;
    const struct lead_patch *lp = u->p;
    struct lead cur;
    int err = lock_lead(conn, u->workspace_id, u->id);

    if (!err) {
        err = get_on(conn, u->workspace_id, u->id, u->a, &cur);
    }

    if (!err && lp->has_owner && lp->owner_id.len &&
        (err = check_member(conn, u->workspace_id, lp->owner_id)) == E_VALIDATION) {
        *u->bad_field = "ownerId";
    }
    if (err) {
        return err;
    }
    /* Owner: NULL param = unchanged; '' = no owner (stored NULL). */
    struct db_param p[] = {
        lp->has_stage ? DB_TEXT(lp->stage.ptr, lp->stage.len) : DB_NULL,
        lp->has_owner ? DB_TEXT(lp->owner_id.ptr, lp->owner_id.len) : DB_NULL,
        lp->has_name ? DB_TEXT(lp->name.ptr, lp->name.len) : DB_NULL,
        lp->has_taken_over ? DB_INT(lp->taken_over ? 1 : 0) : DB_NULL,
        DB_INT(clock_wall_s()),
        DB_CSTR(u->workspace_id),
        DB_CSTR(u->id),
    };
    err = db_exec(
        conn,
        "UPDATE leads SET stage = COALESCE($1, stage), "
        "owner_id = CASE WHEN CAST($2 AS TEXT) IS NULL THEN owner_id WHEN $2 = '' THEN NULL "
        "ELSE $2 END, "
        "name = COALESCE($3, name), taken_over = COALESCE(CAST($4 AS INTEGER), "
        "taken_over), updated_at = $5 WHERE workspace_id = $6 AND id = $7",
        p, ARRAY_LEN(p), NULL);
    if (!err) {
        err = get_on(conn, u->workspace_id, u->id, u->a, u->out);
    }
    /* The CRM hears of a stage change in the change's own transaction (crm/crm.h). */
    if (!err && lp->has_stage && strcmp(cur.stage, u->out->stage) != 0) {
        err =
            crm_lead_stage_changed(conn, u->cfg, u->workspace_id, u->id, cur.stage, u->out->stage);
        if (!err) {
            err = leads_history_record(conn, u->workspace_id, u->id, LEAD_HISTORY_STAGE, cur.stage,
                                       u->out->stage, lp->actor, lp->by_user_id, clock_wall_ms());
        }
    }
    if (!err && lp->has_taken_over && cur.taken_over != u->out->taken_over) {
        err = leads_history_record(conn, u->workspace_id, u->id, LEAD_HISTORY_TAKEN_OVER,
                                   cur.taken_over ? "true" : "false",
                                   u->out->taken_over ? "true" : "false", lp->actor, lp->by_user_id,
                                   clock_wall_ms());
    }
    if (!err) {
        /* The open pages hear of it once this commits (events/events.h). */
        err = leads_emit(conn, u->workspace_id, "lead.updated", u->out->id, NULL, 0);
    }
    return err;
}

int
leads_update(struct db *db, const struct config *cfg, const char *workspace_id, const char *id,
             const struct lead_patch *p, struct arena *a, struct lead *out, const char **bad_field)
{
    struct update u = {cfg, workspace_id, id, p, a, out, bad_field};

    *bad_field = NULL;
    return db_tx(db, update_tx, &u);
}

int
leads_update_in(struct db_conn *conn, const struct config *cfg, const char *workspace_id,
                const char *id, const struct lead_patch *p, struct arena *a, struct lead *out,
                const char **bad_field)
{
    struct update u = {cfg, workspace_id, id, p, a, out, bad_field};

    *bad_field = NULL;
    return update_tx(conn, &u);
}

struct mark_read {
    const char *workspace_id;
    const char *id;
    int64_t up_to;
    struct arena *a;
    struct lead *out;
};

static int
mark_read_tx(struct db_conn *conn, void *arg)
{
    struct mark_read *m = arg;
    struct db_result *r = NULL;
    struct lead cur;
    /* Forward only, and never past the newest message (a marker ahead would hide new ones). */
    struct db_param p[] = {DB_INT(m->up_to), DB_CSTR(m->workspace_id), DB_CSTR(m->id)};
    int err = get_on(conn, m->workspace_id, m->id, m->a, &cur);

    if (!err) {
        err =
            db_exec(conn,
                    "UPDATE leads SET read_message_id = (SELECT COALESCE(MAX(rm.id), 0) "
                    "FROM messages rm WHERE rm.lead_id = leads.id "
                    "AND (CAST($1 AS BIGINT) = 0 OR rm.id <= $1)) "
                    "WHERE workspace_id = $2 AND id = $3 AND read_message_id < "
                    "(SELECT COALESCE(MAX(rm.id), 0) FROM messages rm WHERE rm.lead_id = leads.id "
                    "AND (CAST($1 AS BIGINT) = 0 OR rm.id <= $1)) RETURNING id",
                    p, ARRAY_LEN(p), &r);
    }
    if (!err && db_result_rows(r) == 1) {
        /* The other open pages update their counts. */
        err = leads_emit(conn, m->workspace_id, "lead.updated", m->id, NULL, 0);
    }
    db_result_free(r);
    if (!err) {
        err = get_on(conn, m->workspace_id, m->id, m->a, m->out);
    }
    return err;
}

int
leads_mark_read(struct db *db, const char *workspace_id, const char *id, int64_t up_to,
                struct arena *a, struct lead *out)
{
    struct mark_read m = {workspace_id, id, up_to < 0 ? 0 : up_to, a, out};
    return db_tx(db, mark_read_tx, &m);
}

/* ---- Messages ------------------------------------------------------------------------------ */

static void
read_message(const struct db_result *r, size_t row, struct arena *a, struct lead_message *m)
{
    memset(m, 0, sizeof(*m));
    m->id = db_int(r, row, 0);
    m->direction = leads_opt(a, r, row, 1);
    m->author = leads_opt(a, r, row, 2);
    m->type = leads_opt(a, r, row, 3);
    m->text = leads_opt(a, r, row, 4);
    m->status = leads_opt(a, r, row, 5);
    m->media_id = leads_opt(a, r, row, 6);
    m->mime_type = leads_opt(a, r, row, 7);
    m->metadata = leads_opt(a, r, row, 8);
    m->error_code = db_int(r, row, 9);
    m->error_title = leads_opt(a, r, row, 10);
    m->created_at_ms = db_int(r, row, 11);
    m->sources = leads_opt(a, r, row, 12);
}

static int
query_messages(struct db_conn *conn, const char *workspace_id, const char *lead_id, bool has_before,
               int64_t before_id, size_t limit, struct arena *a, struct lead_message **out,
               size_t *n, bool *more)
{
    struct db_result *r = NULL;
    struct db_param p[] = {
        DB_CSTR(workspace_id),
        DB_CSTR(lead_id),
        has_before ? DB_INT(before_id) : DB_NULL,
        DB_INT(limit + 1),
    };
    int err = db_exec(
        conn,
        "SELECT id, direction, author, type, text, status, media_id, mime_type, "
        "metadata, COALESCE(error_code, 0), error_title, created_at_ms, sources FROM messages "
        "WHERE workspace_id = $1 AND lead_id = $2 AND (CAST($3 AS BIGINT) IS NULL OR id < $3) "
        "ORDER BY id DESC LIMIT CAST($4 AS INTEGER)",
        p, ARRAY_LEN(p), &r);

    if (!err) {
        size_t rows = leads_page_rows(r, limit, more);
        *out = arena_alloc(a, st_mult(rows + 1, sizeof(struct lead_message)));
        for (size_t i = 0; i < rows; i++) {
            read_message(r, i, a, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
leads_messages(struct db *db, const char *workspace_id, const char *lead_id, bool has_before,
               int64_t before_id, size_t limit, struct arena *a, struct lead_message **out,
               size_t *n, bool *more)
{
    struct db_conn *conn = NULL;
    struct lead lead;
    int err;

    *out = NULL;
    *n = 0;
    *more = false;
    if (limit == 0 || limit > LEADS_PAGE_MAX) {
        return E_INVALID;
    }
    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = get_on(conn, workspace_id, lead_id, a, &lead))) {
        err = query_messages(conn, workspace_id, lead_id, has_before, before_id, limit, a, out, n,
                             more);
    }
    db_release(conn);
    return err;
}
