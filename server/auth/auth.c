#include "auth/auth.h"

#include "auth/auth_internal.h"

#include "auth/audit.h"
#include "auth/mails.h"
#include "auth/tokens.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "jobs/queue.h"

struct audit_entry
auth_entry(const char *user_id, const char *event, const char *outcome,
           const struct auth_client *client, const char *detail, int64_t now)
{
    return (struct audit_entry){user_id, event, outcome, client->ip, client->user_agent,
                                detail,  now};
}

void
auth_audit_failure(struct db *db, const char *user_id, const char *event,
                   const struct auth_client *client, const char *detail)
{
    struct audit_entry e = auth_entry(user_id, event, "failure", client, detail, clock_wall_s());
    if (audit_write_db(db, &e)) {
        return; /* logged as an error and counted in /metrics by audit_write_db */
    }
}

/*
 * What the single-change flows below share: the session they act for, the
 * client (for the audit row), and their small inputs and outputs.
 */
struct change_tx {
    const struct session *s;
    const struct auth_client *client;
    const char *id;   /* a session to revoke */
    struct str name;  /* a new display name */
    uint64_t count;   /* sessions revoked */
    struct user *out; /* the user after the change */
};

static int
audit_success(struct db_conn *conn, const struct change_tx *t, const char *event,
              const char *detail)
{
    struct audit_entry e =
        auth_entry(t->s->user_id, event, "success", t->client, detail, clock_wall_s());
    return audit_write(conn, &e);
}

void
auth_drop_token(struct auth_result *out)
{
    crypto_wipe(out->token, sizeof(out->token));
    out->token[0] = '\0';
}

/* The name to greet u with: none when u's address is unproven (a stranger may have chosen both). */
static const char *
greeting(const struct user *u)
{
    return u->email_verified_at ? u->name : NULL;
}

/*
 * Ends every credential the old password could have produced besides
 * sessions: unused verification, email-change and reset tokens. A pending
 * email change must not outlive a password reset (issue 9, item 1).
 */
static int
end_mail_tokens(struct db_conn *conn, const char *user_id, int64_t now)
{
    return tokens_revoke_all(conn, user_id, now);
}

/* A user found by one key (accounts_find_by_email or _by_id), on a pooled connection. */
struct find_args {
    int (*find)(struct db_conn *conn, const char *key, struct user *out);
    const char *key;
    struct user *out;
};

static int
find_on(struct db_conn *conn, void *arg)
{
    struct find_args *f = arg;
    return f->find(conn, f->key, f->out);
}

static int
find_user(struct db *db, const char *email, struct user *out)
{
    struct find_args f = {accounts_find_by_email, email, NULL};

    memset(out, 0, sizeof(*out));
    f.out = out;
    return db_with_conn(db, find_on, &f);
}

int
auth_get_user(struct db *db, const char *user_id, struct user *out)
{
    struct find_args f = {accounts_find_by_id, user_id, NULL};

    memset(out, 0, sizeof(*out));
    f.out = out;
    return db_with_conn(db, find_on, &f);
}

/* A sign-up's inputs and outputs, for its transaction bodies. */
struct signup_tx {
    const struct config *cfg;
    const char *email;
    struct str name;
    const char *hash; /* the password's PHC string */
    const struct auth_client *client;
    int64_t now;
    struct auth_result *out;
};

static int
signup_body(struct db_conn *conn, void *arg)
{
    struct signup_tx *t = arg;
    struct auth_result *out = t->out;
    char token[TOKEN_SIZE] = "";
    int err = accounts_create(conn, t->email, t->name, t->hash, t->now, &out->user);

    if (!err) {
        err = session_create(conn, t->cfg, out->user.id, false, t->now, t->client->ip,
                             t->client->user_agent, t->now, out->token, &out->session);
    }
    if (!err) {
        err = tokens_issue(conn, out->user.id, TOKEN_VERIFY, t->email, TOKEN_VERIFY_TTL_S, t->now,
                           token);
    }
    if (!err) {
        /* Held back (the address had mail a moment ago): the user can ask again later. */
        err = mails_enqueue(conn, t->cfg, MAIL_VERIFY, t->email, NULL, token, t->now);
        err = err == E_RATE_LIMITED ? 0 : err;
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(out->user.id, "signup", "success", t->client, NULL, t->now);
        err = audit_write(conn, &e);
    }
    crypto_wipe(token, sizeof(token));
    return err;
}

