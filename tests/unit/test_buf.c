/*
 * Unit tests for core/buf: every operation is followed by check_buf(), which
 * asserts the invariants buf.h promises (after git's t/unit-tests/u-strbuf.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"

/* ptr never NULL and NUL-terminated; cap 0 means the shared empty string; max respected. */
static void
check_buf(const struct buf *b)
{
    assert_non_null(b->ptr);
    assert_int_equal(b->ptr[b->len], '\0');
    if (b->cap == 0) {
        assert_ptr_equal(b->ptr, buf_empty);
        assert_int_equal(b->len, 0);
    } else {
        assert_true(b->len < b->cap);
    }
    if (b->max) {
        assert_true(b->len <= b->max);
    }
    assert_int_equal(buf_empty[0], '\0');
}

static void
check_content(const struct buf *b, const char *want, size_t n)
{
    check_buf(b);
    assert_int_equal(b->len, n);
    if (n) {
        assert_memory_equal(b->ptr, want, n);
    }
}

static void
test_init(void **state)
{
    struct buf b = BUF_INIT;
    struct buf h;
    (void)state;

    check_content(&b, "", 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 0);
    buf_reset(&b);
    check_content(&b, "", 0);
    buf_release(&b);
    check_content(&b, "", 0);
    buf_release(&b); /* twice is safe */
    check_content(&b, "", 0);

    buf_init(&h, 0);
    check_content(&h, "", 0);
    assert_int_equal(h.cap, 0);

    buf_init(&h, 100);
    check_content(&h, "", 0);
    assert_true(h.cap >= 101);
    buf_release(&h);
    check_content(&h, "", 0);
    assert_int_equal(h.cap, 0);
}

static void
test_add_and_grow(void **state)
{
    struct buf b = BUF_INIT;
    char want[10000];
    (void)state;

    for (size_t i = 0; i < sizeof(want); i++) {
        want[i] = (char)('a' + (int)(i % 26));
        assert_int_equal(buf_addch(&b, want[i]), 0);
        check_content(&b, want, i + 1);
    }
    buf_reset(&b);
    check_content(&b, "", 0);
    assert_true(b.cap > 0); /* reset keeps the memory */

    assert_int_equal(buf_addstr(&b, "hello"), 0);
    check_content(&b, "hello", 5);
    assert_int_equal(buf_add(&b, ", world", 7), 0);
    check_content(&b, "hello, world", 12);
    assert_int_equal(buf_add(&b, NULL, 0), 0);
    check_content(&b, "hello, world", 12);
    assert_int_equal(buf_addstr(&b, ""), 0);
    check_content(&b, "hello, world", 12);

    /* Content may hold NULs; the terminator stays after len. */
    buf_reset(&b);
    assert_int_equal(buf_add(&b, "a\0b\0c", 5), 0);
    check_content(&b, "a\0b\0c", 5);

    /* grow reserves without changing the content. */
    assert_int_equal(buf_grow(&b, 5000), 0);
    check_content(&b, "a\0b\0c", 5);
    assert_true(b.cap >= 5 + 5000 + 1);
    buf_release(&b);
    check_content(&b, "", 0);
}

static void
test_grow_from_empty(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;

    /* A zero-byte grow on the shared empty string must not write to it. */
    assert_int_equal(buf_grow(&b, 0), 0);
    check_buf(&b);
    buf_release(&b);

    assert_int_equal(buf_addf(&b, "%s", ""), 0);
    check_content(&b, "", 0);
    buf_release(&b);
    check_content(&b, "", 0);
}

static void
test_addf(void **state)
{
    struct buf b = BUF_INIT;
    char big[300];
    (void)state;

    assert_int_equal(buf_addf(&b, "%d-%s-%zu", -7, "x", (size_t)42), 0);
    check_content(&b, "-7-x-42", 7);
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(buf_addf(&b, "[%s]", big), 0);
    check_buf(&b);
    assert_int_equal(b.len, 7 + 2 + sizeof(big) - 1);
    assert_int_equal(b.ptr[7], '[');
    assert_int_equal(b.ptr[b.len - 1], ']');
    buf_release(&b);
}

