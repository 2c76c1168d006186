/*
 * Unit tests for jobs/queue and the notifications of db/: every test runs on
 * SQLite (a fresh file in a temporary directory) and again on PostgreSQL
 * when PILOTO_TEST_PG_URL is set (make unit-pg; the database is wiped, point
 * it at a throw-away cluster). The handlers below are test kinds that record
 * what they saw; the queue runs them on its real worker threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "core/log.h"
#include "db/db.h"
#include "jobs/queue.h"

#include "both_db.h"

#define WAIT_MS 20000 /* generous: ASan, a loaded machine; not a speed assertion */

static struct both_db sqlite_fixture = {.kind = DB_SQLITE};
static struct both_db pg_fixture = {.kind = DB_POSTGRES};

/* What the test handlers saw. */
static atomic_int runs_ok;
static atomic_int runs_fail;
static atomic_int buried;
static atomic_int runs_once;
static atomic_int runs_retry;
static atomic_int runs_snooze;
static atomic_int slow_started;
static atomic_int slow_finished;
static atomic_int notified;
static atomic_int resyncs;
static atomic_int limited_now;     /* t.limited runs in progress */
static atomic_int limited_most;    /* the most seen at once */
static atomic_int limited_started; /* runs begun */
static atomic_bool limited_gate;   /* open: the runs may end */

static int
ok_run(struct job_ctx *ctx, const struct job *job)
{
    (void)ctx;
    assert_true(job->attempt >= 1);
    atomic_fetch_add(&runs_ok, 1);
    return 0;
}

static int
periodic_run(struct job_ctx *ctx, const struct job *job)
{
    (void)ctx;
    assert_string_equal(job->dedupe_key, "t.periodic");
    return 0;
}

static int
fail_run(struct job_ctx *ctx, const struct job *job)
{
    atomic_fetch_add(&runs_fail, 1);
    return jobs_fail(ctx, E_UPSTREAM, "attempt %d refused", job->attempt);
}

static int
dead_hook(struct db_conn *conn, const struct job *job, const char *last_error)
{
    struct db_param p[] = {DB_INT(job->id), DB_CSTR(last_error)};
    atomic_fetch_add(&buried, 1);
    return db_exec(conn, "INSERT INTO effects (job_id, note) VALUES ($1, $2)", p, 2, NULL);
}

static int
for_good_run(struct job_ctx *ctx, const struct job *job)
{
    (void)job;
    return jobs_fail_for_good(ctx, "no such address");
}

/* A run's effect: a row of effects (note "once"; "tx" and failing on the first attempt for t.tx).
 */
static int
effect_body(struct db_conn *conn, void *arg)
{
    const struct job *job = arg;
    bool tx = strcmp(job->kind, "t.tx") == 0;
    struct db_param p[] = {DB_INT(job->id), DB_CSTR(tx ? "tx" : "once")};
    int err = db_exec(conn, "INSERT INTO effects (job_id, note) VALUES ($1, $2)", p, 2, NULL);

    return !err && tx && job->attempt == 1 ? E_UPSTREAM : err;
}

/* Its effect (a row) and its completion commit together: exactly once. */
static int
once_run(struct job_ctx *ctx, const struct job *job)
{
    int err;

    atomic_fetch_add(&runs_once, 1);
    err = jobs_complete_tx(ctx, effect_body, (void *)(uintptr_t)job);
    return err ? jobs_fail(ctx, err, "effect not recorded") : 0;
}

static int
retry_run(struct job_ctx *ctx, const struct job *job)
{
    atomic_fetch_add(&runs_retry, 1);
    if (job->attempt == 1) {
        return jobs_retry_after(ctx, 50, "429 from upstream");
    }
    assert_string_equal(job->last_error, "429 from upstream");
    return 0;
}

