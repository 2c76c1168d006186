#include "jobs/housekeeping.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"

/*
 * The purges. Columns: what it deletes (for the log), whether $1 is now in
 * milliseconds (the jobs table) rather than seconds, and the statement: $1
 * is now (CAST to BIGINT, or PostgreSQL infers a 32-bit integer from the
 * arithmetic), $2 the batch size; it deletes at most $2 rows. Every WHERE is
 * served by an index or a small table.
 */
#define DAY_S   86400
#define STR2(x) #x
#define STR(x)  STR2(x)
#define WEEK_S  "(7 * " STR(DAY_S) ")"
static const struct purge {
    const char *what;
    bool ms;
    const char *sql;
} purges[] = {
    /* The absolute expiry is implied: idle_expires_at <= absolute_expires_at (migration 0018). */
    {"sessions", false,
     "DELETE FROM user_sessions WHERE id IN (SELECT id FROM user_sessions "
     "WHERE idle_expires_at < CAST($1 AS BIGINT) - " WEEK_S " "
     "OR revoked_at < CAST($1 AS BIGINT) - " WEEK_S " LIMIT $2)"},
    {"email tokens", false,
     "DELETE FROM email_tokens WHERE id IN (SELECT id FROM email_tokens "
     "WHERE (used_at IS NOT NULL OR expires_at < $1) AND created_at < CAST($1 AS BIGINT) - " STR(
         DAY_S) " LIMIT $2)"},
    {"login throttles", false,
     "DELETE FROM login_throttle WHERE key_hash IN (SELECT key_hash FROM login_throttle "
     "WHERE last_failure_at < CAST($1 AS BIGINT) - 3600 AND locked_until < $1 LIMIT $2)"},
    {"mail throttles", false,
     "DELETE FROM mail_throttle WHERE key_hash IN (SELECT key_hash FROM mail_throttle "
     "WHERE window_start < CAST($1 AS BIGINT) - 2 * " STR(DAY_S) " AND last_sent_at < "
                                                                 "CAST($1 AS BIGINT) - 2 * " STR(
                                                                     DAY_S) " LIMIT $2)"},
    {"oauth states", false,
     "DELETE FROM oauth_states WHERE id_hash IN (SELECT id_hash FROM oauth_states "
     "WHERE expires_at < $1 LIMIT $2)"},
    {"done jobs", true,
     "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('done', 'dead') "
     "AND finished_at < CAST($1 AS BIGINT) - "
     "CAST(1000 AS BIGINT) * " STR(JOBS_DONE_KEEP_S) " AND state = 'done' LIMIT $2)"},
    {"dead jobs", true,
     "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state IN ('done', 'dead') "
     "AND finished_at < CAST($1 AS BIGINT) - "
     "CAST(1000 AS BIGINT) * " STR(JOBS_DEAD_KEEP_S) " AND state = 'dead' LIMIT $2)"},
    {"outbox mails", false,
     "DELETE FROM mail_outbox WHERE id IN (SELECT id FROM mail_outbox "
     "WHERE status IN ('sent', 'logged', 'failed') AND created_at < CAST($1 AS BIGINT) - 30 * " STR(
         DAY_S) " LIMIT $2)"},
};

int
housekeeping_run(struct job_ctx *ctx, const struct job *job)
{
    struct db_conn *conn = jobs_ctx_conn(ctx);
    int err = 0;

    for (size_t i = 0; i < ARRAY_LEN(purges) && !err; i++) {
        uint64_t total = 0;
        for (;;) {
            struct db_result *r = NULL;
            struct db_param p[] = {DB_INT(purges[i].ms ? clock_wall_ms() : clock_wall_s()),
                                   DB_INT(HOUSEKEEPING_BATCH)};
            uint64_t n;

            err = db_exec(conn, purges[i].sql, p, 2, &r);
            n = db_result_affected(r);
            db_result_free(r);
            total += n;
            if (err || n < HOUSEKEEPING_BATCH || clock_mono_ms() >= job->deadline_ms) {
                break;
            }
        }
        if (total) {
            log_msg(LOG_INFO, "housekeeping: %llu %s purged", (unsigned long long)total,
                    purges[i].what);
        }
        if (err) {
            err = jobs_fail(ctx, err, "cannot purge %s: %s", purges[i].what, err_name(err));
        }
    }
    return err;
}
