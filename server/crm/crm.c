#include "crm/crm.h"

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "jobs/queue.h"
#include "json/json.h"
#include "workspaces/workspaces.h"

/* Bytes of a sealed secret, with room for a long receiver-made one. */
#define SEALED_MAX CRYPTO_SEAL_SIZE(STDWEBHOOK_SECRET_SIZE)

static const struct {
    unsigned flag;
    const char *name;
} event_names[] = {
    {CRM_EV_QUALIFIED, "lead.qualified"},
    {CRM_EV_STAGE_CHANGED, "lead.stage_changed"},
};

const char *
crm_event_name(unsigned flag)
{
    for (size_t i = 0; i < ARRAY_LEN(event_names); i++) {
        if (event_names[i].flag == flag) {
            return event_names[i].name;
        }
    }
    return NULL;
}

int
crm_parse_events(const struct str *names, size_t n, unsigned *out)
{
    unsigned flags = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned f = 0;
        for (size_t j = 0; j < ARRAY_LEN(event_names); j++) {
            if (str_eq_cstr(names[i], event_names[j].name)) {
                f = event_names[j].flag;
            }
        }
        if (!f) {
            return E_VALIDATION;
        }
        flags |= f;
    }
    if (!flags) {
        return E_VALIDATION;
    }
    *out = flags;
    return 0;
}

/* "lead.qualified,lead.stage_changed" for the column. */
static void
events_text(unsigned flags, char *out, size_t cap)
{
    size_t off = 0;

    out[0] = '\0';
    for (size_t i = 0; i < ARRAY_LEN(event_names); i++) {
        if (flags & event_names[i].flag) {
            int k = snprintf(out + off, cap - off, "%s%s", off ? "," : "", event_names[i].name);
            if (k < 0 || (size_t)k >= cap - off) {
                BUG("events text too long");
            }
            off += (size_t)k;
        }
    }
}

static unsigned
events_parse_column(struct str text)
{
    unsigned flags = 0;

    while (text.len) {
        struct str item = str_cut(&text, ',');
        for (size_t j = 0; j < ARRAY_LEN(event_names); j++) {
            if (str_eq_cstr(item, event_names[j].name)) {
                flags |= event_names[j].flag;
            }
        }
    }
    return flags;
}

bool
crm_id_field_valid(struct str s)
{
    size_t parts = 1;

    if (s.len == 0 || s.len > CRM_ID_FIELD_MAX || s.ptr[0] == '.' || s.ptr[s.len - 1] == '.') {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '.') {
            if (s.ptr[i - 1] == '.' || ++parts > 4) {
                return false;
            }
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-')) {
            return false;
        }
    }
    return true;
}

enum httpc_reach
crm_reach(const struct config *cfg)
{
    return cfg->env == CONFIG_PRODUCTION ? HTTPC_REACH_PUBLIC : HTTPC_REACH_LOCAL_DEV;
}

void
crm_secret_key(const struct config *cfg, uint8_t key[32])
{
    crypto_derive_key(cfg->secret, cfg->secret_len, "crm-secret", key);
}

/* Seals secret for workspace_id into out (its associated data ties it to the workspace). */
static int
seal(const struct config *cfg, const char *workspace_id, const char *secret, struct buf *out)
{
    uint8_t key[CRYPTO_KEY_LEN];
    char ad[64];
    int err;

    (void)snprintf(ad, sizeof(ad), "crm:%s", workspace_id);
    crm_secret_key(cfg, key);
    err = crypto_seal(key, str_from_cstr(secret), str_from_cstr(ad), out);
    crypto_wipe(key, sizeof(key));
    return err;
}

static const char endpoint_cols[] =
    "url, events, id_field, disabled_at, disabled_reason, previous_until, created_at, updated_at";

static void
read_endpoint(const struct db_result *r, struct crm_endpoint *out)
{
    memset(out, 0, sizeof(*out));
    db_text_copy(r, 0, 0, out->url, sizeof(out->url));
    out->events = events_parse_column(str_make(db_text(r, 0, 1), db_text_len(r, 0, 1)));
    db_text_copy(r, 0, 2, out->id_field, sizeof(out->id_field));
    out->disabled_at = db_is_null(r, 0, 3) ? 0 : db_int(r, 0, 3);
    out->enabled = out->disabled_at == 0;
    if (!db_is_null(r, 0, 4)) {
        db_text_copy(r, 0, 4, out->disabled_reason, sizeof(out->disabled_reason));
    }
    out->previous_until = db_is_null(r, 0, 5) ? 0 : db_int(r, 0, 5);
    if (out->previous_until && out->previous_until <= clock_wall_s()) {
        out->previous_until = 0;
    }
    out->created_at = db_int(r, 0, 6);
    out->updated_at = db_int(r, 0, 7);
}

