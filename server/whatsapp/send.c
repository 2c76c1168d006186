#include "whatsapp/send.h"

#include "agents/agents.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "events/events.h"
#include "integrations/httpc.h"
#include "integrations/whatsapp.h"
#include "whatsapp/inbound.h"

/*
 * Tells the open pages about message id of lead_id (events/events.h), in
 * conn's transaction: message.created, or message.status with its status.
 */
static int
emit_message(struct db_conn *conn, const char *workspace_id, const char *lead_id, int64_t id,
             const char *status)
{
    char data[EVENTS_DATA_MAX + 1];
    int k = status ? snprintf(data, sizeof(data),
                              "{\"leadId\":\"%s\",\"messageId\":\"%lld\",\"status\":\"%s\"}",
                              lead_id, (long long)id, status)
                   : snprintf(data, sizeof(data), "{\"leadId\":\"%s\",\"messageId\":\"%lld\"}",
                              lead_id, (long long)id);

    if (k <= 0 || (size_t)k >= sizeof(data)) {
        return E_INTERNAL;
    }
    return events_emit(conn, workspace_id, status ? "message.status" : "message.created", data,
                       NULL);
}

/* ---- Enqueue ------------------------------------------------------------------------------- */

int
whatsapp_send_text(struct db_conn *conn, const char *workspace_id, const char *lead_id,
                   enum whatsapp_author author, const char *user_id, struct str text,
                   int64_t now_ms, int64_t *message_id)
{
    struct db_result *r = NULL;
    struct db_param q[] = {DB_CSTR(workspace_id), DB_CSTR(lead_id)};
    char conv_id[64];
    char payload[64];
    int64_t last_inbound;
    int err;

    *message_id = 0;
    /* The conversation the person wrote in last: its number answers, its window counts. */
    err = db_exec(conn,
                  "SELECT id, COALESCE(last_inbound_at, 0) FROM conversations "
                  "WHERE workspace_id = $1 AND lead_id = $2 "
                  "ORDER BY COALESCE(last_inbound_at, 0) DESC, id LIMIT 1",
                  q, 2, &r);
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (err) {
        db_result_free(r);
        return err;
    }
    db_text_copy(r, 0, 0, conv_id, sizeof(conv_id));
    last_inbound = db_int(r, 0, 1);
    db_result_free(r);
    r = NULL;
    /* Free text outside the 24-hour window is refused before Meta is ever called. */
    if (now_ms / 1000 >= last_inbound + WHATSAPP_WINDOW_S) {
        return author == WA_AUTHOR_PERSON ? E_WINDOW_CLOSED : 0;
    }
    struct db_param p[] = {
        DB_CSTR(workspace_id),
        DB_CSTR(lead_id),
        DB_CSTR(conv_id),
        DB_CSTR(author == WA_AUTHOR_PERSON ? "person" : "agent"),
        user_id ? DB_CSTR(user_id) : DB_NULL,
        DB_TEXT(text.ptr, text.len),
        DB_INT(now_ms),
    };
    err =
        db_exec(conn,
                "INSERT INTO messages (workspace_id, lead_id, conversation_id, direction, author, "
                "author_user_id, type, text, status, created_at_ms) "
                "VALUES ($1, $2, $3, 'out', $4, $5, 'text', $6, 'pending', $7) RETURNING id",
                p, ARRAY_LEN(p), &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_DB;
    }
    if (!err) {
        *message_id = db_int(r, 0, 0);
    }
    db_result_free(r);
    if (!err) {
        struct db_param u[] = {DB_INT(now_ms), DB_CSTR(lead_id)};
        err = db_exec(conn,
                      "UPDATE leads SET last_message_at_ms = CASE WHEN last_message_at_ms < $1 "
                      "THEN $1 ELSE last_message_at_ms END WHERE id = $2",
                      u, 2, NULL);
    }
    if (!err) {
        /* One send job per message, ever queued once (its dedupe key). */
        char key[48];
        struct job_options o = {key, 0, JOBS_DEDUPE_KEEP};
        (void)snprintf(key, sizeof(key), "m:%lld", (long long)*message_id);
        (void)snprintf(payload, sizeof(payload), "{\"message\":%lld}", (long long)*message_id);
        err = jobs_enqueue(conn, WHATSAPP_SEND_JOB, payload, &o, NULL);
    }
    if (!err) {
        err = emit_message(conn, workspace_id, lead_id, *message_id, NULL);
    }
    if (err) {
        *message_id = 0;
    }
    return err;
}

