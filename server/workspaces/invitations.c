#include "workspaces/invitations.h"

#include "auth/mails.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"

#define TOKEN_LEN  43 /* base64url of 32 bytes */
#define TOKEN_SIZE 48

#define INVITATION_COLS "id, email, role, COALESCE(invited_by, ''), created_at, sent_at, expires_at"

static void
read_invitation(const struct db_result *r, size_t row, struct invitation *inv)
{
    db_text_copy(r, row, 0, inv->id, sizeof(inv->id));
    db_text_copy(r, row, 1, inv->email, sizeof(inv->email));
    inv->role = WS_NONE;
    (void)workspaces_parse_role(str_from_cstr(db_text(r, row, 2)), &inv->role);
    db_text_copy(r, row, 3, inv->invited_by, sizeof(inv->invited_by));
    inv->created_at = db_int(r, row, 4);
    inv->sent_at = db_int(r, row, 5);
    inv->expires_at = db_int(r, row, 6);
}

/* A fresh token into token (TOKEN_SIZE) and its SHA-256 (hex) into hash. */
static void
new_token(char *token, char hash[CRYPTO_SHA256_HEX_SIZE])
{
    uint8_t raw[32];
    crypto_random(raw, sizeof(raw));
    crypto_b64url(raw, sizeof(raw), token, TOKEN_SIZE);
    crypto_wipe(raw, sizeof(raw));
    crypto_sha256_hex(token, strlen(token), hash);
}

static int
audit(struct db_conn *conn, const struct tenant *t, const char *user_id, const char *event,
      const struct invitation *inv, const struct auth_client *client, int64_t now)
{
    struct buf b = BUF_INIT;
    int err = 0;

    err |= buf_addstr(&b, "{\"invitationId\":\"");
    err |= buf_add_json_escaped(&b, str_from_cstr(inv->id));
    err |= buf_addstr(&b, "\",\"email\":\"");
    err |= buf_add_json_escaped(&b, str_from_cstr(inv->email));
    err |= buf_addf(&b, "\",\"role\":\"%s\"}", workspaces_role_name(inv->role));
    err = err ? E_INTERNAL
              : workspaces_audit_write(conn, t->workspace_id, user_id, event, b.ptr, client, now);
    buf_release(&b);
    return err;
}

/* Mails inv's link with token, naming the workspace. */
static int
mail(struct db_conn *conn, const struct config *cfg, const struct tenant *t,
     const struct invitation *inv, const char *token, int64_t now)
{
    struct workspace w;
    int err = workspaces_read(conn, t->workspace_id, t->user_id, &w);
    if (!err) {
        err = mails_enqueue(conn, cfg, MAIL_INVITATION, inv->email, w.name, token, now);
    }
    return err;
}

struct invite_tx {
    const struct config *cfg;
    const struct tenant *t;
    const char *email;
    enum ws_role role;
    const char *id; /* resend, revoke */
    const struct auth_client *client;
    struct invitation *out;
};

