/*
 * Schema migrations: the SQL files compiled in by tools/embed.c
 * (db/migrations.h), applied in version order and recorded in
 * schema_migrations.
 *
 * Each migration runs in its own transaction together with its
 * schema_migrations row, so a failed one leaves no trace and the next start
 * retries it. Several instances may start at once: PostgreSQL serialises
 * them with an advisory lock, SQLite with BEGIN IMMEDIATE; either way each
 * migration re-checks schema_migrations inside its transaction, so a
 * migration another instance applied meanwhile is skipped, not re-run.
 */
#include "db/db.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db_internal.h"
#include "db/migrations.h"

/* Valid on both backends; created here, never in a migration file. */
static const char create_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version INTEGER PRIMARY KEY, "
                                 "name TEXT NOT NULL, "
                                 "applied_at BIGINT NOT NULL)";

static void
get_migrations(const struct db *db, const struct migration **list, size_t *n)
{
    if (db_get_kind(db) == DB_POSTGRES) {
        *list = migrations_postgres;
        *n = migrations_postgres_count;
    } else {
        *list = migrations_sqlite;
        *n = migrations_sqlite_count;
    }
}

/* Applies m unless schema_migrations lists it: 0, or an E_* with nothing applied. */
static int
apply(struct db_conn *conn, const struct migration *m)
{
    struct db_param check[] = {DB_INT(m->version)};
    struct db_param row[] = {DB_INT(m->version), DB_CSTR(m->name), DB_INT(clock_wall_s())};
    struct db_result *r = NULL;
    bool applied = false;
    int err;

    err = db_begin(conn);
    if (err) {
        goto out;
    }
    err = db_exec(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", check,
                  ARRAY_LEN(check), &r);
    if (err) {
        goto out;
    }
    applied = db_result_rows(r) > 0;
    if (applied) {
        db_rollback(conn);
        goto out;
    }
    err = db_exec_script(conn, m->sql);
    if (err) {
        goto out;
    }
    err = db_exec(conn,
                  "INSERT INTO schema_migrations (version, name, applied_at) "
                  "VALUES ($1, $2, $3)",
                  row, ARRAY_LEN(row), NULL);
    if (err) {
        goto out;
    }
    err = db_commit(conn);
    if (!err) {
        log_msg(LOG_INFO, "applied migration %04u_%s", m->version, m->name);
    }
out:
    if (err) {
        log_msg(LOG_ERROR, "cannot apply migration %04u_%s: %s", m->version, m->name,
                err_name(err));
        db_rollback(conn);
    }
    db_result_free(r);
    return err;
}

int
db_migrate(struct db *db)
{
    const struct migration *list;
    struct db_conn *conn = NULL;
    bool locked = false;
    size_t n;
    int err;

    get_migrations(db, &list, &n);
    err = db_acquire(db, &conn);
    if (err) {
        goto out;
    }
    if (conn->ops->lock_migrations) {
        err = conn->ops->lock_migrations(conn);
        if (err) {
            goto out;
        }
        locked = true;
    }
    err = db_exec_script(conn, create_sql);
    if (err) {
        goto out;
    }
    for (size_t i = 0; i < n && !err; i++) {
        err = apply(conn, &list[i]);
    }
out:
    if (locked) {
        conn->ops->unlock_migrations(conn);
    }
    db_release(conn);
    return err;
}

int
db_migrations_pending(struct db *db, unsigned *pending)
{
    struct db_param table[] = {DB_CSTR("schema_migrations")};
    const struct migration *list;
    struct db_conn *conn = NULL;
    struct db_result *r = NULL;
    unsigned count = 0;
    size_t n;
    int err;

    *pending = 0;
    get_migrations(db, &list, &n);
    err = db_acquire(db, &conn);
    if (err) {
        goto out;
    }
    err = db_exec(conn, conn->ops->table_exists_sql, table, ARRAY_LEN(table), &r);
    if (err) {
        goto out;
    }
    if (db_result_rows(r) == 0) {
        *pending = (unsigned)n;
        goto out;
    }
    db_result_free(r);
    r = NULL;
    err = db_exec(conn, "SELECT version FROM schema_migrations", NULL, 0, &r);
    if (err) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t row = 0; row < db_result_rows(r) && !found; row++) {
            found = db_int(r, row, 0) == (int64_t)list[i].version;
        }
        if (!found) {
            count++;
        }
    }
    *pending = count;
out:
    db_result_free(r);
    db_release(conn);
    return err;
}
