/*
 * Unit tests for the text side of an agent reply: hand-off words
 * (agents/handoff, unicode_fold_words), the prompt within its token budget
 * (agents/prompt) and the extractive answer given with no model
 * (agents/extractive).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agents/agents.h"
#include "agents/extractive.h"
#include "agents/handoff.h"
#include "agents/prompt.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "unicode/unicode.h"

static void
check_fold(const char *in, const char *want)
{
    struct buf b = BUF_INIT;

    assert_int_equal(unicode_fold_words(str_from_cstr(in), &b), 0);
    assert_string_equal(b.ptr, want);
    assert_int_equal(b.len, strlen(want));
    buf_release(&b);
}

static void
test_fold_words(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    check_fold("Olá, HUMANO!!", "ola humano");
    check_fold("  Atendênte?  ", "atendente");
    check_fold("ÇÃO são paulo", "cao sao paulo");
    check_fold("quero 2 ﬁlés 👍🏽 já", "quero 2 files ja");
    check_fold("...!!!", "");
    check_fold("", "");
    check_fold("tab\there\nnew-line", "tab here new line");
    /* Invalid UTF-8 is refused, not repaired. */
    assert_int_equal(unicode_fold_words(STR_LIT("ol\xc3"), &b), E_INVALID);
    assert_int_equal(unicode_fold_words(STR_LIT("\xff"), &b), E_INVALID);
    buf_release(&b);
}

static bool
matches(const char *text, const char *const *words, size_t n)
{
    struct str v[8];

    for (size_t i = 0; i < n; i++) {
        v[i] = str_from_cstr(words[i]);
    }
    return handoff_matches(str_from_cstr(text), v, n);
}

static void
test_handoff_default_words(void **state)
{
    const char *const *w = handoff_default_words;

    (void)state;
    assert_true(matches("Quero falar com um HUMANO!", w, 2));
    assert_true(matches("humano", w, 2));
    assert_true(matches("atendênte?", w, 2));
    assert_true(matches("ATENDENTE por favor", w, 2));
    assert_true(matches("me passa pro Atendente.", w, 2));
    assert_true(matches("(humano)", w, 2));
    /* Whole words only. */
    assert_false(matches("humanos", w, 2));
    assert_false(matches("desumano", w, 2));
    assert_false(matches("atendentes são ótimos", w, 2));
    assert_false(matches("qual o preço?", w, 2));
    assert_false(matches("", w, 2));
    assert_false(handoff_matches(STR_LIT("humano \xff"), (struct str[]){STR_LIT("humano")}, 1));
    assert_false(matches("humano", w, 0));
}

static void
test_handoff_phrases(void **state)
{
    const char *const w[] = {"falar com alguém", "Gerente", "!!!"};

    (void)state;
    assert_true(matches("posso FALAR   com alguem?", w, 3));
    assert_true(matches("Falar com ALGUÉM", w, 3));
    assert_false(matches("falar com alguma coisa", w, 3));
    assert_false(matches("falar alguem com", w, 3));
    assert_true(matches("chama o gerente", w, 3));
    /* A word of punctuation only never matches, even punctuation. */
    assert_false(matches("!!!", w, 3));
}

static void
test_handoff_check_word(void **state)
{
    char long_word[HANDOFF_WORD_MAX + 2];

    (void)state;
    assert_int_equal(handoff_check_word(STR_LIT("humano")), 0);
    assert_int_equal(handoff_check_word(STR_LIT("falar com alguém")), 0);
    assert_int_equal(handoff_check_word(STR_LIT("")), E_INVALID);
    assert_int_equal(handoff_check_word(STR_LIT("?!")), E_INVALID);
    assert_int_equal(handoff_check_word(STR_LIT("hu\nmano")), E_INVALID);
    assert_int_equal(handoff_check_word(STR_LIT("hu\xe2\x80\xaemano")), E_INVALID);
    assert_int_equal(handoff_check_word(STR_LIT("\xc3")), E_INVALID);
    memset(long_word, 'a', sizeof(long_word) - 1);
    long_word[sizeof(long_word) - 1] = '\0';
    assert_int_equal(handoff_check_word(str_from_cstr(long_word)), E_INVALID);
    long_word[HANDOFF_WORD_MAX] = '\0';
    assert_int_equal(handoff_check_word(str_from_cstr(long_word)), 0);
}