static int
snooze_run(struct job_ctx *ctx, const struct job *job)
{
    if (atomic_fetch_add(&runs_snooze, 1) == 0) {
        return jobs_snooze_until(ctx, clock_wall_ms() + 50);
    }
    assert_int_equal(job->attempt, 1); /* the snooze did not count */
    return 0;
}

static int
slow_run(struct job_ctx *ctx, const struct job *job)
{
    struct timespec ts = {1, 0};

    (void)ctx;
    (void)job;
    atomic_fetch_add(&slow_started, 1);
    nanosleep(&ts, NULL);
    atomic_fetch_add(&slow_finished, 1);
    return 0;
}

/* Holds its slot until the test opens the gate (or its budget nears its end). */
static int
limited_run(struct job_ctx *ctx, const struct job *job)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    int now = atomic_fetch_add(&limited_now, 1) + 1;
    int most = atomic_load(&limited_most);

    (void)ctx;
    while (now > most && !atomic_compare_exchange_weak(&limited_most, &most, now)) {
    }
    atomic_fetch_add(&limited_started, 1);
    while (!atomic_load(&limited_gate) && clock_mono_ms() < job->deadline_ms - 500) {
        nanosleep(&ts, NULL);
    }
    atomic_fetch_sub(&limited_now, 1);
    return 0;
}

static const struct job_kind kinds[] = {
    {"t.ok", ok_run, NULL, 3, 10, 100, 5000, 0, 0},
    {"t.fail", fail_run, dead_hook, 3, 1, 5, 5000, 0, 0},
    {"t.for_good", for_good_run, dead_hook, 5, 1, 5, 5000, 0, 0},
    {"t.once", once_run, dead_hook, 3, 1, 5, 5000, 0, 0},
    {"t.tx", once_run, NULL, 3, 1, 5, 5000, 0, 0},
    {"t.retry", retry_run, NULL, 3, 60000, 60000, 5000, 0, 0},
    {"t.snooze", snooze_run, NULL, 3, 1, 5, 5000, 0, 0},
    {"t.slow", slow_run, NULL, 3, 1, 5, 5000, 0, 0},
    {"t.periodic", periodic_run, NULL, 3, 1, 5, 5000, 3600000, 0},
    {"t.limited", limited_run, NULL, 3, 1, 5, 15000, 0, 1},
};

static int
setup(void **state)
{
    struct both_db *f = *state;

    atomic_store(&runs_ok, 0);
    atomic_store(&runs_fail, 0);
    atomic_store(&buried, 0);
    atomic_store(&runs_once, 0);
    atomic_store(&runs_retry, 0);
    atomic_store(&runs_snooze, 0);
    atomic_store(&slow_started, 0);
    atomic_store(&slow_finished, 0);
    atomic_store(&notified, 0);
    atomic_store(&resyncs, 0);
    atomic_store(&limited_now, 0);
    atomic_store(&limited_most, 0);
    atomic_store(&limited_started, 0);
    atomic_store(&limited_gate, false);
    if (both_db_open(f, 4, 5000)) {
        return -1;
    }
    if (!f->db) {
        return 0; /* PostgreSQL is not configured: the cases skip */
    }
    if (db_migrate(f->db) ||
        db_run(f->db, "CREATE TABLE effects (job_id BIGINT NOT NULL, note TEXT NOT NULL)", NULL, 0,
               NULL)) {
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    both_db_close(*state);
    return 0;
}

static struct jobs *
start(struct db *db, unsigned workers)
{
    struct jobs_options o = {NULL, workers, kinds, ARRAY_LEN(kinds), NULL};
    return jobs_start(db, &o);
}

static int64_t
scalar(struct db *db, const char *sql)
{
    struct db_result *r = NULL;
    int64_t v;

    assert_int_equal(db_run(db, sql, NULL, 0, &r), 0);
    assert_int_equal(db_result_rows(r), 1);
    v = db_int(r, 0, 0);
    db_result_free(r);
    return v;
}

/* Waits until sql's scalar equals want (fails after WAIT_MS). */
static void
wait_for(struct db *db, const char *sql, int64_t want)
{
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};

    while (scalar(db, sql) != want) {
        if (clock_mono_ms() > deadline) {
            fail_msg("timed out waiting for %s = %lld (have %lld)", sql, (long long)want,
                     (long long)scalar(db, sql));
        }
        nanosleep(&ts, NULL);
    }
}