static int
create_tx(struct db_conn *conn, void *arg)
{
    struct invite_tx *c = arg;
    int64_t now = clock_wall_s();
    struct db_result *r = NULL;
    char token[TOKEN_SIZE];
    char hash[CRYPTO_SHA256_HEX_SIZE];
    struct invitation *inv = c->out;
    int err;

    {
        struct db_param p[] = {DB_CSTR(c->t->workspace_id), DB_CSTR(c->email)};
        err = db_exec(conn,
                      "SELECT 1 FROM workspace_members m JOIN users u ON u.id = m.user_id "
                      "WHERE m.workspace_id = $1 AND u.email = $2",
                      p, 2, &r);
        if (!err && db_result_rows(r)) {
            err = E_ALREADY_MEMBER;
        }
        db_result_free(r);
        r = NULL;
        if (err) {
            return err;
        }
    }
    {
        /* An expired invitation no longer counts as pending: it makes way for the new one. */
        struct db_param p[] = {DB_CSTR(c->t->workspace_id), DB_CSTR(c->email), DB_INT(now)};
        err = db_exec(conn,
                      "UPDATE workspace_invitations SET revoked_at = $3 WHERE workspace_id = $1 "
                      "AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL "
                      "AND expires_at <= $3",
                      p, 3, NULL);
        if (err) {
            return err;
        }
    }
    {
        struct db_param p[] = {DB_CSTR(c->t->workspace_id), DB_CSTR(c->email)};
        err = db_exec(conn,
                      "SELECT 1 FROM workspace_invitations WHERE workspace_id = $1 AND email = $2 "
                      "AND accepted_at IS NULL AND revoked_at IS NULL",
                      p, 2, &r);
        if (!err && db_result_rows(r)) {
            err = E_INVITATION_PENDING;
        }
        db_result_free(r);
        if (err) {
            return err;
        }
    }
    memset(inv, 0, sizeof(*inv));
    crypto_random_token(16, inv->id, sizeof(inv->id));
    (void)snprintf(inv->email, sizeof(inv->email), "%s", c->email);
    (void)snprintf(inv->invited_by, sizeof(inv->invited_by), "%s", c->t->user_id);
    inv->role = c->role;
    inv->created_at = inv->sent_at = now;
    inv->expires_at = now + INVITATION_TTL_S;
    new_token(token, hash);
    {
        struct db_param p[] = {DB_CSTR(inv->id),    DB_CSTR(c->t->workspace_id),
                               DB_CSTR(inv->email), DB_CSTR(workspaces_role_name(inv->role)),
                               DB_CSTR(hash),       DB_CSTR(inv->invited_by),
                               DB_INT(now),         DB_INT(inv->expires_at)};
        err = db_exec(conn,
                      "INSERT INTO workspace_invitations (id, workspace_id, email, role, "
                      "token_hash, invited_by, created_at, sent_at, expires_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
                      p, 8, NULL);
    }
    /* Two invitations racing: the unique index on pending ones lets one in. */
    if (err == E_CONFLICT) {
        err = E_INVITATION_PENDING;
    }
    if (!err) {
        err = mail(conn, c->cfg, c->t, inv, token, now);
    }
    if (!err) {
        err = audit(conn, c->t, c->t->user_id, "invitation.created", inv, c->client, now);
    }
    crypto_wipe(token, sizeof(token));
    return err;
}

int
invitations_create(struct db *db, const struct config *cfg, const struct tenant *t,
                   const char *email, enum ws_role role, const struct auth_client *client,
                   struct invitation *out)
{
    struct invite_tx c = {cfg, t, email, role, NULL, client, out};
    if (role != WS_ADMIN && role != WS_MEMBER) {
        return E_INVALID;
    }
    return db_tx(db, create_tx, &c);
}

int
invitations_list(struct db *db, const struct tenant *t, struct arena *a, struct invitation **out,
                 size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(t->workspace_id)};
    int err =
        db_run(db,
               "SELECT " INVITATION_COLS " FROM workspace_invitations WHERE workspace_id = $1 "
               "AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC, id",
               p, 1, &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, sizeof(**out) * (rows ? rows : 1));
        for (size_t i = 0; i < rows; i++) {
            read_invitation(r, i, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

static int
revoke_tx(struct db_conn *conn, void *arg)
{
    struct invite_tx *c = arg;
    int64_t now = clock_wall_s();
    struct db_result *r = NULL;
    struct invitation inv;
    struct db_param p[] = {DB_INT(now), DB_CSTR(c->id), DB_CSTR(c->t->workspace_id)};
    int err = db_exec(conn,
                      "UPDATE workspace_invitations SET revoked_at = $1 WHERE id = $2 "
                      "AND workspace_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL "
                      "RETURNING " INVITATION_COLS,
                      p, 3, &r);

    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_invitation(r, 0, &inv);
        err = audit(conn, c->t, c->t->user_id, "invitation.revoked", &inv, c->client, now);
    }
    db_result_free(r);
    return err;
}

int
invitations_revoke(struct db *db, const struct tenant *t, const char *id,
                   const struct auth_client *client)
{
    struct invite_tx c = {NULL, t, NULL, WS_NONE, id, client, NULL};
    return db_tx(db, revoke_tx, &c);
}

static int
resend_tx(struct db_conn *conn, void *arg)
{
    struct invite_tx *c = arg;
    int64_t now = clock_wall_s();
    struct db_result *r = NULL;
    char token[TOKEN_SIZE];
    char hash[CRYPTO_SHA256_HEX_SIZE];
    int err;

    new_token(token, hash);
    {
        struct db_param p[] = {DB_CSTR(hash), DB_INT(now), DB_INT(now + INVITATION_TTL_S),
                               DB_CSTR(c->id), DB_CSTR(c->t->workspace_id)};
        err = db_exec(conn,
                      "UPDATE workspace_invitations SET token_hash = $1, sent_at = $2, "
                      "expires_at = $3 WHERE id = $4 AND workspace_id = $5 "
                      "AND accepted_at IS NULL AND revoked_at IS NULL RETURNING " INVITATION_COLS,
                      p, 5, &r);
    }
    if (!err && db_result_rows(r) != 1) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_invitation(r, 0, c->out);
        err = mail(conn, c->cfg, c->t, c->out, token, now);
    }
    if (!err) {
        err = audit(conn, c->t, c->t->user_id, "invitation.resent", c->out, c->client, now);
    }
    db_result_free(r);
    crypto_wipe(token, sizeof(token));
    return err;
}

