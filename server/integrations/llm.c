/*
 * The pure half of integrations/llm.h: rendering requests, reading answers,
 * the retry policy. The call itself (llm_complete) is in llm_call.c, so the
 * fuzz targets link this half alone.
 */
#include "integrations/llm.h"

#include <string.h>

#include "core/err.h"
#include "json/json.h"

void
llm_answer_release(struct llm_answer *a)
{
    buf_release(&a->content);
    buf_release(&a->tool_calls_json);
}

/*
 * The two tools, as the model sees them. The descriptions are the model's
 * only guide to when to call them, so they say it plainly, in the language
 * the agents speak.
 */
static const char TOOLS_JSON[] =
    ",\"tools\":["
    "{\"type\":\"function\",\"function\":{\"name\":\"qualify_lead\","
    "\"description\":\"Marca o lead como qualificado: chame quando o cliente demonstrar "
    "interesse real de compra (pediu proposta, orçamento, condições ou quer fechar).\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
    "\"description\":\"Por que o lead está qualificado, em uma frase.\"}},"
    "\"required\":[\"reason\"],\"additionalProperties\":false}}},"
    "{\"type\":\"function\",\"function\":{\"name\":\"handoff_to_human\","
    "\"description\":\"Passa a conversa para uma pessoa da equipe: chame quando o cliente "
    "pedir para falar com uma pessoa, quando você não souber responder com as fontes, ou "
    "em reclamações.\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"reason\":{\"type\":\"string\","
    "\"description\":\"Por que a conversa vai para uma pessoa, em uma frase.\"}},"
    "\"required\":[\"reason\"],\"additionalProperties\":false}}}"
    "],\"tool_choice\":\"auto\"";

static const char *
role_name(enum llm_role r)
{
    switch (r) {
    case LLM_ROLE_SYSTEM:
        return "system";
    case LLM_ROLE_USER:
        return "user";
    case LLM_ROLE_ASSISTANT:
    case LLM_ROLE_ASSISTANT_TOOLS:
        return "assistant";
    case LLM_ROLE_TOOL:
        return "tool";
    }
    return "user";
}

static int
render_message(const struct llm_message *m, struct buf *out)
{
    int rc = buf_addf(out, "{\"role\":\"%s\"", role_name(m->role));

    if (!rc && m->role == LLM_ROLE_ASSISTANT_TOOLS) {
        /* Our own rendering of a tool_calls array we parsed: valid JSON by construction. */
        rc = buf_addstr(out, ",\"content\":null,\"tool_calls\":");
        if (!rc) {
            rc = buf_add(out, m->content.ptr, m->content.len);
        }
        return rc ? rc : buf_addch(out, '}');
    }
    if (!rc && m->role == LLM_ROLE_TOOL) {
        rc = buf_addstr(out, ",\"tool_call_id\":\"");
        if (!rc) {
            rc = buf_add_json_escaped(out, str_from_cstr(m->tool_call_id ? m->tool_call_id : ""));
        }
        if (!rc) {
            rc = buf_addch(out, '"');
        }
    }
    if (!rc) {
        rc = buf_addstr(out, ",\"content\":\"");
    }
    if (!rc) {
        rc = buf_add_json_escaped(out, m->content);
    }
    return rc ? rc : buf_addstr(out, "\"}");
}

int
llm_render_request(const struct llm_request *rq, struct buf *out)
{
    int rc;

    if (!rq->model || !rq->model[0] || rq->nmessages == 0 || rq->nmessages > LLM_MAX_MESSAGES ||
        !(rq->temperature >= 0.0 && rq->temperature <= 2.0)) {
        return E_INVALID;
    }
    rc = buf_addstr(out, "{\"model\":\"");
    if (!rc) {
        rc = buf_add_json_escaped(out, str_from_cstr(rq->model));
    }
    if (!rc) {
        /* Two decimals: agents store the temperature in hundredths. */
        rc = buf_addf(out, "\",\"temperature\":%.2f", rq->temperature);
    }
    if (!rc && rq->max_tokens) {
        rc = buf_addf(out, ",\"max_tokens\":%u", rq->max_tokens);
    }
    if (!rc) {
        rc = buf_addstr(out, ",\"messages\":[");
    }
    for (size_t i = 0; !rc && i < rq->nmessages; i++) {
        if (i) {
            rc = buf_addch(out, ',');
        }
        if (!rc) {
            rc = render_message(&rq->messages[i], out);
        }
    }
    if (!rc) {
        rc = buf_addch(out, ']');
    }
    if (!rc && rq->tools) {
        rc = buf_addstr(out, TOOLS_JSON);
    }
    if (!rc) {
        rc = buf_addch(out, '}');
    }
    return rc == E_TOO_LARGE ? E_INVALID : rc ? E_INTERNAL : 0;
}