/* The endpoint on conn (inside or outside a transaction): 0, E_NOT_FOUND. */
static int
get_on(struct db_conn *conn, const char *workspace_id, struct crm_endpoint *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id)};
    char sql[256];
    int err;

    (void)snprintf(sql, sizeof(sql), "SELECT %s FROM crm_endpoints WHERE workspace_id = $1",
                   endpoint_cols);
    err = db_exec(conn, sql, p, 1, &r);
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_endpoint(r, out);
    }
    db_result_free(r);
    return err;
}

struct get_args {
    const char *workspace_id;
    struct crm_endpoint *out;
};

static int
get_tx(struct db_conn *conn, void *arg)
{
    struct get_args *g = arg;
    return get_on(conn, g->workspace_id, g->out);
}

int
crm_get(struct db *db, const char *workspace_id, struct crm_endpoint *out)
{
    struct get_args g = {workspace_id, out};
    return db_tx(db, get_tx, &g);
}

/* A JSON object {"url": ...} for the audit detail (no secret ever). */
static int
audit(struct db_conn *conn, const char *workspace_id, const char *user_id, const char *event,
      const char *url, const struct auth_client *client)
{
    static const struct auth_client none = {"", ""};
    struct buf b = BUF_INIT;
    int err = 0;

    if (url) {
        struct json_obj *detail = json_obj_new();
        json_obj_set_cstr(detail, "url", url);
        err = json_obj_render(detail, &b);
        json_obj_free(detail);
    }
    if (!err) {
        err = workspaces_audit_write(conn, workspace_id, user_id && user_id[0] ? user_id : NULL,
                                     event, url ? b.ptr : NULL, client ? client : &none,
                                     clock_wall_s());
    }
    buf_release(&b);
    return err;
}

struct put_args {
    const struct config *cfg;
    const char *workspace_id;
    const char *user_id;
    const struct auth_client *client;
    const char *url;
    unsigned events;
    const char *id_field;
    struct crm_endpoint *out;
    char *secret_out;
};

/* A new signing secret into a->secret_out (shown once), sealed into sealed for the row. */
static int
new_secret(struct put_args *a, struct buf *sealed)
{
    stdwebhook_secret_new(a->secret_out, STDWEBHOOK_SECRET_SIZE);
    sealed->max = SEALED_MAX;
    return seal(a->cfg, a->workspace_id, a->secret_out, sealed);
}

/*
 * The end of every change to the endpoint (err: how it went so far): audit
 * it as event and read the endpoint back into a->out; the sealed copy is
 * wiped, and on failure the secret that would have been shown too.
 */
static int
finish_change(struct db_conn *conn, struct put_args *a, int err, const char *event,
              struct buf *sealed)
{
    if (!err) {
        err = audit(conn, a->workspace_id, a->user_id, event, a->url, a->client);
    }
    if (!err) {
        err = get_on(conn, a->workspace_id, a->out);
    }
    crypto_wipe_buf(sealed);
    if (err) {
        crypto_wipe(a->secret_out, STDWEBHOOK_SECRET_SIZE);
        a->secret_out[0] = '\0';
    }
    return err;
}

static int
put_tx(struct db_conn *conn, void *arg)
{
    struct put_args *a = arg;
    struct crm_endpoint cur;
    struct buf sealed = BUF_INIT;
    char events[64];
    int64_t now = clock_wall_s();
    int err = get_on(conn, a->workspace_id, &cur);

    a->secret_out[0] = '\0';
    events_text(a->events, events, sizeof(events));
    if (err == E_NOT_FOUND) {
        if (!(err = new_secret(a, &sealed))) {
            struct db_param p[] = {DB_CSTR(a->workspace_id), DB_CSTR(a->url),     DB_CSTR(events),
                                   DB_CSTR(a->id_field),     DB_CSTR(sealed.ptr), DB_INT(now)};
            err = db_exec(conn,
                          "INSERT INTO crm_endpoints (workspace_id, url, events, id_field, secret, "
                          "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
                          p, ARRAY_LEN(p), NULL);
        }
    } else if (!err) {
        struct db_param p[] = {DB_CSTR(a->workspace_id), DB_CSTR(a->url), DB_CSTR(events),
                               DB_CSTR(a->id_field), DB_INT(now)};
        err = db_exec(conn,
                      "UPDATE crm_endpoints SET url = $2, events = $3, id_field = $4, "
                      "disabled_at = NULL, disabled_reason = NULL, updated_at = $5 "
                      "WHERE workspace_id = $1",
                      p, ARRAY_LEN(p), NULL);
    }
    return finish_change(conn, a, err, "crm.updated", &sealed);
}