/* ---- The send job -------------------------------------------------------------------------- */

/* What the send needs, read (and the attempt recorded) in one transaction. */
struct send {
    struct job_ctx *ctx;
    const struct config *cfg;
    int64_t id;
    int64_t now_ms;
    bool go; /* false: nothing to send (done, failed or gone); the job was completed */
    char to[WHATSAPP_ID_MAX + 1];
    char pnid[WHATSAPP_ID_MAX + 1];
    char last_inbound_wamid[WHATSAPP_ID_MAX + 1];
    char conv_id[64];
    char *text;
    struct buf token;
    /* The outcome to record (record_tx). */
    const struct whatsapp_answer *answer;
    const char *fail_title;
};

/*
 * Moves message id from pending to status ("sent" with its wamid, or
 * "failed" with Meta's error) and tells the open pages; a message no
 * longer pending is left as it is (a late answer never undoes a status).
 */
static int
leave_pending(struct db_conn *conn, int64_t id, const char *status, const char *wamid, int64_t code,
              const char *title)
{
    struct db_result *r = NULL;
    struct db_param p[] = {DB_CSTR(status), wamid ? DB_CSTR(wamid) : DB_NULL,
                           code ? DB_INT(code) : DB_NULL, title ? DB_CSTR(title) : DB_NULL,
                           DB_INT(id)};
    int err = db_exec(conn,
                      "UPDATE messages SET status = $1, wamid = COALESCE(wamid, $2), "
                      "error_code = COALESCE($3, error_code), "
                      "error_title = COALESCE($4, error_title) "
                      "WHERE id = $5 AND status = 'pending' "
                      "AND (CAST($2 AS TEXT) IS NULL OR wamid IS NULL OR wamid = $2) "
                      "RETURNING workspace_id, lead_id",
                      p, ARRAY_LEN(p), &r);

    if (!err && db_result_rows(r) == 1) {
        err = emit_message(conn, db_text(r, 0, 0), db_text(r, 0, 1), id, status);
    }
    db_result_free(r);
    return err;
}

/* Marks the message failed (only from pending). */
static int
mark_failed(struct db_conn *conn, int64_t id, int64_t code, const char *title)
{
    return leave_pending(conn, id, "failed", NULL, code, title);
}

