/*
 * The backend-neutral half of the database: URL dispatch, the connection
 * pool, transaction bookkeeping and results. Backends are in sqlite.c and
 * postgres.c behind struct db_ops (db_internal.h).
 *
 * The pool is a stack of idle open connections plus a count of checked-out
 * ones; a free slot without an idle connection connects lazily, outside the
 * lock, so a slow connect never blocks threads that only return connections.
 */
#include "db/db.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/strnum.h"
#include "db/db_internal.h"

struct db {
    const struct db_ops *ops;
    char *target; /* what ops->connect takes: a file name or a conninfo string */
    unsigned size;
    int acquire_timeout_ms;
    pthread_mutex_t lock;  /* guards everything below */
    pthread_cond_t freed;  /* signalled when a connection is released */
    struct db_conn **idle; /* stack of size slots; the last one is the warmest */
    unsigned nidle;
    unsigned open;
    unsigned in_use;
    unsigned waiting;
    int64_t connect_retry_ms; /* clock_mono_ms() before which no connect is tried */
    uint64_t acquire_timeouts;
    uint64_t errors_unavailable;
    /* db_subscribe's subscriptions, guarded by subs_lock (also held while an fn runs). */
    pthread_mutex_t subs_lock;
    struct db_subscription *subs[DB_MAX_SUBSCRIBERS];
    size_t nsubs;
};

struct db_subscription {
    struct db *db;
    char channel[DB_NOTIFY_CHANNEL_MAX + 1];
    db_change_fn fn;
    void *ctx;
    struct db_listener *listener; /* PostgreSQL: the channel's LISTEN thread */
};

/* A value: NULL, or len bytes at data.ptr + off followed by a NUL. */
struct cell {
    size_t off;
    size_t len;
    bool null;
};

struct db_result {
    size_t cols;
    size_t ncells;
    size_t cap;
    struct cell *cells;
    struct buf data; /* every value, each NUL-terminated; capped at DB_RESULT_MAX_BYTES */
    uint64_t affected;
};

/* DATABASE_URL schemes. Each row: the prefix the URL starts with, and its backend. */
static const struct {
    const char *prefix;
    const struct db_ops *ops;
} schemes[] = {
    {"sqlite:", &db_sqlite_ops},
    {"postgres://", &db_postgres_ops},
    {"postgresql://", &db_postgres_ops},
};

int
db_log_sql_len(const char *sql)
{
    size_t n = strnlen(sql, DB_LOG_SQL_MAX);
    return (int)n;
}

static void
count_unavailable(struct db *db, int err)
{
    if (err == E_UNAVAILABLE) {
        pthread_mutex_lock(&db->lock);
        db->errors_unavailable++;
        pthread_mutex_unlock(&db->lock);
    }
}

int
db_open(const char *url, unsigned pool_size, int acquire_timeout_ms, struct db **out)
{
    const struct db_ops *ops = NULL;
    struct db *db = NULL;
    char *target = NULL;
    int err = 0;

    *out = NULL;
    if (!url || pool_size == 0 || acquire_timeout_ms < 0) {
        err = E_INVALID;
        goto out;
    }
    for (size_t i = 0; i < ARRAY_LEN(schemes); i++) {
        if (strncmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
            ops = schemes[i].ops;
            break;
        }
    }
    if (!ops) {
        err = E_INVALID;
        goto out;
    }
    err = ops->parse_url(url, &target, &pool_size);
    if (err) {
        goto out;
    }
    db = xcalloc(1, sizeof(*db));
    db->ops = ops;
    db->target = target;
    target = NULL;
    db->size = pool_size;
    db->acquire_timeout_ms = acquire_timeout_ms;
    db->idle = xcalloc(pool_size, sizeof(struct db_conn *));
    pthread_mutex_init(&db->lock, NULL);
    pthread_mutex_init(&db->subs_lock, NULL);
    clock_cond_init(&db->freed);
    *out = db;
out:
    free(target);
    return err;
}

void
db_free(struct db *db)
{
    if (!db) {
        return;
    }
    if (db->in_use) {
        BUG("db_free with %u connections checked out", db->in_use);
    }
    if (db->nsubs) {
        BUG("db_free with %zu subscriptions", db->nsubs);
    }
    for (unsigned i = 0; i < db->nidle; i++) {
        db->ops->disconnect(db->idle[i]);
    }
    pthread_cond_destroy(&db->freed);
    pthread_mutex_destroy(&db->subs_lock);
    pthread_mutex_destroy(&db->lock);
    free(db->idle);
    free(db->target);
    free(db);
}

