/*
 * The database, backend-neutral. Two backends sit behind this interface
 * (db_internal.h): SQLite (one file, WAL) and PostgreSQL through libpq with a
 * bounded connection pool. The backend is chosen from DATABASE_URL:
 * "sqlite:PATH" or "postgres://..." / "postgresql://...".
 *
 * SQL is written once, with PostgreSQL-style placeholders $1, $2, ...; the
 * SQLite backend binds them by name, so the same text works on both. Only
 * parameterized SQL: never build SQL from input.
 *
 * Errors (all E_* from core/err.h):
 *   E_CONFLICT     a constraint violation (unique, foreign key, check)
 *   E_UNAVAILABLE  the database cannot be reached, or no connection was free
 *                  in time; the HTTP layer answers 503 and the pool recovers
 *                  on its own once the database is back
 *   E_DB           anything else (a bug: bad SQL, wrong types)
 * The detail (SQLSTATE, message) is logged at DEBUG and never reaches a client.
 *
 * Threads: struct db is shared by every thread. A struct db_conn belongs to
 * the thread that acquired it until it is released.
 */
#ifndef PILOTO_DB_DB_H
#define PILOTO_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

struct db;
struct db_conn;
struct db_result;

enum db_kind {
    DB_SQLITE,
    DB_POSTGRES,
};

enum db_type {
    DB_T_NULL,
    DB_T_INT,
    DB_T_TEXT,
};

/* One query parameter. Text is (ptr, len) and need not be NUL-terminated. */
struct db_param {
    enum db_type type;
    int64_t i;
    const char *s;
    size_t len;
};

#define DB_NULL       ((struct db_param){DB_T_NULL, 0, NULL, 0})
#define DB_INT(v)     ((struct db_param){DB_T_INT, (int64_t)(v), NULL, 0})
#define DB_TEXT(p, n) ((struct db_param){DB_T_TEXT, 0, (p), (n)})
#define DB_CSTR(p)    ((struct db_param){DB_T_TEXT, 0, (p), strlen(p)})

struct db_stats {
    enum db_kind kind;
    unsigned size;    /* connections the pool may hold */
    unsigned open;    /* connections currently open */
    unsigned in_use;  /* connections checked out */
    unsigned waiting; /* threads waiting for a connection */
    uint64_t acquire_timeouts;
    uint64_t errors_unavailable;
};

/*
 * Opens the database named by url with at most pool_size connections
 * (SQLite: connections too, each in WAL mode with busy_timeout and
 * foreign_keys on). acquire_timeout_ms bounds how long db_acquire waits.
 * Does not need the database to be up (PostgreSQL connects lazily), but an
 * unusable URL fails with E_INVALID.
 */
NODISCARD int db_open(const char *url, unsigned pool_size, int acquire_timeout_ms, struct db **out);
/* Closes every connection. Accepts NULL. No connection may be checked out. */
void db_free(struct db *db);
enum db_kind db_get_kind(const struct db *db);
/* The backend of a checked-out connection (for the few queries written per backend). */
enum db_kind db_conn_get_kind(const struct db_conn *conn);

/* Checks out a connection: 0, or E_UNAVAILABLE. */
NODISCARD int db_acquire(struct db *db, struct db_conn **out);
/*
 * Returns a connection to the pool. A connection left inside a transaction is
 * rolled back; a broken one is closed and reopened lazily later.
 */
void db_release(struct db_conn *conn);

/*
 * Runs one statement with n params. When out is not NULL, the rows are read
 * into a new result the caller frees with db_result_free (also on error: *out
 * is then NULL). Statements are prepared and cached per connection (SQLite;
 * PostgreSQL sends each with PQexecParams, one round trip, nothing cached).
 *
 * The SQL must use exactly $1..$n (on SQLite too, so mistakes show up in
 * tests). Text that is not UTF-8 or holds a NUL fails with E_INVALID before
 * reaching the database. Inside a transaction the first error sticks, as on
 * PostgreSQL: later statements fail with E_DB and db_commit rolls back.
 */
NODISCARD int db_exec(struct db_conn *conn, const char *sql, const struct db_param *params,
                      size_t n, struct db_result **out);

/*
 * Transactions. db_begin inside one, or db_commit outside one, BUG()s.
 * SQLite begins with BEGIN IMMEDIATE (writers queue up front, up to the busy
 * timeout, instead of failing when a read upgrades to a write).
 * db_commit returns the first error the transaction met, after rolling back;
 * if COMMIT itself fails the transaction is rolled back too.
 */
NODISCARD int db_begin(struct db_conn *conn);
NODISCARD int db_commit(struct db_conn *conn);
/* Rolls back; harmless outside a transaction. */
void db_rollback(struct db_conn *conn);
/* true between db_begin and db_commit/db_rollback. */
bool db_in_tx(const struct db_conn *conn);

/*
 * The one transaction runner every flow uses: acquire a connection, begin,
 * run fn, commit when it returns 0 or roll back when it returns an error,
 * release. Returns fn's error, or db_commit's (a failed commit is rolled
 * back). fn must not begin, commit or roll back itself, nor keep conn.
 */
typedef int (*db_tx_fn)(struct db_conn *conn, void *arg);
NODISCARD int db_tx(struct db *db, db_tx_fn fn, void *arg);

/*
 * The runner for reads (and single writes) that need no transaction:
 * acquire a pooled connection, run fn, release. Each statement fn runs
 * commits on its own. Returns db_acquire's error (fn is then not called)
 * or fn's. fn must not keep conn nor leave a transaction open (db_release
 * would roll it back): a flow that needs one uses db_tx.
 */
NODISCARD int db_with_conn(struct db *db, db_tx_fn fn, void *arg);

