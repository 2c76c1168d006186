#include "auth/tokens.h"

#include "core/err.h"
#include "crypto/crypto.h"

static void
hash_of(struct str token, char out[2 * CRYPTO_SHA256_LEN + 1])
{
    crypto_sha256_hex(token.ptr, token.len, out);
}

int
tokens_issue(struct db_conn *conn, const char *user_id, const char *kind, const char *email,
             int64_t ttl_s, int64_t now, char *token)
{
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    char id[32];
    uint8_t raw[32];
    int err;

    {
        struct db_param p[] = {DB_INT(now), DB_CSTR(user_id), DB_CSTR(kind)};
        err = db_exec(conn,
                      "UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND kind = $3 "
                      "AND used_at IS NULL",
                      p, 3, NULL);
        if (err) {
            return err;
        }
    }
    crypto_random(raw, sizeof(raw));
    crypto_b64url(raw, sizeof(raw), token, TOKEN_SIZE);
    crypto_wipe(raw, sizeof(raw));
    hash_of(str_from_cstr(token), hash);
    crypto_random_token(16, id, sizeof(id));
    {
        struct db_param p[] = {DB_CSTR(id),    DB_CSTR(user_id), DB_CSTR(kind),      DB_CSTR(hash),
                               DB_CSTR(email), DB_INT(now),      DB_INT(now + ttl_s)};
        err = db_exec(conn,
                      "INSERT INTO email_tokens (id, user_id, kind, token_hash, email, created_at, "
                      "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      p, 7, NULL);
    }
    if (err) {
        crypto_wipe(token, TOKEN_SIZE);
        token[0] = '\0';
    }
    return err;
}

int
tokens_consume(struct db_conn *conn, const char *kind, struct str token, int64_t now, char *user_id,
               char *email)
{
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    int err;

    if (token.len != 43) {
        return E_NOT_FOUND;
    }
    hash_of(token, hash);
    {
        struct db_param p[] = {DB_INT(now), DB_CSTR(hash), DB_CSTR(kind)};
        err = db_exec(conn,
                      "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND kind = $3 "
                      "AND used_at IS NULL AND expires_at > $1 RETURNING user_id, email",
                      p, 3, &r);
    }
    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        (void)snprintf(user_id, ACCOUNT_ID_SIZE, "%s", db_text(r, 0, 0));
        (void)snprintf(email, ACCOUNT_EMAIL_MAX + 1, "%s", db_text(r, 0, 1));
    }
    db_result_free(r);
    return err;
}

int
tokens_age(struct db_conn *conn, const char *user_id, const char *kind, int64_t now, int64_t *age)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(user_id), DB_CSTR(kind)};
    int err =
        db_exec(conn, "SELECT MAX(created_at) FROM email_tokens WHERE user_id = $1 AND kind = $2",
                p, 2, &r);
    *age = INT64_MAX;
    if (!err && db_result_rows(r) == 1 && !db_is_null(r, 0, 0)) {
        *age = now - db_int(r, 0, 0);
    }
    db_result_free(r);
    return err;
}

int
tokens_revoke_all(struct db_conn *conn, const char *user_id, int64_t now)
{
    struct db_param p[] = {DB_INT(now), DB_CSTR(user_id)};
    return db_exec(conn,
                   "UPDATE email_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL", p,
                   2, NULL);
}