/*
 * Sign-up with an address that has an account: the owner gets a mail
 * ("someone tried to create an account with your address"), and the audit
 * log a failure; the caller answers like a success.
 */
static int
signup_taken_body(struct db_conn *conn, void *arg)
{
    struct signup_tx *t = arg;
    struct user owner;
    int err = accounts_find_by_email(conn, t->email, &owner);

    if (!err) {
        err = mails_enqueue(conn, t->cfg, MAIL_ACCOUNT_EXISTS, t->email, greeting(&owner), NULL,
                            t->now);
        err = err == E_RATE_LIMITED ? 0 : err; /* the owner had this mail a moment ago */
    }
    if (!err) {
        struct audit_entry e = auth_entry(owner.id, "signup", "failure", t->client,
                                          "{\"reason\":\"email_taken\"}", t->now);
        err = audit_write(conn, &e);
    }
    crypto_wipe(owner.password_hash, sizeof(owner.password_hash));
    return err;
}

int
auth_signup(struct db *db, const struct config *cfg, const char *email, struct str name,
            struct str password, const struct auth_client *client, struct auth_result *out)
{
    char hash[CRYPTO_PASSWORD_HASH_MAX];
    struct signup_tx t = {cfg, email, name, hash, client, clock_wall_s(), out};
    int err;

    memset(out, 0, sizeof(*out));
    /* Hash first, taken address or not: both answers cost the same. */
    if ((err = crypto_password_hash(password, hash))) {
        return err;
    }
    err = db_tx(db, signup_body, &t);
    if (err == E_CONFLICT) {
        memset(out, 0, sizeof(*out));
        err = db_tx(db, signup_taken_body, &t);
        if (!err) {
            err = E_CONFLICT;
        }
    }
    crypto_wipe(hash, sizeof(hash));
    if (err) {
        auth_drop_token(out);
    }
    return err;
}

/* A login past its password check: its transaction body's inputs and outputs. */
struct login_tx {
    const struct config *cfg;
    bool remember;
    const struct session *replaced;
    const struct auth_client *client;
    int64_t now;
    struct auth_result *out;
    char rehash[CRYPTO_PASSWORD_HASH_MAX]; /* "" or the password hashed anew */
};

static int
login_body(struct db_conn *conn, void *arg)
{
    struct login_tx *t = arg;
    struct auth_result *out = t->out;
    int err = 0;

    /* Only over the hash it replaces: a change or reset since the check wins. */
    if (t->rehash[0]) {
        err = accounts_rehash_password(conn, out->user.id, out->user.password_hash, t->rehash,
                                       t->now);
        if (!err) {
            log_msg(LOG_INFO, "rehashed a password with today's parameters");
        }
    }
    /* No fixation: whatever session the browser had is replaced. */
    if (!err && t->replaced) {
        int rerr = session_revoke(conn, t->replaced->user_id, t->replaced->id, t->now);
        err = rerr == E_NOT_FOUND ? 0 : rerr;
    }
    if (!err) {
        err = session_create(conn, t->cfg, out->user.id, t->remember, t->now, t->client->ip,
                             t->client->user_agent, t->now, out->token, &out->session);
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(out->user.id, "login", "success", t->client,
                       t->remember ? "{\"remember\":true}" : "{\"remember\":false}", t->now);
        err = audit_write(conn, &e);
    }
    return err;
}

