/*
 * The reply job, its scheduling and the model slots (replies/reply.h): the
 * part of the pipeline that reads and writes the conversation.
 */
#include "replies/reply.h"

#include <stdio.h>
#include <string.h>

#include "auth/audit.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "events/events.h"
#include "leads/leads.h"
#include "integrations/whatsapp.h"
#include "whatsapp/send.h"

#define ID_MAX 64

/* ---- Slots --------------------------------------------------------------------------------- */

int64_t
reply_slot_lease_ms(const struct config *cfg)
{
    int64_t ms = (int64_t)cfg->llm_reply_timeout_s * 1000 + REPLY_SLOT_LEASE_SLACK_MS;
    return ms > REPLY_SLOT_LEASE_MS ? ms : REPLY_SLOT_LEASE_MS;
}

int
reply_slot_acquire(struct db *db, const char *workspace_id, unsigned cap, const char *holder,
                   int64_t now_ms, int64_t lease_ms, int *slot)
{
    struct db_param free_p[] = {DB_CSTR(workspace_id), DB_INT(now_ms)};
    int err = db_run(db, "DELETE FROM llm_slots WHERE workspace_id = $1 AND expires_at_ms < $2",
                     free_p, 2, NULL);

    for (unsigned i = 0; !err && i < cap; i++) {
        struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(i), DB_CSTR(holder),
                               DB_INT(now_ms + lease_ms)};
        struct db_result *r = NULL;
        err = db_run(db,
                     "INSERT INTO llm_slots (workspace_id, slot, holder, expires_at_ms) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                     p, 4, &r);
        if (!err && db_result_affected(r) == 1) {
            db_result_free(r);
            *slot = (int)i;
            return 0;
        }
        db_result_free(r);
    }
    return err ? err : E_UNAVAILABLE;
}

void
reply_slot_release(struct db *db, const char *workspace_id, int slot, const char *holder)
{
    struct db_param p[] = {DB_CSTR(workspace_id), DB_INT(slot), DB_CSTR(holder)};

    /* A failure only keeps the slot until its lease ends. */
    if (db_run(db, "DELETE FROM llm_slots WHERE workspace_id = $1 AND slot = $2 AND holder = $3", p,
               3, NULL)) {
        log_msg(LOG_WARNING, "llm slot %d of a workspace kept until its lease ends", slot);
    }
}

/* ---- The job ------------------------------------------------------------------------------- */

struct reply_ctx {
    char workspace_id[ID_MAX + 1];
    char agent_id[ID_MAX + 1];
    char conversation_id[ID_MAX + 1];
    char lead_id[ID_MAX + 1];
    struct agent agent;
    struct prompt_turn turns[REPLY_HISTORY];
    size_t nturns;
    size_t new_from;
    int64_t last_in_id;
    struct db_result *rows; /* the messages the turns point into */
};

/* The conversation's lead and whether a person took it over. 0, E_NOT_FOUND, E_DB. */
static int
read_conversation(struct db_conn *conn, struct reply_ctx *c, bool *taken_over, char *stage,
                  size_t stage_cap)
{
    struct db_param p[] = {DB_CSTR(c->conversation_id), DB_CSTR(c->workspace_id)};
    struct db_result *r = NULL;
    int err = db_exec(conn,
                      "SELECT c.lead_id, l.taken_over, l.stage FROM conversations c "
                      "JOIN leads l ON l.id = c.lead_id AND l.workspace_id = c.workspace_id "
                      "WHERE c.id = $1 AND c.workspace_id = $2",
                      p, 2, &r);

    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        db_text_copy(r, 0, 0, c->lead_id, sizeof(c->lead_id));
        *taken_over = db_int(r, 0, 1) != 0;
        db_text_copy(r, 0, 2, stage, stage_cap);
    }
    db_result_free(r);
    return err;
}

