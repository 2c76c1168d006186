#include "auth/audit.h"

#include <stdatomic.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

static atomic_ullong write_failures;

static const char insert_sql[] =
    "INSERT INTO audit_log (at, user_id, event, outcome, ip, user_agent, detail, workspace_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

static void
params_of(const struct audit_entry *e, const char *workspace_id, struct db_param p[8])
{
    p[0] = DB_INT(e->at ? e->at : clock_wall_s());
    p[1] = e->user_id ? DB_CSTR(e->user_id) : DB_NULL;
    p[2] = DB_CSTR(e->event);
    p[3] = DB_CSTR(e->outcome);
    p[4] = DB_CSTR(e->ip ? e->ip : "");
    /* User agents are client-chosen: keep a bounded prefix. */
    p[5] = DB_TEXT(e->user_agent ? e->user_agent : "",
                   e->user_agent ? strnlen(e->user_agent, 256) : 0);
    p[6] = DB_CSTR(e->detail ? e->detail : "{}");
    p[7] = workspace_id ? DB_CSTR(workspace_id) : DB_NULL;
}

int
audit_write(struct db_conn *conn, const struct audit_entry *e)
{
    return audit_write_workspace(conn, e, NULL);
}

int
audit_write_workspace(struct db_conn *conn, const struct audit_entry *e, const char *workspace_id)
{
    struct db_param p[8];
    params_of(e, workspace_id, p);
    return db_exec(conn, insert_sql, p, 8, NULL);
}

int
audit_write_workspace_db(struct db *db, const struct audit_entry *e, const char *workspace_id)
{
    struct db_param p[8];
    int err;

    params_of(e, workspace_id, p);
    err = db_run(db, insert_sql, p, 8, NULL);
    if (err) {
        atomic_fetch_add(&write_failures, 1);
        log_msg(LOG_ERROR, "cannot write audit row '%s' (%s): %s", e->event, e->outcome,
                err_name(err));
    }
    return err;
}

int
audit_write_db(struct db *db, const struct audit_entry *e)
{
    return audit_write_workspace_db(db, e, NULL);
}

uint64_t
audit_write_failures(void)
{
    return atomic_load(&write_failures);
}
