/*
 * Unit tests for integrations/llm (the chat-completions client) and the
 * Retry-After reading of integrations/httpc: the pure parts on bytes, then
 * llm_complete against tests/support/llm_standin.py, a real program on
 * 127.0.0.1 with scripted faults (429 with retry-after, 5xx, a slow first
 * byte, a cut connection, a cut body, garbage, a wrong key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/httpc.h"
#include "integrations/llm.h"
#include "json/json.h"

/* ---- Pure parts ---------------------------------------------------------------------------- */

static void
test_retry_after_header(void **state)
{
    (void)state;
    assert_int_equal(httpc_retry_after_ms(STR_LIT("1500"), STR_LIT(""), 0), 1500);
    assert_int_equal(httpc_retry_after_ms(STR_LIT("20.7"), STR_LIT("9"), 0), 20);
    assert_int_equal(httpc_retry_after_ms(STR_LIT(""), STR_LIT("2"), 0), 2000);
    assert_int_equal(httpc_retry_after_ms(STR_LIT(""), STR_LIT(" 1.5 "), 0), 1500);
    assert_int_equal(httpc_retry_after_ms(STR_LIT("soon"), STR_LIT("3"), 0), 3000);
    assert_int_equal(httpc_retry_after_ms(STR_LIT(""), STR_LIT(""), 0), -1);
    assert_int_equal(httpc_retry_after_ms(STR_LIT("-5"), STR_LIT("-5"), 0), -1);
    assert_int_equal(httpc_retry_after_ms(STR_LIT(""), STR_LIT("99999999999999999999"), 0), -1);
    assert_int_equal(httpc_retry_after_ms(STR_LIT(""), STR_LIT("tomorrow"), 0), -1);
    /* An HTTP-date (RFC 9110): 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT. */
    assert_int_equal(
        httpc_retry_after_ms(STR_LIT(""), STR_LIT("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412470),
        10000);
    assert_int_equal(
        httpc_retry_after_ms(STR_LIT(""), STR_LIT("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412490), 0);
}

static void
test_should_retry(void **state)
{
    (void)state;
    assert_true(llm_should_retry(408, -1));
    assert_true(llm_should_retry(409, -1));
    assert_true(llm_should_retry(429, -1));
    assert_true(llm_should_retry(500, -1));
    assert_true(llm_should_retry(503, -1));
    assert_false(llm_should_retry(400, -1));
    assert_false(llm_should_retry(401, -1));
    assert_false(llm_should_retry(404, -1));
    assert_false(llm_should_retry(422, -1));
    /* x-should-retry decides when present. */
    assert_false(llm_should_retry(500, 0));
    assert_true(llm_should_retry(400, 1));
}

static void
test_retry_delay(void **state)
{
    (void)state;
    /* 0.5 s * 2^(n-1), capped at 8 s, less up to 25 %. */
    assert_int_equal(llm_retry_delay_ms(1, -1, 0), 500);
    assert_int_equal(llm_retry_delay_ms(2, -1, 0), 1000);
    assert_int_equal(llm_retry_delay_ms(3, -1, 0), 2000);
    assert_int_equal(llm_retry_delay_ms(5, -1, 0), 8000);
    assert_int_equal(llm_retry_delay_ms(40, -1, 0), 8000);
    assert_int_equal(llm_retry_delay_ms(1, -1, UINT32_MAX), 376);
    assert_int_equal(llm_retry_delay_ms(5, -1, UINT32_MAX), 6001);
    for (uint32_t r = 0; r < 1000; r++) {
        uint32_t rnd;
        int64_t d;
        crypto_random(&rnd, sizeof(rnd));
        d = llm_retry_delay_ms(2, -1, rnd);
        assert_true(d >= 750 && d <= 1000);
    }
    /* The server's wait when 0 < it <= 60 s; else the back-off. */
    assert_int_equal(llm_retry_delay_ms(1, 2000, 0), 2000);
    assert_int_equal(llm_retry_delay_ms(1, 60000, 0), 60000);
    assert_int_equal(llm_retry_delay_ms(1, 60001, 0), 500);
    assert_int_equal(llm_retry_delay_ms(1, 0, 0), 500);
}

#define CSTR(s)                                                                                    \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }
static const struct llm_message MSGS[] = {
    {LLM_ROLE_SYSTEM, CSTR("Você é Ana.\n[fonte 7 | a.md]\n\"aspas\" e \\barra\n[/fonte]"), NULL},
    {LLM_ROLE_USER, CSTR("oi \xf0\x9f\x91\x8b"), NULL},
    {LLM_ROLE_ASSISTANT, CSTR("Olá!"), NULL},
    {LLM_ROLE_USER, CSTR("qual o preço?"), NULL},
};

static void
test_render(void **state)
{
    struct llm_request rq = {.model = "gpt-4o-mini",
                             .temperature = 0.7,
                             .messages = MSGS,
                             .nmessages = 4,
                             .tools = true,
                             .max_tokens = 300};
    struct buf b = BUF_INIT;
    struct json_doc *doc = NULL;
    const struct json_node *root, *msgs, *tools;
    double t;

    (void)state;
    assert_int_equal(llm_render_request(&rq, &b), 0);
    assert_int_equal(json_doc_parse(buf_str(&b), &doc), 0);
    root = json_doc_node(doc);
    assert_true(str_eq_cstr(json_node_str(root, "model"), "gpt-4o-mini"));
    assert_true(json_node_number(json_node_member(root, "temperature"), &t));
    assert_true(t > 0.69 && t < 0.71);
    msgs = json_node_member(root, "messages");
    assert_int_equal(json_node_count(msgs), 4);
    assert_true(str_eq_cstr(json_node_str(json_node_at(msgs, 0), "role"), "system"));
    assert_true(str_eq(json_node_str(json_node_at(msgs, 0), "content"), MSGS[0].content));
    assert_true(str_eq_cstr(json_node_str(json_node_at(msgs, 2), "role"), "assistant"));
    assert_true(str_eq(json_node_str(json_node_at(msgs, 1), "content"), MSGS[1].content));
    tools = json_node_member(root, "tools");
    assert_int_equal(json_node_count(tools), 2);
    assert_true(
        str_eq_cstr(json_node_str(json_node_member(json_node_at(tools, 0), "function"), "name"),
                    "qualify_lead"));
    assert_true(
        str_eq_cstr(json_node_str(json_node_member(json_node_at(tools, 1), "function"), "name"),
                    "handoff_to_human"));
    json_doc_free(doc);
    doc = NULL;

    /* Without tools: none declared. */
    buf_reset(&b);
    rq.tools = false;
    rq.max_tokens = 0;
    assert_int_equal(llm_render_request(&rq, &b), 0);
    assert_null(strstr(b.ptr, "\"tools\""));
    assert_null(strstr(b.ptr, "max_tokens"));

    /* What cannot be sent. */
    rq.temperature = 2.5;
    assert_int_equal(llm_render_request(&rq, &b), E_INVALID);
    rq.temperature = 0;
    rq.nmessages = 0;
    assert_int_equal(llm_render_request(&rq, &b), E_INVALID);
    rq.nmessages = 4;
    rq.model = "";
    assert_int_equal(llm_render_request(&rq, &b), E_INVALID);
    buf_release(&b);
}

static const char ANSWER[] =
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Custa R$ 20.\","
    "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
    "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":8,\"total_tokens\":128,"
    "\"prompt_tokens_details\":{\"cached_tokens\":0}},\"system_fingerprint\":\"fp\"}";

static const char TOOL_ANSWER[] =
    "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
    "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
    "\"qualify_lead\",\"arguments\":\"{\\\"reason\\\":\\\"quer proposta\\\"}\"}},"
    "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"handoff_to_human\","
    "\"arguments\":\"{not json\"}},"
    "{\"id\":\"call_3\",\"type\":\"function\",\"function\":{\"name\":\"rm_rf\","
    "\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}";

static void
test_parse(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    static char big[LLM_CONTENT_MAX + 4097]; /* odd: whole pairs and a NUL */
    struct buf doc = BUF_INIT;

    (void)state;
    assert_int_equal(llm_parse_answer(STR_LIT(ANSWER), &a), 0);
    assert_string_equal(a.content.ptr, "Custa R$ 20.");
    assert_string_equal(a.finish_reason, "stop");
    assert_int_equal(a.prompt_tokens, 120);
    assert_int_equal(a.completion_tokens, 8);
    assert_int_equal(a.ncalls, 0);
    assert_int_equal(a.tool_calls_json.len, 0);

    assert_int_equal(llm_parse_answer(STR_LIT(TOOL_ANSWER), &a), 0);
    assert_int_equal(a.content.len, 0);
    assert_int_equal(a.ncalls, 3);
    assert_int_equal(a.calls[0].tool, LLM_TOOL_QUALIFY_LEAD);
    assert_string_equal(a.calls[0].id, "call_1");
    assert_string_equal(a.calls[0].reason, "quer proposta");
    assert_int_equal(a.calls[1].tool, LLM_TOOL_HANDOFF);
    assert_string_equal(a.calls[1].reason, ""); /* its arguments were not JSON */
    assert_int_equal(a.calls[2].tool, LLM_TOOL_OTHER);
    assert_int_equal(a.prompt_tokens, 0);
    assert_non_null(strstr(a.tool_calls_json.ptr, "\"call_1\""));
    assert_int_equal(a.tool_calls_json.ptr[0], '[');

    /* Not an answer. */
    assert_int_equal(llm_parse_answer(STR_LIT("<html>"), &a), E_UPSTREAM);
    assert_int_equal(llm_parse_answer(STR_LIT("{\"choices\":[]}"), &a), E_UPSTREAM);
    assert_int_equal(
        llm_parse_answer(STR_LIT("{\"choices\":[{\"message\":{\"content\":\"\"}}]}"), &a),
        E_UPSTREAM);
    assert_int_equal(llm_parse_answer(STR_LIT("{\"choices\":[{\"message\":\"x\"}]}"), &a),
                     E_UPSTREAM);
    assert_int_equal(llm_parse_answer(STR_LIT("{\"error\":{\"message\":\"x\"}}"), &a), E_UPSTREAM);

    /* A long text is cut on a UTF-8 boundary. */
    for (size_t i = 0; i + 1 < sizeof(big); i += 2) {
        memcpy(big + i, "\xc3\xa9", 2);
    }
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_addf(&doc, "{\"choices\":[{\"message\":{\"content\":\"%s\"}}]}", big), 0);
    assert_int_equal(llm_parse_answer(buf_str(&doc), &a), 0);
    assert_true(a.content.len <= LLM_CONTENT_MAX && a.content.len >= LLM_CONTENT_MAX - 3);
    assert_true(str_is_utf8(buf_str(&a.content)));
    buf_release(&doc);
    llm_answer_release(&a);
}

/* ---- Against the stand-in ------------------------------------------------------------------ */

#define KEY "sk-test-standin-key"

struct standin {
    pid_t pid;
    char base[64];
};

static struct standin standin;

static int
start_standin(void **state)
{
    int fds[2];
    FILE *f;
    int port = 0;

    (void)state;
    if (pipe(fds)) {
        return -1;
    }
    standin.pid = fork();
    if (standin.pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/usr/bin/python3", "python3", "tests/support/llm_standin.py", "0", KEY,
              (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (!f || fscanf(f, "port %d", &port) != 1) {
        return -1;
    }
    fclose(f); /* the one line it writes there; its log goes to stderr */
    (void)snprintf(standin.base, sizeof(standin.base), "http://127.0.0.1:%d/v1", port);
    return httpc_global_init() || crypto_init() ? -1 : 0;
}

static int
stop_standin(void **state)
{
    (void)state;
    kill(standin.pid, SIGTERM);
    waitpid(standin.pid, NULL, 0);
    httpc_global_cleanup();
    return 0;
}

/* POSTs a control request to the stand-in. */
static void
control(const char *what, const char *json)
{
    char url[128];
    const char *h[] = {"Content-Type: application/json"};
    struct httpc_request rq = {.method = "POST",
                               .url = url,
                               .headers = h,
                               .nheaders = 1,
                               .body = json,
                               .body_len = strlen(json)};
    struct httpc_response r;

    (void)snprintf(url, sizeof(url), "%.*s/_control/%s", (int)(strlen(standin.base) - 3),
                   standin.base, what);
    assert_int_equal(httpc_do(&rq, &r), 0);
    assert_int_equal(r.status, 200);
    httpc_response_release(&r);
}

/* How many requests the stand-in recorded. */
static size_t
recorded(void)
{
    char url[128];
    struct httpc_request rq = {.url = url};
    struct httpc_response r;
    struct json_doc *doc = NULL;
    size_t n;

    (void)snprintf(url, sizeof(url), "%.*s/_control/requests", (int)(strlen(standin.base) - 3),
                   standin.base);
    assert_int_equal(httpc_do(&rq, &r), 0);
    assert_int_equal(json_doc_parse(buf_str(&r.body), &doc), 0);
    n = json_node_count(json_node_member(json_doc_node(doc), "requests"));
    json_doc_free(doc);
    httpc_response_release(&r);
    return n;
}

static int
ask(const char *question, int64_t budget_ms, struct llm_answer *a)
{
    struct llm_message m[2] = {
        {LLM_ROLE_SYSTEM, STR_LIT("Regras.\n[fonte 11 | a.md]\nx\n[/fonte]\n[fonte 4 | b.md]\ny"),
         NULL},
        {LLM_ROLE_USER, str_from_cstr(question), NULL},
    };
    struct llm_request rq = {
        .model = "gpt-test", .temperature = 0.2, .messages = m, .nmessages = 2, .tools = true};
    struct llm_client c = {
        .base_url = standin.base, .api_key = KEY, .max_retries = LLM_MAX_RETRIES};

    control("reset", "{}");
    return llm_complete(&c, &rq, clock_mono_ms() + budget_ms, a);
}

static void
test_complete_ok(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;

    (void)state;
    assert_int_equal(ask("quanto custa?", 10000, &a), 0);
    assert_string_equal(a.content.ptr,
                        "Resposta do modelo. Fontes: [11, 4]. Pergunta: quanto custa?");
    assert_int_equal(a.attempts, 1);
    assert_int_equal(a.status, 200);
    assert_true(a.prompt_tokens > 0 && a.completion_tokens > 0);
    assert_int_equal(a.ncalls, 0);
    assert_int_equal(recorded(), 1);
    llm_answer_release(&a);
}

static void
test_complete_tools(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    struct llm_message m[4];
    struct llm_request rq = {.model = "gpt-test", .messages = m, .nmessages = 4, .tools = true};
    struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 0};

    (void)state;
    assert_int_equal(ask("quero fechar #qualify #notext", 10000, &a), 0);
    assert_int_equal(a.content.len, 0);
    assert_int_equal(a.ncalls, 1);
    assert_int_equal(a.calls[0].tool, LLM_TOOL_QUALIFY_LEAD);
    assert_string_equal(a.calls[0].reason, "pedido do teste: #qualify");
    assert_string_equal(a.finish_reason, "tool_calls");

    /* The follow-up round: the calls and their results go back, the text comes. */
    m[0] = (struct llm_message){LLM_ROLE_SYSTEM, STR_LIT("[fonte 5 | c.md]\nz"), NULL};
    m[1] = (struct llm_message){LLM_ROLE_USER, STR_LIT("quero fechar #qualify #notext"), NULL};
    m[2] = (struct llm_message){LLM_ROLE_ASSISTANT_TOOLS, buf_str(&a.tool_calls_json), NULL};
    m[3] = (struct llm_message){LLM_ROLE_TOOL, STR_LIT("ok"), a.calls[0].id};
    {
        struct llm_answer b = LLM_ANSWER_INIT;
        assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &b), 0);
        assert_string_equal(b.content.ptr, "Certo, registrei. Fontes: [5].");
        assert_int_equal(b.ncalls, 0);
        llm_answer_release(&b);
    }

    assert_int_equal(ask("me passa pra alguém #handoff", 10000, &a), 0);
    assert_int_equal(a.ncalls, 1);
    assert_int_equal(a.calls[0].tool, LLM_TOOL_HANDOFF);
    assert_true(a.content.len > 0);
    llm_answer_release(&a);
}

static void
test_complete_retries(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;

    (void)state;
    /* 429 with retry-after-ms, then an answer. */
    control("reset", "{}");
    control("faults", "{\"faults\":[{\"kind\":\"429\",\"retry_after_ms\":30}]}");
    {
        struct llm_message m = {LLM_ROLE_USER, STR_LIT("b"), NULL};
        struct llm_request rq = {.model = "m", .messages = &m, .nmessages = 1};
        struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 2};
        assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &a), 0);
        assert_int_equal(a.attempts, 2);
        assert_int_equal(recorded(), 2);
    }

    /* A cut connection, a cut body and a 503: retried, the fourth attempt is not made. */
    control("reset", "{}");
    control("faults",
            "{\"faults\":[{\"kind\":\"cut\"},{\"kind\":\"cut_body\"},{\"kind\":\"503\"}]}");
    {
        struct llm_message m = {LLM_ROLE_USER, STR_LIT("c"), NULL};
        struct llm_request rq = {.model = "m", .messages = &m, .nmessages = 1};
        struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 2};
        assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &a), E_UNAVAILABLE);
        assert_int_equal(a.attempts, 3);
        assert_int_equal(a.status, 503);
        assert_int_equal(recorded(), 3);
        assert_true(strlen(a.detail) > 0);
        /* The three faults are spent: the next call is answered at once. */
        assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &a), 0);
        assert_int_equal(a.attempts, 1);
    }
    llm_answer_release(&a);
}