int
crm_put(struct db *db, const struct config *cfg, const char *workspace_id, const char *user_id,
        const struct auth_client *client, const char *url, unsigned events, const char *id_field,
        struct crm_endpoint *out, char *secret_out)
{
    struct put_args a = {
        cfg, workspace_id, user_id, client, url, events, id_field ? id_field : "id",
        out, secret_out};
    return db_tx(db, put_tx, &a);
}

static int
rotate_tx(struct db_conn *conn, void *arg)
{
    struct put_args *a = arg;
    struct buf sealed = BUF_INIT;
    struct db_result *r = NULL;
    int64_t now = clock_wall_s();
    int err;

    {
        struct db_param p[] = {DB_CSTR(a->workspace_id)};
        err = db_exec(conn, "SELECT secret FROM crm_endpoints WHERE workspace_id = $1", p, 1, &r);
    }
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        err = new_secret(a, &sealed);
    }
    if (!err) {
        /* The current secret becomes the previous one, still signing for the overlap. */
        struct db_param p[] = {DB_CSTR(a->workspace_id), DB_CSTR(sealed.ptr),
                               DB_INT(now + CRM_ROTATION_OVERLAP_S), DB_INT(now)};
        err = db_exec(conn,
                      "UPDATE crm_endpoints SET previous_secret = secret, secret = $2, "
                      "previous_until = $3, updated_at = $4 WHERE workspace_id = $1",
                      p, ARRAY_LEN(p), NULL);
    }
    db_result_free(r);
    return finish_change(conn, a, err, "crm.rotated", &sealed);
}

int
crm_rotate(struct db *db, const struct config *cfg, const char *workspace_id, const char *user_id,
           const struct auth_client *client, struct crm_endpoint *out, char *secret_out)
{
    struct put_args a = {cfg, workspace_id, user_id, client, NULL, 0, NULL, out, secret_out};
    secret_out[0] = '\0';
    return db_tx(db, rotate_tx, &a);
}

static int
delete_tx(struct db_conn *conn, void *arg)
{
    struct put_args *a = arg;
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(a->workspace_id)};
    int err = db_exec(conn, "DELETE FROM crm_endpoints WHERE workspace_id = $1", p, 1, &r);

    if (!err && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        err = audit(conn, a->workspace_id, a->user_id, "crm.deleted", NULL, a->client);
    }
    db_result_free(r);
    return err;
}

int
crm_delete(struct db *db, const char *workspace_id, const char *user_id,
           const struct auth_client *client)
{
    struct put_args a = {NULL, workspace_id, user_id, client, NULL, 0, NULL, NULL, NULL};
    return db_tx(db, delete_tx, &a);
}

/* ---- Events ---------------------------------------------------------------------------------- */

/* The text of column col of row 0 as a JSON string, or null for a NULL column. */
static void
set_column(struct json_obj *o, const char *name, const struct db_result *r, size_t col)
{
    if (db_is_null(r, 0, col)) {
        json_obj_set_cstr(o, name, NULL);
    } else {
        json_obj_set_str(o, name, str_make(db_text(r, 0, col), db_text_len(r, 0, col)));
    }
}

/*
 * The row a LEFT JOIN brought, as an object of the columns from col on
 * named names[0..n), or NULL (a JSON null) when it found none (its id, the
 * column col, is NULL): the lead's owner and agent.
 */
static struct json_obj *
joined(const struct db_result *r, size_t col, const char *const *names, size_t n)
{
    struct json_obj *o;

    if (db_is_null(r, 0, col)) {
        return NULL;
    }
    o = json_obj_new();
    for (size_t i = 0; i < n; i++) {
        set_column(o, names[i], r, col + i);
    }
    return o;
}