static int64_t
enqueue(struct db *db, const char *kind, const char *payload, const struct job_options *opt)
{
    struct db_conn *conn = NULL;
    int64_t id = -1;

    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(jobs_enqueue(conn, kind, payload, opt, &id), 0);
    assert_int_equal(db_commit(conn), 0);
    db_release(conn);
    return id;
}

static void
test_backoff(void **state)
{
    struct job_kind k = {"k", ok_run, NULL, 10, 1000, 60000, 1000, 0, 0};

    (void)state;
    /* Equal jitter: between half and all of base * 2^(n-1), capped. */
    assert_int_equal(jobs_backoff_ms(&k, 1, 0), 500);
    assert_int_equal(jobs_backoff_ms(&k, 1, UINT32_MAX), 1000);
    assert_int_equal(jobs_backoff_ms(&k, 3, UINT32_MAX), 4000);
    assert_int_equal(jobs_backoff_ms(&k, 3, 0), 2000);
    assert_int_equal(jobs_backoff_ms(&k, 30, UINT32_MAX), 60000);
    assert_int_equal(jobs_backoff_ms(&k, 30, 0), 30000);
    assert_true(jobs_backoff_ms(&k, 2, UINT32_MAX / 2) >= 1000);
    assert_true(jobs_backoff_ms(&k, 2, UINT32_MAX / 2) <= 2000);
}