int
auth_login(struct db *db, const struct config *cfg, const char *email, struct str password,
           bool remember, const struct session *replaced, const struct auth_client *client,
           struct auth_result *out)
{
    int64_t now = clock_wall_s();
    struct login_tx t = {cfg, remember, replaced, client, now, out, ""};
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
            auth_audit_failure(db, NULL, "login", client, "{\"reason\":\"throttled\"}");
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
        auth_audit_failure(db, found ? out->user.id : NULL, "login", client,
                           found ? "{\"reason\":\"wrong_password\"}"
                                 : "{\"reason\":\"unknown_account\"}");
        memset(&out->user, 0, sizeof(out->user));
        return E_BAD_CREDENTIALS;
    }
    if ((err = throttle_clear(db, email))) {
        return err;
    }
    /* Parameters changed since this hash was made: a new one, stored with the session. */
    if (crypto_password_needs_rehash(out->user.password_hash) &&
        crypto_password_hash(password, t.rehash)) {
        t.rehash[0] = '\0'; /* next time, then */
    }
    err = db_tx(db, login_body, &t);
    crypto_wipe(t.rehash, sizeof(t.rehash));
    if (err) {
        auth_drop_token(out);
    }
    return err;
}

/* Revokes s (if any) and writes the audit row, in one transaction. */
static int
logout_body(struct db_conn *conn, void *arg)
{
    struct change_tx *t = arg;
    int err = session_revoke(conn, t->s->user_id, t->s->id, clock_wall_s());
    return err && err != E_NOT_FOUND ? err : audit_success(conn, t, "logout", NULL);
}

int
auth_logout(struct db *db, const struct session *s, const struct auth_client *client)
{
    struct change_tx t = {.s = s, .client = client};
    return s ? db_tx(db, logout_body, &t) : 0;
}

/* Loads the session's user and checks password; E_VALIDATION on field when wrong. */
static int
check_password(struct db *db, const struct session *s, struct str password, const char *field,
               const char *event, const struct auth_client *client, struct auth_result *out)
{
    char key[ACCOUNT_ID_SIZE + 8];
    int64_t now = clock_wall_s();
    int err;

    /* A stolen session cookie must not turn into unlimited password guesses. */
    (void)snprintf(key, sizeof(key), "user:%s", s->user_id);
    if ((err = throttle_check(db, key, now, &out->retry_after))) {
        return err;
    }
    err = auth_get_user(db, s->user_id, &out->user);
    if (err) {
        return err == E_NOT_FOUND ? E_UNAUTHENTICATED : err;
    }
    if (!out->user.has_password) {
        crypto_password_dummy_verify(password);
    }
    if (!out->user.has_password || !crypto_password_verify(out->user.password_hash, password)) {
        auth_audit_failure(db, s->user_id, event, client, "{\"reason\":\"wrong_password\"}");
        if ((err = throttle_fail(db, key, now))) {
            log_msg(LOG_WARNING, "cannot record failed password check: %s", err_name(err));
        }
        out->field = field;
        out->field_code = "incorrect";
        return E_VALIDATION;
    }
    return throttle_clear(db, key);
}

static int
reauth_body(struct db_conn *conn, void *arg)
{
    struct change_tx *t = arg;
    int err = session_mark_auth(conn, t->s->user_id, t->s->id, clock_wall_s());
    return err ? err : audit_success(conn, t, "reauth", NULL);
}

int
auth_reauth(struct db *db, const struct session *s, struct str password,
            const struct auth_client *client, struct auth_result *out)
{
    struct change_tx t = {.s = s, .client = client};
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = check_password(db, s, password, "password", "reauth", client, out))) {
        return err;
    }
    return db_tx(db, reauth_body, &t);
}

/* A password change past its check of the current one. */
struct password_tx {
    const struct config *cfg;
    const struct session *s;
    const char *hash; /* the new password's PHC string */
    const struct auth_client *client;
    int64_t now;
    struct auth_result *out;
};

