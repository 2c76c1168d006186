/*
 * Unit tests for db/: every test runs on SQLite (a fresh file in a temporary
 * directory) and again on PostgreSQL when PILOTO_TEST_PG_URL is set; without
 * it the PostgreSQL cases skip. The PostgreSQL database is wiped: point it at
 * a throw-away cluster (tests/support/pg.sh start DIR PORT).
 *
 * The restart case also needs PILOTO_TEST_PG_CTL (the path of pg.sh) and
 * PILOTO_TEST_PG_DIR (the cluster's DIR): it stops and starts the server
 * under an open struct db and checks that the pool recovers on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrations.h"

#include "both_db.h"

#define POOL_SIZE          4
#define ACQUIRE_TIMEOUT_MS 5000
#define THREADS            4
#define INSERTS_PER_THREAD 25

static struct both_db sqlite_fixture = {.kind = DB_SQLITE};
static struct both_db pg_fixture = {.kind = DB_POSTGRES};

static int
setup(void **state)
{
    return both_db_open(*state, POOL_SIZE, ACQUIRE_TIMEOUT_MS);
}

static int
teardown(void **state)
{
    both_db_close(*state);
    return 0;
}

static void
run_ok(struct db *db, const char *sql)
{
    assert_int_equal(db_run(db, sql, NULL, 0, NULL), 0);
}

static void
make_table(struct db *db)
{
    run_ok(db, "CREATE TABLE t (a BIGINT, b TEXT UNIQUE, c TEXT)");
}

static int64_t
count_rows(struct db *db, const char *sql)
{
    struct db_result *r = NULL;
    int64_t n;

    assert_int_equal(db_run(db, sql, NULL, 0, &r), 0);
    assert_int_equal(db_result_rows(r), 1);
    n = db_int(r, 0, 0);
    db_result_free(r);
    return n;
}

static size_t
migration_count(enum db_kind kind)
{
    return kind == DB_POSTGRES ? migrations_postgres_count : migrations_sqlite_count;
}

static void
test_open_invalid(void **state)
{
    struct db *db = (struct db *)1;

    (void)state;
    assert_int_equal(db_open("mysql://localhost/x", 1, 100, &db), E_INVALID);
    assert_null(db);
    assert_int_equal(db_open("sqlite:", 1, 100, &db), E_INVALID);
    assert_int_equal(db_open("sqlite://relative.db", 1, 100, &db), E_INVALID);
    assert_int_equal(db_open("sqlite:/tmp/x.db", 0, 100, &db), E_INVALID);
    assert_int_equal(db_open("sqlite:/tmp/x.db", 1, -1, &db), E_INVALID);
    assert_int_equal(db_open("postgres://h/db?no_such_option=1", 1, 100, &db), E_INVALID);
    assert_int_equal(db_open(NULL, 1, 100, &db), E_INVALID);
    /* Opening connects to nothing yet: an unreachable server is fine here. */
    assert_int_equal(db_open("postgresql://nobody@127.0.0.1:1/x", 2, 100, &db), 0);
    assert_int_equal(db_get_kind(db), DB_POSTGRES);
    db_free(db);
    db_free(NULL);
}

