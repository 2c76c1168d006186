/*
 * The job queue: work that must happen after a transaction commits, outside
 * any request, exactly once in effect, on SQLite and on PostgreSQL shared by
 * every instance (SPEC §2, §8). Mail delivery, WhatsApp sends, agent replies,
 * document indexing, CRM deliveries and housekeeping all go through it.
 *
 * The parts:
 *   - one `jobs` table (migration 0008): a row per job, its kind (a name),
 *     a JSON payload, a state, when it may run, its attempts and last error;
 *   - one table of job kinds in the code (routes/job_kinds.c): name, handler,
 *     attempts, back-off, time budget, period; jobs_start takes it;
 *   - JOB_WORKERS worker threads per process, each with its own database
 *     connection (outside the request pool), woken when a transaction that
 *     enqueued commits: in this process on SQLite, in every instance on
 *     PostgreSQL (LISTEN/NOTIFY through db_notify/db_subscribe in db.h).
 *
 * A job's life:
 *
 *   queued --claim--> running --handler returns 0--------------> done
 *     ^                  |  \--fails, attempts left: back-off--> queued
 *     |                  |   \-fails, no attempts left---------> dead
 *     +--lease expired---+  (the worker died: claimed again, counts as an attempt)
 *
 * Delivery is at least once: a run killed after its effect and before it is
 * marked done runs again. Handlers make their effects idempotent, or put
 * their database effects and the job's completion in one transaction
 * (jobs_complete), or record an outside effect before and after (SPEC §8).
 *
 * Leases: a claim makes the job `running` until now + JOBS_LEASE_MS; while
 * the handler runs, a keeper thread renews the lease every JOBS_RENEW_MS (up
 * to the kind's time budget). A killed process stops renewing, so its jobs
 * are claimed again about JOBS_LEASE_MS later by any instance. Each claim
 * increments `attempts` (a killed run counts) and `claims`, which fences the
 * run: a worker whose lease was lost can no longer finish, retry or renew
 * the job. A job given back at shutdown or snoozed gets its attempt back.
 *
 * Retries: after a failed attempt n (1-based) the job waits
 * min(backoff_max_ms, backoff_base_ms * 2^(n-1)), then a random jitter takes
 * it to between half and all of that ("equal jitter"), unless the handler
 * asked for a time (jobs_retry_after). After max_attempts failed attempts
 * the job is `dead`: kept with its last error (and the kind's dead hook
 * runs), shown in /metrics, purged after JOBS_DEAD_KEEP_S by housekeeping.
 *
 * Dedupe: a job enqueued with a dedupe key is unique among the *queued* jobs
 * of its kind with that key (a partial unique index on (kind, dedupe_key)). Enqueueing it again
 * while one is queued keeps the queued one (JOBS_DEDUPE_KEEP) or moves it to the new run_at and
 * payload (JOBS_DEDUPE_REPLACE: debounce, e.g. "reply to this conversation 3 s after its last
 * message"). A running job does not block a new one with its key (the new work arrived after the
 * run started); when a failed run comes back to `queued` while a newer job holds its key, the newer
 * one supersedes it (it is marked done, last_error says so).
 *
 * Threads: jobs_enqueue runs on the caller's thread and connection; the rest
 * of the API is for main.c (start, stop, metrics) and for handlers, which run
 * on worker threads. Errors are E_* from core/err.h as in db.h.
 */
#ifndef PILOTO_JOBS_QUEUE_H
#define PILOTO_JOBS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/common.h"
#include "db/db.h"

