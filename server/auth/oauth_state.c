#include "auth/oauth_state.h"

#include "core/err.h"
#include "crypto/crypto.h"

static void
key_hash(struct str cookie, char out[2 * CRYPTO_SHA256_LEN + 1])
{
    crypto_sha256_hex(cookie.ptr, cookie.len, out);
}

void
oauth_state_init(struct oauth_state *s, const char *next, bool remember, const char *link_user_id)
{
    memset(s, 0, sizeof(*s));
    crypto_random_token(32, s->state, sizeof(s->state));
    crypto_random_token(32, s->nonce, sizeof(s->nonce));
    crypto_random_token(32, s->verifier, sizeof(s->verifier));
    (void)snprintf(s->next, sizeof(s->next), "%s", strlen(next) <= OAUTH_NEXT_MAX ? next : "/");
    s->remember = remember;
    if (link_user_id && strlen(link_user_id) < sizeof(s->link_user_id)) {
        memcpy(s->link_user_id, link_user_id, strlen(link_user_id) + 1);
    }
}

int
oauth_state_save(struct db_conn *conn, const struct oauth_state *s, int64_t now, char *cookie)
{
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    int err;

    {
        struct db_param p[] = {DB_INT(now)};
        if ((err = db_exec(conn, "DELETE FROM oauth_states WHERE expires_at <= $1", p, 1, NULL))) {
            return err;
        }
    }
    crypto_random_token(32, cookie, OAUTH_SECRET_SIZE);
    key_hash(str_from_cstr(cookie), hash);
    {
        struct db_param p[] = {DB_CSTR(hash),
                               DB_CSTR(s->state),
                               DB_CSTR(s->nonce),
                               DB_CSTR(s->verifier),
                               DB_CSTR(s->next),
                               DB_INT(s->remember),
                               DB_INT(now),
                               DB_INT(now + OAUTH_STATE_TTL_S),
                               s->link_user_id[0] ? DB_CSTR(s->link_user_id) : DB_NULL};
        err = db_exec(conn,
                      "INSERT INTO oauth_states (id_hash, state, nonce, verifier, next, remember, "
                      "created_at, expires_at, link_user_id) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                      p, 9, NULL);
    }
    if (err) {
        crypto_wipe(cookie, OAUTH_SECRET_SIZE);
        cookie[0] = '\0';
    }
    return err;
}

int
oauth_state_take(struct db_conn *conn, struct str cookie, int64_t now, struct oauth_state *out)
{
    char hash[2 * CRYPTO_SHA256_LEN + 1];
    struct db_result *r = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    if (cookie.len == 0 || cookie.len >= OAUTH_SECRET_SIZE) {
        return E_NOT_FOUND;
    }
    key_hash(cookie, hash);
    {
        /* DELETE ... RETURNING: of two callbacks racing with one cookie, one gets the row. */
        struct db_param p[] = {DB_CSTR(hash)};
        err = db_exec(conn,
                      "DELETE FROM oauth_states WHERE id_hash = $1 "
                      "RETURNING state, nonce, verifier, next, remember, expires_at, link_user_id",
                      p, 1, &r);
    }
    if (!err && (db_result_rows(r) == 0 || db_int(r, 0, 5) <= now)) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        db_text_copy(r, 0, 0, out->state, sizeof(out->state));
        db_text_copy(r, 0, 1, out->nonce, sizeof(out->nonce));
        db_text_copy(r, 0, 2, out->verifier, sizeof(out->verifier));
        db_text_copy(r, 0, 3, out->next, sizeof(out->next));
        out->remember = db_int(r, 0, 4) != 0;
        if (!db_is_null(r, 0, 6)) {
            db_text_copy(r, 0, 6, out->link_user_id, sizeof(out->link_user_id));
        }
    }
    db_result_free(r);
    return err;
}

void
oauth_state_wipe(struct oauth_state *s)
{
    crypto_wipe(s, sizeof(*s));
}
