/*
 * The job queue (queue.h states the contract). Inside:
 *
 *   workers  JOB_WORKERS threads, each with a connection of its own. A
 *            worker claims one job at a time and runs it; while it finds
 *            work it wakes one more idle worker (a cascade, so a burst
 *            spreads over the pool without waking everyone for one job).
 *            When a claim comes back empty it looks up the earliest run_at
 *            and the idle workers sleep until then, a wake-up, or the
 *            safety poll.
 *   wake-ups an enqueue sends db_notify(JOBS_CHANNEL) in its transaction;
 *            our db_subscribe callback runs when it commits (in this process
 *            at once, in every instance on PostgreSQL) and wakes a worker.
 *   limits   a kind's max_running caps its jobs running here: claims leave
 *            a kind at its cap out (q->running, q->claiming).
 *   keeper   one thread with its own connection: renews the leases of the
 *            jobs running here every JOBS_RENEW_MS, up to their budget.
 *
 * Every change to a running job is fenced by (id, claims, state =
 * 'running'): once a lease is lost and the job claimed again, the old run
 * changes nothing.
 */
#include "jobs/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "crypto/crypto.h"
#include "json/json.h"

/* A worker whose connection failed waits this long before connecting again. */
#define RECONNECT_MS 1000
/* A worker that found due jobs locked by others looks again after this long. */
#define SKIPPED_RETRY_MS 50
/* An unknown kind (a newer instance's) is put back for this long. */
#define UNKNOWN_KIND_DELAY_MS 60000
/* Kinds with a max_running limit a table may have (each is a parameter of every claim). */
#define MAX_LIMITED_KINDS 16

/* Why a worker woke, for jobs_claims_total{wake}. */
enum wake {
    WAKE_START,
    WAKE_NOTIFY,  /* an enqueue committed (any instance on PostgreSQL) */
    WAKE_CASCADE, /* another worker found work and passed the baton */
    WAKE_TIMER,   /* a scheduled run_at (retry, debounce, lease end) came */
    WAKE_POLL,    /* the safety poll */
    WAKE_COUNT,
};
static const char *const wake_names[WAKE_COUNT] = {"start", "notify", "cascade", "timer", "poll"};

/* How a run ended, for jobs_runs_total{outcome}. */
enum outcome {
    OUT_DONE,
    OUT_RETRY,
    OUT_DEAD,
    OUT_SNOOZED,
    OUT_SUPERSEDED, /* came back while a newer job held its dedupe key */
    OUT_LOST,       /* its lease was lost: another run owns the job now */
    OUT_RELEASED,   /* given back at shutdown, or an unknown kind put back */
    OUT_COUNT,
};
static const char *const outcome_names[OUT_COUNT] = {"done",       "retry", "dead",    "snoozed",
                                                     "superseded", "lost",  "released"};

struct worker {
    struct jobs *q;
    pthread_t thread;
    struct db_conn *conn;
    /* The running job, for the keeper and jobs_drain (guarded by q->lock). */
    bool busy;
    int64_t job_id;
    int64_t claims;
    int64_t renew_until; /* clock_mono_ms(): the budget's end */
    bool released;       /* jobs_drain gave its job back */
};

struct jobs {
    struct db *db;
    const struct config *cfg;
    const struct job_kind *kinds;
    size_t nkinds;
    void *env;
    unsigned nworkers;
    struct worker *workers;
    pthread_t keeper;
    struct db_conn *keeper_conn;
    struct db_subscription *sub; /* JOBS_CHANNEL */
    /*
     * The kinds with a max_running limit (indexes into kinds), and the claim
     * and next-due statements, which leave out the kinds named in their last
     * nlimited parameters ("" names none).
     */
    size_t limited[MAX_LIMITED_KINDS];
    size_t nlimited;
    struct buf claim_sql;
    struct buf next_due_sql;

    pthread_mutex_t lock;   /* guards everything below and the workers' job fields */
    pthread_cond_t wake;    /* idle workers wait here */
    pthread_cond_t changed; /* the keeper and jobs_drain wait here */
    unsigned pending;       /* wake-ups not yet taken by a worker */
    enum wake pending_why;
    int64_t next_due; /* wall ms of the earliest run_at seen, INT64_MAX if none */
    unsigned idle;
    unsigned busy;
    unsigned *running; /* per kind: its jobs claimed here and not yet finished */
    unsigned claiming; /* workers inside a claim statement */
    bool stopping;     /* no more claims */
    bool quit;         /* threads exit */
    bool drained;

    /* Counters: runs by kind (nkinds + 1 for unknown kinds) and outcome; claims by wake. */
    atomic_uint_fast64_t *runs;
    atomic_uint_fast64_t claims_by_wake[WAKE_COUNT];
};

/* The running job's context, handed to its handler. */
struct job_ctx {
    struct jobs *q;
    struct worker *w;
    const struct job *job;
    enum { ASK_NONE, ASK_DEAD, ASK_RETRY_AT, ASK_SNOOZE } ask;
    int64_t at_ms;
    bool completed;
    char error[JOBS_ERROR_MAX + 1];
};

/* --- Pure helpers -------------------------------------------------------- */

bool
jobs_is_kind_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > JOBS_KIND_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

int64_t
jobs_backoff_ms(const struct job_kind *kind, int attempt, uint32_t rnd)
{
    int64_t d = kind->backoff_base_ms > 0 ? kind->backoff_base_ms : 1000;
    int64_t cap = kind->backoff_max_ms > d ? kind->backoff_max_ms : d;
    int64_t half;

    for (int i = 1; i < attempt && d < cap; i++) {
        d *= 2;
    }
    if (d > cap) {
        d = cap;
    }
    /* Equal jitter: half fixed, half random, so retries of a burst spread out. */
    half = d / 2;
    return d - half + (int64_t)(((uint64_t)half * rnd) / UINT32_MAX);
}

