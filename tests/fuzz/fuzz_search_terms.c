/* Fuzzes search_terms_add (knowledge/search_terms.h) with the input as a lead's message. */
#include "fuzz.h"

#include "core/buf.h"
#include "knowledge/search_terms.h"

static bool
term_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SEARCH_TERM_LEN_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))) {
            return false;
        }
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct search_terms t = SEARCH_TERMS_INIT;
    struct buf b = BUF_INIT;

    search_terms_add(&t, str_make((const char *)data, size));
    FUZZ_CHECK(t.n <= SEARCH_TERMS_MAX);
    for (size_t i = 0; i < t.n; i++) {
        /* Only [a-z0-9]: nothing a lead writes can become query syntax. */
        FUZZ_CHECK(term_ok(t.term[i]) && term_ok(t.word[i]));
    }
    FUZZ_CHECK(search_terms_render_fts5(&t, &b) == 0);
    FUZZ_CHECK(search_terms_render_tsquery(&t, " | ", &b) == 0);
    buf_release(&b);
    return 0;
}