/* Longest kind name ([a-z0-9_.], stored in jobs.kind and used as a metrics label). */
#define JOBS_KIND_MAX 48
/* Largest payload (JSON text): bigger data belongs in its own table, the payload names it. */
#define JOBS_PAYLOAD_MAX (64 * 1024)
/* Longest dedupe key. */
#define JOBS_DEDUPE_MAX 200
/* Longest last_error kept (cut on a UTF-8 boundary). */
#define JOBS_ERROR_MAX 500
/* A claim holds a job this long unless renewed (SPEC: ≤ 60 s, so a killed job runs again soon). */
#define JOBS_LEASE_MS 15000
/* How often running jobs' leases are renewed. */
#define JOBS_RENEW_MS 5000
/* Safety poll: idle workers look at the table at least this often (notifications can be lost). */
#define JOBS_POLL_MS 30000
/* Longest delay a handler may ask for (jobs_retry_after, jobs_snooze_until). */
#define JOBS_MAX_DELAY_MS (7LL * 24 * 3600 * 1000)
/* Finished jobs are purged by housekeeping after these many seconds. */
#define JOBS_DONE_KEEP_S (7 * 24 * 3600)
#define JOBS_DEAD_KEEP_S (30 * 24 * 3600)
/* The notification channel (db_notify) an enqueue sends on; the payload is the kind. */
#define JOBS_CHANNEL "piloto_jobs"

struct jobs; /* the running queue: workers, keeper, listener subscription; opaque */
struct job_ctx;

/* One job as its handler sees it. Strings are owned by the queue and live during the run. */
struct job {
    int64_t id;
    const char *kind;
    const char *payload; /* JSON text as enqueued, NUL-terminated */
    size_t payload_len;
    const char *dedupe_key; /* "" when none */
    int attempt;            /* this run's number: 1 on the first run */
    int max_attempts;       /* the kind's; attempt == max_attempts is the last chance */
    int64_t created_at_ms;  /* wall clock, when it was first enqueued */
    int64_t deadline_ms;    /* clock_mono_ms() by which the run must end (the time budget) */
    const char *last_error; /* the previous attempt's error, "" on the first run */
};

/*
 * A handler runs one job. It returns 0 when the job is done, or an E_* for a
 * failed attempt: retried with back-off, dead after max_attempts. The helpers
 * below say more (why it failed, when to retry, that retrying is pointless,
 * that it should wait) and return the value the handler returns.
 *
 * ctx gives the worker's own connection (jobs_ctx_conn: outside a
 * transaction; the handler may db_begin/db_commit on it, or use db_tx on the
 * pool) and what jobs_start was given (jobs_ctx_env). It must not keep either
 * past its return, must honour job->deadline_ms (timeouts on outside calls),
 * and is only called again for the job after it returned.
 */
typedef int (*job_handler_fn)(struct job_ctx *ctx, const struct job *job);
/*
 * Optional: runs inside the transaction that marks a job dead (after its last
 * failed attempt, or when its last lease expired), on that transaction's
 * connection, so a domain row tied to the job can say "failed" with it (the
 * mail outbox does). Returning an E_* rolls back the burial; it is retried
 * later. last_error is the job's.
 */
typedef int (*job_dead_fn)(struct db_conn *conn, const struct job *job, const char *last_error);

/*
 * A kind of job: one row of the table in routes/job_kinds.c. Columns:
 *   name            stored in jobs.kind (see JOBS_KIND_MAX); never rename one
 *                   that may be in a database (or keep the old name too)
 *   run             the handler
 *   dead            NULL, or the burial hook above
 *   max_attempts    failed attempts before the job is dead (1 = no retry)
 *   backoff_base_ms wait after the first failed attempt (then doubling)
 *   backoff_max_ms  cap of the wait
 *   budget_ms       longest run; the lease is not renewed past it, so a stuck
 *                   run is eventually run again elsewhere (its own late
 *                   outcome is then ignored). Outside calls time out sooner.
 *   period_ms       0, or the kind is periodic: the queue keeps one queued
 *                   job of it (dedupe key = the kind's name), enqueued at
 *                   start-up and again period_ms after each run ends
 *   max_running     0 = no limit, or at most this many jobs of the kind run
 *                   at once on this instance (its workers; every instance
 *                   counts its own). A claim leaves a kind at its limit
 *                   out, so its due jobs wait queued, in order, while the
 *                   other workers take other kinds; a worker that finishes
 *                   one claims again at once. So a CPU-heavy kind
 *                   (documents.index) cannot take every worker. Claims in
 *                   flight count against the limit: it is never exceeded,
 *                   at the price of a claim that may look again 50 ms later.
 */