static const char *
placeholder(const char *type)
{
    if (strcmp(type, "image") == 0) {
        return "(o cliente enviou uma imagem)";
    }
    if (strcmp(type, "audio") == 0) {
        return "(o cliente enviou um áudio)";
    }
    if (strcmp(type, "document") == 0) {
        return "(o cliente enviou um documento)";
    }
    return "(o cliente enviou uma mensagem que não é texto)";
}

/* The last REPLY_HISTORY messages as turns, oldest first; new_from = the unanswered ones. */
static int
read_turns(struct db_conn *conn, struct reply_ctx *c)
{
    struct db_param p[] = {DB_CSTR(c->conversation_id), DB_CSTR(c->workspace_id),
                           DB_INT(REPLY_HISTORY)};
    size_t rows;
    int err = db_exec(conn,
                      "SELECT id, direction, type, text FROM messages "
                      "WHERE conversation_id = $1 AND workspace_id = $2 "
                      "ORDER BY id DESC LIMIT $3",
                      p, 3, &c->rows);

    if (err) {
        return err;
    }
    rows = db_result_rows(c->rows);
    c->nturns = 0;
    for (size_t i = rows; i-- > 0;) {
        bool in = strcmp(db_text(c->rows, i, 1), "in") == 0;
        const char *text = db_text(c->rows, i, 3);
        struct str t = str_make(text, db_text_len(c->rows, i, 3));
        if (t.len == 0 || !str_is_utf8(t)) {
            if (!in) {
                continue;
            }
            t = str_from_cstr(placeholder(db_text(c->rows, i, 2)));
        }
        c->turns[c->nturns++] = (struct prompt_turn){in, t};
        if (in) {
            c->last_in_id = db_int(c->rows, i, 0);
        }
    }
    c->new_from = c->nturns;
    while (c->new_from > 0 && c->turns[c->new_from - 1].from_lead) {
        c->new_from--;
    }
    return 0;
}

/* {"leadId","agentId","by","reason"} for the audit log. */
static void
audit_detail(const struct reply_ctx *c, const char *by, const char *reason, struct buf *out)
{
    buf_reset(out);
    if (buf_addf(out, "{\"leadId\":\"%s\",\"agentId\":\"%s\",\"by\":\"%s\",\"reason\":\"",
                 c->lead_id, c->agent_id, by) ||
        buf_add_json_escaped(out, str_from_cstr(reason)) || buf_addstr(out, "\"}")) {
        buf_reset(out);
    }
}

/* Writes the audit row event for the lead (by: "agent" or "word"). */
static int
audit(struct db_conn *conn, const struct reply_ctx *c, const char *event, const char *by,
      const char *reason, int64_t now_ms)
{
    struct buf detail = BUF_INIT;
    struct audit_entry e = {.event = event, .outcome = "success", .at = now_ms / 1000};
    int err;

    audit_detail(c, by, reason, &detail);
    e.detail = detail.len ? detail.ptr : "{}";
    err = audit_write_workspace(conn, &e, c->workspace_id);
    buf_release(&detail);
    return err;
}

/* true when this reply job already stored its answer (a rerun after the commit was lost). */
static int
already_answered(struct db_conn *conn, int64_t job_id, bool *yes)
{
    struct db_param p[] = {DB_INT(job_id)};
    struct db_result *r = NULL;
    int err = db_exec(conn, "SELECT 1 FROM messages WHERE reply_job_id = $1", p, 1, &r);

    *yes = !err && db_result_rows(r) > 0;
    db_result_free(r);
    return err;
}