/* Cuts s into dst (cap bytes) on a UTF-8 boundary, NUL-terminated. */
static void
copy_utf8(const char *s, char *dst, size_t cap)
{
    size_t n = strlen(s);

    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* --- Enqueue -------------------------------------------------------------- */

static const char insert_sql[] = "INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at) "
                                 "VALUES ($1, $2, $3, $4, $5) RETURNING id";
static const char insert_keep_sql[] =
    "INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at) "
    "VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (kind, dedupe_key) WHERE state = 'queued' AND dedupe_key IS NOT NULL "
    "DO NOTHING RETURNING id";
static const char insert_replace_sql[] =
    "INSERT INTO jobs (kind, payload, dedupe_key, run_at, created_at) "
    "VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (kind, dedupe_key) WHERE state = 'queued' AND dedupe_key IS NOT NULL "
    "DO UPDATE SET payload = excluded.payload, run_at = excluded.run_at RETURNING id";

int
jobs_enqueue(struct db_conn *conn, const char *kind, const char *payload,
             const struct job_options *opt, int64_t *id)
{
    static const struct job_options none = {NULL, 0, JOBS_DEDUPE_KEEP};
    struct db_result *r = NULL;
    int64_t now = clock_wall_ms();
    size_t plen;
    const char *sql;
    int err;

    if (id) {
        *id = 0;
    }
    if (!opt) {
        opt = &none;
    }
    if (!payload) {
        payload = "{}";
    }
    plen = strlen(payload);
    if (!kind || !jobs_is_kind_name(kind) || plen > JOBS_PAYLOAD_MAX ||
        (opt->dedupe_key && (!*opt->dedupe_key || strlen(opt->dedupe_key) > JOBS_DEDUPE_MAX))) {
        return E_INVALID;
    }
    if (!opt->dedupe_key) {
        sql = insert_sql;
    } else {
        sql = opt->dedupe == JOBS_DEDUPE_REPLACE ? insert_replace_sql : insert_keep_sql;
    }
    {
        struct db_param p[] = {DB_CSTR(kind), DB_TEXT(payload, plen),
                               opt->dedupe_key ? DB_CSTR(opt->dedupe_key) : DB_NULL,
                               DB_INT(opt->run_at_ms > 0 ? opt->run_at_ms : now), DB_INT(now)};
        err = db_exec(conn, sql, p, ARRAY_LEN(p), &r);
    }
    if (!err && id && db_result_rows(r) == 1) {
        *id = db_int(r, 0, 0);
    }
    db_result_free(r);
    /* Delivered when the caller commits: every instance's workers look at the table. */
    if (!err) {
        err = db_notify(conn, JOBS_CHANNEL, kind);
    }
    return err;
}

/* --- Waking --------------------------------------------------------------- */

/* Wakes up to n idle workers for why. With q->lock held. */
static void
wake_locked(struct jobs *q, unsigned n, enum wake why)
{
    if (q->stopping) {
        return;
    }
    q->pending = q->pending + n > q->nworkers ? q->nworkers : q->pending + n;
    q->pending_why = why;
    pthread_cond_broadcast(&q->wake);
}

void
jobs_wake(struct jobs *q)
{
    if (!q) {
        return;
    }
    pthread_mutex_lock(&q->lock);
    wake_locked(q, 1, WAKE_NOTIFY);
    pthread_mutex_unlock(&q->lock);
}

/* db_subscribe callback: a job was enqueued somewhere (or, payload NULL, we may have missed some).
 */
static void
on_notify(void *arg, const char *payload)
{
    struct jobs *q = arg;

    pthread_mutex_lock(&q->lock);
    wake_locked(q, payload ? 1 : q->nworkers, payload ? WAKE_NOTIFY : WAKE_START);
    pthread_mutex_unlock(&q->lock);
}

/* --- Claim, finish -------------------------------------------------------- */

static const struct job_kind *
find_kind(const struct jobs *q, const char *name)
{
    for (size_t i = 0; i < q->nkinds; i++) {
        if (strcmp(q->kinds[i].name, name) == 0) {
            return &q->kinds[i];
        }
    }
    return NULL;
}

/*
 * One statement: the due job first in (run_at, id) order, queued or with an
 * expired lease, becomes this run's. PostgreSQL skips rows another claim
 * holds (the jobs_due index serves WHERE and ORDER BY alike: EXPLAIN shows
 * an index scan with LIMIT, no sort); SQLite runs it in BEGIN IMMEDIATE.
 * Kinds at their max_running here are left out (build_statements).
 */
#define CLAIM_HEAD                                                                                 \
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, claims = claims + 1, "            \
    "run_at = $2, started_at = $1 WHERE id = (SELECT id FROM jobs "                                \
    "WHERE state IN ('queued', 'running') AND run_at <= $1"
#define CLAIM_RETURNING                                                                            \
    ") RETURNING id, kind, payload, COALESCE(dedupe_key, ''), attempts, claims, created_at, "      \
    "last_error"
#define NEXT_DUE_HEAD "SELECT run_at FROM jobs WHERE state IN ('queued', 'running')"
#define DUE_ORDER     " ORDER BY run_at, id LIMIT 1"

/* " AND kind NOT IN ($first, ...)" for the limited kinds (nothing when there are none). */
static int
add_exclusion(struct buf *b, size_t nlimited, size_t first)
{
    int err = 0;

    for (size_t i = 0; i < nlimited; i++) {
        err |= buf_addf(b, "%s$%zu", i ? ", " : " AND kind NOT IN (", first + i);
    }
    if (nlimited) {
        err |= buf_addch(b, ')');
    }
    return err;
}

/* The claim and next-due statements of this kind table and backend. */
static void
build_statements(struct jobs *q)
{
    int err = 0;

    err |= buf_addstr(&q->claim_sql, CLAIM_HEAD);
    err |= add_exclusion(&q->claim_sql, q->nlimited, 3);
    err |= buf_addstr(&q->claim_sql, DUE_ORDER);
    if (db_get_kind(q->db) == DB_POSTGRES) {
        err |= buf_addstr(&q->claim_sql, " FOR UPDATE SKIP LOCKED");
    }
    err |= buf_addstr(&q->claim_sql, CLAIM_RETURNING);
    err |= buf_addstr(&q->next_due_sql, NEXT_DUE_HEAD);
    err |= add_exclusion(&q->next_due_sql, q->nlimited, 1);
    err |= buf_addstr(&q->next_due_sql, DUE_ORDER);
    if (err) {
        BUG("cannot build the claim statements");
    }
}

/*
 * The claim's view of the limited kinds, under q->lock: p[i] names the i-th
 * limited kind when a claim must leave it out — at its limit, or at it once
 * the claims in flight (q->claiming) took one each — and is "" otherwise.
 * true when one is left out only for those claims in flight: a claim that
 * then finds nothing looks again shortly instead of waiting.
 */
static bool
exclusions_locked(const struct jobs *q, struct db_param *p)
{
    bool contended = false;

    for (size_t i = 0; i < q->nlimited; i++) {
        const struct job_kind *k = &q->kinds[q->limited[i]];
        unsigned running = q->running[q->limited[i]];
        unsigned max = (unsigned)k->max_running;
        bool full = running >= max;
        bool maybe = running + q->claiming >= max;

        p[i] = maybe ? DB_CSTR(k->name) : DB_CSTR("");
        contended |= maybe && !full;
    }
    return contended;
}

/*
 * Claims the next due job into *out (no row: none due). A job of a limited
 * kind takes one of its slots here (*limited: its index into q->kinds, for
 * release_slot; SIZE_MAX when it took none). *contended as exclusions_locked.
 */
static int
claim(struct jobs *q, struct db_conn *conn, struct db_result **out, size_t *limited,
      bool *contended)
{
    int64_t now = clock_wall_ms();
    struct db_param p[2 + MAX_LIMITED_KINDS] = {DB_INT(now), DB_INT(now + JOBS_LEASE_MS)};
    size_t n = 2 + q->nlimited;
    bool tx = db_get_kind(q->db) == DB_SQLITE;
    int err = 0;

    *out = NULL;
    *limited = SIZE_MAX;
    pthread_mutex_lock(&q->lock);
    *contended = exclusions_locked(q, p + 2);
    q->claiming++;
    pthread_mutex_unlock(&q->lock);
    if (tx) {
        err = db_begin(conn);
    }
    if (!err) {
        err = db_exec(conn, q->claim_sql.ptr, p, n, out);
    }
    if (tx && !err) {
        err = db_commit(conn);
    } else if (tx) {
        db_rollback(conn);
    }
    if (err) {
        db_result_free(*out);
        *out = NULL;
    }
    pthread_mutex_lock(&q->lock);
    q->claiming--;
    if (db_result_rows(*out) == 1) {
        const struct job_kind *k = find_kind(q, db_text(*out, 0, 1));
        if (k && k->max_running > 0) {
            *limited = (size_t)(k - q->kinds);
            q->running[*limited]++;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

/* The slot a claim took (claim's *limited) is free again. */
static void
release_slot(struct jobs *q, size_t limited)
{
    if (limited == SIZE_MAX) {
        return;
    }
    pthread_mutex_lock(&q->lock);
    q->running[limited]--;
    pthread_mutex_unlock(&q->lock);
}

/* The earliest run_at of a queued or running job of a kind with a free slot (INT64_MAX if none). */
static int64_t
find_next_due(struct jobs *q, struct db_conn *conn)
{
    struct db_param p[MAX_LIMITED_KINDS];
    struct db_result *r = NULL;
    int64_t next = INT64_MAX;

    pthread_mutex_lock(&q->lock);
    (void)exclusions_locked(q, p);
    pthread_mutex_unlock(&q->lock);
    if (!db_exec(conn, q->next_due_sql.ptr, p, q->nlimited, &r) && db_result_rows(r) == 1) {
        next = db_int(r, 0, 0);
    }
    db_result_free(r);
    return next;
}

/* Fenced updates of the running job: $1.. are the statement's, then id and claims. */
static const char done_sql[] = "UPDATE jobs SET state = 'done', finished_at = $1 "
                               "WHERE id = $2 AND claims = $3 AND state = 'running'";
static const char requeue_sql[] =
    "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, attempts = attempts - $3 "
    "WHERE id = $4 AND claims = $5 AND state = 'running'";
static const char supersede_sql[] = "UPDATE jobs SET state = 'done', finished_at = $1, "
                                    "last_error = 'superseded by a newer job with its dedupe key' "
                                    "WHERE id = $2 AND claims = $3 AND state = 'running'";
static const char bury_sql[] =
    "UPDATE jobs SET state = 'dead', finished_at = $1, last_error = $2, attempts = $3 "
    "WHERE id = $4 AND claims = $5 AND state = 'running'";

static void
count(struct jobs *q, const struct job_kind *kind, enum outcome o)
{
    size_t k = kind ? (size_t)(kind - q->kinds) : q->nkinds;
    atomic_fetch_add(&q->runs[k * OUT_COUNT + o], 1);
}

/* Runs one fenced statement; *hit says whether it changed the job. */
static int
fenced(struct db_conn *conn, const char *sql, struct db_param *p, size_t n, bool *hit)
{
    struct db_result *r = NULL;
    int err = db_exec(conn, sql, p, n, &r);

    *hit = !err && db_result_affected(r) == 1;
    db_result_free(r);
    return err;
}

/*
 * Puts the job back to queued at run_at (uncount: 1 when the attempt does
 * not count). A newer queued job with its dedupe key supersedes it instead.
 */
static enum outcome
requeue(struct db_conn *conn, const struct job *job, int64_t claims, int64_t run_at,
        const char *error, int uncount, enum outcome o)
{
    struct db_param p[] = {DB_INT(run_at), DB_CSTR(error), DB_INT(uncount), DB_INT(job->id),
                           DB_INT(claims)};
    bool hit = false;
    int err = fenced(conn, requeue_sql, p, ARRAY_LEN(p), &hit);

    if (err == E_CONFLICT) {
        struct db_param s[] = {DB_INT(clock_wall_ms()), DB_INT(job->id), DB_INT(claims)};
        err = fenced(conn, supersede_sql, s, ARRAY_LEN(s), &hit);
        o = OUT_SUPERSEDED;
    }
    if (err) {
        /* The lease runs out and the job is claimed again: late, never lost. */
        log_msg(LOG_WARNING, "cannot requeue job %lld: %s", (long long)job->id, err_name(err));
    }
    return hit ? o : OUT_LOST;
}

/* Marks the job dead after runs attempts and runs the kind's hook, in one transaction. */
static enum outcome
bury(struct db_conn *conn, const struct job_kind *kind, const struct job *job, int64_t claims,
     int runs, const char *error)
{
    struct db_param p[] = {DB_INT(clock_wall_ms()), DB_CSTR(error), DB_INT(runs), DB_INT(job->id),
                           DB_INT(claims)};
    bool hit = false;
    int err = db_begin(conn);

    if (!err) {
        err = fenced(conn, bury_sql, p, ARRAY_LEN(p), &hit);
        if (!err && hit && kind && kind->dead) {
            err = kind->dead(conn, job, error);
        }
        if (!err) {
            err = db_commit(conn);
        } else {
            db_rollback(conn);
        }
    }
    if (err) {
        log_msg(LOG_WARNING, "cannot mark job %lld dead: %s", (long long)job->id, err_name(err));
        return OUT_LOST;
    }
    if (hit) {
        log_msg(LOG_ERROR, "job %lld (%s) is dead after %d attempts: %s", (long long)job->id,
                job->kind, runs, error);
    }
    return hit ? OUT_DEAD : OUT_LOST;
}

/* The next run of a periodic kind, once this one is over. */
static void
schedule_period(struct db_conn *conn, const struct job_kind *kind)
{
    struct job_options o = {kind->name, clock_wall_ms() + kind->period_ms, JOBS_DEDUPE_KEEP};
    int err;

    if (!kind->period_ms) {
        return;
    }
    err = jobs_enqueue(conn, kind->name, NULL, &o, NULL);
    if (err) {
        log_msg(LOG_WARNING, "cannot schedule the next %s job: %s", kind->name, err_name(err));
    }
}

/* --- Handler helpers ------------------------------------------------------ */

struct db_conn *
jobs_ctx_conn(struct job_ctx *ctx)
{
    return ctx->w->conn;
}

struct db *
jobs_ctx_db(struct job_ctx *ctx)
{
    return ctx->q->db;
}

const struct config *
jobs_ctx_cfg(struct job_ctx *ctx)
{
    return ctx->q->cfg;
}

void *
jobs_ctx_env(struct job_ctx *ctx)
{
    return ctx->q->env;
}

int
jobs_complete(struct job_ctx *ctx, struct db_conn *conn)
{
    struct db_param p[] = {DB_INT(clock_wall_ms()), DB_INT(ctx->job->id), DB_INT(ctx->w->claims)};
    bool hit = false;
    int err;

    if (!db_in_tx(conn)) {
        BUG("jobs_complete outside a transaction");
    }
    err = fenced(conn, done_sql, p, ARRAY_LEN(p), &hit);
    if (!err && !hit) {
        err = E_CONFLICT;
    }
    ctx->completed = err == 0;
    return err;
}

int
jobs_complete_tx(struct job_ctx *ctx, db_tx_fn fn, void *arg)
{
    struct db_conn *conn = jobs_ctx_conn(ctx);
    int err = db_begin(conn);

    if (err) {
        return err;
    }
    if (!(err = fn(conn, arg)) && !(err = jobs_complete(ctx, conn))) {
        err = db_commit(conn);
    } else {
        db_rollback(conn);
    }
    ctx->completed = err == 0; /* a completion rolled back is none */
    return err;
}

static void
note_error(struct job_ctx *ctx, const char *fmt, va_list ap)
{
    char tmp[JOBS_ERROR_MAX * 2];

    (void)vsnprintf(tmp, sizeof(tmp), fmt, ap);
    copy_utf8(tmp, ctx->error, sizeof(ctx->error));
}

int
jobs_fail(struct job_ctx *ctx, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    note_error(ctx, fmt, ap);
    va_end(ap);
    return err ? err : E_INTERNAL;
}

int
jobs_fail_for_good(struct job_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    note_error(ctx, fmt, ap);
    va_end(ap);
    ctx->ask = ASK_DEAD;
    return E_INVALID;
}

int
jobs_retry_after(struct job_ctx *ctx, int64_t delay_ms, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    note_error(ctx, fmt, ap);
    va_end(ap);
    if (delay_ms < 0) {
        delay_ms = 0;
    }
    ctx->ask = ASK_RETRY_AT;
    ctx->at_ms = clock_wall_ms() + (delay_ms > JOBS_MAX_DELAY_MS ? JOBS_MAX_DELAY_MS : delay_ms);
    return E_UPSTREAM;
}

int
jobs_snooze_until(struct job_ctx *ctx, int64_t run_at_ms)
{
    int64_t cap = clock_wall_ms() + JOBS_MAX_DELAY_MS;

    ctx->ask = ASK_SNOOZE;
    ctx->at_ms = run_at_ms > cap ? cap : run_at_ms;
    return 0;
}

/* One member of the payload's root object against a one-field spec. */
static int
payload_member(const struct job *job, const struct json_field *spec, struct json_value *v)
{
    struct json_doc *doc = NULL;
    int err = json_doc_parse(str_make(job->payload, job->payload_len), &doc);

    if (!err) {
        err = json_pick(doc, spec, 1, v);
    }
    if (err) {
        err = E_INVALID;
    } else if (!v->present) {
        err = E_NOT_FOUND;
    }
    if (err || spec->type != JSON_F_STRING) {
        json_doc_free(doc);
        return err;
    }
    /* The view lives in doc: the caller copies it before doc goes. */
    v->s = str_make(xstrndup(v->s.ptr, v->s.len), v->s.len);
    json_doc_free(doc);
    return 0;
}

int
jobs_payload_int(const struct job *job, const char *name, int64_t *out)
{
    struct json_field spec = {name, JSON_F_INT, false, INT64_MIN, INT64_MAX};
    struct json_value v;
    int err = payload_member(job, &spec, &v);

    *out = err ? 0 : v.i;
    return err;
}

int
jobs_payload_str(const struct job *job, const char *name, char *out, size_t cap)
{
    struct json_field spec = {name, JSON_F_STRING, false, 0, JOBS_PAYLOAD_MAX};
    struct json_value v;
    int err = payload_member(job, &spec, &v);

    if (cap) {
        out[0] = '\0';
    }
    if (err) {
        return err;
    }
    if (v.s.len >= cap) {
        err = E_TOO_LARGE;
    } else {
        memcpy(out, v.s.ptr, v.s.len + 1);
    }
    free((void *)(uintptr_t)v.s.ptr);
    return err;
}

/* --- Running a job -------------------------------------------------------- */

/* Runs the claimed job in row 0 of r and records its outcome. */
static void
run_job(struct worker *w, const struct db_result *r)
{
    struct jobs *q = w->q;
    const struct job_kind *kind = find_kind(q, db_text(r, 0, 1));
    int64_t claims = db_int(r, 0, 5);
    struct job job = {
        .id = db_int(r, 0, 0),
        .kind = db_text(r, 0, 1),
        .payload = db_text(r, 0, 2),
        .payload_len = db_text_len(r, 0, 2),
        .dedupe_key = db_text(r, 0, 3),
        .attempt = (int)db_int(r, 0, 4),
        .max_attempts = kind ? kind->max_attempts : 0,
        .created_at_ms = db_int(r, 0, 6),
        .deadline_ms = clock_mono_ms() + (kind ? kind->budget_ms : 0),
        .last_error = db_text(r, 0, 7),
    };
    struct job_ctx ctx = {q, w, &job, ASK_NONE, 0, false, ""};
    enum outcome o;
    bool released;
    int rc;

    if (!kind) {
        log_msg(LOG_WARNING, "job %lld has a kind this version does not know (%s): put back",
                (long long)job.id, job.kind);
        count(q, NULL,
              requeue(w->conn, &job, claims, clock_wall_ms() + UNKNOWN_KIND_DELAY_MS,
                      "unknown kind", 1, OUT_RELEASED));
        return;
    }
    if (job.attempt > kind->max_attempts) {
        /* Its last run never finished (killed, lease lost): nothing left to try. */
        count(q, kind,
              bury(w->conn, kind, &job, claims, job.attempt - 1,
                   "lease expired on the last attempt"));
        return;
    }
    pthread_mutex_lock(&q->lock);
    w->busy = true;
    w->released = false;
    w->job_id = job.id;
    w->claims = claims;
    w->renew_until = job.deadline_ms;
    pthread_mutex_unlock(&q->lock);

    rc = kind->run(&ctx, &job);

    pthread_mutex_lock(&q->lock);
    w->busy = false;
    released = w->released;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    if (released) {
        /* jobs_drain gave it back: its outcome belongs to the next run now. */
        count(q, kind, OUT_RELEASED);
        return;
    }

    if (db_is_broken(w->conn)) {
        /* The handler's connection died: record the outcome on a fresh one. */
        db_disconnect(w->conn);
        w->conn = NULL;
        if (db_connect(q->db, &w->conn)) {
            log_msg(LOG_WARNING,
                    "job %lld: no database to record its outcome; its lease will "
                    "expire",
                    (long long)job.id);
            count(q, kind, OUT_LOST);
            return;
        }
    }
    if (rc == 0 && ctx.completed) {
        o = OUT_DONE;
    } else if (rc == 0 && ctx.ask == ASK_SNOOZE) {
        o = requeue(w->conn, &job, claims, ctx.at_ms, job.last_error, 1, OUT_SNOOZED);
    } else if (rc == 0) {
        struct db_param p[] = {DB_INT(clock_wall_ms()), DB_INT(job.id), DB_INT(claims)};
        bool hit = false;
        int err = fenced(w->conn, done_sql, p, ARRAY_LEN(p), &hit);
        if (err) {
            log_msg(LOG_WARNING, "cannot mark job %lld done: %s", (long long)job.id, err_name(err));
        }
        o = hit ? OUT_DONE : OUT_LOST;
    } else {
        if (!ctx.error[0]) {
            copy_utf8(err_name(rc), ctx.error, sizeof(ctx.error));
        }
        if (ctx.ask == ASK_DEAD || job.attempt >= kind->max_attempts) {
            o = bury(w->conn, kind, &job, claims, job.attempt, ctx.error);
        } else {
            uint32_t rnd;
            int64_t at;
            crypto_random(&rnd, sizeof(rnd));
            at = ctx.ask == ASK_RETRY_AT
                     ? ctx.at_ms
                     : clock_wall_ms() + jobs_backoff_ms(kind, job.attempt, rnd);
            log_msg(LOG_WARNING, "job %lld (%s) failed (attempt %d of %d), retrying in %llds: %s",
                    (long long)job.id, job.kind, job.attempt, kind->max_attempts,
                    (long long)((at - clock_wall_ms() + 999) / 1000), ctx.error);
            o = requeue(w->conn, &job, claims, at, ctx.error, 0, OUT_RETRY);
            pthread_mutex_lock(&q->lock);
            if (at < q->next_due) {
                q->next_due = at;
            }
            pthread_mutex_unlock(&q->lock);
        }
    }
    if (o == OUT_LOST) {
        log_msg(LOG_WARNING, "job %lld (%s): lease lost before its outcome was recorded",
                (long long)job.id, job.kind);
    }
    if (o == OUT_DONE || o == OUT_DEAD || o == OUT_SUPERSEDED) {
        schedule_period(w->conn, kind);
    }
    count(q, kind, o);
}

/* Claims and runs jobs until none is due; why is what woke this worker. */
static void
work(struct worker *w, enum wake why)
{
    struct jobs *q = w->q;

    for (;;) {
        struct db_result *r = NULL;
        size_t limited;
        bool contended;
        bool stop;
        int err;

        pthread_mutex_lock(&q->lock);
        stop = q->stopping;
        pthread_mutex_unlock(&q->lock);
        if (stop) {
            return;
        }
        if (!w->conn && db_connect(q->db, &w->conn)) {
            w->conn = NULL;
            pthread_mutex_lock(&q->lock);
            q->next_due = clock_wall_ms() + RECONNECT_MS;
            pthread_mutex_unlock(&q->lock);
            return;
        }
        err = claim(q, w->conn, &r, &limited, &contended);
        if (err || db_result_rows(r) == 0) {
            int64_t now = clock_wall_ms();
            int64_t next = err ? now + RECONNECT_MS : find_next_due(q, w->conn);
            /*
             * A due job this claim skipped is locked by another claim (or an
             * enqueue's upsert) about to commit, or its kind was left out for
             * the claims in flight: look again shortly, not in a loop.
             */
            if (next <= now || (contended && next > now + SKIPPED_RETRY_MS)) {
                next = now + SKIPPED_RETRY_MS;
            }
            if (err && err != E_UNAVAILABLE) {
                log_msg(LOG_WARNING, "cannot claim a job: %s", err_name(err));
            }
            db_result_free(r);
            if (db_is_broken(w->conn)) {
                db_disconnect(w->conn);
                w->conn = NULL;
            }
            pthread_mutex_lock(&q->lock);
            if (next < q->next_due) {
                q->next_due = next;
            }
            pthread_mutex_unlock(&q->lock);
            return;
        }
        atomic_fetch_add(&q->claims_by_wake[why], 1);
        pthread_mutex_lock(&q->lock);
        if (q->idle > q->pending) {
            wake_locked(q, 1, WAKE_CASCADE);
        }
        pthread_mutex_unlock(&q->lock);
        run_job(w, r);
        release_slot(q, limited);
        db_result_free(r);
    }
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct jobs *q = w->q;

    pthread_mutex_lock(&q->lock);
    while (!q->stopping) {
        enum wake why;
        int64_t now = clock_wall_ms();

        if (q->pending) {
            q->pending--;
            why = q->pending_why;
        } else if (now >= q->next_due) {
            q->next_due = INT64_MAX;
            why = WAKE_TIMER;
        } else {
            int64_t wait = q->next_due - now;
            struct timespec until;
            bool timed_out;

            if (wait > JOBS_POLL_MS) {
                wait = JOBS_POLL_MS;
            }
            until = clock_mono_after(wait);
            q->idle++;
            timed_out = pthread_cond_timedwait(&q->wake, &q->lock, &until) == ETIMEDOUT;
            q->idle--;
            if (!timed_out || q->stopping || q->pending || clock_wall_ms() >= q->next_due) {
                continue;
            }
            why = WAKE_POLL;
        }
        q->busy++;
        pthread_mutex_unlock(&q->lock);
        work(w, why);
        pthread_mutex_lock(&q->lock);
        q->busy--;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* --- The keeper: leases --------------------------------------------------- */

static void
renew_leases(struct jobs *q)
{
    struct {
        int64_t id;
        int64_t claims;
    } mine[256];
    size_t n = 0;
    int64_t now = clock_mono_ms();

    pthread_mutex_lock(&q->lock);
    for (unsigned i = 0; i < q->nworkers && n < ARRAY_LEN(mine); i++) {
        struct worker *w = &q->workers[i];
        if (w->busy && !w->released && now < w->renew_until) {
            mine[n].id = w->job_id;
            mine[n].claims = w->claims;
            n++;
        }
    }
    pthread_mutex_unlock(&q->lock);
    for (size_t i = 0; i < n; i++) {
        struct db_param p[] = {DB_INT(clock_wall_ms() + JOBS_LEASE_MS), DB_INT(mine[i].id),
                               DB_INT(mine[i].claims)};
        int err;

        if (!q->keeper_conn && db_connect(q->db, &q->keeper_conn)) {
            q->keeper_conn = NULL;
            return;
        }
        err = db_exec(q->keeper_conn,
                      "UPDATE jobs SET run_at = $1 WHERE id = $2 AND claims = $3 "
                      "AND state = 'running'",
                      p, 3, NULL);
        if (err) {
            log_msg(LOG_WARNING, "cannot renew the lease of job %lld: %s", (long long)mine[i].id,
                    err_name(err));
            if (db_is_broken(q->keeper_conn)) {
                db_disconnect(q->keeper_conn);
                q->keeper_conn = NULL;
            }
        }
    }
}

static void *
keeper_main(void *arg)
{
    struct jobs *q = arg;

    pthread_mutex_lock(&q->lock);
    while (!q->quit) {
        struct timespec until = clock_mono_after(JOBS_RENEW_MS);
        if (pthread_cond_timedwait(&q->changed, &q->lock, &until) != ETIMEDOUT || q->quit) {
            continue;
        }
        pthread_mutex_unlock(&q->lock);
        renew_leases(q);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

/* --- Start, drain, stop --------------------------------------------------- */

/* Makes sure every periodic kind has a queued job (at start-up). */
static void
seed_periodic(struct jobs *q)
{
    struct db_conn *conn = NULL;

    for (size_t i = 0; i < q->nkinds; i++) {
        const struct job_kind *k = &q->kinds[i];
        struct job_options o = {k->name, 0, JOBS_DEDUPE_KEEP};
        if (!k->period_ms) {
            continue;
        }
        if (!conn && db_acquire(q->db, &conn)) {
            log_msg(LOG_WARNING, "cannot schedule periodic jobs: database unavailable");
            return;
        }
        if (jobs_enqueue(conn, k->name, NULL, &o, NULL)) {
            log_msg(LOG_WARNING, "cannot schedule the %s job", k->name);
        }
    }
    db_release(conn);
}

struct jobs *
jobs_start(struct db *db, const struct jobs_options *opt)
{
    struct jobs *q;

    if (opt->workers == 0) {
        return NULL;
    }
    for (size_t i = 0; i < opt->nkinds; i++) {
        if (!jobs_is_kind_name(opt->kinds[i].name) || !opt->kinds[i].run ||
            opt->kinds[i].max_attempts < 1 || opt->kinds[i].budget_ms <= 0 ||
            opt->kinds[i].max_running < 0) {
            BUG("job kind %zu is malformed", i);
        }
    }
    q = xcalloc(1, sizeof(*q));
    q->db = db;
    q->cfg = opt->cfg;
    q->kinds = opt->kinds;
    q->nkinds = opt->nkinds;
    q->env = opt->env;
    q->nworkers = opt->workers;
    q->workers = xcalloc(opt->workers, sizeof(*q->workers));
    q->running = xcalloc(opt->nkinds ? opt->nkinds : 1, sizeof(*q->running));
    for (size_t i = 0; i < opt->nkinds; i++) {
        if (opt->kinds[i].max_running > 0) {
            if (q->nlimited == MAX_LIMITED_KINDS) {
                BUG("more than %d job kinds with a max_running", MAX_LIMITED_KINDS);
            }
            q->limited[q->nlimited++] = i;
        }
    }
    q->claim_sql = (struct buf)BUF_INIT;
    q->next_due_sql = (struct buf)BUF_INIT;
    build_statements(q);
    q->runs = xcalloc(st_mult(opt->nkinds + 1, OUT_COUNT), sizeof(*q->runs));
    for (size_t i = 0; i < st_mult(opt->nkinds + 1, OUT_COUNT); i++) {
        atomic_init(&q->runs[i], 0);
    }
    for (size_t i = 0; i < WAKE_COUNT; i++) {
        atomic_init(&q->claims_by_wake[i], 0);
    }
    pthread_mutex_init(&q->lock, NULL);
    clock_cond_init(&q->wake);
    clock_cond_init(&q->changed);
    q->next_due = INT64_MAX;
    q->pending = q->nworkers; /* everyone looks once at start */
    q->pending_why = WAKE_START;
    if (db_subscribe(db, JOBS_CHANNEL, on_notify, q, &q->sub)) {
        BUG("cannot listen for jobs");
    }
    seed_periodic(q);
    for (unsigned i = 0; i < q->nworkers; i++) {
        q->workers[i].q = q;
        if (pthread_create(&q->workers[i].thread, NULL, worker_main, &q->workers[i]) != 0) {
            BUG("cannot start job worker %u", i);
        }
    }
    if (pthread_create(&q->keeper, NULL, keeper_main, q) != 0) {
        BUG("cannot start the job keeper");
    }
    log_msg(LOG_INFO, "job queue: %u workers, %zu kinds", q->nworkers, q->nkinds);
    return q;
}

void
jobs_stop_claiming(struct jobs *q)
{
    if (!q) {
        return;
    }
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

unsigned
jobs_drain(struct jobs *q, int64_t deadline_ms)
{
    struct db_conn *conn = NULL;
    unsigned given = 0;

    if (!q) {
        return 0;
    }
    pthread_mutex_lock(&q->lock);
    if (q->drained) {
        pthread_mutex_unlock(&q->lock);
        return 0;
    }
    q->drained = true;
    q->stopping = true;
    pthread_cond_broadcast(&q->wake);
    for (;;) {
        bool running = false;
        struct timespec until;
        for (unsigned i = 0; i < q->nworkers; i++) {
            running = running || q->workers[i].busy;
        }
        if (!running || clock_mono_ms() >= deadline_ms) {
            break;
        }
        until = clock_mono_after(deadline_ms - clock_mono_ms());
        (void)pthread_cond_timedwait(&q->changed, &q->lock, &until);
    }
    /* Whatever still runs is given back: another instance (or our next start) runs it. */
    for (unsigned i = 0; i < q->nworkers; i++) {
        struct worker *w = &q->workers[i];
        struct job job = {0};
        bool hit = false;
        if (!w->busy) {
            continue;
        }
        job.id = w->job_id;
        w->released = true;
        pthread_mutex_unlock(&q->lock);
        if (conn || !db_connect(q->db, &conn)) {
            hit = requeue(conn, &job, w->claims, clock_wall_ms(), "given back at shutdown", 1,
                          OUT_RELEASED) == OUT_RELEASED;
        }
        if (hit) {
            given++;
            log_msg(LOG_WARNING, "job %lld still running at the drain deadline: given back",
                    (long long)job.id);
        }
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    db_disconnect(conn);
    return given;
}

void
jobs_free(struct jobs *q)
{
    if (!q) {
        return;
    }
    (void)jobs_drain(q, clock_mono_ms());
    db_unsubscribe(q->sub);
    for (unsigned i = 0; i < q->nworkers; i++) {
        pthread_join(q->workers[i].thread, NULL);
        db_disconnect(q->workers[i].conn);
    }
    pthread_mutex_lock(&q->lock);
    q->quit = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->keeper, NULL);
    db_disconnect(q->keeper_conn);
    pthread_cond_destroy(&q->wake);
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->runs);
    free(q->running);
    buf_release(&q->claim_sql);
    buf_release(&q->next_due_sql);
    free(q->workers);
    free(q);
}

/* --- Metrics -------------------------------------------------------------- */

int
jobs_render_metrics(struct jobs *q, struct db *db, struct buf *b)
{
    struct db_result *r = NULL;
    int64_t now = clock_wall_ms();
    struct db_param p[] = {DB_INT(now)};
    int err = db_run(db,
                     /*
                      * Two index ranges, never the done jobs: the live ones
                      * through jobs_due, the dead ones through jobs_finished.
                      */
                     "SELECT kind, SUM(q), SUM(s), SUM(r), SUM(d), MIN(o) FROM ("
                     "SELECT kind, CASE WHEN state = 'queued' AND run_at <= $1 THEN 1 ELSE 0 END "
                     "AS q, CASE WHEN state = 'queued' AND run_at > $1 THEN 1 ELSE 0 END AS s, "
                     "CASE WHEN state = 'running' THEN 1 ELSE 0 END AS r, 0 AS d, "
                     "CASE WHEN state = 'queued' AND run_at <= $1 THEN run_at END AS o "
                     "FROM jobs WHERE state IN ('queued', 'running') UNION ALL "
                     "SELECT kind, 0, 0, 0, 1, NULL FROM jobs "
                     "WHERE state IN ('done', 'dead') AND state = 'dead') AS t "
                     "GROUP BY kind ORDER BY kind",
                     p, 1, &r);
    static const char *const gauges[][2] = {
        {"piloto_jobs_queued", "jobs due now and waiting for a worker (all instances)"},
        {"piloto_jobs_scheduled", "jobs waiting for a later run_at (all instances)"},
        {"piloto_jobs_running", "jobs claimed and running (all instances)"},
        {"piloto_jobs_dead", "jobs that failed max_attempts times (kept 30 days)"},
    };

    if (err) {
        /* The database is down: the counters of this process are still worth showing. */
        log_msg(LOG_DEBUG, "job metrics without the table: %s", err_name(err));
        err = 0;
    }
    for (size_t g = 0; g < ARRAY_LEN(gauges); g++) {
        err |= buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g][0], gauges[g][1],
                        gauges[g][0]);
        for (size_t i = 0; i < db_result_rows(r); i++) {
            err |= buf_addf(b, "%s{kind=\"%s\"} %lld\n", gauges[g][0], db_text(r, i, 0),
                            (long long)db_int(r, i, g + 1));
        }
    }
    err |= buf_addstr(b, "# HELP piloto_jobs_oldest_due_seconds how long the oldest due job has "
                         "waited\n# TYPE piloto_jobs_oldest_due_seconds gauge\n");
    for (size_t i = 0; i < db_result_rows(r); i++) {
        int64_t oldest = db_is_null(r, i, 5) ? now : db_int(r, i, 5);
        err |= buf_addf(b, "piloto_jobs_oldest_due_seconds{kind=\"%s\"} %.3f\n", db_text(r, i, 0),
                        (double)(now - oldest) / 1000.0);
    }
    if (q) {
        unsigned busy = 0;
        err |= buf_addstr(b, "# HELP piloto_jobs_runs_total job runs here by kind and outcome\n"
                             "# TYPE piloto_jobs_runs_total counter\n");
        for (size_t k = 0; k <= q->nkinds; k++) {
            for (size_t o = 0; o < OUT_COUNT; o++) {
                err |= buf_addf(b, "piloto_jobs_runs_total{kind=\"%s\",outcome=\"%s\"} %llu\n",
                                k < q->nkinds ? q->kinds[k].name : "unknown", outcome_names[o],
                                (unsigned long long)atomic_load(&q->runs[k * OUT_COUNT + o]));
            }
        }
        err |= buf_addstr(b, "# HELP piloto_jobs_claims_total jobs claimed here by what woke the "
                             "worker\n# TYPE piloto_jobs_claims_total counter\n");
        for (size_t i = 0; i < WAKE_COUNT; i++) {
            err |= buf_addf(b, "piloto_jobs_claims_total{wake=\"%s\"} %llu\n", wake_names[i],
                            (unsigned long long)atomic_load(&q->claims_by_wake[i]));
        }
        pthread_mutex_lock(&q->lock);
        for (unsigned i = 0; i < q->nworkers; i++) {
            busy += q->workers[i].busy ? 1u : 0u;
        }
        pthread_mutex_unlock(&q->lock);
        err |= buf_addf(b,
                        "# HELP piloto_jobs_workers job worker threads here\n"
                        "# TYPE piloto_jobs_workers gauge\n"
                        "piloto_jobs_workers{state=\"busy\"} %u\n"
                        "piloto_jobs_workers{state=\"total\"} %u\n",
                        busy, q->nworkers);
    }
    db_result_free(r);
    return err ? E_INTERNAL : 0;
}