static int
prepare_tx(struct db_conn *conn, void *arg)
{
    struct send *s = arg;
    struct db_result *r = NULL;
    struct db_param p[] = {DB_INT(s->id)};
    char agent_id[AGENT_ID_SIZE];
    int64_t last_inbound;
    int err = db_exec(conn,
                      "SELECT m.status, COALESCE(m.wamid, ''), m.text, l.wa_id, "
                      "c.phone_number_id, COALESCE(c.last_inbound_at, 0), "
                      "COALESCE(c.agent_id, ''), COALESCE(c.last_inbound_wamid, ''), c.id "
                      "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                      "JOIN leads l ON l.id = m.lead_id WHERE m.id = $1 AND m.direction = 'out'",
                      p, 1, &r);

    s->go = false;
    if (err) {
        goto out;
    }
    /* Gone, already sent (an earlier run, or a status that named it), or failed: done. */
    if (db_result_rows(r) == 0 || strcmp(db_text(r, 0, 0), "pending") != 0 ||
        db_text_len(r, 0, 1) > 0) {
        err = jobs_complete(s->ctx, conn);
        goto out;
    }
    db_text_copy(r, 0, 3, s->to, sizeof(s->to));
    db_text_copy(r, 0, 4, s->pnid, sizeof(s->pnid));
    last_inbound = db_int(r, 0, 5);
    db_text_copy(r, 0, 6, agent_id, sizeof(agent_id));
    db_text_copy(r, 0, 7, s->last_inbound_wamid, sizeof(s->last_inbound_wamid));
    db_text_copy(r, 0, 8, s->conv_id, sizeof(s->conv_id));
    /* The window may have closed while the job waited: never call Meta then. */
    if (s->now_ms / 1000 >= last_inbound + WHATSAPP_WINDOW_S) {
        err = mark_failed(conn, s->id, 0, "window_closed");
    } else if (!agent_id[0]) {
        err = mark_failed(conn, s->id, 0, "no agent answers on this number");
    } else if (agents_open_token(conn, s->cfg, agent_id, &s->token)) {
        err = mark_failed(conn, s->id, 0, "the number's token cannot be read");
    } else {
        struct db_param u[] = {DB_INT(s->now_ms), DB_INT(s->id)};
        s->text = xstrndup(db_text(r, 0, 2), db_text_len(r, 0, 2));
        s->go = true;
        /* The attempt is on record before Meta is called. */
        err = db_exec(conn,
                      "UPDATE messages SET send_attempts = send_attempts + 1, "
                      "attempted_at_ms = $1 WHERE id = $2",
                      u, 2, NULL);
    }
    if (!err && !s->go) {
        err = jobs_complete(s->ctx, conn);
    }
out:
    db_result_free(r);
    return err;
}

/* Records Meta's answer with the job's completion: exactly once, whatever dies when. */
static int
record_tx(struct db_conn *conn, void *arg)
{
    struct send *s = arg;
    const struct whatsapp_answer *a = s->answer;
    struct db_result *r = NULL;
    int err = 0;

    if (a && a->outcome == WA_OUT_SENT) {
        struct db_param p[] = {DB_CSTR(a->wamid), DB_INT(s->id)};
        /* A status that named it first may have set the wamid (and moved it on) already. */
        err = db_exec(conn,
                      "UPDATE messages SET wamid = $1 WHERE id = $2 AND wamid IS NULL "
                      "AND status <> 'pending'",
                      p, 2, &r);
        db_result_free(r);
        r = NULL;
        if (!err) {
            err = leave_pending(conn, s->id, "sent", a->wamid, 0, NULL);
        }
        if (!err) {
            /* Statuses that outran the answer (or named it while we were away). */
            err = whatsapp_apply_recorded(conn, s->id, str_from_cstr(a->wamid));
        }
        if (!err && s->last_inbound_wamid[0]) {
            char payload[WHATSAPP_ID_MAX + 128];
            struct job_options o = {NULL, 0, JOBS_DEDUPE_KEEP};
            char key[WHATSAPP_ID_MAX + 8];
            struct buf esc = BUF_INIT;

            err = buf_add_json_escaped(&esc, str_from_cstr(s->last_inbound_wamid));
            (void)snprintf(payload, sizeof(payload), "{\"conversation\":\"%s\",\"wamid\":\"%s\"}",
                           s->conv_id, esc.ptr);
            (void)snprintf(key, sizeof(key), "r:%s", s->conv_id);
            o.dedupe_key = key;
            buf_release(&esc);
            if (!err) {
                err = jobs_enqueue(conn, WHATSAPP_READ_JOB, payload, &o, NULL);
            }
        }
    } else if (a) {
        err = mark_failed(conn, s->id, a->code,
                          a->outcome == WA_OUT_WINDOW_CLOSED ? "window_closed" : a->detail);
    } else {
        err = mark_failed(conn, s->id, 0, s->fail_title);
    }
    if (!err) {
        err = jobs_complete(s->ctx, conn);
    }
    return err;
}