/* {"lead": {...}} of a lead as it is now on conn (inside the change's transaction). */
static int
lead_data(struct db_conn *conn, const struct config *cfg, const char *workspace_id,
          const char *lead_id, const char *from, struct json_obj **out)
{
    static const char *const owner[] = {"id", "name", "email"};
    static const char *const agent[] = {"id", "name"};
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(lead_id)};
    struct buf url = BUF_INIT;
    struct json_obj *lead;
    int err = db_exec(conn,
                      "SELECT l.id, l.name, l.phone, l.stage, l.crm_id, u.id, u.name, u.email, "
                      "a.id, a.name FROM leads l LEFT JOIN users u ON u.id = l.owner_id "
                      "LEFT JOIN agents a ON a.id = l.agent_id AND a.workspace_id = l.workspace_id "
                      "WHERE l.workspace_id = $1 AND l.id = $2",
                      p, ARRAY_LEN(p), &r);

    *out = NULL;
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (err) {
        db_result_free(r);
        return err;
    }
    lead = json_obj_new();
    set_column(lead, "id", r, 0);
    set_column(lead, "name", r, 1);
    set_column(lead, "phone", r, 2);
    set_column(lead, "stage", r, 3);
    json_obj_set_cstr(lead, "previousStage", from);
    json_obj_set_obj(lead, "owner", joined(r, 5, owner, ARRAY_LEN(owner)));
    set_column(lead, "crmId", r, 4);
    json_obj_set_obj(lead, "agent", joined(r, 8, agent, ARRAY_LEN(agent)));
    /* The conversation in the dashboard. */
    if (buf_addf(&url, "%s/w/%s/leads/%s", cfg->app_url ? cfg->app_url : "", workspace_id,
                 lead_id)) {
        err = E_INTERNAL;
    }
    json_obj_set_cstr(lead, "url", url.ptr);
    *out = json_obj_new();
    json_obj_set_obj(*out, "lead", lead);
    buf_release(&url);
    db_result_free(r);
    return err;
}

/* The body of every event: type, version, id, timestamp, workspace, and data (taken over). */
static int
render_body(const char *type, const char *id, const char *workspace_id, int64_t now_ms,
            struct json_obj *data, struct buf *out)
{
    struct json_obj *body = json_obj_new();
    char ts[40];
    int err;

    clock_format_rfc3339(now_ms - now_ms % 1000, ts, sizeof(ts));
    json_obj_set_cstr(body, "type", type);
    json_obj_set_int(body, "version", CRM_BODY_VERSION);
    json_obj_set_cstr(body, "id", id);
    json_obj_set_cstr(body, "timestamp", ts);
    json_obj_set_cstr(body, "workspaceId", workspace_id);
    json_obj_set_obj(body, "data", data);
    err = json_obj_render(body, out);
    json_obj_free(body);
    return err;
}

/* A new event id "msg_..." into out (CRM_EVENT_ID_SIZE bytes). */
static void
new_event_id(char *out)
{
    char tok[CRYPTO_B64URL_SIZE(16)];

    crypto_random_token(16, tok, sizeof(tok));
    (void)snprintf(out, CRM_EVENT_ID_SIZE, "msg_%s", tok);
}

/* The job of delivery id, on conn, to run now. */
static int
enqueue_job(struct db_conn *conn, const char *id)
{
    struct json_obj *payload = json_obj_new();
    struct buf b = BUF_INIT;
    int err;

    json_obj_set_cstr(payload, "delivery", id);
    err = json_obj_render(payload, &b);
    json_obj_free(payload);
    if (!err) {
        err = jobs_enqueue(conn, CRM_JOB, b.ptr, NULL, NULL);
    }
    buf_release(&b);
    return err;
}

/* One delivery row and its job, on conn (in the caller's transaction). */
static int
enqueue(struct db_conn *conn, const char *workspace_id, const char *lead_id, const char *event,
        const char *id, const struct buf *body, int64_t now_ms)
{
    struct db_param p[] = {
        DB_CSTR(id),    DB_CSTR(workspace_id),         lead_id ? DB_CSTR(lead_id) : DB_NULL,
        DB_CSTR(event), DB_TEXT(body->ptr, body->len), DB_INT(now_ms)};
    int err = db_exec(conn,
                      "INSERT INTO crm_deliveries (id, workspace_id, lead_id, event, body, status, "
                      "next_attempt_at_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, 'pending', "
                      "$6, $6)",
                      p, ARRAY_LEN(p), NULL);
    return err ? err : enqueue_job(conn, id);
}