static void
test_memory(void **state)
{
    struct db *db = NULL;
    struct db_stats st;
    unsigned pending = 99;

    (void)state;
    assert_int_equal(db_open("sqlite::memory:", 8, 100, &db), 0);
    db_get_stats(db, &st);
    assert_int_equal(st.size, 1);
    assert_int_equal(db_migrate(db), 0);
    assert_int_equal(db_migrations_pending(db, &pending), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM users"), 0);
    db_free(db);
}

static void
test_unreachable(void **state)
{
    struct both_db *f = *state;
    const char *url = f->kind == DB_SQLITE ? "sqlite:/nonexistent-dir/x/y.db"
                                           : "postgres://nobody@127.0.0.1:1/x?connect_timeout=2";
    struct db *db = NULL;
    struct db_stats st;
    int64_t t0;

    assert_int_equal(db_open(url, 2, 100, &db), 0);
    t0 = clock_mono_ms();
    assert_int_equal(db_ping(db), E_UNAVAILABLE);
    assert_int_equal(db_run(db, "SELECT 1", NULL, 0, NULL), E_UNAVAILABLE);
    assert_true(clock_mono_ms() - t0 < 2000);
    db_get_stats(db, &st);
    assert_int_equal(st.open, 0);
    assert_int_equal(st.in_use, 0);
    assert_true(st.errors_unavailable >= 2);
    db_free(db);
}

static void
test_migrate(void **state)
{
    struct both_db *f = *state;
    struct db *db = both_db_need(state);
    size_t n = migration_count(f->kind);
    struct db_result *r = NULL;
    unsigned pending = 99;

    assert_true(n > 0);
    assert_int_equal(db_migrations_pending(db, &pending), 0);
    assert_int_equal(pending, n);
    assert_int_equal(db_migrate(db), 0);
    assert_int_equal(db_migrations_pending(db, &pending), 0);
    assert_int_equal(pending, 0);
    /* Idempotent: the second run applies nothing and records nothing twice. */
    assert_int_equal(db_migrate(db), 0);
    assert_int_equal(db_migrations_pending(db, &pending), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM schema_migrations"), (int64_t)n);
    assert_int_equal(
        db_run(db, "SELECT version, name FROM schema_migrations ORDER BY version", NULL, 0, &r), 0);
    assert_int_equal(db_int(r, 0, 0), 1);
    assert_string_equal(db_text(r, 0, 1), "init");
    db_result_free(r);
    /* The schema is usable, defaults included. */
    {
        struct db_param u[] = {DB_CSTR("u1"), DB_CSTR("a@example.com"), DB_CSTR("A"),
                               DB_INT(1700000000)};
        struct db_param s[] = {DB_CSTR("s1"), DB_CSTR("hash1"), DB_CSTR("u1"), DB_INT(1700000000)};
        assert_int_equal(db_run(db,
                                "INSERT INTO users (id, email, name, created_at, updated_at) "
                                "VALUES ($1, $2, $3, $4, $4)",
                                u, ARRAY_LEN(u), NULL),
                         0);
        assert_int_equal(db_run(db,
                                "INSERT INTO user_sessions (id, token_hash, user_id, created_at, "
                                "last_seen_at, idle_expires_at, absolute_expires_at, auth_at) "
                                "VALUES ($1, $2, $3, $4, $4, $4, $4, $4)",
                                s, ARRAY_LEN(s), NULL),
                         0);
        assert_int_equal(db_run(db,
                                "INSERT INTO audit_log (at, event, outcome) "
                                "VALUES (1, 'login', 'success') RETURNING id, detail, ip",
                                NULL, 0, &r),
                         0);
        assert_int_equal(db_result_rows(r), 1);
        assert_true(db_int(r, 0, 0) > 0);
        assert_string_equal(db_text(r, 0, 1), "{}");
        assert_string_equal(db_text(r, 0, 2), "");
        assert_int_equal(db_result_affected(r), 1);
        db_result_free(r);
        /* Email is unique; a session needs its user; deleting the user cascades. */
        s[2] = DB_CSTR("nobody");
        s[0] = DB_CSTR("s2");
        s[1] = DB_CSTR("hash2");
        assert_int_equal(db_run(db,
                                "INSERT INTO user_sessions (id, token_hash, user_id, created_at, "
                                "last_seen_at, idle_expires_at, absolute_expires_at, auth_at) "
                                "VALUES ($1, $2, $3, $4, $4, $4, $4, $4)",
                                s, ARRAY_LEN(s), NULL),
                         E_CONFLICT);
        u[0] = DB_CSTR("u2");
        assert_int_equal(db_run(db,
                                "INSERT INTO users (id, email, name, created_at, updated_at) "
                                "VALUES ($1, $2, $3, $4, $4)",
                                u, ARRAY_LEN(u), NULL),
                         E_CONFLICT);
        run_ok(db, "DELETE FROM users WHERE id = 'u1'");
        assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM user_sessions"), 0);
    }
}

static void
test_params(void **state)
{
    struct db *db = both_db_need(state);
    struct db_param ins[] = {DB_INT(1), DB_CSTR("one"), DB_NULL};
    struct db_param sel[] = {DB_INT(1), DB_CSTR("one")};
    struct db_param big[] = {DB_INT(INT64_MIN), DB_TEXT("two-and-more", 3), DB_CSTR("caf\xc3\xa9")};
    struct db_param big2[] = {DB_INT(INT64_MAX), DB_TEXT(NULL, 0), DB_CSTR("")};
    struct db_param twice[] = {DB_CSTR("x")};
    struct db_result *r = NULL;

    make_table(db);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)", ins, 3, &r), 0);
    assert_int_equal(db_result_affected(r), 1);
    assert_int_equal(db_result_rows(r), 0);
    db_result_free(r);
    assert_int_equal(db_run(db, "INSERT INTO t (c, b, a) VALUES ($3, $2, $1)", big, 3, NULL), 0);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)", big2, 3, NULL), 0);

    /* Placeholders used out of order. */
    assert_int_equal(db_run(db, "SELECT a, b, c FROM t WHERE b = $2 AND a = $1", sel, 2, &r), 0);
    assert_int_equal(db_result_rows(r), 1);
    assert_int_equal(db_result_cols(r), 3);
    assert_int_equal(db_int(r, 0, 0), 1);
    assert_string_equal(db_text(r, 0, 1), "one");
    assert_int_equal(db_text_len(r, 0, 1), 3);
    assert_false(db_is_null(r, 0, 1));
    assert_true(db_is_null(r, 0, 2));
    assert_string_equal(db_text(r, 0, 2), "");
    assert_int_equal(db_text_len(r, 0, 2), 0);
    assert_int_equal(db_int(r, 0, 2), 0);
    assert_int_equal(db_int(r, 0, 1), 0);
    assert_int_equal(db_result_affected(r), 0);
    db_result_free(r);

    /* Lengths, not NUL terminators; 64-bit extremes; UTF-8; "" is not NULL. */
    assert_int_equal(db_run(db, "SELECT a, b, c FROM t WHERE a <> 1 ORDER BY a", NULL, 0, &r), 0);
    assert_int_equal(db_result_rows(r), 2);
    assert_int_equal(db_int(r, 0, 0), INT64_MIN);
    assert_string_equal(db_text(r, 0, 1), "two");
    assert_string_equal(db_text(r, 0, 2), "caf\xc3\xa9");
    assert_int_equal(db_text_len(r, 0, 2), 5);
    assert_int_equal(db_int(r, 1, 0), INT64_MAX);
    assert_false(db_is_null(r, 1, 1));
    assert_false(db_is_null(r, 1, 2));
    assert_string_equal(db_text(r, 1, 1), "");
    db_result_free(r);

    /* One placeholder used twice; NULL results and empty results. */
    assert_int_equal(db_run(db, "SELECT COUNT(*) FROM t WHERE b = $1 OR c = $1", twice, 1, &r), 0);
    assert_int_equal(db_int(r, 0, 0), 0);
    db_result_free(r);
    assert_int_equal(db_run(db, "SELECT a FROM t WHERE a = 42", NULL, 0, &r), 0);
    assert_int_equal(db_result_rows(r), 0);
    assert_int_equal(db_result_cols(r), 1);
    db_result_free(r);
    assert_int_equal(db_result_rows(NULL), 0);
    assert_int_equal(db_result_cols(NULL), 0);
    assert_int_equal(db_result_affected(NULL), 0);

    /* Affected rows for UPDATE and DELETE. */
    assert_int_equal(db_run(db, "UPDATE t SET c = 'u' WHERE a <> 1", NULL, 0, &r), 0);
    assert_int_equal(db_result_affected(r), 2);
    db_result_free(r);
    assert_int_equal(db_run(db, "DELETE FROM t WHERE a = 1 RETURNING b", NULL, 0, &r), 0);
    assert_int_equal(db_result_affected(r), 1);
    assert_int_equal(db_result_rows(r), 1);
    assert_string_equal(db_text(r, 0, 0), "one");
    db_result_free(r);
}

