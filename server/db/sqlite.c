/*
 * The SQLite backend: the only file that includes <sqlite3.h>.
 *
 * Every pooled connection is opened in multi-thread mode (NOMUTEX: a
 * connection belongs to one thread at a time) with WAL, synchronous=FULL,
 * foreign keys and a busy timeout, so readers never block the one writer and
 * writers queue for up to SQLITE_BUSY_TIMEOUT_MS before E_UNAVAILABLE.
 *
 * Placeholders are PostgreSQL's $1, $2, ...: SQLite accepts "$1" as a named
 * parameter, so each is bound by name, in any order and any number of times.
 */
#include "db/db_internal.h"

#include <sqlite3.h>

#include "core/err.h"
#include "core/log.h"

/* How long a statement waits for another connection's write lock. */
#define SQLITE_BUSY_TIMEOUT_MS 5000
/* Prepared statements kept per connection; the least recently used one goes first. */
#define SQLITE_STMT_CACHE 32

struct cached_stmt {
    char *sql; /* owned copy of the text, the cache key; NULL when the slot is free */
    sqlite3_stmt *stmt;
    uint64_t used; /* tick of the last use */
};

struct sqlite_conn {
    struct db_conn base;
    sqlite3 *h;
    uint64_t tick;
    struct cached_stmt cache[SQLITE_STMT_CACHE];
};

static struct sqlite_conn *
to_sqlite(struct db_conn *conn)
{
    return (struct sqlite_conn *)conn;
}

/*
 * Maps a result code to an E_* and logs the detail at DEBUG. A lost file
 * (CANTOPEN, IOERR) also marks the connection broken so it is reopened.
 */
static int
fail(struct sqlite_conn *c, int rc, const char *sql)
{
    int err;

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        err = E_CONFLICT;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        c->base.broken = true;
        err = E_UNAVAILABLE;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
        err = E_UNAVAILABLE;
        break;
    default:
        err = E_DB;
        break;
    }
    log_msg(LOG_DEBUG, "sqlite statement failed: %s (%d): %.*s", sqlite3_errmsg(c->h), rc,
            db_log_sql_len(sql), sql);
    return err;
}

static int
parse_url(const char *url, char **target, unsigned *pool_size)
{
    const char *path = url + strlen("sqlite:");

    *target = NULL;
    /* "sqlite://x" would silently mean "/x": make the caller say what they mean. */
    if (!*path || strncmp(path, "//", 2) == 0) {
        return E_INVALID;
    }
    /* Each connection to ":memory:" is a database of its own. */
    if (strcmp(path, ":memory:") == 0) {
        *pool_size = 1;
    }
    *target = xstrdup(path);
    return 0;
}