static void
test_kind_names(void **state)
{
    (void)state;
    assert_true(jobs_is_kind_name("mail"));
    assert_true(jobs_is_kind_name("whatsapp.send_2"));
    assert_false(jobs_is_kind_name(""));
    assert_false(jobs_is_kind_name("Mail"));
    assert_false(jobs_is_kind_name("a b"));
    assert_false(jobs_is_kind_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 49 */
    assert_false(jobs_is_kind_name(NULL));
}

static void
test_payload(void **state)
{
    static const char payload[] = "{\"outbox\":42,\"email\":\"ana@example.com\",\"n\":null}";
    struct job job = {.payload = payload, .payload_len = sizeof(payload) - 1};
    struct job bad = {.payload = "[1]", .payload_len = 3};
    char s[16];
    char tiny[4];
    int64_t v = -1;

    (void)state;
    assert_int_equal(jobs_payload_int(&job, "outbox", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(jobs_payload_str(&job, "email", s, sizeof(s)), 0);
    assert_string_equal(s, "ana@example.com");
    assert_int_equal(jobs_payload_str(&job, "email", tiny, sizeof(tiny)), E_TOO_LARGE);
    assert_string_equal(tiny, "");
    assert_int_equal(jobs_payload_int(&job, "email", &v), E_INVALID);
    assert_int_equal(jobs_payload_str(&job, "outbox", s, sizeof(s)), E_INVALID);
    assert_int_equal(jobs_payload_int(&job, "missing", &v), E_NOT_FOUND);
    assert_int_equal(jobs_payload_int(&job, "n", &v), E_NOT_FOUND);
    assert_int_equal(jobs_payload_int(&bad, "outbox", &v), E_INVALID);
}

static void
test_enqueue_validates(void **state)
{
    struct db *db = both_db_need(state);
    struct db_conn *conn = NULL;
    char *big = xmalloc(JOBS_PAYLOAD_MAX + 2);
    struct job_options empty_key = {"", 0, JOBS_DEDUPE_KEEP};

    memset(big, 'a', JOBS_PAYLOAD_MAX + 1);
    big[JOBS_PAYLOAD_MAX + 1] = '\0';
    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(jobs_enqueue(conn, "Bad Kind", NULL, NULL, NULL), E_INVALID);
    assert_int_equal(jobs_enqueue(conn, "t.ok", big, NULL, NULL), E_INVALID);
    assert_int_equal(jobs_enqueue(conn, "t.ok", "\xff", NULL, NULL), E_INVALID);
    assert_int_equal(jobs_enqueue(conn, "t.ok", NULL, &empty_key, NULL), E_INVALID);
    db_release(conn);
    free(big);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs"), 0);
}

static void
test_enqueue_is_transactional(void **state)
{
    struct db *db = both_db_need(state);
    struct db_conn *conn = NULL;

    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(jobs_enqueue(conn, "t.ok", "{\"a\":1}", NULL, NULL), 0);
    db_rollback(conn);
    db_release(conn);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs"), 0);
    assert_true(enqueue(db, "t.ok", "{\"a\":1}", NULL) > 0);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'"), 1);
}

static void
test_dedupe(void **state)
{
    struct db *db = both_db_need(state);
    int64_t later = clock_wall_ms() + 3600000;
    struct job_options keep = {"lead:42", later, JOBS_DEDUPE_KEEP};
    struct job_options replace = {"lead:42", later + 5000, JOBS_DEDUPE_REPLACE};
    int64_t first = enqueue(db, "t.ok", "{\"v\":1}", &keep);

    assert_true(first > 0);
    assert_int_equal(enqueue(db, "t.ok", "{\"v\":2}", &keep), 0);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs"), 1);
    /* Debounce: the queued job moves and takes the new payload. */
    assert_int_equal(enqueue(db, "t.ok", "{\"v\":3}", &replace), first);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE payload = '{\"v\":3}'"), 1);
    assert_int_equal(
        scalar(db, "SELECT CASE WHEN run_at - created_at > 3600000 THEN 1 ELSE 0 END FROM jobs"),
        1);
    /* Another kind, or no key, never collides. */
    assert_true(enqueue(db, "t.fail", "{}", &keep) > 0);
    assert_true(enqueue(db, "t.ok", "{}", NULL) > 0);
    /* A running job does not hold its key: new work may queue behind it. */
    {
        struct db_param p[] = {DB_INT(first)};
        assert_int_equal(db_run(db, "UPDATE jobs SET state = 'running' WHERE id = $1", p, 1, NULL),
                         0);
    }
    assert_true(enqueue(db, "t.ok", "{}", &keep) > 0);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'lead:42'"), 3);
}

static void
on_test_notify(void *ctx, const char *payload)
{
    (void)ctx;
    if (payload) {
        assert_string_equal(payload, "hello");
        atomic_fetch_add(&notified, 1);
    } else {
        atomic_fetch_add(&resyncs, 1);
    }
}

/*
 * db_notify: delivered after COMMIT (in-process at once; on PostgreSQL also through the
 * listener), once per identical pair, never after a rollback.
 */
static void
test_notify(void **state)
{
    struct db *db = both_db_need(state);
    struct db_conn *conn = NULL;
    struct db_subscription *sub = NULL;
    struct db_subscription *bad = NULL;
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};
    int expected = db_get_kind(db) == DB_POSTGRES ? 2 : 1;

    assert_int_equal(db_subscribe(db, "t_chan", on_test_notify, NULL, &sub), 0);
    assert_int_equal(db_subscribe(db, "Bad-Chan", on_test_notify, NULL, &bad), E_INVALID);
    assert_null(bad);
    /* PostgreSQL: the listener says when LISTEN took effect (a NULL: look again). */
    while (db_get_kind(db) == DB_POSTGRES && atomic_load(&resyncs) == 0) {
        assert_true(clock_mono_ms() < deadline);
        nanosleep(&ts, NULL);
    }
    assert_int_equal(db_acquire(db, &conn), 0);
    assert_int_equal(db_notify(conn, "Bad-Chan", "hello"), E_INVALID);
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_notify(conn, "t_chan", "hello"), 0);
    db_rollback(conn);
    assert_int_equal(db_begin(conn), 0);
    assert_int_equal(db_notify(conn, "t_chan", "hello"), 0);
    assert_int_equal(db_notify(conn, "t_chan", "hello"), 0);
    assert_int_equal(atomic_load(&notified), 0); /* not before COMMIT */
    assert_int_equal(db_commit(conn), 0);
    db_release(conn);
    /* This process hears it at the commit; on PostgreSQL its listener brings it once more. */
    assert_true(atomic_load(&notified) >= 1);
    while (atomic_load(&notified) < expected) {
        assert_true(clock_mono_ms() < deadline);
        nanosleep(&ts, NULL);
    }
    ts.tv_nsec = 300 * 1000 * 1000;
    nanosleep(&ts, NULL);
    assert_int_equal(atomic_load(&notified), expected);
    db_unsubscribe(sub);
}

static void
test_runs_and_wakes_at_commit(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 2);
    struct buf b = BUF_INIT;

    for (int i = 0; i < 20; i++) {
        (void)enqueue(db, "t.ok", "{}", NULL);
    }
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.ok' AND state = 'done'", 20);
    assert_int_equal(atomic_load(&runs_ok), 20);
    assert_int_equal(scalar(db, "SELECT MAX(attempts) FROM jobs WHERE kind = 't.ok'"), 1);
    assert_int_equal(jobs_render_metrics(q, db, &b), 0);
    assert_non_null(strstr(b.ptr, "piloto_jobs_runs_total{kind=\"t.ok\",outcome=\"done\"} 20"));
    assert_non_null(strstr(b.ptr, "piloto_jobs_workers{state=\"total\"} 2"));
    buf_release(&b);
    jobs_free(q);
}