static void
test_errors(void **state)
{
    struct db *db = both_db_need(state);
    struct db_param one[] = {DB_INT(1)};
    struct db_param two[] = {DB_INT(1), DB_CSTR("dup")};
    struct db_param bad_utf8[] = {DB_INT(2), DB_CSTR("\xff\xfe")};
    struct db_param nul[] = {DB_INT(2), DB_TEXT("a\0b", 3)};
    struct db_result *r = (struct db_result *)1;

    make_table(db);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b) VALUES ($1, $2)", two, 2, NULL), 0);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b) VALUES ($1, $2)", two, 2, &r), E_CONFLICT);
    assert_null(r);
    assert_int_equal(db_run(db, "SELEKT 1", NULL, 0, &r), E_DB);
    assert_null(r);
    assert_int_equal(db_run(db, "SELECT * FROM no_such_table", NULL, 0, NULL), E_DB);
    /* The statement must use exactly $1..$n. */
    assert_int_equal(db_run(db, "SELECT a FROM t WHERE a = $1 AND b = $2", one, 1, NULL), E_DB);
    assert_int_equal(db_run(db, "SELECT a FROM t WHERE a = $1", two, 2, NULL), E_DB);
    assert_int_equal(db_run(db, "SELECT a FROM t WHERE a = $2", one, 1, NULL), E_DB);
    assert_int_equal(db_run(db, "SELECT 1; SELECT 2", NULL, 0, NULL) != 0, true);
    assert_int_equal(db_run(db, "SELECT a FROM t WHERE a = $1; SELECT 2", one, 1, NULL), E_DB);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b) VALUES ($1, $2)", bad_utf8, 2, NULL),
                     E_INVALID);
    assert_int_equal(db_run(db, "INSERT INTO t (a, b) VALUES ($1, $2)", nul, 2, NULL), E_INVALID);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 1);
}