enum db_kind
db_get_kind(const struct db *db)
{
    return db->ops->kind;
}

enum db_kind
db_conn_get_kind(const struct db_conn *conn)
{
    return conn->ops->kind;
}

/* Waits for a free slot until the deadline; called and returns with db->lock held. */
static int
wait_for_slot(struct db *db)
{
    struct timespec deadline;

    if (db->in_use < db->size) {
        return 0;
    }
    deadline = clock_mono_after(db->acquire_timeout_ms);
    db->waiting++;
    while (db->in_use == db->size) {
        if (pthread_cond_timedwait(&db->freed, &db->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    db->waiting--;
    if (db->in_use == db->size) {
        db->acquire_timeouts++;
        db->errors_unavailable++;
        return E_UNAVAILABLE;
    }
    return 0;
}

int
db_acquire(struct db *db, struct db_conn **out)
{
    struct db_conn *conn = NULL;
    bool backoff;
    int err;

    *out = NULL;
    pthread_mutex_lock(&db->lock);
    err = wait_for_slot(db);
    if (!err) {
        db->in_use++;
        if (db->nidle) {
            conn = db->idle[--db->nidle];
        }
    }
    backoff = clock_mono_ms() < db->connect_retry_ms;
    pthread_mutex_unlock(&db->lock);
    if (err) {
        goto out;
    }
    if (conn && !db->ops->is_usable(conn)) {
        log_msg(LOG_DEBUG, "dropping a %s connection the server closed", db->ops->name);
        db->ops->disconnect(conn);
        conn = NULL;
        pthread_mutex_lock(&db->lock);
        db->open--;
        pthread_mutex_unlock(&db->lock);
    }
    if (!conn) {
        /* While the database is down, fail fast instead of queueing slow connects. */
        err = backoff ? E_UNAVAILABLE : db->ops->connect(db->target, &conn);
        pthread_mutex_lock(&db->lock);
        if (err) {
            if (!backoff) {
                db->connect_retry_ms = clock_mono_ms() + DB_RECONNECT_BACKOFF_MS;
            }
            db->in_use--;
            if (err == E_UNAVAILABLE) {
                db->errors_unavailable++;
            }
            pthread_cond_signal(&db->freed);
        } else {
            db->open++;
            db->connect_retry_ms = 0;
        }
        pthread_mutex_unlock(&db->lock);
        if (err) {
            goto out;
        }
        conn->ops = db->ops;
        conn->db = db;
    }
    if (!conn) {
        BUG("connect succeeded without a connection");
    }
    conn->broken = false;
    conn->in_tx = false;
    conn->tx_err = 0;
    conn->npending = 0;
    conn->pending_overflow = false;
    *out = conn;
out:
    return err;
}

void
db_release(struct db_conn *conn)
{
    struct db *db;
    bool keep;

    if (!conn) {
        return;
    }
    db = conn->db;
    if (!conn->broken && (conn->in_tx || conn->ops->in_transaction(conn))) {
        conn->ops->rollback(conn);
        conn->in_tx = false;
    }
    keep = !conn->broken && !conn->ops->in_transaction(conn);
    if (!keep) {
        conn->ops->disconnect(conn);
    }
    pthread_mutex_lock(&db->lock);
    if (keep) {
        db->idle[db->nidle++] = conn;
    } else {
        db->open--;
    }
    db->in_use--;
    pthread_cond_signal(&db->freed);
    pthread_mutex_unlock(&db->lock);
}

/* Forgets the notifications of the transaction that ends. */
static void
drop_pending(struct db_conn *conn)
{
    conn->npending = 0;
    conn->pending_overflow = false;
}

/* Calls the subscribers of channel (every one when channel is NULL) with payload. */
static void
dispatch(struct db *db, const char *channel, const char *payload)
{
    pthread_mutex_lock(&db->subs_lock);
    for (size_t i = 0; i < db->nsubs; i++) {
        if (!channel || strcmp(db->subs[i]->channel, channel) == 0) {
            db->subs[i]->fn(db->subs[i]->ctx, payload);
        }
    }
    pthread_mutex_unlock(&db->subs_lock);
}

/* In-process delivery of what a committed transaction notified. */
static void
deliver_pending(struct db_conn *conn)
{
    if (conn->pending_overflow) {
        dispatch(conn->db, NULL, NULL);
        return;
    }
    for (unsigned i = 0; i < conn->npending; i++) {
        const char *channel = conn->pending[i];
        dispatch(conn->db, channel, channel + strlen(channel) + 1);
    }
}

/* Notes the first error inside a transaction: the rest of it then fails, as on PostgreSQL. */
static int
track(struct db_conn *conn, int err)
{
    if (err && conn->in_tx && !conn->tx_err) {
        conn->tx_err = err;
    }
    count_unavailable(conn->db, err);
    return err;
}

int
db_exec(struct db_conn *conn, const char *sql, const struct db_param *params, size_t n,
        struct db_result **out)
{
    int err = 0;

    if (out) {
        *out = NULL;
    }
    if (n && !params) {
        BUG("db_exec: %zu params but no array", n);
    }
    if (n > DB_MAX_PARAMS) {
        log_msg(LOG_DEBUG, "too many parameters (%zu): %.*s", n, db_log_sql_len(sql), sql);
        err = E_DB;
        goto out;
    }
    /* PostgreSQL rejects NUL and invalid UTF-8 in text; reject them on both backends alike. */
    for (size_t i = 0; i < n; i++) {
        if (params[i].type != DB_T_TEXT) {
            continue;
        }
        if (!params[i].s && params[i].len) {
            BUG("db_exec: NULL text with length %zu", params[i].len);
        }
        if (!str_is_utf8(str_make(params[i].s, params[i].len))) {
            log_msg(LOG_DEBUG, "parameter $%zu is not UTF-8 text: %.*s", i + 1, db_log_sql_len(sql),
                    sql);
            err = E_INVALID;
            goto out;
        }
    }
    if (conn->broken) {
        err = E_UNAVAILABLE;
        goto out;
    }
    if (conn->in_tx && conn->tx_err) {
        log_msg(LOG_DEBUG, "statement in a failed transaction: %.*s", db_log_sql_len(sql), sql);
        err = E_DB;
        goto out;
    }
    err = conn->ops->exec(conn, sql, params, n, out);
out:
    return track(conn, err);
}

int
db_exec_script(struct db_conn *conn, const char *sql)
{
    int err;

    if (conn->broken) {
        err = E_UNAVAILABLE;
    } else if (conn->in_tx && conn->tx_err) {
        err = E_DB;
    } else {
        err = conn->ops->exec_script(conn, sql);
    }
    return track(conn, err);
}

int
db_begin(struct db_conn *conn)
{
    int err;

    if (conn->in_tx) {
        BUG("db_begin inside a transaction");
    }
    drop_pending(conn);
    err = conn->broken ? E_UNAVAILABLE : conn->ops->begin(conn);
    if (!err) {
        conn->in_tx = true;
        conn->tx_err = 0;
    }
    return track(conn, err);
}

int
db_commit(struct db_conn *conn)
{
    int err;

    if (!conn->in_tx) {
        BUG("db_commit outside a transaction");
    }
    if (conn->broken) {
        err = E_UNAVAILABLE;
    } else if (conn->tx_err) {
        err = conn->tx_err;
        conn->ops->rollback(conn);
    } else {
        err = conn->ops->commit(conn);
        if (err && !conn->broken) {
            conn->ops->rollback(conn);
        }
    }
    conn->in_tx = false;
    conn->tx_err = 0;
    if (!err) {
        deliver_pending(conn);
    }
    drop_pending(conn);
    count_unavailable(conn->db, err);
    return err;
}

void
db_rollback(struct db_conn *conn)
{
    if (!conn->broken) {
        conn->ops->rollback(conn);
    }
    conn->in_tx = false;
    conn->tx_err = 0;
    drop_pending(conn);
}

int
db_tx(struct db *db, db_tx_fn fn, void *arg)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);

    if (err) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = fn(conn, arg);
        if (!err) {
            err = db_commit(conn);
        } else {
            db_rollback(conn);
        }
    }
    db_release(conn);
    return err;
}

