#include "agents/agents.h"

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "jobs/queue.h"
#include "json/json.h"

#define AGENT_COLS                                                                                 \
    "id, name, instructions, phone_number_id, status, created_at, updated_at, workspace_id, "      \
    "persona, COALESCE(model, ''), temperature_pct, all_documents, debounce_s, handoff_words"

bool
agents_is_model_name(struct str s)
{
    if (s.len == 0 || s.len > AGENTS_MODEL_MAX) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '/' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* The stored JSON array of hand-off words into a list in a (unreadable: none). */
static void
read_handoff(struct str json, struct arena *a, struct agent *out)
{
    struct json_doc *doc = NULL;
    const struct json_node *arr;
    struct str *words;
    size_t n;

    out->handoff_words = NULL;
    out->nhandoff_words = 0;
    if (json_doc_parse(json, &doc)) {
        return;
    }
    arr = json_doc_node(doc);
    n = json_node_count(arr);
    words = arena_alloc(a, st_mult(n + 1, sizeof(*words)));
    for (size_t i = 0; i < n; i++) {
        struct str w;
        if (json_node_string(json_node_at(arr, i), &w)) {
            char *copy = arena_strndup(a, w.ptr, w.len);
            words[out->nhandoff_words++] = str_make(copy, w.len);
        }
    }
    out->handoff_words = words;
    json_doc_free(doc);
}

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
    db_text_copy(r, row, 7, out->workspace_id, sizeof(out->workspace_id));
    out->persona = arena_strndup(a, db_text(r, row, 8), db_text_len(r, row, 8));
    out->model = arena_strndup(a, db_text(r, row, 9), db_text_len(r, row, 9));
    out->temperature_pct = (int)db_int(r, row, 10);
    out->all_documents = db_int(r, row, 11) != 0;
    out->debounce_s = (int)db_int(r, row, 12);
    read_handoff(str_make(db_text(r, row, 13), db_text_len(r, row, 13)), a, out);
}

/* The chosen documents of the agents read (rows of one workspace), oldest first. */
static int
read_documents(struct db_conn *conn, const char *workspace_id, struct arena *a, struct agent *v,
               size_t n)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id)};
    int err = db_exec(conn,
                      "SELECT d.agent_id, d.document_id FROM agent_documents d "
                      "JOIN agents g ON g.id = d.agent_id WHERE g.workspace_id = $1 "
                      "ORDER BY d.agent_id, d.document_id",
                      p, 1, &r);

    for (size_t i = 0; !err && i < n; i++) {
        const char **ids = NULL;
        size_t count = 0, rows = db_result_rows(r);
        for (size_t j = 0; j < rows; j++) {
            count += strcmp(db_text(r, j, 0), v[i].id) == 0;
        }
        ids = arena_alloc(a, st_mult(count + 1, sizeof(*ids)));
        count = 0;
        for (size_t j = 0; j < rows; j++) {
            if (strcmp(db_text(r, j, 0), v[i].id) == 0) {
                ids[count++] = arena_strndup(a, db_text(r, j, 1), db_text_len(r, j, 1));
            }
        }
        v[i].document_ids = ids;
        v[i].ndocuments = count;
    }
    db_result_free(r);
    return err;
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
        err = read_documents(conn, workspace_id, a, out, 1);
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

/* The hand-off words as the JSON array stored in agents.handoff_words. */
static int
render_handoff(const struct agent_fields *f, struct buf *out)
{
    int err = buf_addch(out, '[');

    for (size_t i = 0; !err && i < f->nhandoff_words; i++) {
        err = buf_addstr(out, i ? ",\"" : "\"");
        err = err ? err : buf_add_json_escaped(out, f->handoff_words[i]);
        err = err ? err : buf_addch(out, '"');
    }
    return err ? err : buf_addch(out, ']');
}

/*
 * Writes the reply settings a create or patch carries (the has_* ones) and,
 * when given, the chosen documents, which must be documents of the
 * workspace (E_VALIDATION otherwise).
 */
