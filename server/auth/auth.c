#include "auth/auth.h"

#include "auth/audit.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"

static struct audit_entry
entry(const char *user_id, const char *event, const char *outcome,
      const struct auth_client *client, const char *detail, int64_t now)
{
    return (struct audit_entry){user_id,    event, outcome, client->ip, client->user_agent,
                                detail,     now};
}

/* Best-effort audit of a failure, outside any transaction. */
static void
audit_failure(struct db *db, const char *user_id, const char *event,
              const struct auth_client *client, const char *detail)
{
    struct audit_entry e = entry(user_id, event, "failure", client, detail, clock_wall_s());
    int err = audit_write_db(db, &e);
    if (err) {
        log_msg(LOG_WARNING, "cannot write audit row '%s': %s", event, err_name(err));
    }
}

static int
find_user(struct db *db, const char *email, struct user *out)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);
    if (!err) {
        err = accounts_find_by_email(conn, email, out);
        db_release(conn);
    }
    return err;
}

int
auth_get_user(struct db *db, const char *user_id, struct user *out)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);
    if (!err) {
        err = accounts_find_by_id(conn, user_id, out);
        db_release(conn);
    }
    return err;
}

int
auth_signup(struct db *db, const struct config *cfg, const char *email, struct str name,
            struct str password, const struct auth_client *client, struct auth_result *out)
{
    char hash[CRYPTO_PASSWORD_HASH_MAX];
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = crypto_password_hash(password, hash))) {
        return err;
    }
    if ((err = db_acquire(db, &conn))) {
        goto out;
    }
    if ((err = db_begin(conn))) {
        goto out;
    }
    err = accounts_create(conn, email, name, hash, now, &out->user);
    if (!err) {
        err = session_create(conn, cfg, out->user.id, false, now, client->ip, client->user_agent,
                             now, out->token, &out->session);
    }
    if (!err) {
        struct audit_entry e = entry(out->user.id, "signup", "success", client, NULL, now);
        err = audit_write(conn, &e);
    }
    if (!err) {
        err = db_commit(conn);
    } else {
        db_rollback(conn);
    }
out:
    db_release(conn);
    crypto_wipe(hash, sizeof(hash));
    if (err == E_CONFLICT) {
        audit_failure(db, NULL, "signup", client, "{\"reason\":\"email_taken\"}");
    }
    if (err) {
        crypto_wipe(out->token, sizeof(out->token));
        out->token[0] = '\0';
    }
    return err;
}

int
auth_login(struct db *db, const struct config *cfg, const char *email, struct str password,
           bool remember, const struct session *replaced, const struct auth_client *client,
           struct auth_result *out)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    bool found;
    int err;

    memset(out, 0, sizeof(*out));
    if (!email) {
        /* Not an address at all: same cost and answer as a wrong password. */
        crypto_password_dummy_verify(password);
        return E_BAD_CREDENTIALS;
    }
    err = throttle_check(db, email, now, &out->retry_after);
    if (err) {
        if (err == E_RATE_LIMITED) {
            audit_failure(db, NULL, "login", client, "{\"reason\":\"throttled\"}");
        }
        return err;
    }
    err = find_user(db, email, &out->user);
    if (err && err != E_NOT_FOUND) {
        return err;
    }
    found = !err && out->user.has_password;
    /*
     * Unknown account, or one without a password (Google only): verify
     * against a dummy hash so the answer takes as long as a real check.
     */
    if (!found) {
        crypto_password_dummy_verify(password);
    }
    if (!found || !crypto_password_verify(out->user.password_hash, password)) {
        int terr = throttle_fail(db, email, now);
        if (terr) {
            log_msg(LOG_WARNING, "cannot record failed login: %s", err_name(terr));
        }
        audit_failure(db, found ? out->user.id : NULL, "login", client,
                      found ? "{\"reason\":\"wrong_password\"}" : "{\"reason\":\"unknown_account\"}");
        memset(&out->user, 0, sizeof(out->user));
        return E_BAD_CREDENTIALS;
    }
    if ((err = throttle_clear(db, email))) {
        return err;
    }
    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (crypto_password_needs_rehash(out->user.password_hash)) {
        char hash[CRYPTO_PASSWORD_HASH_MAX];
        if (!crypto_password_hash(password, hash) &&
            !accounts_set_password(conn, out->user.id, hash, now)) {
            log_msg(LOG_INFO, "rehashed a password with today's parameters");
        }
        crypto_wipe(hash, sizeof(hash));
    }
    if ((err = db_begin(conn))) {
        goto out;
    }
    /* No fixation: whatever session the browser had is replaced. */
    if (replaced) {
        int rerr = session_revoke(conn, replaced->user_id, replaced->id, now);
        err = rerr == E_NOT_FOUND ? 0 : rerr;
    }
    if (!err) {
        err = session_create(conn, cfg, out->user.id, remember, now, client->ip,
                             client->user_agent, now, out->token, &out->session);
    }
    if (!err) {
        struct audit_entry e = entry(out->user.id, "login", "success", client,
                                     remember ? "{\"remember\":true}" : "{\"remember\":false}", now);
        err = audit_write(conn, &e);
    }
    if (!err) {
        err = db_commit(conn);
    } else {
        db_rollback(conn);
    }
out:
    db_release(conn);
    if (err) {
        crypto_wipe(out->token, sizeof(out->token));
        out->token[0] = '\0';
    }
    return err;
}