/* Queues one lead event of type (flag) if the endpoint subscribes to it. */
static int
lead_event(struct db_conn *conn, const struct config *cfg, const struct crm_endpoint *ep,
           unsigned flag, const char *workspace_id, const char *lead_id, const char *from)
{
    struct buf body = BUF_INIT;
    struct json_obj *data = NULL;
    char id[CRM_EVENT_ID_SIZE];
    int64_t now_ms = clock_wall_ms();
    int err;

    if (!(ep->events & flag)) {
        return 0;
    }
    new_event_id(id);
    err = lead_data(conn, cfg, workspace_id, lead_id, from, &data);
    if (!err) {
        err = render_body(crm_event_name(flag), id, workspace_id, now_ms, data, &body);
        data = NULL;
    }
    if (!err) {
        err = enqueue(conn, workspace_id, lead_id, crm_event_name(flag), id, &body, now_ms);
    }
    json_obj_free(data);
    buf_release(&body);
    return err;
}

int
crm_lead_stage_changed(struct db_conn *conn, const struct config *cfg, const char *workspace_id,
                       const char *lead_id, const char *from, const char *to)
{
    struct crm_endpoint ep;
    int err = get_on(conn, workspace_id, &ep);

    if (err == E_NOT_FOUND || (!err && !ep.enabled) || strcmp(from, to) == 0) {
        return 0;
    }
    if (!err) {
        err = lead_event(conn, cfg, &ep, CRM_EV_STAGE_CHANGED, workspace_id, lead_id, from);
    }
    if (!err && strcmp(to, "qualified") == 0) {
        err = lead_event(conn, cfg, &ep, CRM_EV_QUALIFIED, workspace_id, lead_id, from);
    }
    return err;
}

/* ---- The delivery log ------------------------------------------------------------------------ */

static const char delivery_cols[] =
    "id, event, lead_id, status, attempts, last_status, last_error, last_attempt_at_ms, "
    "next_attempt_at_ms, created_at_ms";

static const char *
opt_text(struct arena *a, const struct db_result *r, size_t row, size_t col)
{
    return db_is_null(r, row, col)
               ? NULL
               : arena_strndup(a, db_text(r, row, col), db_text_len(r, row, col));
}

static int64_t
opt_int(const struct db_result *r, size_t row, size_t col)
{
    return db_is_null(r, row, col) ? 0 : db_int(r, row, col);
}

static void
read_delivery(const struct db_result *r, size_t row, struct arena *a, struct crm_delivery *d)
{
    memset(d, 0, sizeof(*d));
    db_text_copy(r, row, 0, d->id, sizeof(d->id));
    d->event = opt_text(a, r, row, 1);
    d->lead_id = opt_text(a, r, row, 2);
    d->status = opt_text(a, r, row, 3);
    d->attempts = opt_int(r, row, 4);
    d->last_status = opt_int(r, row, 5);
    d->last_error = opt_text(a, r, row, 6);
    d->last_attempt_at_ms = opt_int(r, row, 7);
    d->next_attempt_at_ms = opt_int(r, row, 8);
    d->created_at_ms = opt_int(r, row, 9);
}

static int
get_delivery(struct db_conn *conn, const char *workspace_id, const char *id, struct arena *a,
             struct crm_delivery *out)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(workspace_id), DB_CSTR(id)};
    char sql[320];
    int err;

    (void)snprintf(sql, sizeof(sql),
                   "SELECT %s FROM crm_deliveries WHERE workspace_id = $1 AND id = $2",
                   delivery_cols);
    err = db_exec(conn, sql, p, 2, &r);
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_delivery(r, 0, a, out);
    }
    db_result_free(r);
    return err;
}

struct test_args {
    const struct config *cfg;
    const char *workspace_id;
    const char *delivery_id;
    const char *user_id;
    const struct auth_client *client;
    struct arena *a;
    struct crm_delivery *out;
};

static int
test_tx(struct db_conn *conn, void *arg)
{
    struct test_args *t = arg;
    struct crm_endpoint ep;
    struct buf body = BUF_INIT;
    struct json_obj *data;
    char id[CRM_EVENT_ID_SIZE];
    int64_t now_ms = clock_wall_ms();
    int err = get_on(conn, t->workspace_id, &ep);

    if (!err && !ep.enabled) {
        err = E_CONFLICT;
    }
    if (!err) {
        new_event_id(id);
        data = json_obj_new();
        json_obj_set_cstr(data, "message", "Teste do Piloto de Vendas");
        err = render_body(CRM_EVENT_TEST, id, t->workspace_id, now_ms, data, &body);
    }
    if (!err) {
        err = enqueue(conn, t->workspace_id, NULL, CRM_EVENT_TEST, id, &body, now_ms);
    }
    if (!err) {
        err = audit(conn, t->workspace_id, t->user_id, "crm.test_sent", NULL, t->client);
    }
    if (!err) {
        err = get_delivery(conn, t->workspace_id, id, t->a, t->out);
    }
    buf_release(&body);
    return err;
}

