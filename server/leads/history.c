/*
 * A lead's history (stage changes, take-overs) and the home page's summary
 * (leads/leads.h). Every query binds the workspace id.
 */
#include "leads/leads.h"

#include "core/err.h"

static const char *const actor_names[] = {
    [LEAD_ACTOR_SYSTEM] = "system",
    [LEAD_ACTOR_PERSON] = "person",
    [LEAD_ACTOR_AGENT] = "agent",
};

int
leads_history_record(struct db_conn *conn, const char *workspace_id, const char *lead_id,
                     enum lead_history_kind kind, const char *from, const char *to,
                     enum lead_actor actor, const char *by_user_id, int64_t at_ms)
{
    const char *actor_name =
        (size_t)actor < ARRAY_LEN(actor_names) ? actor_names[actor] : actor_names[0];
    /* A person's id only for a person: the other actors are nobody's account. */
    const char *user =
        actor == LEAD_ACTOR_PERSON && by_user_id && by_user_id[0] ? by_user_id : NULL;
    struct db_param p[] = {
        DB_CSTR(workspace_id),
        DB_CSTR(lead_id),
        DB_CSTR(kind == LEAD_HISTORY_STAGE ? "stage" : "taken_over"),
        DB_CSTR(from),
        DB_CSTR(to),
        DB_CSTR(actor_name),
        user ? DB_CSTR(user) : DB_NULL,
        DB_INT(at_ms),
    };

