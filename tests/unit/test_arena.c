/*
 * Unit tests for core/arena: zeroed, aligned memory that stays put until the
 * arena is freed, whatever is allocated after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdalign.h>

#include "core/arena.h"
#include "core/common.h"

#define NBLOCKS 500

static void
check_alloc(void *p, size_t n)
{
    const unsigned char *b = p;

    assert_non_null(p);
    assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(b[i], 0);
    }
}

static void
test_new_free(void **state)
{
    struct arena *a = arena_new();
    (void)state;

    assert_non_null(a);
    assert_int_equal(arena_used(a), 0);
    arena_free(a);
    arena_free(NULL);
}

static void
test_alloc_keeps_blocks(void **state)
{
    struct arena *a = arena_new();
    unsigned char *blocks[NBLOCKS];
    size_t sizes[NBLOCKS];
    size_t used = 0;
    (void)state;

    /* Sizes around the chunk size, including big one-offs, all kept intact. */
    for (size_t i = 0; i < NBLOCKS; i++) {
        sizes[i] = (i * 37) % 700 + (i % 50 == 0 ? 9000 : 0);
        blocks[i] = arena_alloc(a, sizes[i]);
        check_alloc(blocks[i], sizes[i]);
        memset(blocks[i], (int)(i & 0xff), sizes[i]);
        assert_true(arena_used(a) >= used + sizes[i]);
        used = arena_used(a);
    }
    for (size_t i = 0; i < NBLOCKS; i++) {
        for (size_t k = 0; k < sizes[i]; k++) {
            assert_int_equal(blocks[i][k], (unsigned char)(i & 0xff));
        }
        /* No two blocks overlap. */
        for (size_t j = i + 1; j < NBLOCKS; j++) {
            if (sizes[i] && sizes[j]) {
                assert_true(blocks[i] + sizes[i] <= blocks[j] || blocks[j] + sizes[j] <= blocks[i]);
            }
        }
    }
    arena_free(a);
}

static void
test_zero_size(void **state)
{
    struct arena *a = arena_new();
    void *p;
    void *q;
    (void)state;

    p = arena_alloc(a, 0);
    q = arena_alloc(a, 0);
    check_alloc(p, 0);
    check_alloc(q, 0);
    assert_ptr_not_equal(p, q);
    arena_free(a);
}

static void
test_big_then_small(void **state)
{
    struct arena *a = arena_new();
    char *small1;
    char *big;
    char *small2;
    (void)state;

    small1 = arena_alloc(a, 16);
    big = arena_alloc(a, 100000);
    small2 = arena_alloc(a, 16);
    check_alloc(big, 100000);
    check_alloc(small2, 16);
    memset(big, 'b', 100000);
    memset(small1, 's', 16);
    memset(small2, 't', 16);
    assert_int_equal(big[0], 'b');
    assert_int_equal(big[99999], 'b');
    assert_int_equal(small1[15], 's');
    assert_true(arena_used(a) >= 100000 + 32);
    arena_free(a);
}

static void
test_strings(void **state)
{
    struct arena *a = arena_new();
    char *s;
    (void)state;

    s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    s = arena_strndup(a, "x\0y", 3);
    assert_memory_equal(s, "x\0y\0", 4);
    s = arena_strndup(a, NULL, 0);
    assert_string_equal(s, "");
    s = arena_strdup(a, "dup");
    assert_string_equal(s, "dup");
    s = arena_strdup_str(a, STR_LIT("view"));
    assert_string_equal(s, "view");
    s = arena_printf(a, "%s=%d", "n", 42);
    assert_string_equal(s, "n=42");
    s = arena_printf(a, "%s", "");
    assert_string_equal(s, "");
    {
        char big[5000];
        memset(big, 'q', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        s = arena_printf(a, "<%s>", big);
        assert_int_equal(strlen(s), sizeof(big) + 1);
        assert_int_equal(s[0], '<');
        assert_int_equal(s[sizeof(big)], '>');
    }
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free),  cmocka_unit_test(test_alloc_keeps_blocks),
        cmocka_unit_test(test_zero_size), cmocka_unit_test(test_big_then_small),
        cmocka_unit_test(test_strings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
