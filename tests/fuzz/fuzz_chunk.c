/* Fuzzes chunk_text (knowledge/chunk.h) with the input as a document's text. */
#include "fuzz.h"

#include "core/common.h"
#include "knowledge/chunk.h"

static bool
space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str t = str_make((const char *)data, size);
    struct chunk_list l = CHUNK_LIST_INIT;
    uint8_t *covered = calloc(size + 1, 1);
    bool utf8 = str_is_utf8(t);

    FUZZ_CHECK(covered != NULL);
    if (chunk_text(t, &l) == 0) {
        for (size_t i = 0; i < l.n; i++) {
            const struct chunk *c = &l.v[i];
            FUZZ_CHECK(c->len > 0 && c->len <= CHUNK_MAX);
            FUZZ_CHECK(c->off + c->len <= size);
            FUZZ_CHECK(!space(t.ptr[c->off]) && !space(t.ptr[c->off + c->len - 1]));
            FUZZ_CHECK(i == 0 || c->off > l.v[i - 1].off);
            if (utf8) {
                FUZZ_CHECK(str_is_utf8(str_make(t.ptr + c->off, c->len)));
            }
            memset(covered + c->off, 1, c->len);
        }
        /* Nothing but spaces is ever left out. */
        for (size_t i = 0; i < size; i++) {
            FUZZ_CHECK(covered[i] || space(t.ptr[i]));
        }
    }
    free(covered);
    chunk_list_release(&l);
    return 0;
}