/* The answer's sources, tokens and reply job on message mid, and its message.created event. */
static int
record_answer(struct db_conn *conn, const struct reply_ctx *c, const struct reply_result *res,
              int64_t job_id, int64_t mid)
{
    struct buf sources = BUF_INIT;
    char data[EVENTS_DATA_MAX + 1];
    int err = buf_addch(&sources, '[');

    for (size_t i = 0; !err && i < res->nsources; i++) {
        err = buf_addf(&sources, "%s%lld", i ? "," : "", (long long)res->sources[i].chunk_id);
    }
    err = err ? err : buf_addch(&sources, ']');
    if (!err) {
        struct db_param p[] = {
            DB_TEXT(sources.ptr, sources.len),
            res->extractive ? DB_NULL : DB_INT(res->prompt_tokens),
            res->extractive ? DB_NULL : DB_INT(res->completion_tokens),
            DB_INT(job_id),
            DB_INT(mid),
            DB_CSTR(c->workspace_id),
        };
        err = db_exec(conn,
                      "UPDATE messages SET sources = $1, prompt_tokens = $2, "
                      "completion_tokens = $3, reply_job_id = $4 "
                      "WHERE id = $5 AND workspace_id = $6",
                      p, ARRAY_LEN(p), NULL);
    }
    if (!err) {
        (void)snprintf(data, sizeof(data), "{\"leadId\":\"%s\",\"messageId\":\"%lld\"}", c->lead_id,
                       (long long)mid);
        err = events_emit(conn, c->workspace_id, "message.created", data, NULL);
    }
    buf_release(&sources);
    return err;
}

/*
 * The lead's changes the answer asked for: qualified (from new or engaged)
 * and/or taken over, through leads_update_in, so a stage change queues the
 * CRM's events, the lead's history records it (by the agent) and every
 * change emits lead.updated, as a PATCH does.
 */
static int
change_lead(struct db_conn *conn, const struct config *cfg, const struct reply_ctx *c,
            const struct reply_result *res, const char *stage, int64_t now_ms)
{
    struct lead_patch lp = {0};
    struct lead after = {0};
    struct arena *a;
    const char *bad = NULL;
    int err;

    lp.has_stage = res->qualify && (strcmp(stage, "new") == 0 || strcmp(stage, "engaged") == 0);
    lp.stage = STR_LIT("qualified");
    lp.has_taken_over = res->handoff;
    lp.taken_over = true;
    lp.actor = LEAD_ACTOR_AGENT; /* the lead's history says "pelo agente" */
    if (!lp.has_stage && !lp.has_taken_over) {
        return 0;
    }
    a = arena_new();
    err = leads_update_in(conn, cfg, c->workspace_id, c->lead_id, &lp, a, &after, &bad);
    arena_free(a);
    if (!err && lp.has_stage) {
        err = audit(conn, c, "lead.qualified", "agent", res->reason, now_ms);
    }
    if (!err && lp.has_taken_over) {
        err = audit(conn, c, "lead.handoff", res->handoff_by_word ? "word" : "agent", res->reason,
                    now_ms);
    }
    return err;
}

/* What store_tx needs. */
struct store {
    const struct config *cfg;
    const struct job *job;
    const struct reply_ctx *c;
    const struct reply_result *res;
};

/*
 * The answer, its send and the lead's changes, committed with the job's
 * completion (jobs_complete_tx). The message carries the reply job's id
 * (unique): a rerun of a job whose answer committed finds it and only
 * completes.
 */
static int
store_tx(struct db_conn *conn, void *arg)
{
    const struct store *st = arg;
    const struct reply_ctx *c = st->c;
    const struct reply_result *res = st->res;
    int64_t now_ms = clock_wall_ms(), mid = 0;
    bool taken_over = false, done = false;
    char stage[16] = "";
    struct reply_ctx again = *c;
    int err;

    /* A person may have taken over while the model was thinking: then the agent keeps quiet. */
    again.rows = NULL;
    err = read_conversation(conn, &again, &taken_over, stage, sizeof(stage));
    err = err ? err : already_answered(conn, st->job->id, &done);
    if (err || done || taken_over) {
        return err;
    }
    if (res->text.len) {
        struct str text = buf_str(&res->text);
        /* Meta's cap on a text; a model may run past it. */
        while (str_utf8_len(text) > WHATSAPP_TEXT_MAX) {
            text = str_utf8_prefix(text, text.len - 1);
        }
        err = whatsapp_send_text(conn, c->workspace_id, c->lead_id, WA_AUTHOR_AGENT, NULL, text,
                                 now_ms, &mid);
        if (!err && mid) {
            err = record_answer(conn, c, res, st->job->id, mid);
        }
    }
    return err ? err : change_lead(conn, st->cfg, c, res, stage, now_ms);
}

