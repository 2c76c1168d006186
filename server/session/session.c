#include "session/session.h"

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "session/cache.h"

#define SESSION_COLS                                                                               \
    "id, user_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, auth_at, "       \
    "remember, ip, user_agent"

/* The session and its user, joined: what session_lookup reads (read_session, then read_user). */
#define LOOKUP_COLS                                                                                \
    "s.id, s.user_id, s.created_at, s.last_seen_at, s.idle_expires_at, s.absolute_expires_at, "    \
    "s.auth_at, s.remember, s.ip, s.user_agent, u.email, u.name, "                                 \
    "CASE WHEN u.password_hash IS NULL THEN 0 ELSE 1 END, u.email_verified_at, u.created_at"

static void
token_hash(struct str token, char out[2 * CRYPTO_SHA256_LEN + 1])
{
    crypto_sha256_hex(token.ptr, token.len, out);
}

static void
read_user(const struct db_result *r, size_t row, size_t col, struct session_user *u)
{
    db_text_copy(r, row, col, u->email, sizeof(u->email));
    db_text_copy(r, row, col + 1, u->name, sizeof(u->name));
    u->has_password = db_int(r, row, col + 2) != 0;
    u->email_verified_at = db_int(r, row, col + 3);
    u->created_at = db_int(r, row, col + 4);
}

static void
read_session(const struct db_result *r, size_t row, struct session *s)
{
    memset(s, 0, sizeof(*s));
    db_text_copy(r, row, 0, s->id, sizeof(s->id));
    db_text_copy(r, row, 1, s->user_id, sizeof(s->user_id));
    s->created_at = db_int(r, row, 2);
    s->last_seen_at = db_int(r, row, 3);
    s->idle_expires_at = db_int(r, row, 4);
    s->absolute_expires_at = db_int(r, row, 5);
    s->auth_at = db_int(r, row, 6);
    s->remember = db_int(r, row, 7) != 0;
    db_text_copy(r, row, 8, s->ip, sizeof(s->ip));
    db_text_copy(r, row, 9, s->user_agent, sizeof(s->user_agent));
}

static int64_t
min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int
session_create(struct db_conn *conn, const struct config *cfg, const char *user_id, bool remember,
               int64_t auth_at, const char *ip, const char *ua, int64_t now, char *token,
               struct session *out)
{
    uint8_t raw[SESSION_TOKEN_BYTES];
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    struct db_param p[11];
    int64_t absolute = now + (int64_t)(remember ? cfg->session_absolute_s : cfg->session_short_s);
    int err;

    memset(out, 0, sizeof(*out));
    crypto_random(raw, sizeof(raw));
    crypto_b64url(raw, sizeof(raw), token, SESSION_TOKEN_SIZE);
    crypto_wipe(raw, sizeof(raw));
    token_hash(str_from_cstr(token), hash);
    crypto_random_token(16, out->id, sizeof(out->id));
    (void)snprintf(out->user_id, sizeof(out->user_id), "%s", user_id);
    (void)snprintf(out->ip, sizeof(out->ip), "%s", ip ? ip : "");
    (void)snprintf(out->user_agent, sizeof(out->user_agent), "%.256s", ua ? ua : "");
    out->created_at = now;
    out->last_seen_at = now;
    out->absolute_expires_at = absolute;
    out->idle_expires_at = min64(now + (int64_t)cfg->session_idle_s, absolute);
    out->auth_at = auth_at;
    out->remember = remember;