    return db_exec(conn,
                   "INSERT INTO lead_history (workspace_id, lead_id, kind, from_value, to_value, "
                   "actor, user_id, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   p, ARRAY_LEN(p), NULL);
}

static const char *
dup_opt(struct arena *a, const struct db_result *r, size_t row, size_t col)
{
    return db_is_null(r, row, col)
               ? NULL
               : arena_strndup(a, db_text(r, row, col), db_text_len(r, row, col));
}

struct history_read {
    const char *workspace_id;
    const char *lead_id;
    struct arena *a;
    struct lead_history_entry **out;
    size_t *n;
};

static int
history_on(struct db_conn *conn, void *arg)
{
    const struct history_read *h = arg;
    const char *workspace_id = h->workspace_id;
    const char *lead_id = h->lead_id;
    struct arena *a = h->a;
    struct lead_history_entry **out = h->out;
    size_t *n = h->n;
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(lead_id), DB_INT(LEADS_HISTORY_MAX)};
    int err = db_exec(conn, "SELECT 1 FROM leads WHERE workspace_id = $1 AND id = $2", p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    r = NULL;
    if (err) {
        return err;
    }
    /* The name only while the person is still a member: the workspace's own people. */
    err = db_exec(conn,
                  "SELECT h.id, h.kind, h.from_value, h.to_value, h.actor, h.user_id, u.name, "
                  "h.at_ms FROM lead_history h "
                  "LEFT JOIN workspace_members m ON m.workspace_id = h.workspace_id "
                  "AND m.user_id = h.user_id "
                  "LEFT JOIN users u ON u.id = m.user_id "
                  "WHERE h.workspace_id = $1 AND h.lead_id = $2 "
                  "ORDER BY h.id DESC LIMIT CAST($3 AS INTEGER)",
                  p, ARRAY_LEN(p), &r);
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, st_mult(rows + 1, sizeof(struct lead_history_entry)));
        for (size_t i = 0; i < rows; i++) {
            struct lead_history_entry *e = &(*out)[i];
            memset(e, 0, sizeof(*e));
            e->id = db_int(r, i, 0);
            e->kind = strcmp(db_text(r, i, 1), "stage") == 0 ? "stage" : "takenOver";
            e->from = dup_opt(a, r, i, 2);
            e->to = dup_opt(a, r, i, 3);
            e->actor = dup_opt(a, r, i, 4);
            e->user_id = dup_opt(a, r, i, 5);
            e->user_name = dup_opt(a, r, i, 6);
            e->at_ms = db_int(r, i, 7);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
leads_history(struct db *db, const char *workspace_id, const char *lead_id, struct arena *a,
              struct lead_history_entry **out, size_t *n)
{
    struct history_read h = {workspace_id, lead_id, a, out, n};

    *out = NULL;
    *n = 0;
    return db_with_conn(db, history_on, &h);
}

/* ---- Summary ------------------------------------------------------------------------------- */

#define DAY_MS       INT64_C(86400000)
#define SAO_PAULO_MS INT64_C(-10800000) /* UTC-03:00 */

int64_t
leads_day_start_ms(int64_t now_ms)
{
    int64_t local = now_ms + SAO_PAULO_MS;
    int64_t day = local / DAY_MS;

    if (local % DAY_MS < 0) {
        day--; /* floor, for instants before 1970 */
    }
    return day * DAY_MS - SAO_PAULO_MS;
}

int
leads_summary(struct db *db, const char *workspace_id, int64_t now_ms, struct leads_summary *out)
{
    struct db_result *r = NULL;
    int64_t start = leads_day_start_ms(now_ms);
    int64_t end = start + DAY_MS;
    struct db_param p[] = {
        DB_CSTR(workspace_id), DB_INT(start / 1000), DB_INT(end / 1000), DB_INT(start), DB_INT(end),
    };
    /*
     * One statement: each figure is an indexed count of the day's rows of this workspace. The
     * first conversation is asked of leads (leads_inbox): a lead is born with its first
     * conversation (whatsapp/inbound.c, one transaction) and leaves only with it.
     */
    int err =
        db_run(db,
               "SELECT "
               "CASE WHEN EXISTS (SELECT 1 FROM agents WHERE workspace_id = $1 "
               "AND phone_number_id <> '') THEN 1 ELSE 0 END, "
               "CASE WHEN EXISTS (SELECT 1 FROM agents WHERE workspace_id = $1) THEN 1 ELSE 0 END, "
               "CASE WHEN EXISTS (SELECT 1 FROM documents WHERE workspace_id = $1 "
               "AND status = 'ready') THEN 1 ELSE 0 END, "
               "CASE WHEN EXISTS (SELECT 1 FROM leads WHERE workspace_id = $1) THEN 1 ELSE 0 END, "
               "(SELECT COUNT(*) FROM leads WHERE workspace_id = $1 AND created_at >= $2 "
               "AND created_at < $3), "
               "(SELECT COUNT(DISTINCT lead_id) FROM messages WHERE workspace_id = $1 "
               "AND author = 'agent' AND status <> 'failed' AND created_at_ms >= $4 "
               "AND created_at_ms < $5), "
               "(SELECT COUNT(*) FROM lead_history WHERE workspace_id = $1 AND kind = 'taken_over' "
               "AND to_value = 'true' AND at_ms >= $4 AND at_ms < $5), "
               "(SELECT COUNT(DISTINCT lead_id) FROM lead_history WHERE workspace_id = $1 "
               "AND kind = 'stage' AND to_value = 'qualified' AND at_ms >= $4 AND at_ms < $5)",
               p, ARRAY_LEN(p), &r);

    memset(out, 0, sizeof(*out));
    if (!err && db_result_rows(r) == 1) {
        out->number_connected = db_int(r, 0, 0) != 0;
        out->agent_created = db_int(r, 0, 1) != 0;
        out->documents_ready = db_int(r, 0, 2) != 0;
        out->first_conversation = db_int(r, 0, 3) != 0;
        out->day_start_ms = start;
        out->new_leads = db_int(r, 0, 4);
        out->answered = db_int(r, 0, 5);
        out->handoffs = db_int(r, 0, 6);
        out->qualified = db_int(r, 0, 7);
    } else if (!err) {
        err = E_DB;
    }
    db_result_free(r);
    return err;
}