static void
test_estimate_tokens(void **state)
{
    (void)state;
    assert_int_equal(prompt_estimate_tokens(STR_LIT("")), 0);
    assert_int_equal(prompt_estimate_tokens(STR_LIT("   ")), 0);
    /* ASCII words: a token per 3 letters, rounded up. */
    assert_int_equal(prompt_estimate_tokens(STR_LIT("ola")), 1);
    assert_int_equal(prompt_estimate_tokens(STR_LIT("entrega")), 3);
    /* Digits and punctuation one each. */
    assert_int_equal(prompt_estimate_tokens(STR_LIT("12345")), 5);
    assert_int_equal(prompt_estimate_tokens(STR_LIT("a, b.")), 4);
    /* Accented words one per 2 bytes. */
    assert_int_equal(prompt_estimate_tokens(STR_LIT("informação")), 6);
    /* An emoji one per byte. */
    assert_int_equal(prompt_estimate_tokens(STR_LIT("\xf0\x9f\x91\x8d")), 4);
    /*
     * A BPE tokenizer spends at least a token per word and per punctuation
     * mark (19 words, 2 marks here); the estimate stays well above that.
     */
    assert_true(prompt_estimate_tokens(STR_LIT("Vocês entregam em São Paulo? Qual é o prazo de "
                                               "entrega e o valor do frete para 3 caixas?")) >=
                (19 + 2) * 3 / 2);
    /* A stray continuation byte or a truncated sequence costs, never loops. */
    assert_true(prompt_estimate_tokens(STR_LIT("\x80\xc3")) >= 1);
}

#define CSTR(s)                                                                                    \
    {                                                                                              \
        (s), sizeof(s) - 1                                                                         \
    }
static const struct prompt_source SOURCES[] = {
    {11, CSTR("precos.md"), CSTR("O frete para São Paulo custa R$ 20 e leva 2 dias.")},
    {12, CSTR("trocas.md"), CSTR("Trocas em até 30 dias com nota fiscal.")},
    {13, CSTR("empresa.md"), CSTR("Atendemos de segunda a sexta, das 9h às 18h.")},
};

static void
test_prompt_shape(void **state)
{
    struct prompt_turn turns[] = {
        {true, STR_LIT("oi")},
        {false, STR_LIT("Olá! Como posso ajudar?")},
        {true, STR_LIT("quanto custa o frete pra SP?")},
    };
    struct prompt_input in = {
        .agent_name = STR_LIT("Ana"),
        .instructions = STR_LIT("Seja simpática. Venda camisetas."),
        .sources = SOURCES,
        .nsources = 3,
        .turns = turns,
        .nturns = 3,
        .budget_tokens = 4000,
    };
    struct prompt p = PROMPT_INIT;
    const char *sys;

    (void)state;
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_int_equal(p.nmessages, 4);
    assert_int_equal(p.messages[0].role, LLM_ROLE_SYSTEM);
    sys = p.system.ptr;
    assert_non_null(strstr(sys, "Você é Ana"));
    assert_non_null(strstr(sys, "Seja simpática. Venda camisetas."));
    assert_non_null(strstr(sys, "[fonte 11 | precos.md]\nO frete para São Paulo"));
    assert_non_null(strstr(sys, "[fonte 12 | trocas.md]"));
    assert_non_null(strstr(sys, "[fonte 13 | empresa.md]"));
    /* Best first, as given. */
    assert_true(strstr(sys, "[fonte 11") < strstr(sys, "[fonte 12"));
    assert_int_equal(p.nsource_ids, 3);
    assert_true(p.source_ids[0] == 11 && p.source_ids[2] == 13);
    assert_int_equal(p.messages[1].role, LLM_ROLE_USER);
    assert_int_equal(p.messages[2].role, LLM_ROLE_ASSISTANT);
    assert_int_equal(p.messages[3].role, LLM_ROLE_USER);
    assert_true(str_eq_cstr(p.messages[3].content, "quanto custa o frete pra SP?"));
    assert_int_equal(p.turns_used, 3);
    assert_true(p.tokens <= in.budget_tokens);
    assert_true(p.tokens > prompt_estimate_tokens(buf_str(&p.system)));

    /* No sources: said so, and no ids. */
    in.nsources = 0;
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_null(strstr(p.system.ptr, "[fonte"));
    assert_non_null(strstr(p.system.ptr, "nenhuma fonte"));
    assert_int_equal(p.nsource_ids, 0);
    prompt_release(&p);
}