static void
test_transactions(void **state)
{
    struct db *db = both_db_need(state);
    struct db_param p1[] = {DB_INT(1), DB_CSTR("one")};
    struct db_param p2[] = {DB_INT(2), DB_CSTR("two")};
    struct db_param p3[] = {DB_INT(3), DB_CSTR("three")};
    struct db_conn *conn = NULL;
    const char *ins = "INSERT INTO t (a, b) VALUES ($1, $2)";

    make_table(db);
    assert_int_equal(db_acquire(db, &conn), 0);

    /* Rollback discards; rollback outside a transaction is harmless. */
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_exec(conn, ins, p1, 2, NULL), 0);
    db_rollback(conn);
    db_rollback(conn);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 0);

    /* Commit keeps; other connections see it afterwards. */
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_exec(conn, ins, p1, 2, NULL), 0);
    assert_int_equal(db_exec(conn, ins, p2, 2, NULL), 0);
    assert_int_equal(db_commit(conn), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 2);

    /* The first error sticks: later statements fail, commit rolls back and reports it. */
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_exec(conn, ins, p3, 2, NULL), 0);
    assert_int_equal(db_exec(conn, ins, p1, 2, NULL), E_CONFLICT);
    assert_int_equal(db_exec(conn, "SELECT 1", NULL, 0, NULL), E_DB);
    assert_int_equal(db_commit(conn), E_CONFLICT);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 2);
    /* The connection is clean again. */
    assert_int_equal(db_exec(conn, ins, p3, 2, NULL), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 3);

    /* A connection released inside a transaction is rolled back. */
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_exec(conn, "DELETE FROM t", NULL, 0, NULL), 0);
    db_release(conn);
    conn = NULL;
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 3);
    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_commit(conn), 0);
    db_release(conn);
}

static int with_conn_calls;

/* db_with_conn's body: inserts a (outside a transaction), or begins one and leaves it open. */
static int
insert_on(struct db_conn *conn, void *arg)
{
    const int64_t *a = arg;
    struct db_param p[] = {DB_INT(*a), DB_CSTR(*a < 0 ? "open" : "row")};

    with_conn_calls++;
    assert_false(db_in_tx(conn));
    if (*a < 0) {
        assert_int_equal(db_begin(conn), 0);
    }
    return db_exec(conn, "INSERT INTO t (a, b) VALUES ($1, $2)", p, 2, NULL);
}