static int
write_settings(struct db_conn *conn, const char *workspace_id, const char *id,
               const struct agent_fields *f)
{
    struct buf words = BUF_INIT;
    int err = f->has_handoff ? render_handoff(f, &words) : 0;

    if (!err) {
        struct db_param p[] = {
            f->has_persona ? DB_TEXT(f->persona.ptr, f->persona.len) : DB_NULL,
            f->model.len ? DB_TEXT(f->model.ptr, f->model.len) : DB_NULL,
            DB_INT(f->has_model),
            f->has_temperature ? DB_INT(f->temperature_pct) : DB_NULL,
            f->has_documents ? DB_INT(f->all_documents) : DB_NULL,
            f->has_debounce ? DB_INT(f->debounce_s) : DB_NULL,
            f->has_handoff ? DB_TEXT(words.ptr, words.len) : DB_NULL,
            DB_CSTR(workspace_id),
            DB_CSTR(id),
        };
        err = db_exec(conn,
                      "UPDATE agents SET persona = COALESCE($1, persona), "
                      "model = CASE WHEN $3 = 1 THEN $2 ELSE model END, "
                      "temperature_pct = COALESCE($4, temperature_pct), "
                      "all_documents = COALESCE($5, all_documents), "
                      "debounce_s = COALESCE($6, debounce_s), "
                      "handoff_words = COALESCE($7, handoff_words) "
                      "WHERE workspace_id = $8 AND id = $9",
                      p, ARRAY_LEN(p), NULL);
    }
    if (!err && f->has_documents) {
        struct db_param p[] = {DB_CSTR(id)};
        err = db_exec(conn, "DELETE FROM agent_documents WHERE agent_id = $1", p, 1, NULL);
    }
    for (size_t i = 0; !err && f->has_documents && !f->all_documents && i < f->ndocuments; i++) {
        struct db_param q[] = {DB_CSTR(workspace_id),
                               DB_TEXT(f->document_ids[i].ptr, f->document_ids[i].len)};
        struct db_param p[] = {DB_CSTR(id), q[1]};
        struct db_result *r = NULL;
        err =
            db_exec(conn, "SELECT 1 FROM documents WHERE workspace_id = $1 AND id = $2", q, 2, &r);
        if (!err && db_result_rows(r) == 0) {
            err = E_VALIDATION;
        }
        db_result_free(r);
        if (!err) {
            err = db_exec(conn,
                          "INSERT INTO agent_documents (agent_id, document_id) VALUES ($1, $2) "
                          "ON CONFLICT DO NOTHING",
                          p, 2, NULL);
        }
    }
    buf_release(&words);
    return err;
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
        err = write_settings(conn, c->workspace_id, id, c->f);
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
    if (!err && *n) {
        struct db_conn *conn = NULL;
        if (!(err = db_acquire(db, &conn))) {
            err = read_documents(conn, workspace_id, a, *out, *n);
            db_release(conn);
        }
    }
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
        err = write_settings(conn, u->workspace_id, u->id, u->f);
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

int
agents_schedule_reply(struct db_conn *conn, const char *workspace_id, const char *agent_id,
                      const char *conversation_id, int debounce_s, int64_t now_ms)
{
    char payload[256], key[JOBS_DEDUPE_MAX + 1];
    struct job_options opt = {.dedupe_key = key,
                              .run_at_ms = now_ms + (int64_t)debounce_s * 1000,
                              .dedupe = JOBS_DEDUPE_REPLACE};
    int n = snprintf(payload, sizeof(payload),
                     "{\"workspaceId\":\"%s\",\"agentId\":\"%s\",\"conversationId\":\"%s\"}",
                     workspace_id, agent_id, conversation_id);

    if (n < 0 || (size_t)n >= sizeof(payload)) {
        return E_INVALID;
    }
    (void)snprintf(key, sizeof(key), AGENTS_REPLY_JOB ":%s", conversation_id);
    return jobs_enqueue(conn, AGENTS_REPLY_JOB, payload, &opt, NULL);
}