static void
test_complete_long_retry_after(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    struct llm_message m = {LLM_ROLE_USER, STR_LIT("d"), NULL};
    struct llm_request rq = {.model = "m", .messages = &m, .nmessages = 1};
    struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 2};

    (void)state;
    /* A wait over what a worker sleeps through goes back to the caller (the job queue). */
    control("reset", "{}");
    control("faults", "{\"faults\":[{\"kind\":\"429\",\"retry_after\":30}]}");
    assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 60000, &a), E_UNAVAILABLE);
    assert_int_equal(a.attempts, 1);
    assert_int_equal(a.status, 429);
    assert_int_equal(a.retry_after_ms, 30000);

    /* A wait that does not fit the budget ends the call too. */
    control("reset", "{}");
    control("faults", "{\"faults\":[{\"kind\":\"429\",\"retry_after\":3}]}");
    assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 2000, &a), E_UNAVAILABLE);
    assert_int_equal(a.attempts, 1);
    assert_int_equal(a.retry_after_ms, 3000);
    llm_answer_release(&a);
}

static void
test_complete_slow(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    struct llm_message m = {LLM_ROLE_USER, STR_LIT("e"), NULL};
    struct llm_request rq = {.model = "m", .messages = &m, .nmessages = 1};
    struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 2};

    (void)state;
    /* A first byte later than the budget: the call ends within it, as a retryable failure. */
    control("reset", "{}");
    control("faults", "{\"faults\":[{\"kind\":\"slow\",\"delay\":3}]}");
    assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 1200, &a), E_UNAVAILABLE);
    assert_int_equal(a.status, 0);
    /* A slow first byte within the budget is just an answer. */
    control("reset", "{}");
    control("faults", "{\"faults\":[{\"kind\":\"slow\",\"delay\":0.5}]}");
    assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &a), 0);
    assert_int_equal(a.attempts, 1);
    llm_answer_release(&a);
}

