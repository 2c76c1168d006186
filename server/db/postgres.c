/*
 * The PostgreSQL backend: the only file that includes <libpq-fe.h>.
 *
 * Statements are prepared once per connection (PQprepare, then
 * PQexecPrepared with text parameters and text results), so the server
 * parses and plans each query text once, not on every request. The cache is
 * the connection's: a reconnect starts empty. A statement the server no
 * longer knows or whose plan a migration invalidated (SQLSTATE 26000,
 * 0A000) is dropped and run once more unprepared; texts past the cache's
 * size simply run unprepared with PQexecParams.
 *
 * Surviving a database restart: a statement that finds the connection gone
 * returns E_UNAVAILABLE and marks it broken, so db_release closes it; an
 * idle pooled connection the server closed is noticed without a round trip
 * before it is handed out (is_usable). New connections carry a connect
 * timeout, TCP keepalives and a TCP user timeout, so a vanished host costs
 * seconds, not minutes. Values in the URL override these defaults.
 *
 * The listener of a subscription (db_subscribe): one dedicated connection,
 * outside the pool, on a thread that sleeps in poll() on its socket and on
 * a pipe that stops it.
 */
#include "db/db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/strnum.h"

/* Key of the session advisory lock db_migrate holds: "piloto" in ASCII. */
#define PG_MIGRATE_LOCK "123598093120623"
/* Reads before an idle connection with unexpected input is given up on. */
#define PG_IDLE_READS 4

#define PG_STMT_CACHE 96

struct pg_stmt {
    char *sql; /* a copy of the statement's text */
    char name[16];
};

struct pg_conn {
    struct db_conn base;
    PGconn *pg;
    struct pg_stmt stmts[PG_STMT_CACHE];
    unsigned nstmts;
};

static struct pg_conn *
to_pg(struct db_conn *conn)
{
    return (struct pg_conn *)conn;
}

/* libpq prints notices on stderr by default; they belong in the DEBUG log. */
static void
log_notice(void *arg, const char *message)
{
    struct str m = str_from_cstr(message);

    (void)arg;
    while (m.len && (m.ptr[m.len - 1] == '\n' || m.ptr[m.len - 1] == ' ')) {
        m.len--;
    }
    log_msg(LOG_DEBUG, "postgres: %.*s", (int)m.len, m.ptr);
}

/*
 * SQLSTATEs after which the connection is gone (Appendix A of the manual):
 * class 08 (connection exception) and 57P01..57P04 (the server is shutting
 * down or the database was dropped). 08P01 (protocol violation) is the
 * exception: the server reports a wrong parameter count with it, and the
 * connection stays fine.
 */
static bool
is_lost_state(const char *state)
{
    return (strncmp(state, "08", 2) == 0 && strcmp(state, "08P01") != 0) ||
           strncmp(state, "57P0", 4) == 0;
}

/*
 * Maps a finished PGresult (or NULL) to 0 or an E_*: class 23 is
 * E_CONFLICT, a lost connection or class 53 E_UNAVAILABLE, the rest E_DB.
 * A lost connection also marks conn broken. Logs SQLSTATE and message at
 * DEBUG, never parameter values.
 */
static int
check_result(struct pg_conn *c, PGresult *res, const char *sql)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    struct str m;
    int err;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        return 0;
    }
    if (!state) {
        state = "";
    }
    if (PQstatus(c->pg) == CONNECTION_BAD || is_lost_state(state)) {
        c->base.broken = true;
        err = E_UNAVAILABLE;
    } else if (strncmp(state, "53", 2) == 0) {
        /* Insufficient resources (disk full, out of memory): the connection itself is fine. */
        err = E_UNAVAILABLE;
    } else if (strncmp(state, "23", 2) == 0) {
        err = E_CONFLICT;
    } else {
        err = E_DB;
    }
    m = str_from_cstr(msg ? msg : PQerrorMessage(c->pg));
    while (m.len && m.ptr[m.len - 1] == '\n') {
        m.len--;
    }
    log_msg(LOG_DEBUG, "postgres statement failed: %s %s: %.*s: %.*s", PQresStatus(st),
            *state ? state : "-", (int)m.len, m.ptr, db_log_sql_len(sql), sql);
    return err;
}