int
crm_send_test(struct db *db, const struct config *cfg, const char *workspace_id,
              const char *user_id, const struct auth_client *client, struct arena *a,
              struct crm_delivery *out)
{
    struct test_args t = {cfg, workspace_id, NULL, user_id, client, a, out};
    return db_tx(db, test_tx, &t);
}

struct list_args {
    const char *workspace_id;
    int64_t before_ms;
    const char *before_id;
    size_t limit;
    struct arena *a;
    struct crm_delivery **out;
    size_t *n;
    bool *more;
};

static int
list_tx(struct db_conn *conn, void *arg)
{
    struct list_args *l = arg;
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(l->workspace_id), DB_INT(l->before_ms), DB_CSTR(l->before_id),
                           DB_INT(l->limit + 1)};
    char sql[512];
    int err;

    /* Keyset on (created_at_ms, id) descending: stable while deliveries are added. */
    (void)snprintf(sql, sizeof(sql),
                   "SELECT %s FROM crm_deliveries WHERE workspace_id = $1 AND ($2 = 0 OR "
                   "created_at_ms < $2 OR (created_at_ms = $2 AND id < $3)) "
                   "ORDER BY created_at_ms DESC, id DESC LIMIT $4",
                   delivery_cols);
    err = db_exec(conn, sql, p, ARRAY_LEN(p), &r);
    if (!err) {
        size_t rows = db_result_rows(r);
        *l->more = rows > l->limit;
        if (rows > l->limit) {
            rows = l->limit;
        }
        *l->out = arena_alloc(l->a, st_mult(rows + 1, sizeof(struct crm_delivery)));
        for (size_t i = 0; i < rows; i++) {
            read_delivery(r, i, l->a, &(*l->out)[i]);
        }
        *l->n = rows;
    }
    db_result_free(r);
    return err;
}

int
crm_deliveries(struct db *db, const char *workspace_id, int64_t before_ms, const char *before_id,
               size_t limit, struct arena *a, struct crm_delivery **out, size_t *n, bool *more)
{
    struct list_args l = {workspace_id, before_ms, before_id ? before_id : "", limit, a, out, n,
                          more};
    *n = 0;
    *more = false;
    return db_tx(db, list_tx, &l);
}

static int
redeliver_tx(struct db_conn *conn, void *arg)
{
    struct test_args *t = arg;
    struct crm_endpoint ep;
    struct crm_delivery d;
    /* The delivery first: an id that names nothing here is 404 whatever the endpoint's state. */
    int err = get_delivery(conn, t->workspace_id, t->delivery_id, t->a, &d);

    if (!err) {
        err = get_on(conn, t->workspace_id, &ep);
        if (err == E_NOT_FOUND || (!err && !ep.enabled)) {
            err = E_CONFLICT;
        }
    }
    if (!err && strcmp(d.status, "failed") != 0 && strcmp(d.status, "dead") != 0) {
        err = E_CONFLICT;
    }
    if (!err) {
        struct db_param p[] = {DB_CSTR(t->workspace_id), DB_CSTR(t->delivery_id),
                               DB_INT(clock_wall_ms())};
        err = db_exec(conn,
                      "UPDATE crm_deliveries SET status = 'pending', next_attempt_at_ms = $3 "
                      "WHERE workspace_id = $1 AND id = $2",
                      p, ARRAY_LEN(p), NULL);
    }
    if (!err) {
        err = enqueue_job(conn, t->delivery_id);
    }
    if (!err) {
        err = audit(conn, t->workspace_id, t->user_id, "crm.redelivered", NULL, t->client);
    }
    if (!err) {
        err = get_delivery(conn, t->workspace_id, t->delivery_id, t->a, t->out);
    }
    return err;
}

int
crm_redeliver(struct db *db, const char *workspace_id, const char *delivery_id, const char *user_id,
              const struct auth_client *client, struct arena *a, struct crm_delivery *out)
{
    struct test_args t = {NULL, workspace_id, delivery_id, user_id, client, a, out};
    return db_tx(db, redeliver_tx, &t);
}