struct job_kind {
    const char *name;
    job_handler_fn run;
    job_dead_fn dead;
    int max_attempts;
    int64_t backoff_base_ms;
    int64_t backoff_max_ms;
    int64_t budget_ms;
    int64_t period_ms;
    int max_running;
};

/* What jobs_enqueue does when a queued job already holds the dedupe key. */
enum jobs_dedupe {
    JOBS_DEDUPE_KEEP,    /* keep the queued job as it is; the new one is dropped */
    JOBS_DEDUPE_REPLACE, /* the queued job takes the new payload and run_at (debounce) */
};

/* Options of an enqueue; pass NULL for "now, no dedupe key". */
struct job_options {
    const char *dedupe_key; /* NULL: none */
    int64_t run_at_ms;      /* wall clock ms it may run from; 0 = now */
    enum jobs_dedupe dedupe;
};

/*
 * Enqueues a job of kind with payload (JSON text, NUL-terminated; NULL means
 * "{}") inside the caller's transaction on conn (outside one it commits at
 * once): the job exists if and only if the transaction commits, and the
 * workers (of every instance on PostgreSQL) are woken when it does.
 *
 * *id (when not NULL) is the new job's id, or the id of the queued job that
 * took the dedupe key (JOBS_DEDUPE_REPLACE), or 0 when a queued job was kept.
 * E_INVALID for a malformed kind name, a payload over JOBS_PAYLOAD_MAX or
 * not UTF-8, a dedupe key over JOBS_DEDUPE_MAX; E_DB/E_UNAVAILABLE as db.h.
 * The kind is not checked against the table (a newer instance may enqueue
 * kinds an older one runs later); an instance that claims a kind it does not
 * know puts it back for a minute without counting an attempt.
 */
NODISCARD int jobs_enqueue(struct db_conn *conn, const char *kind, const char *payload,
                           const struct job_options *opt, int64_t *id);

/* What jobs_start needs. */
struct jobs_options {
    const struct config *cfg;     /* handed to handlers by jobs_ctx_cfg */
    unsigned workers;             /* JOB_WORKERS; 0 = enqueue only, run nothing here */
    const struct job_kind *kinds; /* the table (static storage), nkinds rows */
    size_t nkinds;
    void *env; /* handed to handlers by jobs_ctx_env (main.c passes the struct app) */
};

/*
 * Starts the workers and the keeper (lease renewal, scheduled wake-ups,
 * safety poll), subscribes to JOBS_CHANNEL and enqueues the periodic kinds.
 * Does not need the database to be up: workers retry their connections.
 * With workers == 0 nothing runs here (an enqueue-only instance) and NULL is
 * returned; every other function accepts that NULL.
 */
struct jobs *jobs_start(struct db *db, const struct jobs_options *opt);
/* SIGTERM, first step: no worker claims another job from now on. Accepts NULL. */
void jobs_stop_claiming(struct jobs *q);
/*
 * SIGTERM: stop claiming at once, wait until deadline_ms (clock_mono_ms) for
 * running handlers, then give the jobs still running back (lease ended now,
 * attempt not counted) for another instance or the next start, and stop the
 * threads. Returns how many running jobs were given back. Accepts NULL.
 */
unsigned jobs_drain(struct jobs *q, int64_t deadline_ms);
/* jobs_drain (with a deadline of now if it was not called) and frees. Accepts NULL. */
void jobs_free(struct jobs *q);
/* Wakes a worker now (also done by every enqueue's commit). Accepts NULL. */
void jobs_wake(struct jobs *q);