/* The URL must parse; it is kept as given and expanded by libpq at connect. */
static int
parse_url(const char *url, char **target, unsigned *pool_size)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &errmsg);
    int err = 0;

    (void)pool_size;
    *target = NULL;
    if (!opts) {
        /* errmsg may quote the URL, password included: say only that it failed. */
        log_msg(LOG_DEBUG, "cannot parse the postgres url");
        err = E_INVALID;
        goto out;
    }
    *target = xstrdup(url);
out:
    PQfreemem(errmsg);
    PQconninfoFree(opts);
    return err;
}

/* Drops the cache (the server's side is gone with the connection, or DEALLOCATEd). */
static void
forget_statements(struct pg_conn *c)
{
    for (unsigned i = 0; i < c->nstmts; i++) {
        free(c->stmts[i].sql);
    }
    c->nstmts = 0;
}

static void
close_conn(struct db_conn *conn)
{
    struct pg_conn *c = to_pg(conn);

    if (!c) {
        return;
    }
    forget_statements(c);
    PQfinish(c->pg);
    free(c);
}

/*
 * Connection defaults. Each row: libpq keyword, value, why. libpq expands
 * the URL (passed last, as dbname, with expand_dbname) and its values
 * override these.
 */
static const struct {
    const char *key;
    const char *value;
} pg_defaults[] = {
    {"connect_timeout", "3"},      /* seconds: a down database fails requests fast */
    {"keepalives", "1"},           /* notice a vanished server on idle connections */
    {"keepalives_idle", "30"},     /* seconds idle before the first probe */
    {"keepalives_interval", "10"}, /* seconds between probes */
    {"keepalives_count", "3"},     /* probes lost before the connection is dead */
    {"tcp_user_timeout", "10000"}, /* ms of unacknowledged data before giving up */
    {"application_name", "piloto"},
    {"client_encoding", "UTF8"}, /* db_exec checks parameters are UTF-8 */
};

static int
open_conn(const char *target, struct db_conn **out)
{
    /* The defaults, then dbname = target, then the terminating NULL. */
    const char *keys[ARRAY_LEN(pg_defaults) + 2];
    const char *values[ARRAY_LEN(pg_defaults) + 2];
    struct pg_conn *c = xcalloc(1, sizeof(*c));
    int err = 0;

    *out = NULL;
    for (size_t i = 0; i < ARRAY_LEN(pg_defaults); i++) {
        keys[i] = pg_defaults[i].key;
        values[i] = pg_defaults[i].value;
    }
    keys[ARRAY_LEN(pg_defaults)] = "dbname";
    values[ARRAY_LEN(pg_defaults)] = target;
    keys[ARRAY_LEN(pg_defaults) + 1] = NULL;
    values[ARRAY_LEN(pg_defaults) + 1] = NULL;
    c->pg = PQconnectdbParams(keys, values, 1);
    if (!c->pg) {
        BUG("libpq could not allocate a connection");
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        struct str m = str_from_cstr(PQerrorMessage(c->pg));
        while (m.len && m.ptr[m.len - 1] == '\n') {
            m.len--;
        }
        log_msg(LOG_DEBUG, "cannot connect to postgres: %.*s", (int)m.len, m.ptr);
        err = E_UNAVAILABLE;
        goto out;
    }
    (void)PQsetNoticeProcessor(c->pg, log_notice, NULL);
    *out = &c->base;
    c = NULL;
out:
    close_conn(c ? &c->base : NULL);
    return err;
}

/*
 * An idle connection has nothing to read unless the server sent something
 * on its own, which for us means a FATAL error (57P01, the server is
 * shutting down) followed by EOF. Consuming that input lets libpq notice the
 * closed socket and set CONNECTION_BAD, so the request that would have been
 * the first to fail after a restart gets a fresh connection instead.
 */
static bool
is_usable(struct db_conn *conn)
{
    struct pg_conn *c = to_pg(conn);
    PGnotify *note;

    for (int i = 0; i < PG_IDLE_READS; i++) {
        struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN, .revents = 0};
        int rc;

        if (PQstatus(c->pg) != CONNECTION_OK || pfd.fd < 0) {
            return false;
        }
        rc = poll(&pfd, 1, 0);
        if (rc == 0) {
            return PQtransactionStatus(c->pg) == PQTRANS_IDLE;
        }
        if (rc < 0 || (pfd.revents & (POLLERR | POLLNVAL)) || !PQconsumeInput(c->pg)) {
            return false;
        }
        while ((note = PQnotifies(c->pg)) != NULL) {
            PQfreemem(note);
        }
    }
    return false;
}

