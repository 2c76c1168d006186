#include "crm/delivery.h"

#include "auth/mails.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crm/crm.h"
#include "crm/retry.h"
#include "crypto/crypto.h"
#include "integrations/httpc.h"
#include "integrations/stdwebhook.h"
#include "json/json.h"
#include "workspaces/workspaces.h"

/* Time kept back from the job's budget for recording the outcome. */
#define RECORD_MARGIN_MS 5000

static const struct json_field payload_fields[] = {
    {"delivery", JSON_F_STRING, true, 1, CRM_EVENT_ID_SIZE - 1},
};

/* The delivery id of a job's payload into id (CRM_EVENT_ID_SIZE bytes). */
static int
payload_id(const struct job *job, char *id)
{
    struct json_doc *doc = NULL;
    struct json_value v[ARRAY_LEN(payload_fields)];
    int err = json_doc_parse(str_make(job->payload, job->payload_len), &doc);

    if (!err) {
        err = json_pick(doc, payload_fields, ARRAY_LEN(payload_fields), v);
    }
    if (!err) {
        str_copy_to(v[0].s, id, CRM_EVENT_ID_SIZE);
    }
    json_doc_free(doc);
    return err;
}

/* What a run needs, read in one query. */
struct work {
    char id[CRM_EVENT_ID_SIZE];
    char workspace_id[WS_ID_SIZE];
    char lead_id[64];    /* "" when none */
    struct db_result *r; /* owns body, url, secrets */
    struct str body;
    const char *url;
    bool has_endpoint;
    bool enabled;
    char status[16];
    char id_field[CRM_ID_FIELD_MAX + 1];
    bool previous_signs;
};