int
invitations_resend(struct db *db, const struct config *cfg, const struct tenant *t, const char *id,
                   const struct auth_client *client, struct invitation *out)
{
    struct invite_tx c = {cfg, t, NULL, WS_NONE, id, client, out};
    return db_tx(db, resend_tx, &c);
}

/*
 * An accepted invitation: 0 when user_id accepted it and is still a member
 * (accepting again answers as the first time did), else E_INVITATION_USED.
 */
static int
accepted_by(struct db_conn *conn, const struct invitation *inv, const char *user_id)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(inv->id), DB_CSTR(user_id)};
    int err = db_exec(conn,
                      "SELECT 1 FROM workspace_invitations i JOIN workspace_members m "
                      "ON m.workspace_id = i.workspace_id AND m.user_id = i.accepted_by "
                      "WHERE i.id = $1 AND i.accepted_by = $2",
                      p, 2, &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_INVITATION_USED;
    }
    db_result_free(r);
    return err;
}

const char *
invitations_status_name(enum invitation_status s)
{
    static const char *const names[] = {"pending", "expired", "accepted", "revoked"};
    return (unsigned)s < ARRAY_LEN(names) ? names[s] : "";
}

int
invitations_preview(struct db *db, struct str token, struct invitation_preview *out)
{
    struct db_result *r = NULL;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    int err;

    memset(out, 0, sizeof(*out));
    if (token.len != TOKEN_LEN) {
        return E_INVITATION_INVALID;
    }
    crypto_sha256_hex(token.ptr, token.len, hash);
    {
        struct db_param p[] = {DB_CSTR(hash)};
        err = db_run(db,
                     "SELECT i.id, i.email, i.role, COALESCE(i.invited_by, ''), i.created_at, "
                     "i.sent_at, i.expires_at, w.name, "
                     "CASE WHEN i.accepted_at IS NULL THEN 0 ELSE 1 END, "
                     "CASE WHEN i.revoked_at IS NULL THEN 0 ELSE 1 END "
                     "FROM workspace_invitations i JOIN workspaces w ON w.id = i.workspace_id "
                     "WHERE i.token_hash = $1",
                     p, 1, &r);
    }
    if (!err && db_result_rows(r) != 1) {
        err = E_INVITATION_INVALID;
    }
    if (!err) {
        read_invitation(r, 0, &out->inv);
        db_text_copy(r, 0, 7, out->workspace_name, sizeof(out->workspace_name));
        out->status = db_int(r, 0, 9)                         ? INVITATION_REVOKED
                      : db_int(r, 0, 8)                       ? INVITATION_ACCEPTED
                      : out->inv.expires_at <= clock_wall_s() ? INVITATION_EXPIRED
                                                              : INVITATION_PENDING;
    }
    db_result_free(r);
    return err;
}

struct accept_tx {
    const char *user_id;
    struct str token;
    const struct auth_client *client;
    struct workspace *out;
};

