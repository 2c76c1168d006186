/*
 * The job queue's rate on one database (make bench runs it on SQLite and on
 * PostgreSQL): usage: jobs_rate DATABASE_URL [WORKERS [JOBS]].
 *
 * 1. enqueue: JOBS jobs, each in its own transaction (as a request would:
 *    BEGIN, INSERT, NOTIFY, COMMIT), from one thread;
 * 2. claims: the queue's real workers (WORKERS threads, own connections)
 *    claim, run (a handler that does nothing) and mark done every job; the
 *    time from start to the last "done" gives claims per second.
 * Prints one line per phase with the rate and this process's CPU time per
 * job (on SQLite that includes the database's work; on PostgreSQL the
 * server's CPU is not in it). The database must be a throw-away one.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strnum.h"
#include "db/db.h"
#include "jobs/queue.h"

static atomic_long ran;

static int
noop_run(struct job_ctx *ctx, const struct job *job)
{
    (void)ctx;
    (void)job;
    atomic_fetch_add(&ran, 1);
    return 0;
}

static const struct job_kind kinds[] = {
    {"bench.noop", noop_run, NULL, 3, 1000, 60000, 10000, 0, 0},
};

static int64_t
cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
           (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

static int64_t
count_done(struct db *db)
{
    struct db_result *r = NULL;
    int64_t n = -1;

    if (!db_run(db, "SELECT COUNT(*) FROM jobs WHERE kind = 'bench.noop' AND state = 'done'", NULL,
                0, &r)) {
        n = db_int(r, 0, 0);
    }
    db_result_free(r);
    return n;
}

int
main(int argc, char **argv)
{
    int64_t workers = 2;
    int64_t njobs = 20000;
    struct db *db = NULL;
    struct db_conn *conn = NULL;
    struct jobs *q;
    struct jobs_options o = {NULL, 0, kinds, ARRAY_LEN(kinds), NULL};
    int64_t t0;
    int64_t c0;
    int64_t ms;

    if (argc < 2 || (argc > 2 && strnum_parse(str_from_cstr(argv[2]), 1, 64, &workers)) ||
        (argc > 3 && strnum_parse(str_from_cstr(argv[3]), 1, 10000000, &njobs))) {
        fprintf(stderr, "usage: jobs_rate DATABASE_URL [WORKERS [JOBS]]\n");
        return 2;
    }
    log_set_level(LOG_ERROR);
    if (db_open(argv[1], 4, 5000, &db) || db_migrate(db) ||
        db_run(db, "DELETE FROM jobs", NULL, 0, NULL) || db_acquire(db, &conn)) {
        fprintf(stderr, "jobs_rate: cannot open the database\n");
        db_free(db);
        return 1;
    }
    t0 = clock_mono_ms();
    c0 = cpu_us();
    for (int64_t i = 0; i < njobs; i++) {
        if (db_begin(conn) || jobs_enqueue(conn, "bench.noop", "{\"n\":1}", NULL, NULL) ||
            db_commit(conn)) {
            fprintf(stderr, "jobs_rate: enqueue failed\n");
            return 1;
        }
    }
    ms = clock_mono_ms() - t0;
    db_release(conn);
    printf("%s enqueue: %lld jobs in %.2f s: %.0f/s, %.1f client CPU us/job\n",
           db_get_kind(db) == DB_POSTGRES ? "postgres" : "sqlite", (long long)njobs,
           (double)ms / 1000.0, (double)njobs * 1000.0 / (double)(ms ? ms : 1),
           (double)(cpu_us() - c0) / (double)njobs);

    o.workers = (unsigned)workers;
    t0 = clock_mono_ms();
    c0 = cpu_us();
    q = jobs_start(db, &o);
    /* The handler count first (no queries racing the workers), then the last "done"s. */
    while (atomic_load(&ran) < njobs || count_done(db) < njobs) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ms = clock_mono_ms() - t0;
    printf("%s claims: %lld jobs claimed, run and done by %lld workers in %.2f s: %.0f/s, "
           "%.1f client CPU us/job\n",
           db_get_kind(db) == DB_POSTGRES ? "postgres" : "sqlite", (long long)njobs,
           (long long)workers, (double)ms / 1000.0, (double)njobs * 1000.0 / (double)(ms ? ms : 1),
           (double)(cpu_us() - c0) / (double)njobs);
    jobs_free(q);
    db_free(db);
    return atomic_load(&ran) >= njobs ? 0 : 1;
}