static int
password_change_body(struct db_conn *conn, void *arg)
{
    struct password_tx *t = arg;
    struct auth_result *out = t->out;
    uint64_t revoked = 0;
    int err = accounts_set_password(conn, t->s->user_id, t->hash, t->now);

    /* Every session goes, this one included: a new one replaces it. */
    if (!err) {
        err = session_revoke_others(conn, t->s->user_id, NULL, t->now, &revoked);
    }
    if (!err) {
        err = end_mail_tokens(conn, t->s->user_id, t->now);
    }
    if (!err) {
        err = session_create(conn, t->cfg, t->s->user_id, t->s->remember, t->now, t->client->ip,
                             t->client->user_agent, t->now, out->token, &out->session);
    }
    if (!err) {
        err = mails_enqueue(conn, t->cfg, MAIL_PASSWORD_CHANGED, out->user.email,
                            greeting(&out->user), NULL, t->now);
    }
    if (!err) {
        char detail[64];
        struct audit_entry e;
        (void)snprintf(detail, sizeof(detail), "{\"revokedSessions\":%llu}",
                       (unsigned long long)revoked);
        e = auth_entry(t->s->user_id, "password_change", "success", t->client, detail, t->now);
        err = audit_write(conn, &e);
    }
    return err;
}

int
auth_change_password(struct db *db, const struct config *cfg, const struct session *s,
                     struct str current, struct str next, const struct auth_client *client,
                     struct auth_result *out)
{
    char hash[CRYPTO_PASSWORD_HASH_MAX];
    struct password_tx t = {cfg, s, hash, client, clock_wall_s(), out};
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = check_password(db, s, current, "currentPassword", "password_change", client, out))) {
        return err;
    }
    if ((err = crypto_password_hash(next, hash))) {
        return err;
    }
    err = db_tx(db, password_change_body, &t);
    crypto_wipe(hash, sizeof(hash));
    if (err) {
        auth_drop_token(out);
    }
    return err;
}

static int
update_name_body(struct db_conn *conn, void *arg)
{
    struct change_tx *t = arg;
    int err = accounts_update_name(conn, t->s->user_id, t->name, clock_wall_s());
    if (!err) {
        err = audit_success(conn, t, "profile_update", NULL);
    }
    return err ? err : accounts_find_by_id(conn, t->s->user_id, t->out);
}

int
auth_update_name(struct db *db, const struct session *s, struct str name,
                 const struct auth_client *client, struct user *out)
{
    struct change_tx t = {.s = s, .client = client, .name = name, .out = out};
    return db_tx(db, update_name_body, &t);
}

static int
revoke_body(struct db_conn *conn, void *arg)
{
    struct change_tx *t = arg;
    int err = session_revoke(conn, t->s->user_id, t->id, clock_wall_s());
    bool current = strcmp(t->id, t->s->id) == 0;
    return err ? err
               : audit_success(conn, t, "session_revoke",
                               current ? "{\"current\":true}" : "{\"current\":false}");
}

int
auth_revoke_session(struct db *db, const struct session *current, const char *id,
                    const struct auth_client *client)
{
    struct change_tx t = {.s = current, .client = client, .id = id};
    return db_tx(db, revoke_body, &t);
}

static int
revoke_others_body(struct db_conn *conn, void *arg)
{
    struct change_tx *t = arg;
    char detail[64];
    int64_t now = clock_wall_s();
    int err = session_revoke_others(conn, t->s->user_id, t->s->id, now, &t->count);

    if (!err) {
        err = end_mail_tokens(conn, t->s->user_id, now);
    }
    if (err) {
        return err;
    }
    (void)snprintf(detail, sizeof(detail), "{\"revoked\":%llu}", (unsigned long long)t->count);
    return audit_success(conn, t, "session_revoke_others", detail);
}

int
auth_revoke_other_sessions(struct db *db, const struct session *current,
                           const struct auth_client *client, uint64_t *count)
{
    struct change_tx t = {.s = current, .client = client};
    int err = db_tx(db, revoke_others_body, &t);
    *count = err ? 0 : t.count;
    return err;
}

struct verify_tx {
    const struct config *cfg;
    struct str token;
    const struct auth_client *client;
    struct user *out;
};

