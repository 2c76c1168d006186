/*
 * Fuzzes llm_parse_answer (integrations/llm.h) with the input as a chat
 * completion's body from an upstream model server. Whatever it holds, the
 * answer read is bounded valid UTF-8, every tool call is one of the known
 * kinds with a bounded reason, and a kept tool_calls array is JSON again.
 */
#include "fuzz.h"

#include <string.h>

#include "core/str.h"
#include "integrations/llm.h"
#include "json/json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct llm_answer a = LLM_ANSWER_INIT;
    struct json_doc *doc = NULL;

    if (llm_parse_answer(str_make((const char *)data, size), &a) == 0) {
        FUZZ_CHECK(a.content.len > 0 || a.ncalls > 0);
        FUZZ_CHECK(a.content.len <= LLM_CONTENT_MAX && str_is_utf8(buf_str(&a.content)));
        FUZZ_CHECK(a.ncalls <= LLM_MAX_TOOL_CALLS);
        for (size_t i = 0; i < a.ncalls; i++) {
            FUZZ_CHECK(a.calls[i].tool <= LLM_TOOL_HANDOFF);
            FUZZ_CHECK(strlen(a.calls[i].reason) <= LLM_REASON_MAX);
            FUZZ_CHECK(str_is_utf8(str_from_cstr(a.calls[i].reason)));
        }
        FUZZ_CHECK(a.prompt_tokens >= 0 && a.completion_tokens >= 0);
        if (a.ncalls) {
            FUZZ_CHECK(json_doc_parse(buf_str(&a.tool_calls_json), &doc) == 0);
            json_doc_free(doc);
        }
    }
    llm_answer_release(&a);
    return 0;
}