static void
test_prompt_budget(void **state)
{
    static char big[6000];
    struct prompt_turn turns[PROMPT_TURNS_MAX];
    struct prompt_source src[3];
    struct prompt_input in = {
        .agent_name = STR_LIT("Ana"),
        .instructions = STR_LIT("Seja breve."),
        .sources = src,
        .turns = turns,
        .budget_tokens = 1200,
    };
    struct prompt p = PROMPT_INIT;

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    for (size_t i = 0; i < sizeof(big) - 1; i += 8) {
        big[i] = ' ';
    }
    /* Sources: a huge one between two small ones is left out whole, not cut. */
    src[0] = SOURCES[0];
    src[1] = (struct prompt_source){99, STR_LIT("grande.md"), str_from_cstr(big)};
    src[2] = SOURCES[1];
    in.nsources = 3;
    for (size_t i = 0; i < PROMPT_TURNS_MAX; i++) {
        turns[i] = (struct prompt_turn){
            i % 2 == 1,
            STR_LIT("mensagem numero tal da conversa, com mais palavras para ocupar espaço")};
    }
    in.nturns = PROMPT_TURNS_MAX;
    turns[PROMPT_TURNS_MAX - 1].text = STR_LIT("e o frete?");
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_true(p.tokens <= in.budget_tokens);
    assert_int_equal(p.nsource_ids, 2);
    assert_true(p.source_ids[0] == 11 && p.source_ids[1] == 12);
    assert_null(strstr(p.system.ptr, "[fonte 99"));
    /* Some turns went, the newest ones stayed, in order, the lead's last. */
    assert_true(p.turns_used < PROMPT_TURNS_MAX && p.turns_used >= 2);
    assert_int_equal(p.nmessages, p.turns_used + 1);
    assert_true(str_eq_cstr(p.messages[p.nmessages - 1].content, "e o frete?"));
    assert_int_equal(p.messages[p.nmessages - 1].role, LLM_ROLE_USER);

    /* A newest message bigger than the budget is cut, and the prompt still fits. */
    turns[PROMPT_TURNS_MAX - 1].text = str_from_cstr(big);
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_true(p.tokens <= in.budget_tokens);
    assert_true(p.messages[p.nmessages - 1].content.len < sizeof(big) - 1);
    assert_true(p.messages[p.nmessages - 1].content.len > 100);

    /* Huge instructions are cut to their share. */
    turns[PROMPT_TURNS_MAX - 1].text = STR_LIT("oi");
    in.instructions = str_from_cstr(big);
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_true(p.tokens <= in.budget_tokens);
    assert_true(prompt_estimate_tokens(buf_str(&p.system)) <= in.budget_tokens);
    prompt_release(&p);
}

static void
test_prompt_invalid(void **state)
{
    struct prompt_turn lead = {true, STR_LIT("oi")};
    struct prompt_turn agent = {false, STR_LIT("olá")};
    struct prompt_turn bad = {true, STR_LIT("o\xffi")};
    struct prompt_input in = {.agent_name = STR_LIT("Ana"),
                              .turns = &lead,
                              .nturns = 1,
                              .budget_tokens = PROMPT_BUDGET_MIN - 1};
    struct prompt p = PROMPT_INIT;

    (void)state;
    assert_int_equal(prompt_build(&in, &p), E_INVALID);
    /* The smallest budget holds the rules and a short message. */
    in.budget_tokens = PROMPT_BUDGET_MIN;
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_true(p.tokens <= PROMPT_BUDGET_MIN);
    in.budget_tokens = 2000;
    in.nturns = 0;
    assert_int_equal(prompt_build(&in, &p), E_INVALID);
    in.turns = &agent;
    in.nturns = 1;
    assert_int_equal(prompt_build(&in, &p), E_INVALID);
    in.turns = &bad;
    assert_int_equal(prompt_build(&in, &p), E_INVALID);
    in.turns = &lead;
    in.nsources = PROMPT_SOURCES_MAX + 1;
    in.sources = SOURCES;
    assert_int_equal(prompt_build(&in, &p), E_INVALID);
    in.nsources = 0;
    in.agent_name = (struct str){0};
    assert_int_equal(prompt_build(&in, &p), 0);
    assert_non_null(strstr(p.system.ptr, "Você é Piloto"));
    prompt_release(&p);
}