static int
load(struct db_conn *conn, struct work *w)
{
    struct db_param p[] = {DB_CSTR(w->id)};
    struct db_result *r = NULL;
    int err = db_exec(conn,
                      "SELECT d.workspace_id, d.lead_id, d.body, d.status, e.url, e.secret, "
                      "e.previous_secret, e.previous_until, e.disabled_at, e.id_field "
                      "FROM crm_deliveries d LEFT JOIN crm_endpoints e "
                      "ON e.workspace_id = d.workspace_id WHERE d.id = $1",
                      p, 1, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (err) {
        db_result_free(r);
        return err;
    }
    w->r = r;
    db_text_copy(r, 0, 0, w->workspace_id, sizeof(w->workspace_id));
    if (!db_is_null(r, 0, 1)) {
        db_text_copy(r, 0, 1, w->lead_id, sizeof(w->lead_id));
    }
    w->body = str_make(db_text(r, 0, 2), db_text_len(r, 0, 2));
    db_text_copy(r, 0, 3, w->status, sizeof(w->status));
    w->has_endpoint = !db_is_null(r, 0, 4);
    w->url = db_text(r, 0, 4);
    w->previous_signs =
        !db_is_null(r, 0, 6) && !db_is_null(r, 0, 7) && db_int(r, 0, 7) > clock_wall_s();
    w->enabled = db_is_null(r, 0, 8);
    if (!db_is_null(r, 0, 9)) {
        db_text_copy(r, 0, 9, w->id_field, sizeof(w->id_field));
    }
    return 0;
}

/* Opens the sealed secrets of the row (current first) into secrets[]; *n of them. */
static int
open_secrets(const struct config *cfg, const struct work *w, struct buf secrets[2], size_t *n)
{
    uint8_t key[CRYPTO_KEY_LEN];
    char ad[64];
    int err;

    (void)snprintf(ad, sizeof(ad), "crm:%s", w->workspace_id);
    crm_secret_key(cfg, key);
    *n = 0;
    err = crypto_open(key, str_make(db_text(w->r, 0, 5), db_text_len(w->r, 0, 5)),
                      str_from_cstr(ad), &secrets[0]);
    if (!err) {
        *n = 1;
        if (w->previous_signs &&
            crypto_open(key, str_make(db_text(w->r, 0, 6), db_text_len(w->r, 0, 6)),
                        str_from_cstr(ad), &secrets[1]) == 0) {
            *n = 2;
        }
    }
    crypto_wipe(key, sizeof(key));
    return err;
}

/* Sets the delivery's outcome columns (autocommit, or inside the caller's transaction). */
static int
record(struct db_conn *conn, const char *id, const char *status, long http_status,
       const char *error, int64_t next_ms)
{
    struct db_param p[] = {
        DB_CSTR(id),
        DB_CSTR(status),
        http_status ? DB_INT(http_status) : DB_NULL,
        error ? DB_CSTR(error) : DB_NULL,
        next_ms ? DB_INT(next_ms) : DB_NULL,
    };
    return db_exec(conn,
                   "UPDATE crm_deliveries SET status = $2, last_status = $3, last_error = $4, "
                   "next_attempt_at_ms = $5 WHERE id = $1",
                   p, ARRAY_LEN(p), NULL);
}

/* What a delivery's last transaction records, beside the job's completion (jobs_complete_tx). */
struct finish {
    const struct config *cfg;
    const struct work *w;
    const char *why;    /* failed: the reason */
    long status;        /* delivered: the answer's HTTP status */
    const char *crm_id; /* delivered: the CRM's id for the lead, or NULL */
};

static int
failed_body(struct db_conn *conn, void *arg)
{
    const struct finish *f = arg;
    return record(conn, f->w->id, "failed", 0, f->why, 0);
}

/* A stale job or an endpoint that cannot be reached any more: the delivery failed, job done. */
static int
finish_failed(struct job_ctx *ctx, const struct work *w, const char *why)
{
    struct finish f = {.w = w, .why = why};
    int err = jobs_complete_tx(ctx, failed_body, &f);

    return err ? jobs_fail(ctx, err, "cannot record crm delivery %s", w->id) : 0;
}

/*
 * The CRM's id for the lead in a 2xx answer: the member at the endpoint's id
 * field path, a string (1..CRM_ID_MAX visible characters) or an integer.
 * Anything else (not JSON, no such member, another type) is no id.
 */
static bool
answer_id(const struct buf *body, const char *path, char *out, size_t cap)
{
    struct json_doc *doc = NULL;
    const struct json_node *n;
    struct str rest = str_from_cstr(path);
    struct str s;
    int64_t i;
    bool ok = false;

    if (body->len == 0 || json_doc_parse(str_make(body->ptr, body->len), &doc)) {
        return false;
    }
    n = json_doc_node(doc);
    while (n && rest.len) {
        struct str part = str_cut(&rest, '.');
        char name[CRM_ID_FIELD_MAX + 1];
        str_copy_to(part, name, sizeof(name));
        n = json_node_member(n, name);
    }
    if (json_node_string(n, &s) && s.len >= 1 && s.len <= CRM_ID_MAX && str_is_visible(s)) {
        str_copy_to(s, out, cap);
        ok = true;
    } else if (json_node_int(n, &i)) {
        (void)snprintf(out, cap, "%lld", (long long)i);
        ok = true;
    }
    json_doc_free(doc);
    return ok;
}

static int
delivered_body(struct db_conn *conn, void *arg)
{
    const struct finish *f = arg;
    int err = record(conn, f->w->id, "delivered", f->status, NULL, 0);

    if (!err && f->crm_id) {
        struct db_param p[] = {DB_CSTR(f->w->workspace_id), DB_CSTR(f->w->lead_id),
                               DB_CSTR(f->crm_id)};
        err = db_exec(conn, "UPDATE leads SET crm_id = $3 WHERE workspace_id = $1 AND id = $2", p,
                      ARRAY_LEN(p), NULL);
    }
    return err;
}

static int
delivered(struct job_ctx *ctx, const struct work *w, const struct httpc_response *resp)
{
    char crm_id[CRM_ID_MAX + 1];
    bool has_id = w->lead_id[0] && answer_id(&resp->body, w->id_field[0] ? w->id_field : "id",
                                             crm_id, sizeof(crm_id));
    struct finish f = {.w = w, .status = resp->status, .crm_id = has_id ? crm_id : NULL};
    int err = jobs_complete_tx(ctx, delivered_body, &f);

    return err ? jobs_fail(ctx, err, "delivered, but cannot record crm delivery %s", w->id) : 0;
}

/* 410: the delivery failed, the endpoint is off, owners and admins are told. */
static int
gone_body(struct db_conn *conn, void *arg)
{
    static const struct auth_client job_client = {"", "piloto (crm delivery)"};
    const struct finish *f = arg;
    const struct work *w = f->w;
    struct db_result *r = NULL;
    struct buf detail = BUF_INIT;
    int64_t now = clock_wall_s();
    int err = record(conn, w->id, "failed", 410, "410 Gone: the endpoint was disabled", 0);

    if (!err) {
        struct db_param p[] = {DB_CSTR(w->workspace_id), DB_INT(now)};
        err = db_exec(conn,
                      "UPDATE crm_endpoints SET disabled_at = $2, disabled_reason = 'gone', "
                      "updated_at = $2 WHERE workspace_id = $1 AND disabled_at IS NULL",
                      p, ARRAY_LEN(p), NULL);
    }
    if (!err) {
        struct json_obj *o = json_obj_new();
        json_obj_set_cstr(o, "url", w->url);
        json_obj_set_cstr(o, "reason", "gone");
        err = json_obj_render(o, &detail);
        json_obj_free(o);
    }
    if (!err) {
        err = workspaces_audit_write(conn, w->workspace_id, NULL, "crm.disabled", detail.ptr,
                                     &job_client, now);
    }
    if (!err) {
        struct db_param p[] = {DB_CSTR(w->workspace_id)};
        err =
            db_exec(conn,
                    "SELECT u.email, u.name, ws.name FROM workspace_members m "
                    "JOIN users u ON u.id = m.user_id JOIN workspaces ws ON ws.id = m.workspace_id "
                    "WHERE m.workspace_id = $1 AND m.role IN ('owner', 'admin') ORDER BY u.email",
                    p, 1, &r);
    }
    for (size_t i = 0; !err && i < db_result_rows(r); i++) {
        err = mails_enqueue(conn, f->cfg, MAIL_CRM_DISABLED, db_text(r, i, 0), db_text(r, i, 2),
                            w->workspace_id, now);
    }
    db_result_free(r);
    buf_release(&detail);
    return err;
}

/* 410, in one transaction with the job's completion. */
static int
gone(struct job_ctx *ctx, const struct work *w)
{
    struct finish f = {.cfg = jobs_ctx_cfg(ctx), .w = w};
    int err = jobs_complete_tx(ctx, gone_body, &f);

    if (err) {
        return jobs_fail(ctx, err, "cannot disable the crm endpoint of %s", w->workspace_id);
    }
    log_msg(LOG_WARNING, "crm endpoint of workspace '%s' answered 410: disabled", w->workspace_id);
    return 0;
}

/* A failed attempt: wait what the CRM asked or the schedule's next step; dead when it ran out. */
static int
retry(struct job_ctx *ctx, const struct job *job, const struct work *w, long status,
      int64_t retry_after_s, const char *why)
{
    const struct config *cfg = jobs_ctx_cfg(ctx);
    struct db_conn *conn = jobs_ctx_conn(ctx);
    struct crm_retry sched;
    int64_t wait_ms = 0;
    int64_t wait_s = 0;
    uint32_t rnd = 0;
    bool more;

    crypto_random(&rnd, sizeof(rnd));
    if (crm_retry_parse(str_from_cstr(cfg->crm_retry_schedule), &sched)) {
        BUG("CRM_RETRY_SCHEDULE passed config but not crm_retry_parse");
    }
    more = crm_retry_next(&sched, job->attempt, rnd, &wait_ms);
    if (more && crm_retry_classify(status, retry_after_s, &wait_s) == CRM_RETRY_AFTER) {
        wait_ms = wait_s * 1000;
    }
    if (!more) {
        (void)record(conn, w->id, "dead", status, why, 0);
        return jobs_fail_for_good(ctx, "crm delivery %s: %s; the schedule ran out", w->id, why);
    }
    if (record(conn, w->id, "pending", status, why, clock_wall_ms() + wait_ms)) {
        log_msg(LOG_WARNING, "cannot record crm delivery %s's failed attempt", w->id);
    }
    return jobs_retry_after(ctx, wait_ms, "crm delivery %s: %s", w->id, why);
}

/* The request itself: signed now, sent, answered (any status) or failed (no answer). */
static int
send(struct job_ctx *ctx, const struct job *job, const struct work *w, const struct str *secrets,
     size_t nsecrets, struct httpc_response *resp)
{
    const struct config *cfg = jobs_ctx_cfg(ctx);
    struct buf sig = BUF_INIT;
    char h_id[64];
    char h_ts[48];
    char *h_sig = NULL;
    const char *headers[4];
    int64_t ts = clock_wall_s();
    int64_t left = job->deadline_ms - clock_mono_ms() - RECORD_MARGIN_MS;
    long timeout = (long)cfg->crm_timeout_s * 1000;
    struct httpc_request rq = {0};
    int err =
        stdwebhook_signature_header(secrets, nsecrets, str_from_cstr(w->id), ts, w->body, &sig);

    if (err) {
        memset(resp, 0, sizeof(*resp));
        buf_init(&resp->body, 0);
        (void)snprintf(resp->detail, sizeof(resp->detail), "cannot sign");
        return err;
    }
    (void)snprintf(h_id, sizeof(h_id), "webhook-id: %s", w->id);
    (void)snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", (long long)ts);
    h_sig = xmalloc(sig.len + 32);
    (void)snprintf(h_sig, sig.len + 32, "webhook-signature: %s", sig.ptr);
    headers[0] = "Content-Type: application/json";
    headers[1] = h_id;
    headers[2] = h_ts;
    headers[3] = h_sig;
    rq.method = "POST";
    rq.url = w->url;
    rq.headers = headers;
    rq.nheaders = ARRAY_LEN(headers);
    rq.body = w->body.ptr;
    rq.body_len = w->body.len;
    rq.timeout_ms = left < timeout ? (left > 1000 ? left : 1000) : timeout;
    rq.max_response = CRM_ANSWER_MAX;
    rq.reach = crm_reach(cfg);
    err = httpc_do(&rq, resp);
    free(h_sig);
    buf_release(&sig);
    return err;
}

int
crm_delivery_run(struct job_ctx *ctx, const struct job *job)
{
    const struct config *cfg = jobs_ctx_cfg(ctx);
    struct db_conn *conn = jobs_ctx_conn(ctx);
    struct work w;
    struct buf secret_bufs[2] = {BUF_INIT, BUF_INIT};
    struct str secrets[2];
    size_t nsecrets = 0;
    struct httpc_response resp;
    bool sent = false;
    char why[200];
    int err;

    memset(&w, 0, sizeof(w));
    if (payload_id(job, w.id)) {
        return jobs_fail_for_good(ctx, "malformed crm delivery payload");
    }
    err = load(conn, &w);
    if (err == E_NOT_FOUND) {
        return 0; /* the workspace is gone, and its deliveries with it */
    }
    if (err) {
        return jobs_fail(ctx, err, "cannot read crm delivery %s", w.id);
    }
    if (strcmp(w.status, "pending") != 0) {
        err = 0; /* done already (a run that died before its job was marked done) */
        goto out;
    }
    if (!w.has_endpoint || !w.enabled) {
        err = finish_failed(ctx, &w,
                            w.has_endpoint ? "the endpoint is disabled"
                                           : "the workspace has no CRM endpoint");
        goto out;
    }
    if (open_secrets(cfg, &w, secret_bufs, &nsecrets)) {
        err = jobs_fail_for_good(ctx, "crm delivery %s: the secret does not open", w.id);
        (void)record(conn, w.id, "failed", 0, "the signing secret cannot be read", 0);
        goto out;
    }
    for (size_t i = 0; i < nsecrets; i++) {
        secrets[i] = str_make(secret_bufs[i].ptr, secret_bufs[i].len);
    }
    /* Recorded before the request: a run killed during it is counted, and runs again. */
    {
        struct db_param p[] = {DB_CSTR(w.id), DB_INT(clock_wall_ms())};
        if ((err = db_exec(conn,
                           "UPDATE crm_deliveries SET attempts = attempts + 1, "
                           "last_attempt_at_ms = $2, next_attempt_at_ms = NULL WHERE id = $1",
                           p, ARRAY_LEN(p), NULL))) {
            err = jobs_fail(ctx, err, "cannot record crm delivery %s's attempt", w.id);
            goto out;
        }
    }
    err = send(ctx, job, &w, secrets, nsecrets, &resp);
    sent = true;
    if (!err || (err == E_TOO_LARGE && resp.status)) {
        int64_t wait_s = 0;
        switch (crm_retry_classify(resp.status, resp.retry_after_s, &wait_s)) {
        case CRM_DELIVERED:
            err = delivered(ctx, &w, &resp);
            break;
        case CRM_GONE:
            err = gone(ctx, &w);
            break;
        case CRM_RETRY_AFTER:
        case CRM_RETRY:
            (void)snprintf(why, sizeof(why), "HTTP %ld", resp.status);
            err = retry(ctx, job, &w, resp.status, resp.retry_after_s, why);
            break;
        }
    } else {
        (void)snprintf(why, sizeof(why), "%s", resp.detail[0] ? resp.detail : err_slug(err));
        err = retry(ctx, job, &w, 0, -1, why);
    }
out:
    if (sent) {
        httpc_response_release(&resp);
    }
    crypto_wipe_buf(&secret_bufs[0]);
    crypto_wipe_buf(&secret_bufs[1]);
    db_result_free(w.r);
    return err;
}

int
crm_delivery_dead(struct db_conn *conn, const struct job *job, const char *last_error)
{
    char id[CRM_EVENT_ID_SIZE];
    struct db_param p[2];

    if (payload_id(job, id)) {
        return 0;
    }
    p[0] = DB_CSTR(id);
    p[1] = DB_CSTR(last_error ? last_error : "");
    return db_exec(conn,
                   "UPDATE crm_deliveries SET status = 'dead', next_attempt_at_ms = NULL, "
                   "last_error = COALESCE(last_error, $2) WHERE id = $1 AND status = 'pending'",
                   p, 2, NULL);
}