/* db_with_conn: fn on a pooled connection, no transaction; its error, or the pool's. */
static void
test_with_conn(void **state)
{
    struct both_db *f = *state;
    struct db *db = both_db_need(state);
    struct db *small = NULL;
    struct db_conn *held = NULL;
    int64_t a = 1;
    int64_t open_tx = -1;

    make_table(db);
    with_conn_calls = 0;
    assert_int_equal(db_with_conn(db, insert_on, &a), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 1);
    /* fn's error, as it is (each statement stands alone: the first row stays). */
    assert_int_equal(db_with_conn(db, insert_on, &a), E_CONFLICT);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 1);
    /* A transaction fn leaves open is rolled back by the release. */
    assert_int_equal(db_with_conn(db, insert_on, &open_tx), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 1);
    assert_int_equal(with_conn_calls, 3);
    /* No connection free in time: E_UNAVAILABLE, and fn is not called. */
    assert_int_equal(db_open(f->url, 1, 50, &small), 0);
    assert_int_equal(db_acquire(small, &held), 0);
    assert_int_equal(db_with_conn(small, insert_on, &a), E_UNAVAILABLE);
    assert_int_equal(with_conn_calls, 3);
    db_release(held);
    db_free(small);
}

static void
test_pool(void **state)
{
    struct both_db *f = *state;
    struct db_conn *c[3] = {NULL, NULL, NULL};
    struct db *db = NULL;
    struct db_stats st;
    int64_t t0;

    (void)both_db_need(state);
    assert_int_equal(db_open(f->url, 2, 150, &db), 0);
    db_get_stats(db, &st);
    assert_int_equal(st.kind, f->kind);
    assert_int_equal(st.size, 2);
    assert_int_equal(st.open, 0);
    assert_int_equal(db_acquire(db, &c[0]), 0);
    assert_int_equal(db_acquire(db, &c[1]), 0);
    t0 = clock_mono_ms();
    assert_int_equal(db_acquire(db, &c[2]), E_UNAVAILABLE);
    assert_null(c[2]);
    assert_true(clock_mono_ms() - t0 >= 140);
    assert_true(clock_mono_ms() - t0 < 1000);
    db_get_stats(db, &st);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.waiting, 0);
    assert_int_equal(st.acquire_timeouts, 1);
    assert_int_equal(st.errors_unavailable, 1);
    db_release(c[1]);
    assert_int_equal(db_acquire(db, &c[2]), 0);
    assert_ptr_equal(c[2], c[1]);
    db_release(c[2]);
    db_release(c[0]);
    db_release(NULL);
    db_get_stats(db, &st);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(db_ping(db), 0);
    db_free(db);
}

/* Many statements, more than the statement cache holds, then the first ones again. */
static void
test_many_statements(void **state)
{
    struct db *db = both_db_need(state);
    struct db_conn *conn = NULL;

    assert_int_equal(db_acquire(db, &conn), 0);
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 80; k++) {
            struct db_param p[] = {DB_INT(k)};
            struct db_result *r = NULL;
            char sql[64];

            (void)snprintf(sql, sizeof(sql), "SELECT %d + CAST($1 AS INTEGER)", k);
            assert_int_equal(db_exec(conn, sql, p, 1, &r), 0);
            assert_int_equal(db_int(r, 0, 0), 2 * k);
            db_result_free(r);
        }
    }
    db_release(conn);
}

struct worker {
    struct db *db;
    int id;
    int failures;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;

    for (int i = 0; i < INSERTS_PER_THREAD; i++) {
        struct db_param p[] = {DB_INT(w->id * 1000 + i), DB_INT(w->id)};
        struct db_conn *conn = NULL;
        int err = db_acquire(w->db, &conn);

        if (!err) {
            err = db_begin(conn);
        }
        if (!err) {
            err = db_exec(conn, "INSERT INTO t (a, c) VALUES ($1, CAST($2 AS TEXT))", p, 2, NULL);
        }
        if (!err) {
            /* A read then a write in one transaction: the upgrade that BEGIN IMMEDIATE avoids. */
            err = db_exec(conn, "UPDATE t SET b = CAST(a AS TEXT) WHERE a = $1", p, 1, NULL);
        }
        if (!err) {
            err = db_commit(conn);
        }
        if (err) {
            w->failures++;
        }
        db_release(conn);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct db *db = both_db_need(state);
    struct worker w[THREADS];
    pthread_t th[THREADS];
    struct db_stats st;

    make_table(db);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){db, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t WHERE b IS NOT NULL"),
                     THREADS * INSERTS_PER_THREAD);
    db_get_stats(db, &st);
    assert_int_equal(st.in_use, 0);
    assert_true(st.open <= POOL_SIZE);
}