/*
 * Appends the Prometheus text of the queue to b: per kind, from the table
 * (shared by every instance) jobs queued and due, age of the oldest due job,
 * dead jobs; from this process, runs by outcome, and workers busy/total.
 * Runs one query through db's pool. 0 or E_*.
 */
NODISCARD int jobs_render_metrics(struct jobs *q, struct db *db, struct buf *b);

/* --- For handlers ------------------------------------------------------- */

/* The worker's connection (outside a transaction when the handler starts). */
struct db_conn *jobs_ctx_conn(struct job_ctx *ctx);
/* The pool jobs_start was given (for db_tx: a transaction of its own). */
struct db *jobs_ctx_db(struct job_ctx *ctx);
/* opt->cfg and opt->env of jobs_start. */
const struct config *jobs_ctx_cfg(struct job_ctx *ctx);
void *jobs_ctx_env(struct job_ctx *ctx);

/*
 * Marks the running job done inside the handler's own transaction on conn
 * (which must be in one): its database effects and its completion commit or
 * roll back together, so they happen exactly once even if the process dies
 * at any moment. E_CONFLICT when the job is no longer this run's (its lease
 * was lost): roll back. After a successful commit the handler returns 0.
 */
NODISCARD int jobs_complete(struct job_ctx *ctx, struct db_conn *conn);
/*
 * The handlers' transaction runner around jobs_complete (db_tx for a job):
 * begin on the worker's connection, run fn (the job's database effects),
 * mark the job done, commit; on any error roll back and return it (fn's,
 * jobs_complete's E_CONFLICT, or the commit's). fn must not begin, commit
 * or roll back itself. After 0 the handler returns 0.
 */
NODISCARD int jobs_complete_tx(struct job_ctx *ctx, db_tx_fn fn, void *arg);

/* A failed attempt with a reason (kept as last_error, logged); returns err for the handler. */
int jobs_fail(struct job_ctx *ctx, int err, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A failure retrying cannot fix (bad address, refused for good): dead now. Returns E_INVALID. */
int jobs_fail_for_good(struct job_ctx *ctx, const char *fmt, ...) PRINTF_LIKE(2, 3);
/*
 * A failed attempt to retry after delay_ms instead of the back-off (an
 * upstream's Retry-After; capped at JOBS_MAX_DELAY_MS). Counts as an attempt.
 * Returns E_UPSTREAM.
 */
int jobs_retry_after(struct job_ctx *ctx, int64_t delay_ms, const char *fmt, ...) PRINTF_LIKE(3, 4);
/*
 * Not a failure: run the job again at run_at_ms (wall clock; capped at now +
 * JOBS_MAX_DELAY_MS) without counting an attempt (waiting for a window, a
 * debounce that is not over yet). Returns 0 for the handler to return.
 */
int jobs_snooze_until(struct job_ctx *ctx, int64_t run_at_ms);

/*
 * Reading the payload (handlers need no JSON code of their own): the member
 * name of the payload's root object, as an integer, or as a string copied
 * into out (cap bytes, NUL-terminated). 0, E_NOT_FOUND (absent or null),
 * E_INVALID (the payload is not a JSON object, or the member has another
 * type), E_TOO_LARGE (the string needs more than cap bytes).
 */
NODISCARD int jobs_payload_int(const struct job *job, const char *name, int64_t *out);
NODISCARD int jobs_payload_str(const struct job *job, const char *name, char *out, size_t cap);

/* --- Pure helpers (exposed for tests) ----------------------------------- */

/*
 * The wait after failed attempt n (1-based) of kind: base * 2^(n-1) capped at
 * max, then jittered by rnd (0..UINT32_MAX) into [half, all] of it.
 */
int64_t jobs_backoff_ms(const struct job_kind *kind, int attempt, uint32_t rnd);
/* true when name is a valid kind name (1..JOBS_KIND_MAX of [a-z0-9_.]). */
bool jobs_is_kind_name(const char *name);

#endif