/* Parameters as NUL-terminated text in one buffer; NULL values stay NULL pointers. */
static int
render_params(const struct db_param *params, size_t n, struct buf *b, const char **values)
{
    size_t *offs = xcalloc(n ? n : 1, sizeof(*offs));
    int err = 0;

    for (size_t i = 0; i < n && !err; i++) {
        offs[i] = b->len;
        switch (params[i].type) {
        case DB_T_NULL:
            break;
        case DB_T_INT:
            err = buf_addf(b, "%" PRId64, params[i].i);
            break;
        case DB_T_TEXT:
            err = buf_add(b, params[i].s ? params[i].s : "", params[i].len);
            break;
        default:
            BUG("unknown parameter type %d", (int)params[i].type);
        }
        if (!err) {
            err = buf_addch(b, '\0');
        }
    }
    /* Pointers only now: the buffer may have moved while it grew. */
    for (size_t i = 0; i < n && !err; i++) {
        values[i] = params[i].type == DB_T_NULL ? NULL : b->ptr + offs[i];
    }
    free(offs);
    return err ? E_DB : 0;
}

static int
read_rows(PGresult *res, struct db_result *r)
{
    int nrows = PQntuples(res);
    int ncols = PQnfields(res);
    const char *status = PQcmdStatus(res);
    const char *tuples = PQcmdTuples(res);
    int64_t affected = 0;
    int err = 0;

    for (int row = 0; row < nrows && !err; row++) {
        for (int col = 0; col < ncols && !err; col++) {
            if (PQgetisnull(res, row, col)) {
                err = db_result_push(r, NULL, 0);
            } else {
                int len = PQgetlength(res, row, col);
                err = db_result_push(r, PQgetvalue(res, row, col), len > 0 ? (size_t)len : 0);
            }
        }
    }
    /* Like SQLite's changes(): rows written, not rows read. */
    if (!err && strncmp(status, "SELECT", 6) != 0 && *tuples &&
        strnum_parse(str_from_cstr(tuples), 0, INT64_MAX, &affected) == 0) {
        db_result_set_affected(r, (uint64_t)affected);
    }
    return err ? E_DB : 0;
}

/*
 * The prepared statement for sql: found, or prepared now when the cache has
 * room. 0 and *stmt (NULL when the cache is full), or the E_* of a failed
 * PQprepare (bad SQL, lost connection).
 */
static int
prepared(struct pg_conn *c, const char *sql, size_t n, struct pg_stmt **stmt)
{
    struct pg_stmt *st;
    PGresult *res;
    int err;

    *stmt = NULL;
    for (unsigned i = 0; i < c->nstmts; i++) {
        if (strcmp(c->stmts[i].sql, sql) == 0) {
            *stmt = &c->stmts[i];
            return 0;
        }
    }
    if (c->nstmts == PG_STMT_CACHE) {
        return 0;
    }
    st = &c->stmts[c->nstmts];
    (void)snprintf(st->name, sizeof(st->name), "piloto_%u", c->nstmts);
    res = PQprepare(c->pg, st->name, sql, (int)n, NULL);
    err = check_result(c, res, sql);
    PQclear(res);
    if (err) {
        return err;
    }
    st->sql = xstrdup(sql);
    c->nstmts++;
    *stmt = st;
    return 0;
}

/* true when a prepared statement went stale: unknown to the server, or its plan's shape changed. */
static bool
is_stale_statement(const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0);
}

static int
exec_stmt(struct db_conn *conn, const char *sql, const struct db_param *params, size_t n,
          struct db_result **out)
{
    struct pg_stmt *st = NULL;
    struct pg_conn *c = to_pg(conn);
    struct buf text = BUF_INIT;
    const char **values = NULL;
    struct db_result *r = NULL;
    PGresult *res = NULL;
    int err;

