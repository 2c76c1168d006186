#include "auth/throttle.h"

#include "core/err.h"
#include "crypto/crypto.h"

static void
key_of(const char *email, char out[2 * CRYPTO_SHA256_LEN + 1])
{
    crypto_sha256_hex(email, strlen(email), out);
}

int64_t
throttle_wait_for(int64_t failures)
{
    int64_t extra = failures - THROTTLE_FREE_FAILURES;
    if (extra <= 0) {
        return 0;
    }
    if (extra > 10) {
        return THROTTLE_MAX_WAIT_S;
    }
    {
        /* At least 2 s: locked_until has whole seconds, so 1 s could mean a few ms. */
        int64_t w = (int64_t)1 << extra;
        return w > THROTTLE_MAX_WAIT_S ? THROTTLE_MAX_WAIT_S : w;
    }
}

int
throttle_check(struct db *db, const char *email, int64_t now, int *retry_after_s)
{
    char key[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    struct db_param p[1];
    int err;

    key_of(email, key);
    p[0] = DB_CSTR(key);
    err = db_run(db, "SELECT locked_until FROM login_throttle WHERE key_hash = $1", p, 1, &r);
    if (!err && db_result_rows(r) == 1) {
        int64_t until = db_int(r, 0, 0);
        if (until > now) {
            *retry_after_s = (int)(until - now);
            err = E_RATE_LIMITED;
        }
    }
    db_result_free(r);
    return err;
}

int
throttle_fail(struct db *db, const char *email, int64_t now)
{
    char key[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    struct db_param p[3];
    int64_t failures;
    int err;

    key_of(email, key);
    p[0] = DB_CSTR(key);
    p[1] = DB_INT(now);
    p[2] = DB_INT(now - THROTTLE_DECAY_S);
    err = db_run(db,
                 "INSERT INTO login_throttle (key_hash, failures, last_failure_at, locked_until) "
                 "VALUES ($1, 1, $2, 0) ON CONFLICT (key_hash) DO UPDATE SET "
                 "failures = CASE WHEN login_throttle.last_failure_at < $3 THEN 1 "
                 "ELSE login_throttle.failures + 1 END, last_failure_at = $2 "
                 "RETURNING failures",
                 p, 3, &r);
    if (err || db_result_rows(r) != 1) {
        db_result_free(r);
        return err ? err : E_DB;
    }
    failures = db_int(r, 0, 0);
    db_result_free(r);
    if (throttle_wait_for(failures) > 0) {
        struct db_param q[] = {DB_INT(now + throttle_wait_for(failures)), DB_CSTR(key)};
        err = db_run(db, "UPDATE login_throttle SET locked_until = $1 WHERE key_hash = $2", q, 2,
                     NULL);
    }
    return err;
}

int
throttle_clear(struct db *db, const char *email)
{
    char key[2 * CRYPTO_SHA256_LEN + 1];
    struct db_param p[1];

    key_of(email, key);
    p[0] = DB_CSTR(key);
    return db_run(db, "DELETE FROM login_throttle WHERE key_hash = $1", p, 1, NULL);
}