static int
payload_ids(const struct job *job, struct reply_ctx *c)
{
    if (jobs_payload_str(job, "workspaceId", c->workspace_id, sizeof(c->workspace_id)) ||
        jobs_payload_str(job, "agentId", c->agent_id, sizeof(c->agent_id)) ||
        jobs_payload_str(job, "conversationId", c->conversation_id, sizeof(c->conversation_id))) {
        return E_INVALID;
    }
    return 0;
}

int
reply_job(struct job_ctx *ctx, const struct job *job)
{
    const struct config *cfg = jobs_ctx_cfg(ctx);
    struct db *db = jobs_ctx_db(ctx);
    struct db_conn *conn = jobs_ctx_conn(ctx);
    struct arena *ar = arena_new();
    struct reply_ctx c;
    struct reply_result res = REPLY_RESULT_INIT;
    char holder[64];
    int slot = -1, err;
    bool taken_over = false;
    char stage[16];
    int64_t deadline;

    memset(&c, 0, sizeof(c));
    if (payload_ids(job, &c)) {
        err = jobs_fail_for_good(ctx, "malformed reply payload");
        goto out;
    }
    err = agents_get(db, c.workspace_id, c.agent_id, ar, &c.agent);
    if (err == E_NOT_FOUND) {
        err = 0; /* the agent is gone: nothing to answer with */
        goto out;
    }
    if (!err) {
        err = read_conversation(conn, &c, &taken_over, stage, sizeof(stage));
    }
    if (err == E_NOT_FOUND || (!err && (!c.agent.active || taken_over))) {
        err = 0; /* gone, paused, or a person's now */
        goto out;
    }
    if (!err) {
        err = read_turns(conn, &c);
    }
    if (err) {
        err = jobs_fail(ctx, err, "cannot read the conversation");
        goto out;
    }
    if (c.nturns == 0 || c.new_from == c.nturns) {
        goto out; /* already answered */
    }
    (void)snprintf(holder, sizeof(holder), "job:%lld:%d", (long long)job->id, job->attempt);
    if (cfg->llm_api_url) {
        err = reply_slot_acquire(db, c.workspace_id, cfg->llm_workspace_concurrency, holder,
                                 clock_wall_ms(), reply_slot_lease_ms(cfg), &slot);
        if (err == E_UNAVAILABLE) {
            err = jobs_snooze_until(ctx, clock_wall_ms() + REPLY_SLOT_WAIT_MS);
            goto out;
        }
        if (err) {
            err = jobs_fail(ctx, err, "cannot take a model slot");
            goto out;
        }
    }
    deadline = clock_mono_ms() + (int64_t)cfg->llm_reply_timeout_s * 1000;
    if (deadline > job->deadline_ms) {
        deadline = job->deadline_ms;
    }
    err = reply_run(db, conn, cfg, &c.agent, c.turns, c.nturns, c.new_from, deadline, &res);
    if (slot >= 0) {
        reply_slot_release(db, c.workspace_id, slot, holder);
    }
    if (err == E_UNAVAILABLE && res.retry_after_ms > 0) {
        err = jobs_retry_after(ctx, res.retry_after_ms, "%s", res.detail);
        goto out;
    }
    if (err) {
        err = jobs_fail(ctx, err, "%s", res.detail[0] ? res.detail : err_name(err));
        goto out;
    }
    {
        struct store st = {cfg, job, &c, &res};
        err = jobs_complete_tx(ctx, store_tx, &st);
    }
    if (err) {
        err = jobs_fail(ctx, err, "cannot store the answer");
    }
out:
    reply_result_release(&res);
    db_result_free(c.rows);
    arena_free(ar);
    return err;
}