static void
test_complete_not_retried(void **state)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    struct llm_message m = {LLM_ROLE_USER, STR_LIT("f"), NULL};
    struct llm_request rq = {.model = "m", .messages = &m, .nmessages = 1};
    struct llm_client c = {.base_url = standin.base, .api_key = KEY, .max_retries = 2};
    struct llm_client wrong = {.base_url = standin.base, .api_key = "sk-wrong", .max_retries = 2};
    struct llm_client far = {.base_url = "http://192.0.2.1/v1", .max_retries = 2};

    (void)state;
    const char *faults[] = {"400", "no_retry", "garbage"};
    for (size_t i = 0; i < ARRAY_LEN(faults); i++) {
        char json[128];
        control("reset", "{}");
        (void)snprintf(json, sizeof(json), "{\"faults\":[{\"kind\":\"%s\"}]}", faults[i]);
        control("faults", json);
        assert_int_equal(llm_complete(&c, &rq, clock_mono_ms() + 10000, &a), E_UPSTREAM);
        assert_int_equal(a.attempts, 1);
        assert_int_equal(recorded(), 1);
    }
    control("reset", "{}");
    assert_int_equal(llm_complete(&wrong, &rq, clock_mono_ms() + 10000, &a), E_UPSTREAM);
    assert_int_equal(a.status, 401);
    assert_int_equal(a.attempts, 1);
    /* Plain http off loopback is never used. */
    assert_int_equal(llm_complete(&far, &rq, clock_mono_ms() + 10000, &a), E_INVALID);
    assert_int_equal(a.status, 0);
    llm_answer_release(&a);
}

int
main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_retry_after_header),
        cmocka_unit_test(test_should_retry),
        cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_parse),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_complete_ok),      cmocka_unit_test(test_complete_tools),
        cmocka_unit_test(test_complete_retries), cmocka_unit_test(test_complete_long_retry_after),
        cmocka_unit_test(test_complete_slow),    cmocka_unit_test(test_complete_not_retried),
    };
    int failed = cmocka_run_group_tests(pure, NULL, NULL);

    return failed + cmocka_run_group_tests(live, start_standin, stop_standin);
}