static int
accept_tx(struct db_conn *conn, void *arg)
{
    struct accept_tx *c = arg;
    int64_t now = clock_wall_s();
    struct db_result *r = NULL;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    struct invitation inv;
    struct tenant t;
    struct user u;
    bool again = false;
    int err;

    crypto_sha256_hex(c->token.ptr, c->token.len, hash);
    {
        struct db_param p[] = {DB_CSTR(hash)};
        err = db_exec(conn,
                      "SELECT " INVITATION_COLS ", workspace_id, "
                      "CASE WHEN accepted_at IS NULL THEN 0 ELSE 1 END, "
                      "CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END "
                      "FROM workspace_invitations WHERE token_hash = $1",
                      p, 1, &r);
    }
    if (!err && db_result_rows(r) != 1) {
        err = E_INVITATION_INVALID;
    }
    if (!err) {
        read_invitation(r, 0, &inv);
        memset(&t, 0, sizeof(t));
        db_text_copy(r, 0, 7, t.workspace_id, sizeof(t.workspace_id));
        (void)snprintf(t.user_id, sizeof(t.user_id), "%s", c->user_id);
        t.role = inv.role;
        if (db_int(r, 0, 9)) {
            err = E_INVITATION_INVALID;
        } else if (db_int(r, 0, 8)) {
            again = true;
        } else if (inv.expires_at <= now) {
            err = E_INVITATION_EXPIRED;
        }
    }
    db_result_free(r);
    r = NULL;
    if (!err && again) {
        err = accepted_by(conn, &inv, c->user_id);
        return err ? err : workspaces_read(conn, t.workspace_id, c->user_id, c->out);
    }
    if (err || (err = accounts_find_by_id(conn, c->user_id, &u))) {
        return err == E_NOT_FOUND ? E_UNAUTHENTICATED : err;
    }
    /* Both addresses are stored normalised (lowercased): equal bytes, equal addresses. */
    if (strcmp(u.email, inv.email) != 0) {
        return E_INVITATION_EMAIL;
    }
    {
        /* The claim: of two acceptances racing, the second finds it taken. */
        struct db_param p[] = {DB_INT(now), DB_CSTR(c->user_id), DB_CSTR(inv.id)};
        err = db_exec(conn,
                      "UPDATE workspace_invitations SET accepted_at = $1, accepted_by = $2 "
                      "WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
                      p, 3, &r);
        if (!err && db_result_affected(r) != 1) {
            /* Lost a race: to the same user (a double click) is no failure. */
            db_result_free(r);
            err = accepted_by(conn, &inv, c->user_id);
            return err ? err : workspaces_read(conn, t.workspace_id, c->user_id, c->out);
        }
        db_result_free(r);
        if (err) {
            return err;
        }
    }
    {
        /* Already a member (added since the invitation was sent): the role stays. */
        struct db_param p[] = {DB_CSTR(t.workspace_id), DB_CSTR(c->user_id),
                               DB_CSTR(workspaces_role_name(inv.role)), DB_INT(now)};
        err = db_exec(conn,
                      "INSERT INTO workspace_members (workspace_id, user_id, role, created_at, "
                      "updated_at) VALUES ($1, $2, $3, $4, $4) "
                      "ON CONFLICT (workspace_id, user_id) DO NOTHING",
                      p, 4, NULL);
    }
    /* The token was mailed to this address: following it proves the address. */
    if (!err) {
        err = accounts_verify_if_current(conn, c->user_id, inv.email, now);
    }
    if (!err) {
        err = audit(conn, &t, c->user_id, "invitation.accepted", &inv, c->client, now);
    }
    if (!err) {
        err = workspaces_read(conn, t.workspace_id, c->user_id, c->out);
    }
    return err;
}

int
invitations_accept(struct db *db, const char *user_id, struct str token,
                   const struct auth_client *client, struct workspace *out)
{
    struct accept_tx c = {user_id, token, client, out};
    if (token.len != TOKEN_LEN) {
        return E_INVITATION_INVALID;
    }
    return db_tx(db, accept_tx, &c);
}