int
db_with_conn(struct db *db, db_tx_fn fn, void *arg)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);

    if (!err) {
        err = fn(conn, arg);
        db_release(conn);
    }
    return err;
}

bool
db_in_tx(const struct db_conn *conn)
{
    return conn->in_tx;
}

int
db_connect(struct db *db, struct db_conn **out)
{
    struct db_conn *conn = NULL;
    int err;

    *out = NULL;
    /* Every connection to ":memory:" is another database (db_open kept the pool at one). */
    if (db->ops->kind == DB_SQLITE && strcmp(db->target, ":memory:") == 0) {
        return E_INVALID;
    }
    err = db->ops->connect(db->target, &conn);
    if (err) {
        count_unavailable(db, err);
        return err;
    }
    conn->ops = db->ops;
    conn->db = db;
    conn->broken = false;
    conn->in_tx = false;
    conn->tx_err = 0;
    drop_pending(conn);
    *out = conn;
    return 0;
}

void
db_disconnect(struct db_conn *conn)
{
    if (!conn) {
        return;
    }
    if (!conn->broken && (conn->in_tx || conn->ops->in_transaction(conn))) {
        conn->ops->rollback(conn);
    }
    conn->ops->disconnect(conn);
}

bool
db_is_broken(const struct db_conn *conn)
{
    return conn->broken;
}