    values = xcalloc(n ? n : 1, sizeof(*values));
    err = render_params(params, n, &text, values);
    if (err) {
        goto out;
    }
    if ((err = prepared(c, sql, n, &st))) {
        goto out;
    }
    if (st) {
        res = PQexecPrepared(c->pg, st->name, (int)n, values, NULL, NULL, 0);
        if (is_stale_statement(res)) {
            /* Forget every prepared statement: one migration may have staled them all. */
            PQclear(res);
            res = PQexec(c->pg, "DEALLOCATE ALL");
            PQclear(res);
            forget_statements(c);
            res = PQexecParams(c->pg, sql, (int)n, NULL, values, NULL, NULL, 0);
        }
    } else {
        res = PQexecParams(c->pg, sql, (int)n, NULL, values, NULL, NULL, 0);
    }
    err = check_result(c, res, sql);
    if (err) {
        goto out;
    }
    if (out) {
        r = db_result_new((size_t)PQnfields(res));
        err = read_rows(res, r);
        if (err) {
            log_msg(LOG_DEBUG, "cannot read rows: %.*s", db_log_sql_len(sql), sql);
            goto out;
        }
        *out = r;
        r = NULL;
    }
out:
    db_result_free(r);
    PQclear(res);
    free(values);
    buf_release(&text);
    return err;
}

static int
exec_script(struct db_conn *conn, const char *sql)
{
    struct pg_conn *c = to_pg(conn);
    PGresult *res = PQexec(c->pg, sql);
    int err = check_result(c, res, sql);

    PQclear(res);
    return err;
}

static bool
in_transaction(struct db_conn *conn)
{
    PGTransactionStatusType st = PQtransactionStatus(to_pg(conn)->pg);

    return st == PQTRANS_INTRANS || st == PQTRANS_INERROR || st == PQTRANS_ACTIVE;
}

static int
begin_tx(struct db_conn *conn)
{
    return exec_script(conn, "BEGIN");
}

/* COMMIT of a failed transaction "succeeds" with status ROLLBACK: that is an error here. */
static int
commit_tx(struct db_conn *conn)
{
    struct pg_conn *c = to_pg(conn);
    PGresult *res = PQexec(c->pg, "COMMIT");
    int err = check_result(c, res, "COMMIT");

    if (!err && strcmp(PQcmdStatus(res), "COMMIT") != 0) {
        log_msg(LOG_DEBUG, "postgres rolled back the transaction at COMMIT");
        err = E_DB;
    }
    PQclear(res);
    return err;
}

static void
rollback_tx(struct db_conn *conn)
{
    if (in_transaction(conn) && exec_script(conn, "ROLLBACK") != 0) {
        conn->broken = true;
    }
}

static int
lock_migrations(struct db_conn *conn)
{
    return exec_script(conn, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")");
}

static void
unlock_migrations(struct db_conn *conn)
{
    /* If this fails the connection is broken, and closing it drops the lock anyway. */
    (void)exec_script(conn, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")");
}

/* --- LISTEN (db_subscribe's listener) ------------------------------------------ */

struct pg_listener {
    struct db_listener base;
    char *target;
    char listen_sql[96]; /* LISTEN "channel" */
    db_change_fn fn;
    void *ctx;
    atomic_bool live;
    atomic_int fd;    /* the connection's socket while live, else -1 */
    atomic_bool busy; /* reading or delivering notifications */
    int wake[2];      /* a byte (or the write end's close) stops the thread */
    pthread_t thread;
};

/* Sleeps ms, or until stopped: true when stopped. */
static bool
listener_sleep(struct pg_listener *l, int ms)
{
    struct pollfd pfd = {.fd = l->wake[0], .events = POLLIN, .revents = 0};
    return poll(&pfd, 1, ms) > 0;
}

/*
 * Delivers notifications until the connection is lost (false) or the
 * listener is stopped (true).
 */
static bool
listener_serve(struct pg_listener *l, PGconn *pg)
{
    for (;;) {
        struct pollfd pfd[2] = {{.fd = PQsocket(pg), .events = POLLIN, .revents = 0},
                                {.fd = l->wake[0], .events = POLLIN, .revents = 0}};
        PGnotify *note;

        if (pfd[0].fd < 0) {
            return false;
        }
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        if (pfd[1].revents) {
            return true;
        }
        atomic_store(&l->busy, true);
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
            atomic_store(&l->busy, false);
            return false;
        }
        while ((note = PQnotifies(pg)) != NULL) {
            l->fn(l->ctx, note->extra);
            PQfreemem(note);
        }
        atomic_store(&l->busy, false);
    }
}