static int
pg_ctl(const char *action)
{
    const char *ctl = getenv("PILOTO_TEST_PG_CTL");
    const char *dir = getenv("PILOTO_TEST_PG_DIR");
    char cmd[1024];

    (void)snprintf(cmd, sizeof(cmd), "'%s' %s '%s' >/dev/null 2>&1", ctl, action, dir);
    return system(cmd);
}

/* Waits out the pool's reconnect backoff, then retries until the server accepts us. */
static int
run_when_back(struct db *db, const char *sql)
{
    int err = E_UNAVAILABLE;

    for (int i = 0; i < 50 && err; i++) {
        (void)usleep(100 * 1000);
        err = db_run(db, sql, NULL, 0, NULL);
    }
    return err;
}

static void
test_pg_restart(void **state)
{
    struct db *db = both_db_need(state);
    struct db_conn *held = NULL;
    struct db_conn *c[2] = {NULL, NULL};
    struct db_stats st;
    int64_t t0;

    if (!getenv("PILOTO_TEST_PG_CTL") || !getenv("PILOTO_TEST_PG_DIR")) {
        skip();
    }
    make_table(db);
    /* Two idle connections in the pool, and one held across the restart. */
    assert_int_equal(db_acquire(db, &c[0]), 0);
    assert_int_equal(db_acquire(db, &c[1]), 0);
    db_release(c[0]);
    db_release(c[1]);
    assert_int_equal(db_acquire(db, &held), 0);

    /* Down: every call fails fast with E_UNAVAILABLE. */
    assert_int_equal(pg_ctl("stop"), 0);
    t0 = clock_mono_ms();
    assert_int_equal(db_exec(held, "SELECT 1", NULL, 0, NULL), E_UNAVAILABLE);
    assert_int_equal(db_exec(held, "SELECT 1", NULL, 0, NULL), E_UNAVAILABLE);
    db_release(held);
    held = NULL;
    assert_int_equal(db_run(db, "SELECT 1", NULL, 0, NULL), E_UNAVAILABLE);
    assert_int_equal(db_ping(db), E_UNAVAILABLE);
    assert_int_equal(db_run(db, "INSERT INTO t (a) VALUES (1)", NULL, 0, NULL), E_UNAVAILABLE);
    assert_true(clock_mono_ms() - t0 < 2000);
    db_get_stats(db, &st);
    assert_int_equal(st.in_use, 0);
    assert_true(st.errors_unavailable >= 5);

    /* Back: the same struct db works again, without reopening. */
    assert_int_equal(pg_ctl("start"), 0);
    assert_int_equal(run_when_back(db, "INSERT INTO t (a) VALUES (2)"), 0);
    assert_int_equal(db_ping(db), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 1);

    /*
     * A restart while connections sit idle in the pool: the closed ones are
     * noticed before use, so not even the first request after it fails.
     */
    assert_int_equal(db_acquire(db, &c[0]), 0);
    assert_int_equal(db_acquire(db, &c[1]), 0);
    db_release(c[0]);
    db_release(c[1]);
    assert_int_equal(pg_ctl("restart"), 0);
    assert_int_equal(db_run(db, "INSERT INTO t (a) VALUES (3)", NULL, 0, NULL), 0);
    assert_int_equal(db_run(db, "INSERT INTO t (a) VALUES (4)", NULL, 0, NULL), 0);
    assert_int_equal(count_rows(db, "SELECT COUNT(*) FROM t"), 3);
}

/* What the subscribers heard: payloads in order, "*" for NULL. */
static pthread_mutex_t heard_lock = PTHREAD_MUTEX_INITIALIZER;
static char heard[64][64];
static unsigned nheard;