    p[0] = DB_CSTR(out->id);
    p[1] = DB_CSTR(hash);
    p[2] = DB_CSTR(user_id);
    p[3] = DB_INT(now);
    p[4] = DB_INT(now);
    p[5] = DB_INT(out->idle_expires_at);
    p[6] = DB_INT(out->absolute_expires_at);
    p[7] = DB_INT(auth_at);
    p[8] = DB_INT(remember ? 1 : 0);
    p[9] = DB_CSTR(out->ip);
    p[10] = DB_CSTR(out->user_agent);
    err = db_exec(conn,
                  "INSERT INTO user_sessions (id, token_hash, user_id, created_at, last_seen_at, "
                  "idle_expires_at, absolute_expires_at, auth_at, remember, ip, user_agent) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                  p, 11, NULL);
    if (err) {
        crypto_wipe(token, SESSION_TOKEN_SIZE);
        token[0] = '\0';
    }
    return err;
}

/* A token is 43 base64url characters; anything else is not worth a query. */
static bool
plausible_token(struct str t)
{
    if (t.len != 43) {
        return false;
    }
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Is s, as read at some point, still live at now without a slide due? */
static bool
is_fresh(const struct session *s, int64_t now)
{
    return s->idle_expires_at > now && s->absolute_expires_at > now &&
           now - s->last_seen_at < SESSION_TOUCH_INTERVAL_S;
}

int
session_lookup(struct db *db, struct session_cache *cache, const struct config *cfg,
               struct str token, int64_t now, struct session *out)
{
    uint8_t raw[CRYPTO_SHA256_LEN];
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    struct db_param p[2];
    uint64_t epoch = 0;
    int err;

    if (!plausible_token(token)) {
        return E_UNAUTHENTICATED;
    }
    crypto_sha256(token.ptr, token.len, raw);
    if (cache) {
        if (session_cache_get(cache, raw, clock_mono_ms(), out) && is_fresh(out, now)) {
            return 0;
        }
        /* Taken before the read: a change committed meanwhile keeps the result out. */
        epoch = session_cache_epoch(cache);
    }
    crypto_hex(raw, sizeof(raw), hash);
    p[0] = DB_CSTR(hash);
    p[1] = DB_INT(now);
    err = db_run(db,
                 "SELECT " LOOKUP_COLS " FROM user_sessions s JOIN users u ON u.id = s.user_id "
                 "WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.idle_expires_at > $2 "
                 "AND s.absolute_expires_at > $2",
                 p, 2, &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_UNAUTHENTICATED;
    }
    if (!err) {
        read_session(r, 0, out);
        read_user(r, 0, 10, &out->user);
    }
    db_result_free(r);
    if (err) {
        return err;
    }
    /* Sliding idle expiry, written at most once a minute per session. */
    if (now - out->last_seen_at >= SESSION_TOUCH_INTERVAL_S) {
        struct db_param q[3];
        out->last_seen_at = now;
        out->idle_expires_at = min64(now + (int64_t)cfg->session_idle_s, out->absolute_expires_at);
        q[0] = DB_INT(now);
        q[1] = DB_INT(out->idle_expires_at);
        q[2] = DB_CSTR(out->id);
        err = db_run(db,
                     "UPDATE user_sessions SET last_seen_at = $1, idle_expires_at = $2 "
                     "WHERE id = $3",
                     q, 3, NULL);
        /* A failed touch costs a minute of idle time at most; the request goes on. */
        err = err == E_UNAVAILABLE ? err : 0;
    }
    if (!err && cache) {
        session_cache_put(cache, raw, out, epoch, clock_mono_ms());
    }
    return err;
}

int
session_revoke(struct db_conn *conn, const char *user_id, const char *id, int64_t now)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_INT(now), DB_CSTR(id), DB_CSTR(user_id)};
    int err = db_exec(conn,
                      "UPDATE user_sessions SET revoked_at = $1 WHERE id = $2 AND user_id = $3 "
                      "AND revoked_at IS NULL",
                      p, 3, &r);
    if (!err && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        err = db_notify(conn, SESSION_CHANNEL, user_id);
    }
    db_result_free(r);
    return err;
}

int
session_revoke_others(struct db_conn *conn, const char *user_id, const char *except_id, int64_t now,
                      uint64_t *count)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_INT(now), DB_CSTR(user_id), DB_CSTR(except_id ? except_id : "")};
    int err = db_exec(conn,
                      "UPDATE user_sessions SET revoked_at = $1 WHERE user_id = $2 AND id <> $3 "
                      "AND revoked_at IS NULL",
                      p, 3, &r);
    *count = err ? 0 : db_result_affected(r);
    db_result_free(r);
    if (!err) {
        err = db_notify(conn, SESSION_CHANNEL, user_id);
    }
    return err;
}

int
session_list(struct db_conn *conn, const char *user_id, int64_t now, struct arena *a,
             struct session **out, size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(user_id), DB_INT(now)};
    int err =
        db_exec(conn,
                "SELECT " SESSION_COLS " FROM user_sessions WHERE user_id = $1 "
                "AND revoked_at IS NULL AND idle_expires_at > $2 AND absolute_expires_at > $2 "
                "ORDER BY last_seen_at DESC, created_at DESC LIMIT 200",
                p, 2, &r);
    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, st_mult(rows ? rows : 1, sizeof(struct session)));
        for (size_t i = 0; i < rows; i++) {
            read_session(r, i, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
session_mark_auth(struct db_conn *conn, const char *user_id, const char *id, int64_t now)
{
    struct db_param p[] = {DB_INT(now), DB_CSTR(id), DB_CSTR(user_id)};
    int err = db_exec(conn, "UPDATE user_sessions SET auth_at = $1 WHERE id = $2 AND user_id = $3",
                      p, 3, NULL);
    if (!err) {
        err = db_notify(conn, SESSION_CHANNEL, user_id);
    }
    return err;
}

int64_t
session_cookie_max_age(const struct session *s, int64_t now)
{
    return s->remember ? s->absolute_expires_at - now : -1;
}