static void *
listener_main(void *arg)
{
    struct pg_listener *l = arg;
    bool stop = false;

    while (!stop) {
        struct db_conn *conn = NULL;
        PGresult *res = NULL;
        bool ok = open_conn(l->target, &conn) == 0;

        if (ok) {
            res = PQexec(to_pg(conn)->pg, l->listen_sql);
            ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            PQclear(res);
        }
        if (ok) {
            /* Whatever changed before LISTEN took effect went unheard. */
            l->fn(l->ctx, NULL);
            atomic_store(&l->fd, PQsocket(to_pg(conn)->pg));
            atomic_store(&l->live, true);
            log_msg(LOG_DEBUG, "postgres: listening (%s)", l->listen_sql);
            stop = listener_serve(l, to_pg(conn)->pg);
            atomic_store(&l->live, false);
            atomic_store(&l->fd, -1);
            l->fn(l->ctx, NULL);
            if (!stop) {
                log_msg(LOG_WARNING,
                        "postgres: the notification connection was lost; reconnecting");
            }
        }
        close_conn(conn);
        if (!stop) {
            stop = listener_sleep(l, DB_RECONNECT_BACKOFF_MS);
        }
    }
    return NULL;
}

static bool
is_channel_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            return false;
        }
    }
    return true;
}

static int
listener_start(const char *target, const char *channel, db_change_fn fn, void *ctx,
               struct db_listener **out)
{
    struct pg_listener *l = NULL;
    int err = 0;

    *out = NULL;
    if (!is_channel_name(channel)) {
        return E_INVALID;
    }
    l = xcalloc(1, sizeof(*l));
    l->base.ops = &db_postgres_ops;
    l->target = xstrdup(target);
    (void)snprintf(l->listen_sql, sizeof(l->listen_sql), "LISTEN \"%s\"", channel);
    l->fn = fn;
    l->ctx = ctx;
    atomic_init(&l->live, false);
    atomic_init(&l->fd, -1);
    atomic_init(&l->busy, false);
    l->wake[0] = l->wake[1] = -1;
    if (pipe(l->wake) != 0 || pthread_create(&l->thread, NULL, listener_main, l) != 0) {
        log_errno(LOG_CRITICAL, "cannot start the postgres listener");
        err = E_INTERNAL;
        goto out;
    }
    *out = &l->base;
    l = NULL;
out:
    if (l) {
        if (l->wake[0] >= 0) {
            close(l->wake[0]);
            close(l->wake[1]);
        }
        free(l->target);
        free(l);
    }
    return err;
}

static bool
listener_is_current(const struct db_listener *base)
{
    const struct pg_listener *l = (const struct pg_listener *)base;
    struct pollfd pfd = {.fd = atomic_load(&l->fd), .events = POLLIN, .revents = 0};

    /*
     * Input waiting, or input read but not yet delivered (checked after the
     * poll, so nothing slips between), is a notification not handled yet:
     * the answer must come from the database meanwhile.
     */
    return atomic_load(&l->live) && pfd.fd >= 0 && poll(&pfd, 1, 0) == 0 && !atomic_load(&l->busy);
}

static void
listener_free(struct db_listener *base)
{
    struct pg_listener *l = (struct pg_listener *)base;

    if (!l) {
        return;
    }
    close(l->wake[1]); /* wakes the thread's poll with POLLHUP */
    pthread_join(l->thread, NULL);
    close(l->wake[0]);
    free(l->target);
    free(l);
}

const struct db_ops db_postgres_ops = {
    .name = "postgres",
    .kind = DB_POSTGRES,
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
    .lock_migrations = lock_migrations,
    .unlock_migrations = unlock_migrations,
    .table_exists_sql = "SELECT 1 FROM pg_catalog.pg_tables"
                        " WHERE schemaname = current_schema() AND tablename = $1",
    .listen = listener_start,
    .listener_is_current = listener_is_current,
    .listener_free = listener_free,
};
