#include "replies/reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/extractive.h"
#include "agents/handoff.h"
#include "auth/audit.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "integrations/whatsapp.h"
#include "json/json.h"
#include "whatsapp/send.h"

void
reply_result_release(struct reply_result *r)
{
    buf_release(&r->text);
    for (size_t i = 0; i < r->nsources; i++) {
        free(r->sources[i].filename);
        free(r->sources[i].text);
    }
    r->nsources = 0;
}

static char *
dup_cstr(const char *s)
{
    size_t n = strlen(s);
    char *p = xmalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* ---- Retrieval ----------------------------------------------------------------------------- */

/* What retrieve reads from: the agent, the turns, where its answer goes. */
struct retrieval {
    const struct agent *a;
    const struct prompt_turn *turns;
    size_t n, new_from;
    struct reply_result *out;
};

/* The agent's chunks for the lead's recent messages, with their documents' names, into out. */
static int
retrieve(struct db_conn *conn, void *arg)
{
    const struct retrieval *rv = arg;
    const struct agent *a = rv->a;
    const char *workspace_id = a->workspace_id;
    const struct prompt_turn *turns = rv->turns;
    size_t n = rv->n, new_from = rv->new_from;
    struct reply_result *out = rv->out;
    struct retrieve_result hits = RETRIEVE_RESULT_INIT;
    struct str msgs[RETRIEVE_MSGS_MAX];
    struct retrieve_query q = {
        .workspace_id = workspace_id, .messages = msgs, .limit = REPLY_SOURCES};
    size_t from = new_from;
    int err = 0;

    if (!a->all_documents && a->ndocuments == 0) {
        return 0; /* an agent with no document chosen answers from none */
    }
    /* The unanswered messages, and the lead's earlier ones if there is room: context for terms. */
    while (from > 0 && n - from < RETRIEVE_MSGS_MAX) {
        from--;
    }
    for (size_t i = from; i < n; i++) {
        if (turns[i].from_lead && turns[i].text.len) {
            msgs[q.nmessages++] = turns[i].text;
        }
    }
    if (!a->all_documents) {
        q.document_ids = a->document_ids;
        q.ndocs = a->ndocuments;
    }
    if (q.nmessages == 0) {
        return 0;
    }
    if ((err = retrieve_chunks(conn, &q, &hits))) {
        goto out;
    }
    for (size_t i = 0; i < hits.n && out->nsources < PROMPT_SOURCES_MAX; i++) {
        struct reply_source *s = &out->sources[out->nsources];
        struct db_param p[] = {DB_CSTR(hits.v[i].document_id), DB_CSTR(workspace_id)};
        struct db_result *r = NULL;
        err = db_exec(conn, "SELECT filename FROM documents WHERE id = $1 AND workspace_id = $2", p,
                      2, &r);
        if (err) {
            db_result_free(r);
            goto out;
        }
        s->chunk_id = hits.v[i].chunk_id;
        (void)snprintf(s->document_id, sizeof(s->document_id), "%s", hits.v[i].document_id);
        s->filename = dup_cstr(db_result_rows(r) ? db_text(r, 0, 0) : "documento");
        s->text = dup_cstr(hits.v[i].text);
        out->nsources++;
        db_result_free(r);
    }
out:
    retrieve_result_release(&hits);
    return err;
}

/* ---- The model ----------------------------------------------------------------------------- */

static void
take_tools(const struct llm_answer *ans, struct reply_result *out)
{
    for (size_t i = 0; i < ans->ncalls; i++) {
        const struct llm_tool_call *c = &ans->calls[i];
        if (c->tool == LLM_TOOL_QUALIFY_LEAD) {
            out->qualify = true;
        } else if (c->tool == LLM_TOOL_HANDOFF) {
            out->handoff = true;
        } else {
            continue;
        }
        if (!out->reason[0]) {
            (void)snprintf(out->reason, sizeof(out->reason), "%s", c->reason);
        }
    }
}

/* Copies the model's failure into out. */
static int
model_failed(int err, const struct llm_answer *ans, struct reply_result *out)
{
    out->retry_after_ms = ans->retry_after_ms;
    (void)snprintf(out->detail, sizeof(out->detail), "model: %.150s", ans->detail);
    return err;
}

static int
ask_model(const struct config *cfg, const struct agent *a, const struct prompt *p,
          int64_t deadline_ms, struct reply_result *out)
{
    struct llm_client c = {
        .base_url = cfg->llm_api_url, .api_key = cfg->llm_api_key, .max_retries = LLM_MAX_RETRIES};
    struct llm_request rq = {
        .model = a->model && a->model[0] ? a->model : cfg->llm_model,
        .temperature = a->temperature_pct / 100.0,
        .messages = p->messages,
        .nmessages = p->nmessages,
        .tools = true,
        .max_tokens = REPLY_MAX_TOKENS,
    };
    struct llm_answer ans = LLM_ANSWER_INIT, again = LLM_ANSWER_INIT;
    struct llm_message more[PROMPT_TURNS_MAX + 1 + 1 + LLM_MAX_TOOL_CALLS];
    size_t n = 0;
    int err;

    if ((err = llm_complete(&c, &rq, deadline_ms, &ans))) {
        err = model_failed(err, &ans, out);
        goto out;
    }
    out->prompt_tokens = ans.prompt_tokens;
    out->completion_tokens = ans.completion_tokens;
    take_tools(&ans, out);
    if (ans.content.len) {
        err = buf_add(&out->text, ans.content.ptr, ans.content.len);
        goto out;
    }
    if (out->handoff) {
        err = buf_addstr(&out->text, REPLY_HANDOFF_TEXT);
        goto out;
    }
    /* Tools only, no text: send their results back for the words to say (one more round). */
    memcpy(more, p->messages, p->nmessages * sizeof(*more));
    n = p->nmessages;
    more[n++] = (struct llm_message){LLM_ROLE_ASSISTANT_TOOLS, buf_str(&ans.tool_calls_json), NULL};
    for (size_t i = 0; i < ans.ncalls; i++) {
        more[n++] = (struct llm_message){LLM_ROLE_TOOL,
                                         ans.calls[i].tool == LLM_TOOL_OTHER
                                             ? STR_LIT("erro: ferramenta desconhecida")
                                             : STR_LIT("ok"),
                                         ans.calls[i].id};
    }
    rq.messages = more;
    rq.nmessages = n;
    rq.tools = false;
    if ((err = llm_complete(&c, &rq, deadline_ms, &again))) {
        err = model_failed(err, &again, out);
        goto out;
    }
    out->prompt_tokens += again.prompt_tokens;
    out->completion_tokens += again.completion_tokens;
    err = buf_add(&out->text, again.content.ptr, again.content.len);
out:
    llm_answer_release(&again);
    llm_answer_release(&ans);
    return err ? err : 0;
}

/* ---- The pipeline -------------------------------------------------------------------------- */

int
reply_run(struct db *db, struct db_conn *conn, const struct config *cfg, const struct agent *a,
          const struct prompt_turn *turns, size_t n, size_t new_from, int64_t deadline_ms,
          struct reply_result *out)
{
    struct prompt_source src[PROMPT_SOURCES_MAX];
    struct prompt p = PROMPT_INIT;
    struct buf persona = BUF_INIT;
    int err;

    if (n == 0 || !turns[n - 1].from_lead || new_from >= n) {
        return E_INVALID;
    }
    /* 1. A hand-off word in what the lead wrote since the last answer: no model. */
    for (size_t i = new_from; i < n; i++) {
        if (turns[i].from_lead &&
            handoff_matches(turns[i].text, a->handoff_words, a->nhandoff_words)) {
            out->handoff = out->handoff_by_word = true;
            return buf_addstr(&out->text, REPLY_HANDOFF_TEXT) ? E_INTERNAL : 0;
        }
    }
    /* 2. The agent's best chunks (on a connection held for the reads only, never the model). */
    {
        struct retrieval rv = {a, turns, n, new_from, out};
        err = conn ? retrieve(conn, &rv) : db_with_conn(db, retrieve, &rv);
    }
    if (err) {
        (void)snprintf(out->detail, sizeof(out->detail), "retrieval failed");
        return err;
    }
    for (size_t i = 0; i < out->nsources; i++) {
        src[i] = (struct prompt_source){out->sources[i].chunk_id,
                                        str_from_cstr(out->sources[i].filename),
                                        str_from_cstr(out->sources[i].text)};
    }
    /* 4b. No model: the best chunk, said so. */
    if (!cfg->llm_api_url) {
        out->extractive = true;
        /* The answer was given the best chunk only: the others are not its sources. */
        for (size_t i = 1; i < out->nsources; i++) {
            free(out->sources[i].filename);
            free(out->sources[i].text);
        }
        out->nsources = out->nsources > 1 ? 1 : out->nsources;
        return extractive_answer(out->nsources ? &src[0] : NULL,
                                 a->nhandoff_words ? a->handoff_words[0] : (struct str){0},
                                 &out->text);
    }
    /* 3. The prompt: persona first, then the instructions. */
    if (buf_addstr(&persona, a->persona) ||
        buf_addstr(&persona, a->persona[0] && a->instructions[0] ? "\n\n" : "") ||
        buf_addstr(&persona, a->instructions)) {
        err = E_INTERNAL;
        goto out;
    }
    {
        struct prompt_input in = {
            .agent_name = str_from_cstr(a->name),
            .instructions = buf_str(&persona),
            .sources = src,
            .nsources = out->nsources,
            .turns = turns,
            .nturns = n,
            .budget_tokens = REPLY_PROMPT_BUDGET,
        };
        if ((err = prompt_build(&in, &p))) {
            (void)snprintf(out->detail, sizeof(out->detail), "prompt cannot be built");
            goto out;
        }
    }
    /* Only the chunks that made it into the prompt count as its sources. */
    {
        size_t kept = 0;
        for (size_t i = 0; i < out->nsources; i++) {
            bool in_prompt = false;
            for (size_t j = 0; j < p.nsource_ids; j++) {
                in_prompt = in_prompt || p.source_ids[j] == out->sources[i].chunk_id;
            }
            if (in_prompt) {
                out->sources[kept++] = out->sources[i];
            } else {
                free(out->sources[i].filename);
                free(out->sources[i].text);
            }
        }
        out->nsources = kept;
    }
    /* 4a. The model. */
    err = ask_model(cfg, a, &p, deadline_ms, out);
out:
    buf_release(&persona);
    prompt_release(&p);
    return err;
}