static int
post(const struct config *cfg, const char *pnid, const char *token, const struct buf *body,
     int64_t deadline_ms, long *status, struct buf *answer)
{
    struct buf url = BUF_INIT;
    struct buf auth = BUF_INIT;
    struct httpc_response resp = HTTPC_RESPONSE_INIT;
    int64_t left = deadline_ms - clock_mono_ms();
    int err = whatsapp_render_url(cfg->whatsapp_api_url, str_from_cstr(pnid), &url);

    if (!err) {
        err = buf_addf(&auth, "Authorization: Bearer %s", token);
    }
    if (!err) {
        const char *headers[] = {auth.ptr, "Content-Type: application/json"};
        struct httpc_request rq = {"POST",
                                   url.ptr,
                                   headers,
                                   ARRAY_LEN(headers),
                                   body->ptr,
                                   body->len,
                                   left < WHATSAPP_SEND_TIMEOUT_MS ? (left > 1000 ? left : 1000)
                                                                   : WHATSAPP_SEND_TIMEOUT_MS,
                                   64 * 1024,
                                   HTTPC_REACH_CONFIGURED};
        err = httpc_do(&rq, &resp);
    }
    *status = err ? 0 : resp.status;
    if (!err) {
        err = buf_add(answer, resp.body.ptr, resp.body.len);
    }
    crypto_wipe_buf(&auth);
    buf_release(&url);
    httpc_response_release(&resp);
    return err;
}

int
whatsapp_send_job(struct job_ctx *ctx, const struct job *job)
{
    struct send s;
    struct whatsapp_text_send ts;
    struct whatsapp_answer answer;
    struct buf body = BUF_INIT;
    struct buf reply = BUF_INIT;
    char opaque[40];
    long status = 0;
    int err;

    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.cfg = jobs_ctx_cfg(ctx);
    s.now_ms = clock_wall_ms();
    s.token = (struct buf)BUF_INIT;
    if (jobs_payload_int(job, "message", &s.id)) {
        return jobs_fail_for_good(ctx, "malformed whatsapp.send payload");
    }
    if ((err = db_tx(jobs_ctx_db(ctx), prepare_tx, &s))) {
        err = jobs_fail(ctx, err, "message %lld: cannot prepare the send", (long long)s.id);
        goto out;
    }
    if (!s.go) {
        goto out;
    }
    (void)snprintf(opaque, sizeof(opaque), "m:%lld", (long long)s.id);
    ts = (struct whatsapp_text_send){str_from_cstr(s.to), str_from_cstr(s.text), STR_NULL,
                                     str_from_cstr(opaque)};
    if (whatsapp_render_text(&ts, &body)) {
        s.fail_title = "not a text Meta accepts";
        err = db_tx(jobs_ctx_db(ctx), record_tx, &s);
        goto out;
    }
    err = post(s.cfg, s.pnid, s.token.ptr, &body, job->deadline_ms, &status, &reply);
    if (err == E_INVALID) {
        s.fail_title = "WHATSAPP_API_URL is not allowed";
        err = db_tx(jobs_ctx_db(ctx), record_tx, &s);
        goto out;
    }
    /* No answer at all (refused, reset, timed out) classifies as status 0: retried. */
    whatsapp_classify_answer(err ? 0 : status, buf_str(&reply), &answer);
    if (answer.outcome == WA_OUT_RETRY) {
        int64_t floor_ms = (int64_t)answer.retry_floor_s * 1000;
        err = floor_ms > 0
                  ? jobs_retry_after(ctx, floor_ms + (job->attempt - 1) * floor_ms, "meta %lld: %s",
                                     (long long)answer.code, answer.detail)
                  : jobs_fail(ctx, E_UPSTREAM, "meta %lld: %s", (long long)answer.code,
                              answer.detail);
        goto out;
    }
    s.answer = &answer;
    if (answer.outcome != WA_OUT_SENT) {
        log_msg(LOG_WARNING, "whatsapp: message %lld refused by Meta (%lld: %s)", (long long)s.id,
                (long long)answer.code, answer.detail);
    }
    if ((err = db_tx(jobs_ctx_db(ctx), record_tx, &s))) {
        /* Sent but not recorded: the rerun sends again unless a status names it first. */
        err = jobs_fail(ctx, err, "message %lld: answer not recorded", (long long)s.id);
    }
out:
    crypto_wipe_buf(&s.token);
    free(s.text);
    buf_release(&body);
    buf_release(&reply);
    return err;
}

