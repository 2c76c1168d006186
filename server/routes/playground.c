/*
 * POST /api/v1/workspaces/{wid}/agents/{id}/playground (admins): the reply
 * pipeline (replies/reply.h) for a message typed in the dashboard, with no
 * WhatsApp: hand-off words, retrieval from the agent's documents, the
 * prompt, the model (or the extractive answer). Nothing is stored and
 * nothing is sent; the answer comes back with its sources.
 *
 * Body: {"message": "...", "history": [{"author": "lead"|"agent", "text"}]}
 * (history: the earlier turns shown in the chat, oldest first).
 *
 * The model call runs on the worker pool (route_job_defer), never on an I/O
 * thread, within PLAYGROUND_TIMEOUT_S, holding one of the workspace's model
 * slots like a reply job does: when all are taken the answer is 503 with
 * Retry-After, and the playground never starves the leads' replies beyond
 * LLM_WORKSPACE_CONCURRENCY.
 */
#include "app.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "core/clock.h"
#include "core/err.h"
#include "replies/reply.h"
#include "routes/channel.h"
#include "routes/route_job.h"
#include "workspaces/workspaces.h"

/* The longest a playground answer may take (a person is waiting on the page). */
#define PLAYGROUND_TIMEOUT_S 30
/* Earlier turns a playground request may carry (the reply job reads as many). */
#define PLAYGROUND_HISTORY_MAX (REPLY_HISTORY - 1)
#define PLAYGROUND_TEXT_MAX    4096 /* characters, Meta's text limit */

struct play {
    const char *workspace_id;
    const char *agent_id;
    struct agent agent;
    struct prompt_turn turns[PLAYGROUND_HISTORY_MAX + 1];
    size_t nturns;
    struct reply_result res;
    bool busy; /* every model slot of the workspace was taken */
};

static void
play_free(void *p)
{
    struct play *pl = p;
    reply_result_release(&pl->res);
}

static int
play_work(struct request *req, struct route_job *job)
{
    struct play *pl = job->flow;
    const struct config *cfg = req->app->cfg;
    char holder[64];
    size_t new_from;
    int slot = -1, err;

    err = agents_get(req->app->db, pl->workspace_id, pl->agent_id, req->arena, &pl->agent);
    if (err) {
        return err;
    }
    {
        char token[32];
        crypto_random_token(16, token, sizeof(token));
        (void)snprintf(holder, sizeof(holder), "playground:%s", token);
    }
    if (cfg->llm_api_url) {
        err = reply_slot_acquire(req->app->db, pl->workspace_id, cfg->llm_workspace_concurrency,
                                 holder, clock_wall_ms(), reply_slot_lease_ms(cfg), &slot);
        if (err == E_UNAVAILABLE) {
            pl->busy = true;
        }
        if (err) {
            return err;
        }
    }
    /* The lead's turns after the agent's last one are the new ones (hand-off words). */
    new_from = pl->nturns - 1;
    while (new_from > 0 && pl->turns[new_from - 1].from_lead) {
        new_from--;
    }
    {
        int64_t timeout_s = cfg->llm_reply_timeout_s < PLAYGROUND_TIMEOUT_S
                                ? cfg->llm_reply_timeout_s
                                : PLAYGROUND_TIMEOUT_S;
        err = reply_run(req->app->db, NULL, cfg, &pl->agent, pl->turns, pl->nturns, new_from,
                        clock_mono_ms() + timeout_s * 1000, &pl->res);
    }
    if (slot >= 0) {
        reply_slot_release(req->app->db, pl->workspace_id, slot, holder);
    }
    if (err) {
        log_msg(LOG_INFO, "playground: %s", pl->res.detail[0] ? pl->res.detail : err_name(err));
    }
    return err;
}

static json_t *
sources_json(const struct reply_result *res)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < res->nsources; i++) {
        const struct reply_source *s = &res->sources[i];
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s}", "chunkId",
                                             (json_int_t)s->chunk_id, "documentId", s->document_id,
                                             "filename", s->filename, "text", s->text));
    }
    return arr;
}