static void
hear(void *ctx, const char *key)
{
    (void)ctx;
    pthread_mutex_lock(&heard_lock);
    if (nheard < ARRAY_LEN(heard)) {
        (void)snprintf(heard[nheard++], sizeof(heard[0]), "%s", key ? key : "*");
    }
    pthread_mutex_unlock(&heard_lock);
}

static void
reset_heard(void)
{
    pthread_mutex_lock(&heard_lock);
    nheard = 0;
    pthread_mutex_unlock(&heard_lock);
}

/* How many times key was heard since the last reset_heard. */
static unsigned
times_heard(const char *key)
{
    unsigned n = 0;
    pthread_mutex_lock(&heard_lock);
    for (unsigned i = 0; i < nheard; i++) {
        n += strcmp(heard[i], key) == 0;
    }
    pthread_mutex_unlock(&heard_lock);
    return n;
}

static bool
has_heard(const char *key)
{
    return times_heard(key) > 0;
}

/* Waits up to 5 s for cond(). */
static bool
eventually(bool (*cond)(const void *), const void *arg)
{
    for (int i = 0; i < 500; i++) {
        if (cond(arg)) {
            return true;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static bool
is_current(const void *sub)
{
    return db_subscription_is_current(sub);
}

static bool
heard_key(const void *key)
{
    return has_heard(key);
}

/* Heard twice: in-process at the commit, and again through the listener (PostgreSQL). */
static bool
heard_twice(const void *key)
{
    return times_heard(key) >= 2;
}

/*
 * Heard at least once by now, and no more often than the backend may bring
 * it (PostgreSQL's listener can be quicker than the committing thread).
 */
static bool
heard_here(bool pg, const char *key)
{
    unsigned n = times_heard(key);
    return n == 1 || (pg && n == 2);
}

/* A subscription on channel, live (PostgreSQL: its listener is listening). */
static struct db_subscription *
subscribe_live(struct db *db, const char *channel)
{
    struct db_subscription *sub = NULL;

    assert_int_equal(db_subscribe(db, channel, hear, NULL, &sub), 0);
    assert_non_null(sub);
    assert_true(eventually(is_current, sub));
    if (db_get_kind(db) == DB_POSTGRES) {
        assert_true(eventually(heard_key, "*")); /* (re)connected: anything may have changed */
    }
    reset_heard();
    return sub;
}

/*
 * db_notify reaches this process's subscribers at the commit, on the
 * committing thread, on both backends (the session cache relies on it):
 * each payload once, nothing on rollback or a failed commit, "look again"
 * past DB_MAX_PENDING. On PostgreSQL the listener brings each again.
 */
static void
test_notify_in_process(void **state)
{
    struct db *db = both_db_need(state);
    bool pg = db_get_kind(db) == DB_POSTGRES;
    struct db_subscription *sub;
    struct db_conn *c = NULL;
    char long_payload[DB_NOTIFY_PAYLOAD_MAX + 2];

    make_table(db);
    reset_heard();
    sub = subscribe_live(db, "t_notes");
    assert_int_equal(db_acquire(db, &c), 0);
    /* Outside a transaction: at once. */
    assert_int_equal(db_notify(c, "t_notes", "u0"), 0);
    assert_true(heard_here(pg, "u0"));
    /* Inside: at the commit, before db_commit returns; each pair once. */
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_notify(c, "t_notes", "u1"), 0);
    assert_int_equal(db_notify(c, "t_notes", "u2"), 0);
    assert_int_equal(db_notify(c, "t_notes", "u1"), 0);
    assert_false(has_heard("u1"));
    assert_int_equal(db_commit(c), 0);
    assert_true(heard_here(pg, "u1"));
    assert_true(heard_here(pg, "u2"));
    /* A rollback, or a commit that fails, delivers nothing. */
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_notify(c, "t_notes", "u3"), 0);
    db_rollback(c);
    assert_int_equal(db_begin(c), 0);
    assert_int_equal(db_notify(c, "t_notes", "u4"), 0);
    assert_int_not_equal(db_exec(c, "INSERT INTO nowhere VALUES (1)", NULL, 0, NULL), 0);
    assert_int_not_equal(db_commit(c), 0);
    assert_int_equal(db_notify(c, "t_notes", "end"), 0);
    if (pg) {
        /* The listener brings every committed one again, in order, and then the mark. */
        assert_true(eventually(heard_twice, "end"));
        assert_int_equal(times_heard("u0"), 2);
        assert_int_equal(times_heard("u1"), 2);
        assert_int_equal(times_heard("u2"), 2);
    }
    assert_false(has_heard("u3"));
    assert_false(has_heard("u4"));
    /* Too many in one transaction: one "anything may have changed". */
    reset_heard();
    assert_int_equal(db_begin(c), 0);
    for (int i = 0; i < 40; i++) { /* more than DB_MAX_PENDING (db_internal.h) */
        char key[16];
        (void)snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(db_notify(c, "t_notes", key), 0);
    }
    assert_int_equal(db_commit(c), 0);
    assert_int_equal(times_heard("*"), 1);
    /* A payload too long is refused. */
    memset(long_payload, 'x', sizeof(long_payload) - 1);
    long_payload[sizeof(long_payload) - 1] = '\0';
    assert_int_equal(db_notify(c, "t_notes", long_payload), E_INVALID);
    db_release(c);
    db_unsubscribe(sub);
}

/*
 * db_subscribe on PostgreSQL: NOTIFY payloads from anyone, and migration
 * 0010's trigger announcing changed users and sessions; a subscription is
 * current once its listener listens. SQLite has no other process to hear.
 */
static void
test_subscribe_trigger(void **state)
{
    struct both_db *f = *state;
    struct db *db = both_db_need(state);
    struct db_subscription *sub = NULL;

    assert_int_equal(db_subscribe(db, "bad channel", hear, NULL, &sub), E_INVALID);
    assert_null(sub);
    if (f->kind == DB_SQLITE) {
        assert_int_equal(db_subscribe(db, "piloto_sessions", hear, NULL, &sub), 0);
        assert_true(db_subscription_is_current(sub));
        db_unsubscribe(sub);
        db_unsubscribe(NULL);
        return;
    }
    assert_int_equal(db_migrate(db), 0);
    reset_heard();
    sub = subscribe_live(db, "piloto_sessions");
    run_ok(db, "NOTIFY piloto_sessions, 'direct'");
    assert_true(eventually(heard_key, "direct"));
    run_ok(db, "INSERT INTO users (id, email, name, created_at, updated_at) "
               "VALUES ('user1', 'a@example.com', 'A', 1, 1)");
    run_ok(db, "INSERT INTO user_sessions (id, token_hash, user_id, created_at, last_seen_at, "
               "idle_expires_at, absolute_expires_at, auth_at, remember, ip, user_agent) "
               "VALUES ('s1', 'h1', 'user1', 1, 1, 2, 2, 1, 0, '', '')");
    run_ok(db, "UPDATE user_sessions SET revoked_at = 5 WHERE id = 's1'");
    assert_true(eventually(heard_key, "user1"));
    reset_heard();
    run_ok(db, "UPDATE users SET name = 'B' WHERE id = 'user1'");
    assert_true(eventually(heard_key, "user1"));
    db_unsubscribe(sub);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &sqlite_fixture),                \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &pg_fixture)

int
main(void)
{
    /* PILOTO_TEST_DEBUG=1 shows the DEBUG lines (SQLSTATEs, SQLite messages). */
    const char *debug = getenv("PILOTO_TEST_DEBUG");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_invalid),
        cmocka_unit_test(test_memory),
        cmocka_unit_test_prestate(test_unreachable, &sqlite_fixture),
        cmocka_unit_test_prestate(test_unreachable, &pg_fixture),
        BOTH(test_migrate),
        BOTH(test_params),
        BOTH(test_errors),
        BOTH(test_transactions),
        BOTH(test_with_conn),
        BOTH(test_pool),
        BOTH(test_many_statements),
        BOTH(test_threads),
        BOTH(test_notify_in_process),
        BOTH(test_subscribe_trigger),
        cmocka_unit_test_prestate_setup_teardown(test_pg_restart, setup, teardown, &pg_fixture),
    };

    log_set_level(debug && *debug == '1' ? LOG_DEBUG : LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
