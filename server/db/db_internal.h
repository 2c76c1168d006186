/*
 * What the database backends share with db.c and migrate.c (like git's
 * refs/refs-internal.h). Only the .c files in server/db include it.
 *
 * Each backend exports one const struct db_ops. db.c owns the pool: it
 * counts connections, waits for a free one, connects lazily through
 * ops->connect, and closes connections a backend marked broken. The backend
 * owns everything that touches its library.
 *
 * A backend's connection type embeds struct db_conn as its first member,
 * so it converts a struct db_conn * back with a plain cast.
 */
#ifndef PILOTO_DB_DB_INTERNAL_H
#define PILOTO_DB_DB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "db/db.h"

/* Longest SQL text quoted in a DEBUG log line. */
#define DB_LOG_SQL_MAX 200
/* Notifications one transaction keeps for in-process delivery (db_notify). */
#define DB_MAX_PENDING 16

/* Bytes of values one result may hold: queries that need more want a LIMIT. */
#define DB_RESULT_MAX_BYTES (64u * 1024 * 1024)
/* Parameters one statement may take (PostgreSQL's protocol allows 65535). */
#define DB_MAX_PARAMS 1000

/* After a failed connect, db_acquire fails at once for this long (no pile-up of slow connects). */
#define DB_RECONNECT_BACKOFF_MS 250

struct db_conn {
    const struct db_ops *ops; /* set by db.c */
    struct db *db;            /* set by db.c */
    /*
     * Set by the backend when the connection is lost (the server went away):
     * db_release closes it, and the next db_acquire connects afresh.
     */
    bool broken;
    /* Kept by db.c: inside db_begin/db_commit, and the first error in there. */
    bool in_tx;
    int tx_err;
    /*
     * db_notify's notifications of the open transaction, "channel\0payload\0"
     * after one another, handed to this process's subscribers after COMMIT
     * (at most DB_MAX_PENDING; more become one "look again" per subscriber).
     */
    char pending[DB_MAX_PENDING][DB_NOTIFY_CHANNEL_MAX + DB_NOTIFY_PAYLOAD_MAX + 2];
    unsigned npending;
    bool pending_overflow;
};

/* A backend's listener type embeds this as its first member (ops->listen). */
struct db_listener {
    const struct db_ops *ops;
};

struct db_ops {
    const char *name;
    enum db_kind kind;
    /*
     * Checks url and returns what connect needs (a file name, a conninfo
     * string), owned by the caller. May lower *pool_size (SQLite's
     * ":memory:" holds a separate database per connection, so only one).
     * 0 or E_INVALID.
     */
    int (*parse_url)(const char *url, char **target, unsigned *pool_size);
    /* Opens one connection: 0, E_UNAVAILABLE, or E_DB. */
    int (*connect)(const char *target, struct db_conn **out);
    /* Closes and frees a connection. Accepts NULL. */
    void (*disconnect)(struct db_conn *conn);
    /*
     * Quick check of an idle connection before it is handed out, without a
     * round trip: false when it must be replaced (PostgreSQL: the server
     * closed it while it sat in the pool).
     */
    bool (*is_usable)(struct db_conn *conn);
    /* db_exec without the argument checks db.c already made. */
    int (*exec)(struct db_conn *conn, const char *sql, const struct db_param *params, size_t n,
                struct db_result **out);
    /* Runs SQL that may hold several statements, without parameters. */
    int (*exec_script)(struct db_conn *conn, const char *sql);
    /* What the server thinks: is a transaction open (maybe failed)? */
    bool (*in_transaction)(struct db_conn *conn);
    /* BEGIN (SQLite: BEGIN IMMEDIATE, so writers queue up front instead of deadlocking). */
    int (*begin)(struct db_conn *conn);
    int (*commit)(struct db_conn *conn);
    /* Rolls back if a transaction is open; a failure marks the connection broken. */
    void (*rollback)(struct db_conn *conn);
    /*
     * Serialises db_migrate across processes for as long as conn lives or
     * until unlock (PostgreSQL: an advisory lock; SQLite: NULL, since its
     * BEGIN IMMEDIATE already takes the database's write lock).
     */
    int (*lock_migrations)(struct db_conn *conn);
    void (*unlock_migrations)(struct db_conn *conn);
    /* Finds a table by name ($1) in the current schema; returns one row if it exists. */
    const char *table_exists_sql;
    /*
     * LISTEN on channel on a connection and thread of its own, calling fn as
     * db_subscribe says; NULL when the backend has no notification channel.
     */
    int (*listen)(const char *target, const char *channel, db_change_fn fn, void *ctx,
                  struct db_listener **out);
    bool (*listener_is_current)(const struct db_listener *l);
    void (*listener_free)(struct db_listener *l);
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_postgres_ops;

/*
 * Results as the backends build them: values go one by one, row by row,
 * into a result made for ncols columns.
 */
struct db_result *db_result_new(size_t ncols);
/* Appends one value (NULL when p is NULL); 0 or E_TOO_LARGE past DB_RESULT_MAX_BYTES. */
NODISCARD int db_result_push(struct db_result *r, const char *p, size_t len);
void db_result_set_affected(struct db_result *r, uint64_t n);

/* ops->exec_script with db_exec's bookkeeping (for migrate.c). */
NODISCARD int db_exec_script(struct db_conn *conn, const char *sql);

/* strlen(sql) capped at DB_LOG_SQL_MAX, for "%.*s" in DEBUG logs. */
int db_log_sql_len(const char *sql);

#endif