static int
play_then(struct request *req, struct route_job *job)
{
    struct play *pl = job->flow;
    const struct reply_result *res = &pl->res;

    if (req->defer_err || job->err) {
        int err = req->defer_err ? req->defer_err : job->err;
        if (pl->busy || req->defer_err == E_UNAVAILABLE) {
            req->retry_after = 2;
            response_problem(req, E_UNAVAILABLE,
                             pl->busy ? "this workspace's agents are answering as many messages "
                                        "as they may at once; try again in a moment"
                                      : "the server is busy; try again in a moment");
            return 0;
        }
        if (err == E_UNAVAILABLE || err == E_UPSTREAM || err == E_TOO_LARGE) {
            response_problem(req, err == E_UNAVAILABLE ? E_UNAVAILABLE : E_UPSTREAM,
                             "the language model did not answer; try again");
            return 0;
        }
        return err;
    }
    routes_reply_json_take(req, 200,
                           json_pack("{s:s%, s:o, s:b, s:b, s:b, s:{s:I, s:I}}", "answer",
                                     res->text.ptr ? res->text.ptr : "", res->text.len, "sources",
                                     sources_json(res), "handoff", res->handoff, "qualified",
                                     res->qualify, "extractive", res->extractive, "usage",
                                     "promptTokens", (json_int_t)res->prompt_tokens,
                                     "completionTokens", (json_int_t)res->completion_tokens));
    return 0;
}

static const struct json_field play_fields[] = {
    {"message", JSON_F_STRING, true, 1, PLAYGROUND_TEXT_MAX},
    {"history", JSON_F_ARRAY, false, 0, PLAYGROUND_HISTORY_MAX},
};

/* The history's turns into pl (field errors on req). */
static void
decode_history(struct request *req, const struct json_value *v, struct play *pl)
{
    static const struct json_field turn_fields[] = {
        {"author", JSON_F_STRING, true, 1, 8},
        {"text", JSON_F_STRING, true, 1, PLAYGROUND_TEXT_MAX},
    };

    for (int64_t i = 0; v->present && i < v->i; i++) {
        struct json_value t[ARRAY_LEN(turn_fields)];
        const struct json_node *n = json_node_at(v->node, (size_t)i);
        bool lead;
        if (!json_node_is_object(n) || json_node_pick(n, turn_fields, ARRAY_LEN(turn_fields), t) ||
            str_utf8_len(t[1].s) > PLAYGROUND_TEXT_MAX ||
            (!(lead = str_eq_cstr(t[0].s, "lead")) && !str_eq_cstr(t[0].s, "agent"))) {
            request_field_error(req, "history", "invalid",
                                "each turn must be {\"author\": \"lead\" or \"agent\", \"text\"}");
            return;
        }
        pl->turns[pl->nturns++] = (struct prompt_turn){lead, t[1].s};
    }
}

/* POST /agents/{id}/playground {"message","history"} -> 200 {"answer","sources",...} */
int
channel_agent_playground(struct request *req)
{
    struct json_value v[ARRAY_LEN(play_fields)];
    struct str id = request_param(req, "id");
    struct route_job *job;
    struct play *pl;
    int err = routes_decode(req, play_fields, ARRAY_LEN(play_fields), v);

    if (err) {
        return err;
    }
    if (id.len == 0 || id.len >= AGENT_ID_SIZE) {
        return E_NOT_FOUND;
    }
    pl = arena_alloc(req->arena, sizeof(*pl));
    memset(pl, 0, sizeof(*pl));
    pl->res = (struct reply_result)REPLY_RESULT_INIT;
    pl->workspace_id = req->tenant->workspace_id;
    pl->agent_id = arena_strdup_str(req->arena, id);
    decode_history(req, &v[1], pl);
    if (req->nfield_errors) {
        return E_VALIDATION;
    }
    pl->turns[pl->nturns++] = (struct prompt_turn){true, v[0].s};
    request_on_free(req, play_free, pl);
    job = route_job_new(req);
    job->flow = pl;
    return route_job_defer(req, job, play_work, play_then);
}
