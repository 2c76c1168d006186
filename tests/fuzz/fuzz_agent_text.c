/*
 * Fuzzes what an agent does with a lead's text (agents/handoff.h,
 * agents/prompt.h, agents/extractive.h): the input is the lead's message and
 * a chunk of a document at once. Nothing crashes or loops; a prompt built is
 * within its budget, ends with the lead's (maybe cut) message and is valid
 * UTF-8; the extractive answer is valid UTF-8 within WhatsApp's limit.
 */
#include "fuzz.h"

#include "agents/extractive.h"
#include "agents/handoff.h"
#include "agents/prompt.h"
#include "core/str.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str in = str_make((const char *)data, size);
    const struct str words[] = {STR_LIT("humano"), STR_LIT("falar com alguém"), in};
    struct prompt_source src = {1, STR_LIT("a.md"), in};
    struct prompt_turn turns[] = {{false, STR_LIT("Olá!")}, {true, in}};
    struct prompt_input pin = {.agent_name = STR_LIT("Ana"),
                               .instructions = in,
                               .sources = &src,
                               .nsources = 1,
                               .turns = turns,
                               .nturns = 2,
                               .budget_tokens = PROMPT_BUDGET_MIN + size % 512};
    struct prompt p = PROMPT_INIT;
    struct buf b = BUF_INIT;

    (void)handoff_matches(in, words, 3);
    if (handoff_check_word(in) == 0) {
        FUZZ_CHECK(handoff_matches(in, &in, 1));
    }
    FUZZ_CHECK(prompt_estimate_tokens(in) <= size);
    if (prompt_build(&pin, &p) == 0) {
        FUZZ_CHECK(p.tokens <= pin.budget_tokens);
        FUZZ_CHECK(p.nmessages >= 2 && p.messages[p.nmessages - 1].role == LLM_ROLE_USER);
        FUZZ_CHECK(str_is_utf8(buf_str(&p.system)));
        FUZZ_CHECK(str_is_utf8(p.messages[p.nmessages - 1].content));
    } else {
        FUZZ_CHECK(!str_is_utf8(in));
    }
    if (extractive_answer(&src, STR_LIT("humano"), &b) == 0) {
        FUZZ_CHECK(str_is_utf8(buf_str(&b)) && str_utf8_len(buf_str(&b)) <= 4096);
    }
    prompt_release(&p);
    buf_release(&b);
    return 0;
}