static void
test_extractive(void **state)
{
    static char longtext[3000];
    struct buf b = BUF_INIT;
    struct prompt_source s = SOURCES[0];
    bool cut;
    struct str ex;

    (void)state;
    assert_int_equal(extractive_answer(&s, STR_LIT("humano"), &b), 0);
    assert_non_null(strstr(b.ptr, EXTRACTIVE_PREFIX));
    assert_non_null(strstr(b.ptr, "\"O frete para São Paulo custa R$ 20 e leva 2 dias.\""));
    assert_non_null(strstr(b.ptr, "Fonte: precos.md"));
    assert_non_null(strstr(b.ptr, "escreva \"humano\""));

    /* Nothing matched: said so, nothing made up. */
    buf_reset(&b);
    assert_int_equal(extractive_answer(NULL, (struct str){0}, &b), 0);
    assert_non_null(strstr(b.ptr, "não encontrei nada"));
    assert_null(strstr(b.ptr, "Fonte:"));
    assert_null(strstr(b.ptr, "escreva"));

    /* A long chunk is cut at a sentence end in the excerpt's second half. */
    for (size_t i = 0; i < sizeof(longtext) - 1; i++) {
        longtext[i] = (i % 50 == 49) ? '.' : (i % 50 == 0 ? ' ' : 'x');
    }
    ex = extractive_excerpt(str_from_cstr(longtext), &cut);
    assert_true(cut);
    assert_true(ex.len <= EXTRACTIVE_EXCERPT_MAX);
    assert_true(ex.len > EXTRACTIVE_EXCERPT_MAX / 2);
    assert_int_equal(ex.ptr[ex.len - 1], '.');
    /* Without sentence ends, at a space; without spaces, at the cap on a UTF-8 boundary. */
    memset(longtext, 'x', sizeof(longtext) - 1);
    for (size_t i = 0; i + 2 < sizeof(longtext); i += 2) {
        memcpy(longtext + i, "\xc3\xa9", 2);
    }
    ex = extractive_excerpt(str_from_cstr(longtext), &cut);
    assert_true(cut && ex.len <= EXTRACTIVE_EXCERPT_MAX && str_is_utf8(ex));
    buf_reset(&b);
    s.text = str_from_cstr(longtext);
    assert_int_equal(extractive_answer(&s, (struct str){0}, &b), 0);
    assert_true(str_is_utf8(buf_str(&b)));
    assert_non_null(strstr(b.ptr, "(...)"));
    s.text = STR_LIT("\xff");
    assert_int_equal(extractive_answer(&s, (struct str){0}, &b), E_INVALID);
    buf_release(&b);
}

static void
test_model_names(void **state)
{
    static const char *const good[] = {"gpt-4o-mini", "meta-llama/Llama-3.1-8B", "qwen2.5:7b",
                                       "o1_preview.2"};
    static const char *const bad[] = {"", "gpt 4", "modelo\xc3\xa9", "a;b", "x\"y"};
    char longest[AGENTS_MODEL_MAX + 2];
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        assert_true(agents_is_model_name(str_from_cstr(good[i])));
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_false(agents_is_model_name(str_from_cstr(bad[i])));
    }
    memset(longest, 'm', sizeof(longest));
    assert_true(agents_is_model_name(str_make(longest, AGENTS_MODEL_MAX)));
    assert_false(agents_is_model_name(str_make(longest, AGENTS_MODEL_MAX + 1)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_words),      cmocka_unit_test(test_handoff_default_words),
        cmocka_unit_test(test_handoff_phrases), cmocka_unit_test(test_handoff_check_word),
        cmocka_unit_test(test_estimate_tokens), cmocka_unit_test(test_prompt_shape),
        cmocka_unit_test(test_prompt_budget),   cmocka_unit_test(test_prompt_invalid),
        cmocka_unit_test(test_extractive),      cmocka_unit_test(test_model_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