static int
verify_body(struct db_conn *conn, void *arg)
{
    struct verify_tx *v = arg;
    char user_id[ACCOUNT_ID_SIZE];
    char email[ACCOUNT_EMAIL_MAX + 1];
    int64_t now = clock_wall_s();
    struct user before;
    bool changed = false;
    int err = tokens_consume(conn, TOKEN_VERIFY, v->token, now, user_id, email);

    if (!err) {
        err = accounts_find_by_id(conn, user_id, &before);
    }
    if (!err) {
        /* The token names the address it was mailed to: that address is the proven one. */
        err = accounts_set_verified_email(conn, user_id, email, now);
    }
    if (!err && strcmp(before.email, email) != 0) {
        /*
         * The account changed hands to this address: links mailed to the old
         * one end, and the old address hears of it, with the way back.
         */
        changed = true;
        err = end_mail_tokens(conn, user_id, now);
        if (!err) {
            err = mails_enqueue(conn, v->cfg, MAIL_EMAIL_CHANGED, before.email, greeting(&before),
                                NULL, now);
        }
    }
    if (!err) {
        struct audit_entry e = auth_entry(user_id, changed ? "email_change" : "email_verified",
                                          "success", v->client, NULL, now);
        err = audit_write(conn, &e);
    }
    if (!err) {
        err = accounts_find_by_id(conn, user_id, v->out);
    }
    return err;
}

int
auth_verify_email(struct db *db, const struct config *cfg, struct str token,
                  const struct auth_client *client, struct auth_result *out)
{
    struct verify_tx v = {cfg, token, client, &out->user};
    int err;

    memset(out, 0, sizeof(*out));
    err = db_tx(db, verify_body, &v);
    if (err == E_NOT_FOUND) {
        auth_audit_failure(db, NULL, "email_verified", client, "{\"reason\":\"bad_token\"}");
        out->field = "token";
        out->field_code = "invalid";
        return E_VALIDATION;
    }
    return err;
}

struct mail_tx {
    const struct config *cfg;
    const char *user_id;
    const char *email; /* where the token goes */
    const struct auth_client *client;
    const char *event;
    int retry_after;
    bool sent;
};

static int
resend_body(struct db_conn *conn, void *arg)
{
    struct mail_tx *m = arg;
    char token[TOKEN_SIZE] = "";
    int64_t now = clock_wall_s();
    int64_t age = INT64_MAX;
    struct user u;
    int err = accounts_find_by_id(conn, m->user_id, &u);

    if (err || u.email_verified_at) {
        return err;
    }
    if ((err = tokens_age(conn, m->user_id, TOKEN_VERIFY, now, &age))) {
        return err;
    }
    if (age < 60) {
        m->retry_after = (int)(60 - age);
        return E_RATE_LIMITED;
    }
    err = tokens_issue(conn, m->user_id, TOKEN_VERIFY, u.email, TOKEN_VERIFY_TTL_S, now, token);
    if (!err) {
        err = mails_enqueue(conn, m->cfg, MAIL_VERIFY, u.email, NULL, token, now);
        if (err == E_RATE_LIMITED) {
            m->retry_after = MAILS_COOLDOWN_S;
        }
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(m->user_id, "email_verification_sent", "success", m->client, NULL, now);
        err = audit_write(conn, &e);
    }
    crypto_wipe(token, sizeof(token));
    m->sent = err == 0;
    return err;
}

int
auth_resend_verification(struct db *db, const struct config *cfg, const struct session *s,
                         const struct auth_client *client, struct auth_result *out, bool *sent)
{
    struct mail_tx m = {cfg, s->user_id, NULL, client, NULL, 0, false};
    int err = db_tx(db, resend_body, &m);

    memset(out, 0, sizeof(*out));
    out->retry_after = m.retry_after;
    *sent = m.sent;
    return err;
}

/*
 * Forgot-password: the request only enqueues (the same statements whether
 * or not the address has an account, so the answer and its cost say
 * nothing); the job looks the account up and mails it (issue 9).
 */
struct forgot_tx {
    const char *email;
    const struct auth_client *client;
};

/* Appends "name":"value" (JSON-escaped; text that is not UTF-8 becomes ""). */
static int
add_member(struct buf *b, const char *name, const char *value)
{
    struct str v = str_from_cstr(value ? value : "");
    int err = buf_addf(b, "%s\"%s\":\"", b->len > 1 ? "," : "", name);

    if (!err && str_is_utf8(v)) {
        err = buf_add_json_escaped(b, v);
    }
    return err ? err : buf_addch(b, '"');
}