static bool
is_channel(const char *channel)
{
    size_t n = channel ? strlen(channel) : 0;

    if (n == 0 || n > DB_NOTIFY_CHANNEL_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = channel[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

int
db_notify(struct db_conn *conn, const char *channel, const char *payload)
{
    size_t clen;
    size_t plen;
    int err;

    if (!payload) {
        payload = "";
    }
    plen = strlen(payload);
    if (!is_channel(channel) || plen > DB_NOTIFY_PAYLOAD_MAX ||
        !str_is_utf8(str_make(payload, plen))) {
        return E_INVALID;
    }
    /* Other instances (PostgreSQL); this process below, on every backend. */
    if (conn->ops->listen) {
        struct db_param p[] = {DB_CSTR(channel), DB_TEXT(payload, plen)};
        if ((err = db_exec(conn, "SELECT pg_notify($1, $2)", p, 2, NULL))) {
            return err;
        }
    }
    if (!conn->in_tx) {
        dispatch(conn->db, channel, payload);
        return 0;
    }
    clen = strlen(channel);
    /* Identical notifications of one transaction are delivered once, as PostgreSQL does. */
    for (unsigned i = 0; i < conn->npending; i++) {
        const char *c = conn->pending[i];
        if (strcmp(c, channel) == 0 && strcmp(c + clen + 1, payload) == 0) {
            return 0;
        }
    }
    if (conn->npending == DB_MAX_PENDING) {
        conn->pending_overflow = true;
        return 0;
    }
    memcpy(conn->pending[conn->npending], channel, clen + 1);
    memcpy(conn->pending[conn->npending] + clen + 1, payload, plen + 1);
    conn->npending++;
    return 0;
}

int
db_subscribe(struct db *db, const char *channel, db_change_fn fn, void *ctx,
             struct db_subscription **out)
{
    struct db_subscription *sub;
    int err = 0;

    *out = NULL;
    if (!is_channel(channel) || !fn) {
        return E_INVALID;
    }
    sub = xcalloc(1, sizeof(*sub));
    sub->db = db;
    memcpy(sub->channel, channel, strlen(channel) + 1);
    sub->fn = fn;
    sub->ctx = ctx;
    pthread_mutex_lock(&db->subs_lock);
    if (db->nsubs == DB_MAX_SUBSCRIBERS) {
        err = E_INVALID;
    } else {
        db->subs[db->nsubs++] = sub;
    }
    pthread_mutex_unlock(&db->subs_lock);
    /* PostgreSQL: the channel's own LISTEN thread (SQLite: none, delivery is in-process). */
    if (!err && db->ops->listen &&
        (err = db->ops->listen(db->target, channel, fn, ctx, &sub->listener))) {
        db_unsubscribe(sub);
        sub = NULL;
    } else if (err) {
        free(sub);
        sub = NULL;
    }
    *out = sub;
    return err;
}

bool
db_subscription_is_current(const struct db_subscription *sub)
{
    if (!sub->db->ops->listen) {
        return true;
    }
    return sub->listener && sub->listener->ops->listener_is_current(sub->listener);
}

void
db_unsubscribe(struct db_subscription *sub)
{
    struct db *db;

    if (!sub) {
        return;
    }
    db = sub->db;
    if (sub->listener) {
        sub->listener->ops->listener_free(sub->listener);
    }
    pthread_mutex_lock(&db->subs_lock);
    for (size_t i = 0; i < db->nsubs; i++) {
        if (db->subs[i] == sub) {
            db->subs[i] = db->subs[--db->nsubs];
            break;
        }
    }
    pthread_mutex_unlock(&db->subs_lock);
    free(sub);
}

int
db_run(struct db *db, const char *sql, const struct db_param *params, size_t n,
       struct db_result **out)
{
    struct db_conn *conn = NULL;
    int err;

    if (out) {
        *out = NULL;
    }
    err = db_acquire(db, &conn);
    if (err) {
        goto out;
    }
    err = db_exec(conn, sql, params, n, out);
out:
    db_release(conn);
    return err;
}

int
db_ping(struct db *db)
{
    return db_run(db, "SELECT 1", NULL, 0, NULL) ? E_UNAVAILABLE : 0;
}

void
db_get_stats(struct db *db, struct db_stats *out)
{
    pthread_mutex_lock(&db->lock);
    out->kind = db->ops->kind;
    out->size = db->size;
    out->open = db->open;
    out->in_use = db->in_use;
    out->waiting = db->waiting;
    out->acquire_timeouts = db->acquire_timeouts;
    out->errors_unavailable = db->errors_unavailable;
    pthread_mutex_unlock(&db->lock);
}

struct db_result *
db_result_new(size_t ncols)
{
    struct db_result *r = xcalloc(1, sizeof(*r));

    r->cols = ncols;
    buf_init(&r->data, 0);
    r->data.max = DB_RESULT_MAX_BYTES;
    return r;
}

int
db_result_push(struct db_result *r, const char *p, size_t len)
{
    struct cell *c;
    int err = 0;

    if (r->cols == 0) {
        BUG("value pushed into a result without columns");
    }
    if (r->ncells == r->cap) {
        r->cap = r->cap ? st_mult(r->cap, 2) : st_mult(r->cols, 16);
        r->cells = xrealloc(r->cells, st_mult(r->cap, sizeof(*r->cells)));
    }
    c = &r->cells[r->ncells];
    c->off = r->data.len;
    c->len = p ? len : 0;
    c->null = !p;
    if (p) {
        /* Room for the value and its NUL at once, so a failure leaves no half value. */
        err = buf_grow(&r->data, st_add(len, 1));
        if (!err) {
            err = buf_add(&r->data, p, len);
        }
        if (!err) {
            err = buf_addch(&r->data, '\0');
        }
    }
    if (!err) {
        r->ncells++;
    }
    return err;
}

void
db_result_set_affected(struct db_result *r, uint64_t n)
{
    r->affected = n;
}

void
db_result_free(struct db_result *r)
{
    if (!r) {
        return;
    }
    buf_release(&r->data);
    free(r->cells);
    free(r);
}

size_t
db_result_rows(const struct db_result *r)
{
    return r && r->cols ? r->ncells / r->cols : 0;
}

size_t
db_result_cols(const struct db_result *r)
{
    return r ? r->cols : 0;
}

uint64_t
db_result_affected(const struct db_result *r)
{
    return r ? r->affected : 0;
}

static const struct cell *
get_cell(const struct db_result *r, size_t row, size_t col)
{
    if (!r || col >= r->cols || row >= db_result_rows(r)) {
        BUG("result cell (%zu, %zu) out of range", row, col);
    }
    return &r->cells[row * r->cols + col];
}

bool
db_is_null(const struct db_result *r, size_t row, size_t col)
{
    return get_cell(r, row, col)->null;
}

const char *
db_text(const struct db_result *r, size_t row, size_t col)
{
    const struct cell *c = get_cell(r, row, col);
    return c->null ? "" : r->data.ptr + c->off;
}

size_t
db_text_len(const struct db_result *r, size_t row, size_t col)
{
    return get_cell(r, row, col)->len;
}

void
db_text_copy(const struct db_result *r, size_t row, size_t col, char *dst, size_t cap)
{
    str_copy_to(str_make(db_text(r, row, col), db_text_len(r, row, col)), dst, cap);
}

int64_t
db_int(const struct db_result *r, size_t row, size_t col)
{
    const struct cell *c = get_cell(r, row, col);
    int64_t v = 0;

    if (c->null || strnum_parse(str_make(r->data.ptr + c->off, c->len), INT64_MIN, INT64_MAX, &v)) {
        return 0;
    }
    return v;
}