/* Runs fn-like steps in one transaction: revoke s (if any) and write the audit row. */
int
auth_logout(struct db *db, const struct session *s, const struct auth_client *client)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    if (!s) {
        return 0;
    }
    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = session_revoke(conn, s->user_id, s->id, now);
        if (err == E_NOT_FOUND) {
            err = 0;
        }
        if (!err) {
            struct audit_entry e = entry(s->user_id, "logout", "success", client, NULL, now);
            err = audit_write(conn, &e);
        }
        if (!err) {
            err = db_commit(conn);
        } else {
            db_rollback(conn);
        }
    }
    db_release(conn);
    return err;
}

/* Loads the session's user and checks password; E_VALIDATION on field when wrong. */
static int
check_password(struct db *db, const struct session *s, struct str password, const char *field,
               const char *event, const struct auth_client *client, struct auth_result *out)
{
    int err = auth_get_user(db, s->user_id, &out->user);

    if (err) {
        return err == E_NOT_FOUND ? E_UNAUTHENTICATED : err;
    }
    if (!out->user.has_password) {
        crypto_password_dummy_verify(password);
    }
    if (!out->user.has_password || !crypto_password_verify(out->user.password_hash, password)) {
        audit_failure(db, s->user_id, event, client, "{\"reason\":\"wrong_password\"}");
        out->field = field;
        out->field_code = "incorrect";
        return E_VALIDATION;
    }
    return 0;
}

int
auth_reauth(struct db *db, const struct session *s, struct str password,
            const struct auth_client *client, struct auth_result *out)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = check_password(db, s, password, "password", "reauth", client, out))) {
        return err;
    }
    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = session_mark_auth(conn, s->id, now);
        if (!err) {
            struct audit_entry e = entry(s->user_id, "reauth", "success", client, NULL, now);
            err = audit_write(conn, &e);
        }
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
auth_change_password(struct db *db, const struct config *cfg, const struct session *s,
                     struct str current, struct str next, const struct auth_client *client,
                     struct auth_result *out)
{
    char hash[CRYPTO_PASSWORD_HASH_MAX];
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    uint64_t revoked = 0;
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = check_password(db, s, current, "currentPassword", "password_change", client, out))) {
        return err;
    }
    if ((err = crypto_password_hash(next, hash))) {
        return err;
    }
    if ((err = db_acquire(db, &conn))) {
        goto out;
    }
    if ((err = db_begin(conn))) {
        goto out;
    }
    err = accounts_set_password(conn, s->user_id, hash, now);
    /* Every session goes, this one included: a new one replaces it. */
    if (!err) {
        err = session_revoke_others(conn, s->user_id, NULL, now, &revoked);
    }
    if (!err) {
        err = session_create(conn, cfg, s->user_id, s->remember, now, client->ip,
                             client->user_agent, now, out->token, &out->session);
    }
    if (!err) {
        char detail[64];
        struct audit_entry e;
        (void)snprintf(detail, sizeof(detail), "{\"revokedSessions\":%llu}",
                       (unsigned long long)revoked);
        e = entry(s->user_id, "password_change", "success", client, detail, now);
        err = audit_write(conn, &e);
    }
    if (!err) {
        err = db_commit(conn);
    } else {
        db_rollback(conn);
    }
out:
    db_release(conn);
    crypto_wipe(hash, sizeof(hash));
    if (err) {
        crypto_wipe(out->token, sizeof(out->token));
        out->token[0] = '\0';
    }
    return err;
}

int
auth_update_name(struct db *db, const struct session *s, struct str name,
                 const struct auth_client *client, struct user *out)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = accounts_update_name(conn, s->user_id, name, now);
        if (!err) {
            struct audit_entry e = entry(s->user_id, "profile_update", "success", client, NULL, now);
            err = audit_write(conn, &e);
        }
        if (!err) {
            err = db_commit(conn);
        } else {
            db_rollback(conn);
        }
    }
    if (!err) {
        err = accounts_find_by_id(conn, s->user_id, out);
    }
    db_release(conn);
    return err;
}

int
auth_revoke_session(struct db *db, const struct session *current, const char *id,
                    const struct auth_client *client)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = session_revoke(conn, current->user_id, id, now);
        if (!err) {
            struct audit_entry e = entry(current->user_id, "session_revoke", "success", client,
                                         strcmp(id, current->id) == 0 ? "{\"current\":true}"
                                                                      : "{\"current\":false}",
                                         now);
            err = audit_write(conn, &e);
        }
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
auth_revoke_other_sessions(struct db *db, const struct session *current,
                           const struct auth_client *client, uint64_t *count)
{
    struct db_conn *conn = NULL;
    int64_t now = clock_wall_s();
    int err;

    *count = 0;
    if ((err = db_acquire(db, &conn))) {
        return err;
    }
    if (!(err = db_begin(conn))) {
        err = session_revoke_others(conn, current->user_id, current->id, now, count);
        if (!err) {
            char detail[64];
            struct audit_entry e;
            (void)snprintf(detail, sizeof(detail), "{\"revoked\":%llu}",
                           (unsigned long long)*count);
            e = entry(current->user_id, "session_revoke_others", "success", client, detail, now);
            err = audit_write(conn, &e);
        }
        if (!err) {
            err = db_commit(conn);
        } else {
            db_rollback(conn);
        }
    }
    db_release(conn);
    return err;
}