/* Copies s into out (cap bytes, NUL included), cut on a UTF-8 boundary. */
static void
copy_cut(struct str s, char *out, size_t cap)
{
    struct str cut = str_utf8_prefix(s, cap - 1);
    if (cut.len) {
        memcpy(out, cut.ptr, cut.len);
    }
    out[cut.len] = '\0';
}

static void
parse_tool_call(const struct json_node *tc, struct llm_tool_call *call)
{
    const struct json_node *fn = json_node_member(tc, "function");
    struct str name = json_node_str(fn, "name");
    struct str args = json_node_str(fn, "arguments");
    struct json_doc *doc = NULL;

    memset(call, 0, sizeof(*call));
    if (str_eq_cstr(name, "qualify_lead")) {
        call->tool = LLM_TOOL_QUALIFY_LEAD;
    } else if (str_eq_cstr(name, "handoff_to_human")) {
        call->tool = LLM_TOOL_HANDOFF;
    }
    copy_cut(json_node_str(tc, "id"), call->id, sizeof(call->id));
    /* arguments is JSON text inside a string; a model may get it wrong: the reason is then "". */
    if (args.len && json_doc_parse(args, &doc) == 0) {
        copy_cut(json_node_str(json_doc_node(doc), "reason"), call->reason, sizeof(call->reason));
    }
    json_doc_free(doc);
}

int
llm_parse_answer(struct str body, struct llm_answer *out)
{
    struct json_doc *doc = NULL;
    const struct json_node *root, *choice, *msg, *calls, *usage;
    struct str content = {0};
    int64_t v;
    int rc = E_UPSTREAM;

    if (json_doc_parse(body, &doc)) {
        goto out;
    }
    root = json_doc_node(doc);
    choice = json_node_at(json_node_member(root, "choices"), 0);
    msg = json_node_member(choice, "message");
    if (!json_node_is_object(msg)) {
        goto out;
    }
    copy_cut(json_node_str(choice, "finish_reason"), out->finish_reason,
             sizeof(out->finish_reason));
    (void)json_node_string(json_node_member(msg, "content"), &content);
    buf_reset(&out->content);
    if (content.len &&
        buf_add(&out->content, content.ptr, str_utf8_prefix(content, LLM_CONTENT_MAX).len)) {
        rc = E_INTERNAL;
        goto out;
    }
    calls = json_node_member(msg, "tool_calls");
    out->ncalls = 0;
    buf_reset(&out->tool_calls_json);
    for (size_t i = 0; i < json_node_count(calls) && out->ncalls < LLM_MAX_TOOL_CALLS; i++) {
        const struct json_node *tc = json_node_at(calls, i);
        if (json_node_is_object(tc)) {
            parse_tool_call(tc, &out->calls[out->ncalls++]);
        }
    }
    if (out->ncalls && json_node_render(calls, &out->tool_calls_json)) {
        rc = E_INTERNAL;
        goto out;
    }
    usage = json_node_member(root, "usage");
    out->prompt_tokens =
        json_node_int(json_node_member(usage, "prompt_tokens"), &v) && v >= 0 ? v : 0;
    out->completion_tokens =
        json_node_int(json_node_member(usage, "completion_tokens"), &v) && v >= 0 ? v : 0;
    rc = out->content.len || out->ncalls ? 0 : E_UPSTREAM;
out:
    json_doc_free(doc);
    return rc;
}

bool
llm_should_retry(long status, int should_retry)
{
    if (should_retry == 1 || should_retry == 0) {
        return should_retry == 1;
    }
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

int64_t
llm_retry_delay_ms(int n, int64_t retry_after_ms, uint32_t rnd)
{
    int64_t base = LLM_RETRY_INITIAL_MS;

    if (retry_after_ms > 0 && retry_after_ms <= LLM_RETRY_AFTER_MAX_MS) {
        return retry_after_ms;
    }
    for (int i = 1; i < n && base < LLM_RETRY_MAX_MS; i++) {
        base *= 2;
    }
    if (base > LLM_RETRY_MAX_MS) {
        base = LLM_RETRY_MAX_MS;
    }
    /* jitter = 1 - 0.25 * random(): between 75 % and 100 % of the wait. */
    return base - (int64_t)(((uint64_t)base * rnd) >> 34);
}