/*
 * Connections of their own, outside the pool (and not counted in its size),
 * for long-lived threads: job workers, listeners. db_connect opens one
 * (0, E_UNAVAILABLE or E_DB); db_disconnect closes it (accepts NULL; rolls
 * back an open transaction). The owner replaces a connection once
 * db_is_broken says the server went away. SQLite ":memory:" has no second
 * connection to the same database: E_INVALID.
 */
NODISCARD int db_connect(struct db *db, struct db_conn **out);
void db_disconnect(struct db_conn *conn);
bool db_is_broken(const struct db_conn *conn);

/* Acquire + exec + release, for single statements. */
NODISCARD int db_run(struct db *db, const char *sql, const struct db_param *params, size_t n,
                     struct db_result **out);

/*
 * Notifications: a small publish/subscribe across everything that shares
 * the database, delivered after the sending transaction commits (the job
 * queue's wake-ups, the live events, the session cache's invalidations).
 *
 * db_notify sends payload on channel from conn. Inside a transaction it is
 * delivered only if and when the transaction commits (dropped on rollback);
 * outside one, at once. Identical (channel, payload) pairs sent in one
 * transaction may be delivered once. Channel: 1..DB_NOTIFY_CHANNEL_MAX of
 * [a-z0-9_]; payload: UTF-8 up to DB_NOTIFY_PAYLOAD_MAX bytes. E_INVALID for
 * anything else.
 *   This process, on both backends: its subscribers hear it on the thread
 *   that commits, right after its COMMIT and before db_commit returns, so a
 *   flow's own process never acts on what it just changed (past
 *   DB_MAX_PENDING in one transaction they become one NULL payload per
 *   subscriber).
 *   PostgreSQL, also: pg_notify(), so every instance subscribed on the
 *   database gets it through its listener (below) — this one too, a second
 *   time: a subscriber must take a repeated notification in its stride.
 *   Others may notify the channel as well (a trigger's pg_notify).
 *
 * db_subscribe calls fn(ctx, payload) for every notification on channel
 * until db_unsubscribe, and fn(ctx, NULL) when notifications may have been
 * missed ("look at the state again"). On PostgreSQL each subscription has
 * a listener of its own: a dedicated connection outside the pool and a
 * thread that LISTENs; fn(ctx, NULL) runs before each (re)connection and
 * after each loss, and the connection is reopened DB_RECONNECT_BACKOFF_MS
 * apart. fn runs on the listener thread or a committing thread: it must be
 * quick, must not block and must not use the database. At most
 * DB_MAX_SUBSCRIBERS per struct db (E_INVALID past it). db_unsubscribe
 * waits until fn is no longer running for that subscription; every
 * subscription must be removed before db_free.
 *
 * db_subscription_is_current tells whether no notification from another
 * process can be waiting unseen: on PostgreSQL, the listener is connected
 * and listening with nothing unread on its socket (a poll, no round trip);
 * on SQLite (one process by design) always. A cache of what other
 * instances change must not trust itself otherwise.
 *
 * Delivery is best effort (a lost connection loses notifications): a
 * subscriber keeps a slow safety poll of the state it watches, or a time
 * to live.
 */
#define DB_NOTIFY_CHANNEL_MAX 63
#define DB_NOTIFY_PAYLOAD_MAX 63
#define DB_MAX_SUBSCRIBERS    8
typedef void (*db_change_fn)(void *ctx, const char *payload);
struct db_subscription;
NODISCARD int db_notify(struct db_conn *conn, const char *channel, const char *payload);
NODISCARD int db_subscribe(struct db *db, const char *channel, db_change_fn fn, void *ctx,
                           struct db_subscription **out);
bool db_subscription_is_current(const struct db_subscription *sub);
/* Accepts NULL. */
void db_unsubscribe(struct db_subscription *sub);

/* SELECT 1 through a pooled connection: 0 or E_UNAVAILABLE. */
NODISCARD int db_ping(struct db *db);
void db_get_stats(struct db *db, struct db_stats *out);

/*
 * Results: rows and columns are 0-based; a cell out of range BUG()s.
 * db_result_free, _rows, _cols and _affected accept NULL (as empty).
 * Values are text as the database renders it (PostgreSQL booleans are
 * "t"/"f": store flags as INTEGER). Results are capped at 64 MiB (E_DB).
 */
void db_result_free(struct db_result *r);
size_t db_result_rows(const struct db_result *r);
size_t db_result_cols(const struct db_result *r);
/* Rows changed by an INSERT/UPDATE/DELETE (also with RETURNING); 0 for a SELECT. */
uint64_t db_result_affected(const struct db_result *r);
bool db_is_null(const struct db_result *r, size_t row, size_t col);
/* Text of a value, NUL-terminated, owned by the result; "" for NULL. */
const char *db_text(const struct db_result *r, size_t row, size_t col);
size_t db_text_len(const struct db_result *r, size_t row, size_t col);
/* Copies a text value into dst (cap bytes), cut to fit and NUL-terminated. */
void db_text_copy(const struct db_result *r, size_t row, size_t col, char *dst, size_t cap);
/* Integer value (0 for NULL or non-numeric text). */
int64_t db_int(const struct db_result *r, size_t row, size_t col);

/*
 * Applies every migration compiled into the binary that schema_migrations
 * does not list, each in its own transaction, in version order. Safe to run
 * from several instances at once (PostgreSQL: an advisory lock). 0 or E_*.
 */
NODISCARD int db_migrate(struct db *db);
/*
 * Counts the compiled-in migrations schema_migrations does not list into
 * *pending (all of them before the first db_migrate); /readyz wants 0.
 * 0 or E_* (*pending is then 0).
 */
NODISCARD int db_migrations_pending(struct db *db, unsigned *pending);

#endif
