#include "auth/identities.h"

#include "core/err.h"
#include "crypto/crypto.h"

#define IDENTITY_COLS "id, user_id, issuer, subject, email, created_at"

static void
read_identity(const struct db_result *r, size_t row, struct identity *out)
{
    memset(out, 0, sizeof(*out));
    db_text_copy(r, row, 0, out->id, sizeof(out->id));
    db_text_copy(r, row, 1, out->user_id, sizeof(out->user_id));
    db_text_copy(r, row, 2, out->issuer, sizeof(out->issuer));
    db_text_copy(r, row, 3, out->subject, sizeof(out->subject));
    db_text_copy(r, row, 4, out->email, sizeof(out->email));
    out->created_at = db_int(r, row, 5);
}

int
identities_find(struct db_conn *conn, const char *issuer, const char *subject, struct identity *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(issuer), DB_CSTR(subject)};
    int err = db_exec(conn,
                      "SELECT " IDENTITY_COLS " FROM user_identities "
                      "WHERE issuer = $1 AND subject = $2",
                      p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_identity(r, 0, out);
    }
    db_result_free(r);
    return err;
}

int
identities_create(struct db_conn *conn, const char *user_id, const char *issuer,
                  const char *subject, const char *email, int64_t now, struct identity *out)
{
    char id[IDENTITY_ID_SIZE];
    struct db_param p[6];
    int err;

    crypto_random_token(16, id, sizeof(id));
    p[0] = DB_CSTR(id);
    p[1] = DB_CSTR(user_id);
    p[2] = DB_CSTR(issuer);
    p[3] = DB_CSTR(subject);
    p[4] = DB_CSTR(email);
    p[5] = DB_INT(now);
    err = db_exec(conn,
                  "INSERT INTO user_identities (id, user_id, issuer, subject, email, created_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  p, 6, NULL);
    if (err) {
        return err;
    }
    memset(out, 0, sizeof(*out));
    str_copy_to(str_from_cstr(id), out->id, sizeof(out->id));
    str_copy_to(str_from_cstr(user_id), out->user_id, sizeof(out->user_id));
    str_copy_to(str_from_cstr(issuer), out->issuer, sizeof(out->issuer));
    str_copy_to(str_from_cstr(subject), out->subject, sizeof(out->subject));
    str_copy_to(str_from_cstr(email), out->email, sizeof(out->email));
    out->created_at = now;
    return 0;
}

int
identities_set_email(struct db_conn *conn, const char *id, const char *email)
{
    struct db_param p[] = {DB_CSTR(email), DB_CSTR(id)};
    return db_exec(conn, "UPDATE user_identities SET email = $1 WHERE id = $2 AND email <> $1", p,
                   2, NULL);
}

int
identities_list(struct db_conn *conn, const char *user_id, struct arena *a, struct identity **out,
                size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(user_id), DB_INT(IDENTITIES_MAX_PER_USER)};
    int err = db_exec(conn,
                      "SELECT " IDENTITY_COLS " FROM user_identities WHERE user_id = $1 "
                      "ORDER BY created_at, id LIMIT CAST($2 AS INTEGER)",
                      p, 2, &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        if (rows) {
            *out = arena_alloc(a, st_mult(rows, sizeof(struct identity)));
        }
        for (size_t i = 0; i < rows; i++) {
            read_identity(r, i, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
identities_count(struct db_conn *conn, const char *user_id, size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(user_id)};
    int err = db_exec(conn, "SELECT COUNT(*) FROM user_identities WHERE user_id = $1", p, 1, &r);

    *n = 0;
    if (!err && db_result_rows(r) == 1) {
        int64_t c = db_int(r, 0, 0);
        *n = c > 0 ? (size_t)c : 0;
    }
    db_result_free(r);
    return err;
}

int
identities_delete(struct db_conn *conn, const char *user_id, const char *id)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(id), DB_CSTR(user_id)};
    int err = db_exec(conn, "DELETE FROM user_identities WHERE id = $1 AND user_id = $2", p, 2, &r);

    if (!err && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    return err;
}
