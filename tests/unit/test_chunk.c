/*
 * Unit tests for knowledge/chunk: paragraphs that fit stay whole, long
 * paragraphs are cut between sentences with overlap, over-long sentences
 * and space-less text are cut within CHUNK_MAX on UTF-8 boundaries, and
 * nothing but whitespace is ever dropped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "knowledge/chunk.h"

static bool
space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* The invariants chunk.h promises, for any text. */
static void
check_invariants(struct str t, const struct chunk_list *l)
{
    uint8_t *covered = xcalloc(t.len + 1, 1);

    for (size_t i = 0; i < l->n; i++) {
        const struct chunk *c = &l->v[i];
        assert_true(c->len > 0 && c->len <= CHUNK_MAX);
        assert_true(c->off + c->len <= t.len);
        assert_false(space(t.ptr[c->off]));
        assert_false(space(t.ptr[c->off + c->len - 1]));
        assert_true(i == 0 || c->off > l->v[i - 1].off);
        assert_true(str_is_utf8(str_make(t.ptr + c->off, c->len)));
        memset(covered + c->off, 1, c->len);
    }
    for (size_t i = 0; i < t.len; i++) {
        assert_true(covered[i] || space(t.ptr[i]));
    }
    free(covered);
}

static struct str
chunk_str(struct str t, const struct chunk *c)
{
    return str_make(t.ptr + c->off, c->len);
}

static void
test_short_paragraphs(void **state)
{
    static const char text[] = "Primeiro parágrafo. Tem duas frases.\n\n"
                               "  Segundo parágrafo!\n \n\nTerceiro?";
    struct str t = STR_LIT(text);
    struct chunk_list l = CHUNK_LIST_INIT;

    (void)state;
    assert_int_equal(chunk_text(t, &l), 0);
    /* All of it fits one chunk. */
    assert_int_equal(l.n, 1);
    assert_true(str_eq(chunk_str(t, &l.v[0]), str_make(text, sizeof(text) - 1)));
    check_invariants(t, &l);
    chunk_list_release(&l);

    assert_int_equal(chunk_text(STR_LIT(" \n\n\t "), &l), 0);
    assert_int_equal(l.n, 0);
    chunk_list_release(&l);
}

static void
test_paragraph_cuts_and_overlap(void **state)
{
    struct buf b = BUF_INIT;
    struct chunk_list l = CHUNK_LIST_INIT;
    struct str t;
    bool overlapped = false;

    (void)state;
    /* Three paragraphs of 600 bytes: each its own chunk (a paragraph start past half the target).
     */
    for (int p = 0; p < 3; p++) {
        for (int s = 0; s < 18; s++) {
            assert_int_equal(buf_addf(&b, "Parágrafo %d frase %02d tem texto. ", p, s), 0);
        }
        assert_int_equal(buf_addstr(&b, "\n\n"), 0);
    }
    t = buf_str(&b);
    assert_int_equal(chunk_text(t, &l), 0);
    check_invariants(t, &l);
    assert_int_equal(l.n, 3);
    for (size_t i = 0; i < l.n; i++) {
        char want[64];
        (void)snprintf(want, sizeof(want), "Parágrafo %zu frase 00", i);
        assert_true(str_has_prefix(chunk_str(t, &l.v[i]), str_from_cstr(want)));
    }
    chunk_list_release(&l);

    /* One paragraph of 4 KB: cut between sentences, each cut overlapping the previous chunk. */
    buf_reset(&b);
    for (int s = 0; s < 120; s++) {
        assert_int_equal(buf_addf(&b, "Frase número %03d do texto. ", s), 0);
    }
    t = buf_str(&b);
    assert_int_equal(chunk_text(t, &l), 0);
    check_invariants(t, &l);
    assert_true(l.n >= 4);
    for (size_t i = 1; i < l.n; i++) {
        struct chunk *prev = &l.v[i - 1];
        assert_true(str_has_prefix(chunk_str(t, &l.v[i]), STR_LIT("Frase número")));
        assert_true(t.ptr[prev->off + prev->len - 1] == '.');
        if (l.v[i].off < prev->off + prev->len) {
            overlapped = true;
            assert_true(prev->off + prev->len - l.v[i].off <= CHUNK_OVERLAP);
        }
    }
    assert_true(overlapped);
    chunk_list_release(&l);
    buf_release(&b);
}

static void
test_long_sentences(void **state)
{
    struct buf b = BUF_INIT;
    struct chunk_list l = CHUNK_LIST_INIT;
    struct str t;

    (void)state;
    /* No stop at all, but lines (a CSV): cut at line ends. */
    for (int r = 0; r < 200; r++) {
        assert_int_equal(buf_addf(&b, "produto %d;preço R$ %d,00;prazo %d dias\n", r, r * 3, r % 9),
                         0);
    }
    t = buf_str(&b);
    assert_int_equal(chunk_text(t, &l), 0);
    check_invariants(t, &l);
    for (size_t i = 0; i < l.n; i++) {
        assert_true(str_has_prefix(chunk_str(t, &l.v[i]), STR_LIT("produto ")));
    }
    chunk_list_release(&l);

    /* No space at all, two-byte characters: cut on character boundaries. */
    buf_reset(&b);
    for (int i = 0; i < 3000; i++) {
        assert_int_equal(buf_addstr(&b, "ã"), 0);
    }
    t = buf_str(&b);
    assert_int_equal(chunk_text(t, &l), 0);
    check_invariants(t, &l);
    assert_true(l.n >= 5);
    chunk_list_release(&l);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_paragraphs),
        cmocka_unit_test(test_paragraph_cuts_and_overlap),
        cmocka_unit_test(test_long_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
