#include "agents/agents.h"

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"

#define AGENT_COLS "id, name, instructions, phone_number_id, status, created_at, updated_at"

void
agents_token_key(const struct config *cfg, uint8_t key[32])
{
    crypto_derive_key(cfg->secret, cfg->secret_len, "whatsapp-token", key);
}

/* Seals token for agent id into out ("v1...."). */
static int
seal_token(const struct config *cfg, const char *id, struct str token, struct buf *out)
{
    uint8_t key[CRYPTO_KEY_LEN];
    char ad[AGENT_ID_SIZE + 8];
    int err;

    (void)snprintf(ad, sizeof(ad), "agent:%s", id);
    agents_token_key(cfg, key);
    err = crypto_seal(key, token, str_from_cstr(ad), out);
    crypto_wipe(key, sizeof(key));
    return err;
}

static void
read_agent(const struct db_result *r, size_t row, struct arena *a, struct agent *out)
{
    memset(out, 0, sizeof(*out));
    db_text_copy(r, row, 0, out->id, sizeof(out->id));
    out->name = arena_strndup(a, db_text(r, row, 1), db_text_len(r, row, 1));
    out->instructions = arena_strndup(a, db_text(r, row, 2), db_text_len(r, row, 2));
    db_text_copy(r, row, 3, out->phone_number_id, sizeof(out->phone_number_id));
    out->active = strcmp(db_text(r, row, 4), "active") == 0;
    out->has_token = true;
    out->created_at = db_int(r, row, 5);
    out->updated_at = db_int(r, row, 6);
}

static int
get_on(struct db_conn *conn, const char *workspace_id, const char *id, struct arena *a,
       struct agent *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(id)};
    int err = db_exec(conn, "SELECT " AGENT_COLS " FROM agents WHERE workspace_id = $1 AND id = $2",
                      p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_agent(r, 0, a, out);
    }
    db_result_free(r);
    return err;
}

struct create {
    const struct config *cfg;
    const char *workspace_id;
    const struct agent_fields *f;
    struct arena *a;
    struct agent *out;
};