static void
test_dead_after_max_attempts(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 2);
    int64_t id = enqueue(db, "t.fail", "{}", NULL);
    char sql[200];

    (void)snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM jobs WHERE id = %lld AND state = 'dead'",
                   (long long)id);
    wait_for(db, sql, 1);
    assert_int_equal(atomic_load(&runs_fail), 3);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.fail'"), 3);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE last_error = 'attempt 3 refused'"),
                     1);
    /* The dead hook ran in the burial's transaction. */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM effects WHERE note = 'attempt 3 refused'"),
                     1);
    (void)enqueue(db, "t.for_good", "{}", NULL);
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.for_good' AND state = 'dead'", 1);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.for_good'"), 1);
    jobs_free(q);
}

static void
test_retry_after_and_snooze(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 1);

    /* The kind's back-off is a minute: only the handler's Retry-After brings it back soon. */
    (void)enqueue(db, "t.retry", "{}", NULL);
    (void)enqueue(db, "t.snooze", "{}", NULL);
    wait_for(db,
             "SELECT COUNT(*) FROM jobs WHERE kind IN ('t.retry', 't.snooze') "
             "AND state = 'done'",
             2);
    assert_int_equal(atomic_load(&runs_retry), 2);
    assert_int_equal(atomic_load(&runs_snooze), 2);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.retry'"), 2);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.snooze'"), 1);
    jobs_free(q);
}