static int
forgot_enqueue_body(struct db_conn *conn, void *arg)
{
    struct forgot_tx *f = arg;
    struct buf payload = BUF_INIT;
    int err = buf_addch(&payload, '{');

    if (!err) {
        err = add_member(&payload, "email", f->email);
    }
    if (!err) {
        err = add_member(&payload, "ip", f->client->ip);
    }
    if (!err) {
        err = add_member(&payload, "userAgent", f->client->user_agent);
    }
    if (!err) {
        err = buf_addch(&payload, '}');
    }
    err = err ? E_INTERNAL : jobs_enqueue(conn, AUTH_FORGOT_JOB, payload.ptr, NULL, NULL);
    buf_release(&payload);
    return err;
}

int
auth_forgot_password(struct db *db, const struct config *cfg, const char *email,
                     const struct auth_client *client, bool *sent)
{
    struct forgot_tx f = {email, client};
    int err;

    (void)cfg;
    *sent = false;
    if (!email) {
        return 0;
    }
    err = db_tx(db, forgot_enqueue_body, &f);
    *sent = err == 0;
    return err;
}

/* What the forgot-password job's transaction needs. */
struct forgot_job {
    const struct config *cfg;
    const char *email;
    const struct auth_client *client;
};

/* The job's transaction: look up, issue, mail, audit (jobs_complete_tx completes the job with it).
 */
static int
forgot_job_body(struct db_conn *conn, void *arg)
{
    const struct forgot_job *f = arg;
    const struct config *cfg = f->cfg;
    const struct auth_client *client = f->client;
    char token[TOKEN_SIZE] = "";
    int64_t now = clock_wall_s();
    int64_t age = INT64_MAX;
    struct user u;
    int err = accounts_find_by_email(conn, f->email, &u);

    if (err == E_NOT_FOUND) {
        return 0; /* nobody to mail */
    }
    if (!err) {
        err = tokens_age(conn, u.id, TOKEN_RESET, now, &age);
    }
    /* One reset mail a minute per address: more is a mail bomb, not a user. */
    if (!err && age >= 60) {
        err = tokens_issue(conn, u.id, TOKEN_RESET, u.email, TOKEN_RESET_TTL_S, now, token);
        if (!err) {
            /* Held back (E_RATE_LIMITED): the caller rolls back, the older link stays live. */
            err = mails_enqueue(conn, cfg, MAIL_RESET, u.email, greeting(&u), token, now);
        }
        if (!err) {
            struct audit_entry e =
                auth_entry(u.id, "password_reset_requested", "success", client, NULL, now);
            err = audit_write(conn, &e);
        }
    }
    crypto_wipe(token, sizeof(token));
    return err;
}

int
auth_forgot_password_job(struct job_ctx *ctx, const struct job *job)
{
    char email[ACCOUNT_EMAIL_MAX + 1];
    char ip[128];
    char ua[1024];
    struct auth_client client = {ip, ua};
    struct forgot_job f = {jobs_ctx_cfg(ctx), email, &client};
    int err = jobs_payload_str(job, "email", email, sizeof(email));

    if (!err) {
        err = jobs_payload_str(job, "ip", ip, sizeof(ip));
    }
    if (!err) {
        err = jobs_payload_str(job, "userAgent", ua, sizeof(ua));
    }
    if (err) {
        return jobs_fail_for_good(ctx, "malformed forgot-password payload: %s", err_name(err));
    }
    err = jobs_complete_tx(ctx, forgot_job_body, &f);
    if (err == E_RATE_LIMITED) {
        return 0; /* the address had its mails for today: nothing to do, nothing to retry */
    }
    return err ? jobs_fail(ctx, err, "forgot-password: %s", err_name(err)) : 0;
}

struct reset_tx {
    const struct config *cfg;
    struct str token;
    const char *hash;
    const struct auth_client *client;
    struct auth_result *out;
};