static int
insert_agent(struct db_conn *conn, const struct create *c, const char *id, struct str sealed)
{
    struct db_param p[] = {
        DB_CSTR(id),
        DB_CSTR(c->workspace_id),
        DB_TEXT(c->f->name.ptr, c->f->name.len),
        DB_TEXT(c->f->instructions.ptr, c->f->instructions.len),
        DB_TEXT(c->f->phone_number_id.ptr, c->f->phone_number_id.len),
        DB_TEXT(sealed.ptr, sealed.len),
        DB_CSTR(c->f->active ? "active" : "paused"),
        DB_INT(clock_wall_s()),
    };
    return db_exec(conn,
                   "INSERT INTO agents (id, workspace_id, name, instructions, phone_number_id, "
                   "access_token, status, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                   p, ARRAY_LEN(p), NULL);
}

static int
create_tx(struct db_conn *conn, void *arg)
{
    struct create *c = arg;
    char id[AGENT_ID_SIZE];
    struct buf sealed = BUF_INIT;
    struct db_result *r = NULL;
    struct db_param q[] = {DB_CSTR(c->workspace_id)};
    int err = db_exec(conn, "SELECT COUNT(*) FROM agents WHERE workspace_id = $1", q, 1, &r);

    if (!err && db_int(r, 0, 0) >= AGENTS_MAX_PER_WORKSPACE) {
        err = E_INVALID;
    }
    db_result_free(r);
    if (err) {
        return err;
    }
    crypto_random_token(16, id, sizeof(id));
    if (!(err = seal_token(c->cfg, id, c->f->token, &sealed))) {
        err = insert_agent(conn, c, id, buf_str(&sealed));
    }
    if (!err) {
        err = get_on(conn, c->workspace_id, id, c->a, c->out);
    }
    buf_release(&sealed);
    return err;
}

int
agents_create(struct db *db, const struct config *cfg, const char *workspace_id,
              const struct agent_fields *f, struct arena *a, struct agent *out)
{
    struct create c = {cfg, workspace_id, f, a, out};
    return db_tx(db, create_tx, &c);
}

int
agents_list(struct db *db, const char *workspace_id, struct arena *a, struct agent **out, size_t *n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(AGENTS_MAX_PER_WORKSPACE)};
    int err = db_run(db,
                     "SELECT " AGENT_COLS " FROM agents WHERE workspace_id = $1 "
                     "ORDER BY created_at, id LIMIT CAST($2 AS INTEGER)",
                     p, 2, &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, st_mult(rows + 1, sizeof(struct agent)));
        for (size_t i = 0; i < rows; i++) {
            read_agent(r, i, a, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
agents_get(struct db *db, const char *workspace_id, const char *id, struct arena *a,
           struct agent *out)
{
    struct db_conn *conn = NULL;
    int err = db_acquire(db, &conn);

    if (!err) {
        err = get_on(conn, workspace_id, id, a, out);
        db_release(conn);
    }
    return err;
}

struct update {
    const struct config *cfg;
    const char *workspace_id;
    const char *id;
    const struct agent_fields *f;
    struct arena *a;
    struct agent *out;
};

/* One statement; a field not being changed is written back as it is (COALESCE of NULL). */
static int
update_agent(struct db_conn *conn, const struct update *u, struct str sealed)
{
    const struct agent_fields *f = u->f;
    struct db_param p[] = {
        f->has_name ? DB_TEXT(f->name.ptr, f->name.len) : DB_NULL,
        f->has_instructions ? DB_TEXT(f->instructions.ptr, f->instructions.len) : DB_NULL,
        f->has_phone_number_id ? DB_TEXT(f->phone_number_id.ptr, f->phone_number_id.len) : DB_NULL,
        f->has_token ? DB_TEXT(sealed.ptr, sealed.len) : DB_NULL,
        f->has_status ? DB_CSTR(f->active ? "active" : "paused") : DB_NULL,
        DB_INT(clock_wall_s()),
        DB_CSTR(u->workspace_id),
        DB_CSTR(u->id),
    };
    return db_exec(conn,
                   "UPDATE agents SET name = COALESCE($1, name), "
                   "instructions = COALESCE($2, instructions), "
                   "phone_number_id = COALESCE($3, phone_number_id), "
                   "access_token = COALESCE($4, access_token), status = COALESCE($5, status), "
                   "updated_at = $6 WHERE workspace_id = $7 AND id = $8",
                   p, ARRAY_LEN(p), NULL);
}

static int
update_tx(struct db_conn *conn, void *arg)
{
    struct update *u = arg;
    struct buf sealed = BUF_INIT;
    struct agent cur;
    int err = get_on(conn, u->workspace_id, u->id, u->a, &cur);

    if (!err && u->f->has_token) {
        err = seal_token(u->cfg, u->id, u->f->token, &sealed);
    }
    if (!err) {
        err = update_agent(conn, u, buf_str(&sealed));
    }
    if (!err) {
        err = get_on(conn, u->workspace_id, u->id, u->a, u->out);
    }
    buf_release(&sealed);
    return err;
}

int
agents_update(struct db *db, const struct config *cfg, const char *workspace_id, const char *id,
              const struct agent_fields *f, struct arena *a, struct agent *out)
{
    struct update u = {cfg, workspace_id, id, f, a, out};
    return db_tx(db, update_tx, &u);
}

int
agents_delete(struct db *db, const char *workspace_id, const char *id)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(id)};
    int err = db_run(db, "DELETE FROM agents WHERE workspace_id = $1 AND id = $2", p, 2, &r);

    if (!err && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    return err;
}

int
agents_open_token(struct db_conn *conn, const struct config *cfg, const char *id, struct buf *out)
{
    uint8_t key[CRYPTO_KEY_LEN];
    char ad[AGENT_ID_SIZE + 8];
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(id)};
    int err = db_exec(conn, "SELECT access_token FROM agents WHERE id = $1", p, 1, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        (void)snprintf(ad, sizeof(ad), "agent:%s", id);
        agents_token_key(cfg, key);
        err = crypto_open(key, str_make(db_text(r, 0, 0), db_text_len(r, 0, 0)), str_from_cstr(ad),
                          out);
        crypto_wipe(key, sizeof(key));
    }
    db_result_free(r);
    return err;
}