/* A job whose worker died: its lease runs out, another run takes it, the effect happens once. */
static void
test_expired_lease_runs_again_once(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q;
    char sql[300];
    int64_t now = clock_wall_ms();

    /* As a killed worker leaves it: running, claimed once, lease over. */
    (void)snprintf(sql, sizeof(sql),
                   "INSERT INTO jobs (kind, state, run_at, attempts, claims, created_at) "
                   "VALUES ('t.once', 'running', %lld, 1, 1, %lld)",
                   (long long)(now - 1), (long long)now);
    assert_int_equal(db_run(db, sql, NULL, 0, NULL), 0);
    /* And one whose last allowed attempt died: nothing left to try, it is buried. */
    (void)snprintf(sql, sizeof(sql),
                   "INSERT INTO jobs (kind, state, run_at, attempts, claims, created_at) "
                   "VALUES ('t.fail', 'running', %lld, 3, 3, %lld)",
                   (long long)(now - 1), (long long)now);
    assert_int_equal(db_run(db, sql, NULL, 0, NULL), 0);
    /* A running job with a live lease is left alone. */
    (void)snprintf(sql, sizeof(sql),
                   "INSERT INTO jobs (kind, state, run_at, attempts, claims, created_at) "
                   "VALUES ('t.ok', 'running', %lld, 1, 1, %lld)",
                   (long long)(now + 3600000), (long long)now);
    assert_int_equal(db_run(db, sql, NULL, 0, NULL), 0);
    q = start(db, 2);
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.once' AND state = 'done'", 1);
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.fail' AND state = 'dead'", 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM effects WHERE note = 'once'"), 1);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.once'"), 2);
    assert_int_equal(scalar(db, "SELECT claims FROM jobs WHERE kind = 't.once'"), 2);
    assert_int_equal(atomic_load(&runs_fail), 0);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.fail' "
                                "AND last_error = 'lease expired on the last attempt' "
                                "AND attempts = 3"),
                     1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.ok' "
                                "AND state = 'running'"),
                     1);
    assert_int_equal(atomic_load(&runs_ok), 0);
    jobs_free(q);
}

/* Enqueues a t.slow job and starts one worker; returns once the job runs. */
static struct jobs *
start_slow_job(struct db *db)
{
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};
    struct jobs *q;

    (void)enqueue(db, "t.slow", "{}", NULL);
    q = start(db, 1);
    while (atomic_load(&slow_started) == 0) {
        assert_true(clock_mono_ms() < deadline);
        nanosleep(&ts, NULL);
    }
    return q;
}

/* A run whose lease was taken over can no longer complete the job. */
static void
test_fenced_completion(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q;
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};

    q = start_slow_job(db);
    /* Another instance claims it meanwhile (as after a lost lease). */
    assert_int_equal(
        db_run(db, "UPDATE jobs SET claims = claims + 1 WHERE kind = 't.slow'", NULL, 0, NULL), 0);
    /* Its "done" must not land: the run ends as "lost". */
    for (;;) {
        struct buf b = BUF_INIT;
        bool lost;
        assert_int_equal(jobs_render_metrics(q, db, &b), 0);
        lost = strstr(b.ptr, "piloto_jobs_runs_total{kind=\"t.slow\",outcome=\"lost\"} 1");
        buf_release(&b);
        if (lost) {
            break;
        }
        assert_true(clock_mono_ms() < deadline);
        nanosleep(&ts, NULL);
    }
    jobs_free(q);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.slow' "
                                "AND state = 'running'"),
                     1);
}

/* SIGTERM: a run still going at the deadline is given back, not counted as an attempt. */
static void
test_drain_gives_back(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q;

    q = start_slow_job(db);
    assert_int_equal(jobs_drain(q, clock_mono_ms() + 50), 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.slow' "
                                "AND state = 'queued' AND attempts = 0"),
                     1);
    jobs_free(q);
    /* Its late finish did not override the give-back. */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.slow' "
                                "AND state = 'queued'"),
                     1);
}

/* A kind this binary does not know (a newer instance's) is put back, uncounted, for a minute. */
static void
test_unknown_kind_is_put_back(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q;

    (void)enqueue(db, "t.from_the_future", "{}", NULL);
    q = start(db, 1);
    wait_for(db,
             "SELECT COUNT(*) FROM jobs WHERE kind = 't.from_the_future' "
             "AND last_error = 'unknown kind'",
             1);
    jobs_free(q);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.from_the_future' "
                                "AND state = 'queued' AND attempts = 0 AND claims = 1"),
                     1);
    assert_int_equal(scalar(db, "SELECT CASE WHEN run_at > created_at + 30000 THEN 1 ELSE 0 END "
                                "FROM jobs WHERE kind = 't.from_the_future'"),
                     1);
}