static int
reset_body(struct db_conn *conn, void *arg)
{
    struct reset_tx *r = arg;
    char user_id[ACCOUNT_ID_SIZE];
    char email[ACCOUNT_EMAIL_MAX + 1];
    int64_t now = clock_wall_s();
    uint64_t revoked = 0;
    int err = tokens_consume(conn, TOKEN_RESET, r->token, now, user_id, email);

    if (!err) {
        err = accounts_set_password(conn, user_id, r->hash, now);
    }
    if (!err) {
        /* Following the link proved the address, if it is still the account's. */
        err = accounts_verify_if_current(conn, user_id, email, now);
    }
    if (!err) {
        err = session_revoke_others(conn, user_id, NULL, now, &revoked);
    }
    if (!err) {
        err = end_mail_tokens(conn, user_id, now);
    }
    if (!err) {
        err = session_create(conn, r->cfg, user_id, false, now, r->client->ip,
                             r->client->user_agent, now, r->out->token, &r->out->session);
    }
    if (!err) {
        err = accounts_find_by_id(conn, user_id, &r->out->user);
    }
    if (!err) {
        err = mails_enqueue(conn, r->cfg, MAIL_PASSWORD_CHANGED, r->out->user.email,
                            greeting(&r->out->user), NULL, now);
    }
    if (!err) {
        char detail[64];
        struct audit_entry e;
        (void)snprintf(detail, sizeof(detail), "{\"revokedSessions\":%llu}",
                       (unsigned long long)revoked);
        e = auth_entry(user_id, "password_reset", "success", r->client, detail, now);
        err = audit_write(conn, &e);
    }
    return err;
}

int
auth_reset_password(struct db *db, const struct config *cfg, struct str token, struct str password,
                    const struct auth_client *client, struct auth_result *out)
{
    char hash[CRYPTO_PASSWORD_HASH_MAX];
    struct reset_tx r = {cfg, token, hash, client, out};
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = crypto_password_hash(password, hash))) {
        return err;
    }
    err = db_tx(db, reset_body, &r);
    crypto_wipe(hash, sizeof(hash));
    if (err) {
        auth_drop_token(out);
    }
    if (err == E_NOT_FOUND) {
        auth_audit_failure(db, NULL, "password_reset", client, "{\"reason\":\"bad_token\"}");
        out->field = "token";
        out->field_code = "invalid";
        return E_VALIDATION;
    }
    return err;
}

static int
email_change_body(struct db_conn *conn, void *arg)
{
    struct mail_tx *m = arg;
    char token[TOKEN_SIZE] = "";
    int64_t now = clock_wall_s();
    struct user u;
    struct user other;
    int err = accounts_find_by_id(conn, m->user_id, &u);

    if (err) {
        return err;
    }
    err = accounts_find_by_email(conn, m->email, &other);
    if (!err) {
        /* Taken: its owner hears of it; the requester gets the same answer as ever. */
        if (strcmp(other.id, u.id) != 0) {
            err = mails_enqueue(conn, m->cfg, MAIL_ACCOUNT_EXISTS, other.email, greeting(&other),
                                NULL, now);
        }
        m->sent = err == 0;
        return err;
    }
    if (err != E_NOT_FOUND) {
        return err;
    }
    err = tokens_issue(conn, u.id, TOKEN_VERIFY, m->email, TOKEN_EMAIL_CHANGE_TTL_S, now, token);
    if (!err) {
        err = mails_enqueue(conn, m->cfg, MAIL_EMAIL_CHANGE, m->email, NULL, token, now);
    }
    if (!err) {
        struct audit_entry e =
            auth_entry(u.id, "email_change_requested", "success", m->client, NULL, now);
        err = audit_write(conn, &e);
    }
    crypto_wipe(token, sizeof(token));
    m->sent = err == 0;
    return err;
}

int
auth_request_email_change(struct db *db, const struct config *cfg, const struct session *s,
                          const char *new_email, struct str password,
                          const struct auth_client *client, struct auth_result *out)
{
    struct mail_tx m = {cfg, s->user_id, new_email, client, NULL, 0, false};
    int err;

    memset(out, 0, sizeof(*out));
    if ((err = check_password(db, s, password, "password", "email_change", client, out))) {
        return err;
    }
    /* Mail held back by the recipient's cooldown: rolled back, the same answer. */
    err = db_tx(db, email_change_body, &m);
    return err == E_RATE_LIMITED ? 0 : err;
}