static void
close_conn(struct db_conn *conn)
{
    struct sqlite_conn *c = to_sqlite(conn);

    if (!c) {
        return;
    }
    for (size_t i = 0; i < SQLITE_STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    (void)sqlite3_close_v2(c->h);
    free(c);
}

static int
open_conn(const char *target, struct db_conn **out)
{
    /*
     * busy_timeout goes first: switching to WAL needs the lock another process may hold.
     * synchronous = FULL: each commit reaches the disk before it returns, so what we
     * acknowledged (a webhook answered 200, which Meta never resends) survives a power
     * loss too, not only a crash of the process (NORMAL's guarantee in WAL mode).
     */
    static const char setup[] = "PRAGMA journal_mode = WAL;"
                                "PRAGMA synchronous = FULL;"
                                "PRAGMA foreign_keys = ON;";
    struct sqlite_conn *c = xcalloc(1, sizeof(*c));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int err = 0;
    int rc;

    *out = NULL;
    rc = sqlite3_open_v2(target, &c->h, flags, NULL);
    if (rc != SQLITE_OK) {
        log_msg(LOG_DEBUG, "cannot open sqlite database '%s': %s", target,
                c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
        err = E_UNAVAILABLE;
        goto out;
    }
    (void)sqlite3_extended_result_codes(c->h, 1);
    (void)sqlite3_busy_timeout(c->h, SQLITE_BUSY_TIMEOUT_MS);
    rc = sqlite3_exec(c->h, setup, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = fail(c, rc, setup);
        if (err == E_DB) {
            err = E_UNAVAILABLE;
        }
        goto out;
    }
    *out = &c->base;
    c = NULL;
out:
    close_conn(c ? &c->base : NULL);
    return err;
}

static bool
is_usable(struct db_conn *conn)
{
    (void)conn;
    return true;
}

/* true when rest holds only spaces and semicolons (one statement per db_exec). */
static bool
is_blank(const char *rest)
{
    for (; *rest; rest++) {
        if (*rest != ';' && *rest != ' ' && *rest != '\t' && *rest != '\n' && *rest != '\r') {
            return false;
        }
    }
    return true;
}

/* Finds sql in the cache, or prepares it into the least recently used slot. */
static int
get_stmt(struct sqlite_conn *c, const char *sql, sqlite3_stmt **out)
{
    struct cached_stmt *slot = &c->cache[0];
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    int err = 0;
    int rc;

    *out = NULL;
    for (size_t i = 0; i < SQLITE_STMT_CACHE; i++) {
        struct cached_stmt *s = &c->cache[i];
        if (s->sql && strcmp(s->sql, sql) == 0) {
            s->used = ++c->tick;
            *out = s->stmt;
            goto out;
        }
        if (!s->sql || (slot->sql && s->used < slot->used)) {
            slot = s;
        }
    }
    rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
        err = fail(c, rc, sql);
        goto out;
    }
    if (!stmt || (tail && !is_blank(tail))) {
        log_msg(LOG_DEBUG, "not exactly one statement: %.*s", db_log_sql_len(sql), sql);
        err = E_DB;
        goto out;
    }
    sqlite3_finalize(slot->stmt);
    free(slot->sql);
    slot->sql = xstrdup(sql);
    slot->stmt = stmt;
    slot->used = ++c->tick;
    *out = stmt;
    stmt = NULL;
out:
    sqlite3_finalize(stmt);
    return err;
}

/*
 * Binds params[i] to "$<i+1>". Like PostgreSQL, insists that the statement
 * uses exactly $1..$n, so a mistake fails on SQLite too, not only in production.
 * Text is bound SQLITE_STATIC: exec clears the bindings before returning.
 */
static int
bind_params(struct sqlite_conn *c, sqlite3_stmt *stmt, const char *sql,
            const struct db_param *params, size_t n)
{
    int count = sqlite3_bind_parameter_count(stmt);
    int err = 0;

    if ((size_t)count != n) {
        log_msg(LOG_DEBUG, "statement takes %d parameters, %zu given: %.*s", count, n,
                db_log_sql_len(sql), sql);
        err = E_DB;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct db_param *p = &params[i];
        char name[24];
        int idx;
        int rc = SQLITE_OK;

        (void)snprintf(name, sizeof(name), "$%zu", i + 1);
        idx = sqlite3_bind_parameter_index(stmt, name);
        if (idx == 0) {
            log_msg(LOG_DEBUG, "statement does not use %s: %.*s", name, db_log_sql_len(sql), sql);
            err = E_DB;
            goto out;
        }
        switch (p->type) {
        case DB_T_NULL:
            rc = sqlite3_bind_null(stmt, idx);
            break;
        case DB_T_INT:
            rc = sqlite3_bind_int64(stmt, idx, p->i);
            break;
        case DB_T_TEXT:
            /* A NULL pointer would bind SQL NULL: an empty string is "". */
            rc = sqlite3_bind_text64(stmt, idx, p->s ? p->s : "", p->len, SQLITE_STATIC,
                                     SQLITE_UTF8);
            break;
        default:
            BUG("unknown parameter type %d", (int)p->type);
        }
        if (rc != SQLITE_OK) {
            err = fail(c, rc, sql);
            goto out;
        }
    }
out:
    return err;
}

static int
read_row(sqlite3_stmt *stmt, struct db_result *r)
{
    int ncols = sqlite3_column_count(stmt);
    int err = 0;

    for (int i = 0; i < ncols && !err; i++) {
        const unsigned char *p;
        int len;

        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
            err = db_result_push(r, NULL, 0);
            continue;
        }
        /* Text first, then its length: the documented order for conversions. */
        p = sqlite3_column_text(stmt, i);
        len = sqlite3_column_bytes(stmt, i);
        if (!p || len < 0) {
            err = E_DB;
            break;
        }
        err = db_result_push(r, (const char *)p, (size_t)len);
    }
    return err ? E_DB : 0;
}

static int
exec_stmt(struct db_conn *conn, const char *sql, const struct db_param *params, size_t n,
          struct db_result **out)
{
    struct sqlite_conn *c = to_sqlite(conn);
    struct db_result *r = NULL;
    sqlite3_stmt *stmt = NULL;
    int err;
    int rc;

    err = get_stmt(c, sql, &stmt);
    if (err) {
        goto out;
    }
    err = bind_params(c, stmt, sql, params, n);
    if (err) {
        goto out;
    }
    if (out) {
        r = db_result_new((size_t)sqlite3_column_count(stmt));
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (r) {
            err = read_row(stmt, r);
            if (err) {
                log_msg(LOG_DEBUG, "cannot read row: %.*s", db_log_sql_len(sql), sql);
                goto out;
            }
        }
    }
    if (rc != SQLITE_DONE) {
        err = fail(c, rc, sql);
        goto out;
    }
    if (r && !sqlite3_stmt_readonly(stmt)) {
        db_result_set_affected(r, (uint64_t)sqlite3_changes64(c->h));
    }
    if (out) {
        *out = r;
        r = NULL;
    }
out:
    if (stmt) {
        (void)sqlite3_reset(stmt);
        (void)sqlite3_clear_bindings(stmt);
    }
    db_result_free(r);
    return err;
}

static int
exec_script(struct db_conn *conn, const char *sql)
{
    struct sqlite_conn *c = to_sqlite(conn);
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? 0 : fail(c, rc, sql);
}

static bool
in_transaction(struct db_conn *conn)
{
    return !sqlite3_get_autocommit(to_sqlite(conn)->h);
}

static int
begin_tx(struct db_conn *conn)
{
    return exec_script(conn, "BEGIN IMMEDIATE");
}

static int
commit_tx(struct db_conn *conn)
{
    return exec_script(conn, "COMMIT");
}

static void
rollback_tx(struct db_conn *conn)
{
    if (in_transaction(conn) && exec_script(conn, "ROLLBACK") != 0) {
        conn->broken = true;
    }
}

const struct db_ops db_sqlite_ops = {
    .name = "sqlite",
    .kind = DB_SQLITE,
    .parse_url = parse_url,
    .connect = open_conn,
    .disconnect = close_conn,
    .is_usable = is_usable,
    .exec = exec_stmt,
    .exec_script = exec_script,
    .in_transaction = in_transaction,
    .begin = begin_tx,
    .commit = commit_tx,
    .rollback = rollback_tx,
    .lock_migrations = NULL,
    .unlock_migrations = NULL,
    .table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
};