static void
test_periodic_seeded_once(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 1);

    jobs_free(q);
    q = start(db, 1);
    jobs_free(q);
    /* Ran once at the first start, then one queued an hour later; the second start added none. */
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.periodic' "
                                "AND state = 'queued' AND dedupe_key = 't.periodic'"),
                     1);
}

/* Waits until *v reaches want (fails after WAIT_MS). */
static void
wait_atomic(atomic_int *v, int want)
{
    int64_t deadline = clock_mono_ms() + WAIT_MS;
    struct timespec ts = {0, 10 * 1000 * 1000};

    while (atomic_load(v) < want) {
        assert_true(clock_mono_ms() < deadline);
        nanosleep(&ts, NULL);
    }
}

/*
 * max_running: a kind at its limit on this instance waits queued while the
 * other workers take other kinds; its next job starts once the slot is free
 * (without waiting for the safety poll), and the limit is never exceeded.
 */
static void
test_max_running(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 3);
    struct timespec ts = {0, 200 * 1000 * 1000};

    for (int i = 0; i < 3; i++) {
        (void)enqueue(db, "t.limited", "{}", NULL);
    }
    wait_atomic(&limited_started, 1);
    /* Two workers are free and two t.limited jobs are due: neither may start. */
    nanosleep(&ts, NULL);
    assert_int_equal(atomic_load(&limited_started), 1);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.limited' "
                                "AND state = 'queued'"),
                     2);
    /* Other kinds still run meanwhile. */
    for (int i = 0; i < 4; i++) {
        (void)enqueue(db, "t.ok", "{}", NULL);
    }
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.ok' AND state = 'done'", 4);
    assert_int_equal(atomic_load(&limited_started), 1);
    /* Freed, the slot takes the next one, and the next: one at a time. */
    atomic_store(&limited_gate, true);
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.limited' AND state = 'done'", 3);
    assert_int_equal(atomic_load(&limited_started), 3);
    assert_int_equal(atomic_load(&limited_most), 1);
    jobs_free(q);
}

/* jobs_complete_tx: a failed body rolls its effect back with the completion; the retry commits. */
static void
test_complete_tx(void **state)
{
    struct db *db = both_db_need(state);
    struct jobs *q = start(db, 2);

    (void)enqueue(db, "t.tx", "{}", NULL);
    wait_for(db, "SELECT COUNT(*) FROM jobs WHERE kind = 't.tx' AND state = 'done'", 1);
    assert_int_equal(scalar(db, "SELECT attempts FROM jobs WHERE kind = 't.tx'"), 2);
    assert_int_equal(scalar(db, "SELECT COUNT(*) FROM effects WHERE note = 'tx'"), 1);
    assert_int_equal(atomic_load(&runs_once), 2);
    jobs_free(q);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &sqlite_fixture),                \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &pg_fixture)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_payload),
        BOTH(test_enqueue_validates),
        BOTH(test_enqueue_is_transactional),
        BOTH(test_dedupe),
        BOTH(test_notify),
        BOTH(test_runs_and_wakes_at_commit),
        BOTH(test_dead_after_max_attempts),
        BOTH(test_retry_after_and_snooze),
        BOTH(test_expired_lease_runs_again_once),
        BOTH(test_fenced_completion),
        BOTH(test_drain_gives_back),
        BOTH(test_unknown_kind_is_put_back),
        BOTH(test_periodic_seeded_once),
        BOTH(test_max_running),
        BOTH(test_complete_tx),
    };

    log_set_level(LOG_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