int
whatsapp_send_dead(struct db_conn *conn, const struct job *job, const char *last_error)
{
    int64_t id;

    if (jobs_payload_int(job, "message", &id)) {
        return 0;
    }
    return mark_failed(conn, id, 0, last_error[0] ? last_error : "send failed");
}

/* ---- Read receipts and purge --------------------------------------------------------------- */

int
whatsapp_read_job(struct job_ctx *ctx, const struct job *job)
{
    struct db_conn *conn = jobs_ctx_conn(ctx);
    struct db_result *r = NULL;
    struct buf token = BUF_INIT;
    struct buf body = BUF_INIT;
    struct buf reply = BUF_INIT;
    char conv_id[64];
    char wamid[WHATSAPP_ID_MAX + 1];
    char pnid[WHATSAPP_ID_MAX + 1];
    char agent_id[AGENT_ID_SIZE];
    long status = 0;
    int err = 0;

    if (jobs_payload_str(job, "conversation", conv_id, sizeof(conv_id)) ||
        jobs_payload_str(job, "wamid", wamid, sizeof(wamid))) {
        return jobs_fail_for_good(ctx, "malformed whatsapp.read payload");
    }
    {
        struct db_param p[] = {DB_CSTR(conv_id)};
        err = db_exec(conn,
                      "SELECT phone_number_id, COALESCE(agent_id, '') FROM conversations "
                      "WHERE id = $1",
                      p, 1, &r);
    }
    if (err) {
        err = jobs_fail(ctx, err, "cannot read the conversation");
        goto out;
    }
    if (db_result_rows(r) == 0 || db_text_len(r, 0, 1) == 0) {
        goto out; /* gone, or no agent: nothing to mark */
    }
    db_text_copy(r, 0, 0, pnid, sizeof(pnid));
    db_text_copy(r, 0, 1, agent_id, sizeof(agent_id));
    if (agents_open_token(conn, jobs_ctx_cfg(ctx), agent_id, &token) ||
        whatsapp_render_read(str_from_cstr(wamid), &body)) {
        goto out; /* a read receipt is a courtesy: not worth a retry */
    }
    err = post(jobs_ctx_cfg(ctx), pnid, token.ptr, &body, job->deadline_ms, &status, &reply);
    if (err || status < 200 || status >= 300) {
        err = jobs_fail(ctx, err ? err : E_UPSTREAM, "read receipt: HTTP %ld", status);
        goto out;
    }
    {
        struct db_param p[] = {DB_CSTR(conv_id)};
        err = db_exec(conn,
                      "UPDATE messages SET status = 'read' WHERE conversation_id = $1 "
                      "AND direction = 'in' AND status = 'received'",
                      p, 1, NULL);
    }
    if (err) {
        err = jobs_fail(ctx, err, "read receipt sent, not recorded");
    }
out:
    db_result_free(r);
    crypto_wipe_buf(&token);
    buf_release(&body);
    buf_release(&reply);
    return err;
}

int
whatsapp_purge_job(struct job_ctx *ctx, const struct job *job)
{
    int err = whatsapp_purge(jobs_ctx_db(ctx), clock_wall_s());
    (void)job;
    return err ? jobs_fail(ctx, err, "whatsapp purge failed") : 0;
}