static void
test_max(void **state)
{
    struct buf b = BUF_INIT;
    char *before;
    (void)state;

    b.max = 10;
    assert_int_equal(buf_add(&b, "12345678", 8), 0);
    check_content(&b, "12345678", 8);
    before = b.ptr;

    /* Every way of growing past max fails and leaves the content as it was. */
    assert_int_equal(buf_add(&b, "abc", 3), E_TOO_LARGE);
    check_content(&b, "12345678", 8);
    assert_int_equal(buf_addstr(&b, "abc"), E_TOO_LARGE);
    check_content(&b, "12345678", 8);
    assert_int_equal(buf_addf(&b, "%s", "abc"), E_TOO_LARGE);
    check_content(&b, "12345678", 8);
    assert_int_equal(buf_grow(&b, 3), E_TOO_LARGE);
    check_content(&b, "12345678", 8);
    assert_ptr_equal(b.ptr, before);

    /* Up to max exactly is fine. */
    assert_int_equal(buf_add(&b, "9", 1), 0);
    assert_int_equal(buf_addch(&b, '0'), 0);
    check_content(&b, "1234567890", 10);
    assert_int_equal(buf_addch(&b, 'x'), E_TOO_LARGE);
    check_content(&b, "1234567890", 10);
    assert_int_equal(buf_add(&b, "", 0), 0);
    check_content(&b, "1234567890", 10);

    /* Overflowing size_t is E_TOO_LARGE, not a wrap. */
    b.max = 0;
    assert_int_equal(buf_grow(&b, SIZE_MAX), E_TOO_LARGE);
    check_content(&b, "1234567890", 10);
    assert_int_equal(buf_grow(&b, SIZE_MAX - 10), E_TOO_LARGE);
    check_content(&b, "1234567890", 10);

    /* release drops the cap too. */
    b.max = 10;
    buf_release(&b);
    check_content(&b, "", 0);
    assert_int_equal(b.max, 0);
}

/* Invalid UTF-8 in log fields becomes U+FFFD, valid text passes (issue 9, item 7). */
static void
test_json_escaped_invalid_utf8(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;

    assert_int_equal(buf_add_json_escaped(&b, STR_LIT("a\xff\xc3\xa9\xe2\x82")), 0);
    assert_string_equal(b.ptr, "a\\ufffd\xc3\xa9\\ufffd\\ufffd");
    buf_release(&b);
}

static void
test_max_json_escaped(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;

    b.max = 8;
    assert_int_equal(buf_add_json_escaped(&b, STR_LIT("ab\"")), 0);
    check_content(&b, "ab\\\"", 4);
    /*
     * Escaping goes byte by byte: past max it fails with E_TOO_LARGE and the
     * buffer still keeps its invariants and its cap.
     */
    assert_int_equal(buf_add_json_escaped(&b, STR_LIT("xy\x01")), E_TOO_LARGE);
    check_buf(&b);
    assert_true(b.len <= 8);
    assert_memory_equal(b.ptr, "ab\\\"", 4);
    buf_release(&b);
}

static void
test_detach(void **state)
{
    struct buf b = BUF_INIT;
    size_t len = 99;
    char *p;
    (void)state;

    /* Detaching an empty buffer still hands over a freeable string. */
    p = buf_detach(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    assert_ptr_not_equal(p, buf_empty);
    free(p);
    check_content(&b, "", 0);

    b.max = 100;
    assert_int_equal(buf_addstr(&b, "owned"), 0);
    p = buf_detach(&b, &len);
    assert_int_equal(len, 5);
    assert_string_equal(p, "owned");
    check_content(&b, "", 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 0);
    free(p);

    /* The buffer is usable again afterwards; len may be NULL. */
    assert_int_equal(buf_addstr(&b, "again"), 0);
    check_content(&b, "again", 5);
    p = buf_detach(&b, NULL);
    assert_string_equal(p, "again");
    free(p);
    check_content(&b, "", 0);
}

static void
check_escape(struct str in, const char *want)
{
    struct buf b = BUF_INIT;

    assert_int_equal(buf_add_json_escaped(&b, in), 0);
    check_content(&b, want, strlen(want));
    buf_release(&b);
}

static void
test_json_escaped(void **state)
{
    (void)state;

    check_escape(STR_LIT(""), "");
    check_escape(STR_LIT("plain text/ok"), "plain text/ok");
    check_escape(STR_LIT("a\"b\\c"), "a\\\"b\\\\c");
    check_escape(STR_LIT("\n\r\t"), "\\n\\r\\t");
    check_escape(STR_LIT("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
    check_escape(STR_LIT("a\0b"), "a\\u0000b");
    check_escape(STR_LIT("\b\f"), "\\u0008\\u000c");
    /* UTF-8 passes through untouched. */
    check_escape(STR_LIT("a\xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80"),
                 "a\xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80");

    /* Appends to what is there. */
    {
        struct buf b = BUF_INIT;
        assert_int_equal(buf_addch(&b, '"'), 0);
        assert_int_equal(buf_add_json_escaped(&b, STR_LIT("</script>")), 0);
        assert_int_equal(buf_addch(&b, '"'), 0);
        check_content(&b, "\"</script>\"", 11);
        buf_release(&b);
    }
}

static void
test_buf_str(void **state)
{
    struct buf b = BUF_INIT;
    struct str s;
    (void)state;

    s = buf_str(&b);
    assert_int_equal(s.len, 0);
    assert_non_null(s.ptr);
    assert_int_equal(buf_addstr(&b, "view"), 0);
    s = buf_str(&b);
    assert_ptr_equal(s.ptr, b.ptr);
    assert_true(str_eq(s, STR_LIT("view")));
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_add_and_grow),
        cmocka_unit_test(test_grow_from_empty),
        cmocka_unit_test(test_addf),
        cmocka_unit_test(test_max),
        cmocka_unit_test(test_max_json_escaped),
        cmocka_unit_test(test_json_escaped_invalid_utf8),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_json_escaped),
        cmocka_unit_test(test_buf_str),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
