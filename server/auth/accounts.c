#include "auth/accounts.h"

#include "core/err.h"
#include "crypto/crypto.h"
#include "session/session.h"
#include "unicode/unicode.h"

#define USER_COLS "id, email, name, password_hash, email_verified_at, created_at"

int
accounts_normalize_email(struct str in, char *out)
{
    struct str e = str_trim(in);
    long at = -1;
    size_t dots_after_at = 0;

    if (e.len < 3 || e.len > ACCOUNT_EMAIL_MAX) {
        return E_VALIDATION;
    }
    for (size_t i = 0; i < e.len; i++) {
        unsigned char c = (unsigned char)e.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
            c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\') {
            return E_VALIDATION;
        }
        if (c == '@') {
            if (at >= 0) {
                return E_VALIDATION;
            }
            at = (long)i;
            out[i] = '@';
            continue;
        }
        if (at >= 0) {
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.';
            if (!ok) {
                return E_VALIDATION;
            }
            if (c == '.') {
                if (e.ptr[i - 1] == '.' || e.ptr[i - 1] == '@') {
                    return E_VALIDATION;
                }
                dots_after_at++;
            }
        }
        out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    out[e.len] = '\0';
    if (at < 1 || at > 64 || (size_t)at + 1 >= e.len || dots_after_at == 0 ||
        e.ptr[e.len - 1] == '.') {
        return E_VALIDATION;
    }
    return 0;
}

int
accounts_check_name(struct str name, struct str *trimmed)
{
    struct str n = str_trim(name);
    size_t chars;

    /* No bidi overrides, zero-width or line-separator tricks in a name shown to others. */
    if (!str_is_utf8(n) || !str_is_visible(n) || unicode_has_layout_controls(n)) {
        return E_VALIDATION;
    }
    chars = str_utf8_len(n);
    if (chars < 1 || chars > ACCOUNT_NAME_MAX || n.len > ACCOUNT_NAME_BYTES) {
        return E_VALIDATION;
    }
    *trimmed = n;
    return 0;
}

static void
read_user(const struct db_result *r, struct user *u)
{
    memset(u, 0, sizeof(*u));
    db_text_copy(r, 0, 0, u->id, sizeof(u->id));
    db_text_copy(r, 0, 1, u->email, sizeof(u->email));
    db_text_copy(r, 0, 2, u->name, sizeof(u->name));
    u->has_password = !db_is_null(r, 0, 3) && db_text_len(r, 0, 3) > 0;
    db_text_copy(r, 0, 3, u->password_hash, sizeof(u->password_hash));
    u->email_verified_at = db_is_null(r, 0, 4) ? 0 : db_int(r, 0, 4);
    u->created_at = db_int(r, 0, 5);
}

static int
find_one(struct db_conn *conn, const char *sql, const char *key, struct user *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(key)};
    int err = db_exec(conn, sql, p, 1, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_user(r, out);
    }
    db_result_free(r);
    return err;
}

int
accounts_find_by_email(struct db_conn *conn, const char *email, struct user *out)
{
    return find_one(conn, "SELECT " USER_COLS " FROM users WHERE email = $1", email, out);
}

int
accounts_find_by_id(struct db_conn *conn, const char *id, struct user *out)
{
    return find_one(conn, "SELECT " USER_COLS " FROM users WHERE id = $1", id, out);
}

int
accounts_create(struct db_conn *conn, const char *email, struct str name, const char *password_hash,
                int64_t now, struct user *out)
{
    char id[ACCOUNT_ID_SIZE];
    struct db_param p[6];
    int err;

    crypto_random_token(16, id, sizeof(id));
    p[0] = DB_CSTR(id);
    p[1] = DB_CSTR(email);
    p[2] = DB_TEXT(name.ptr, name.len);
    p[3] = password_hash ? DB_CSTR(password_hash) : DB_NULL;
    p[4] = DB_INT(now);
    p[5] = DB_INT(now);
    err = db_exec(conn,
                  "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  p, 6, NULL);
    if (err) {
        return err;
    }
    memset(out, 0, sizeof(*out));
    str_copy_to(str_from_cstr(id), out->id, sizeof(out->id));
    str_copy_to(str_from_cstr(email), out->email, sizeof(out->email));
    str_copy_to(name, out->name, sizeof(out->name));
    out->has_password = password_hash != NULL;
    out->created_at = now;
    return 0;
}

/*
 * Changes user id's row (sql, which may also match nothing when must_hit is
 * false): 0, E_NOT_FOUND, or a db error. The change is announced on
 * SESSION_CHANNEL (the session cache).
 */
static int
update_user(struct db_conn *conn, const char *sql, struct db_param *p, size_t n, const char *id,
            bool must_hit)
{
    struct db_result *r = NULL;
    int err = db_exec(conn, sql, p, n, &r);
    if (!err && must_hit && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    if (!err) {
        err = db_notify(conn, SESSION_CHANNEL, id);
    }
    return err;
}

int
accounts_update_name(struct db_conn *conn, const char *id, struct str name, int64_t now)
{
    struct db_param p[] = {DB_TEXT(name.ptr, name.len), DB_INT(now), DB_CSTR(id)};
    return update_user(conn, "UPDATE users SET name = $1, updated_at = $2 WHERE id = $3", p, 3, id,
                       true);
}

int
accounts_set_password(struct db_conn *conn, const char *id, const char *hash, int64_t now)
{
    struct db_param p[] = {DB_CSTR(hash), DB_INT(now), DB_CSTR(id)};
    return update_user(conn, "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                       p, 3, id, true);
}

int
accounts_rehash_password(struct db_conn *conn, const char *id, const char *old, const char *next,
                         int64_t now)
{
    struct db_param p[] = {DB_CSTR(next), DB_INT(now), DB_CSTR(id), DB_CSTR(old)};
    return update_user(conn,
                       "UPDATE users SET password_hash = $1, updated_at = $2 "
                       "WHERE id = $3 AND password_hash = $4",
                       p, 4, id, false);
}

int
accounts_clear_password(struct db_conn *conn, const char *id, int64_t now)
{
    struct db_param p[] = {DB_INT(now), DB_CSTR(id)};
    return update_user(conn, "UPDATE users SET password_hash = NULL, updated_at = $1 WHERE id = $2",
                       p, 2, id, true);
}

int
accounts_set_verified_email(struct db_conn *conn, const char *id, const char *email, int64_t now)
{
    struct db_param p[] = {DB_CSTR(email), DB_INT(now), DB_CSTR(id)};
    return update_user(conn,
                       "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 "
                       "WHERE id = $3",
                       p, 3, id, true);
}

int
accounts_verify_if_current(struct db_conn *conn, const char *id, const char *email, int64_t now)
{
    struct db_param p[] = {DB_INT(now), DB_CSTR(id), DB_CSTR(email)};
    return update_user(conn,
                       "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email = $3 "
                       "AND email_verified_at IS NULL",
                       p, 3, id, false);
}

int
accounts_lock(struct db_conn *conn, const char *id, int64_t now)
{
    struct db_param p[] = {DB_INT(now), DB_CSTR(id)};
    return update_user(conn, "UPDATE users SET updated_at = $1 WHERE id = $2", p, 2, id, true);
}
