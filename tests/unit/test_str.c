/*
 * Unit tests for core/str: views, comparison, splitting, and the UTF-8
 * validator every parser of outside text relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/str.h"

/* A view never points outside the bytes it was cut from. */
static void
check_within(struct str part, struct str whole)
{
    if (part.len == 0) {
        return;
    }
    assert_true(part.ptr >= whole.ptr);
    assert_true(part.ptr + part.len <= whole.ptr + whole.len);
}

static void
test_from_cstr(void **state)
{
    struct str s;
    (void)state;

    s = str_from_cstr(NULL);
    assert_null(s.ptr);
    assert_int_equal(s.len, 0);
    s = str_from_cstr("");
    assert_non_null(s.ptr);
    assert_int_equal(s.len, 0);
    s = str_from_cstr("abc");
    assert_int_equal(s.len, 3);
    assert_true(str_eq(s, STR_LIT("abc")));
    s = str_make("a\0b", 3);
    assert_int_equal(s.len, 3);
    assert_int_equal(STR_NULL.len, 0);
    assert_null(STR_NULL.ptr);
}

static void
test_eq(void **state)
{
    (void)state;

    assert_true(str_eq(STR_NULL, STR_LIT("")));
    assert_true(str_eq(STR_NULL, STR_NULL));
    assert_true(str_eq(STR_LIT("abc"), STR_LIT("abc")));
    assert_false(str_eq(STR_LIT("abc"), STR_LIT("abd")));
    assert_false(str_eq(STR_LIT("abc"), STR_LIT("ab")));
    assert_false(str_eq(STR_LIT("ABC"), STR_LIT("abc")));
    /* Lengths count, not terminators. */
    assert_false(str_eq(STR_LIT("a\0b"), STR_LIT("a\0c")));
    assert_true(str_eq(STR_LIT("a\0b"), STR_LIT("a\0b")));

    assert_true(str_eq_nocase(STR_LIT("Content-Length"), STR_LIT("content-LENGTH")));
    assert_true(str_eq_nocase(STR_NULL, STR_LIT("")));
    assert_false(str_eq_nocase(STR_LIT("abc"), STR_LIT("abcd")));
    /* ASCII folding only: '@' and '`' are not the case pair of anything. */
    assert_false(str_eq_nocase(STR_LIT("@"), STR_LIT("`")));
    assert_false(str_eq_nocase(STR_LIT("["), STR_LIT("{")));
    assert_false(str_eq_nocase(STR_LIT("\xc3\x89"), STR_LIT("\xc3\xa9"))); /* É vs é */

    assert_true(str_eq_cstr(STR_LIT("x"), "x"));
    assert_false(str_eq_cstr(STR_LIT("x"), "xy"));
    assert_true(str_eq_cstr(STR_NULL, NULL));
    assert_true(str_eq_cstr(STR_LIT(""), ""));
}

static void
test_prefix(void **state)
{
    (void)state;

    assert_true(str_has_prefix(STR_LIT("Bearer abc"), STR_LIT("Bearer ")));
    assert_true(str_has_prefix(STR_LIT("abc"), STR_LIT("")));
    assert_true(str_has_prefix(STR_NULL, STR_LIT("")));
    assert_true(str_has_prefix(STR_LIT("abc"), STR_LIT("abc")));
    assert_false(str_has_prefix(STR_LIT("ab"), STR_LIT("abc")));
    assert_false(str_has_prefix(STR_LIT("xbc"), STR_LIT("a")));
}

static void
test_trim(void **state)
{
    struct str in = STR_LIT(" \t a b \t ");
    struct str t;
    (void)state;

    t = str_trim(in);
    assert_true(str_eq(t, STR_LIT("a b")));
    check_within(t, in);
    assert_int_equal(str_trim(STR_LIT("   ")).len, 0);
    assert_int_equal(str_trim(STR_NULL).len, 0);
    /* Only HTTP OWS: CR, LF and NUL are not whitespace here. */
    assert_true(str_eq(str_trim(STR_LIT("\r\na\r\n")), STR_LIT("\r\na\r\n")));
    assert_true(str_eq(str_trim(STR_LIT("\0a")), STR_LIT("\0a")));
}

static void
test_cut(void **state)
{
    struct str whole = STR_LIT("a;bb;;c");
    struct str rest = whole;
    struct str head;
    (void)state;

    head = str_cut(&rest, ';');
    assert_true(str_eq(head, STR_LIT("a")));
    assert_true(str_eq(rest, STR_LIT("bb;;c")));
    check_within(head, whole);
    check_within(rest, whole);
    head = str_cut(&rest, ';');
    assert_true(str_eq(head, STR_LIT("bb")));
    head = str_cut(&rest, ';');
    assert_int_equal(head.len, 0);
    assert_true(str_eq(rest, STR_LIT("c")));
    head = str_cut(&rest, ';');
    assert_true(str_eq(head, STR_LIT("c")));
    assert_int_equal(rest.len, 0);
    head = str_cut(&rest, ';');
    assert_int_equal(head.len, 0);
    assert_int_equal(rest.len, 0);

    /* Each cut consumes head, separator and nothing else. */
    rest = STR_LIT("key=value=more");
    head = str_cut(&rest, '=');
    assert_int_equal(head.len + 1 + rest.len, 14);
    assert_true(str_eq(rest, STR_LIT("value=more")));

    /* Trailing separator: the rest is empty, not lost. */
    rest = STR_LIT("a;");
    head = str_cut(&rest, ';');
    assert_true(str_eq(head, STR_LIT("a")));
    assert_int_equal(rest.len, 0);

    rest = STR_NULL;
    head = str_cut(&rest, ';');
    assert_int_equal(head.len, 0);
    assert_int_equal(rest.len, 0);
}

static void
test_find(void **state)
{
    (void)state;

    assert_int_equal(str_find(STR_LIT("abc"), 'a'), 0);
    assert_int_equal(str_find(STR_LIT("abc"), 'c'), 2);
    assert_int_equal(str_find(STR_LIT("abc"), 'x'), -1);
    assert_int_equal(str_find(STR_NULL, 'x'), -1);
    assert_int_equal(str_find(STR_LIT("a\0b"), 'b'), 2);
    assert_int_equal(str_find(STR_LIT("a\0b"), '\0'), 1);
    /* Bytes past len are never looked at. */
    assert_int_equal(str_find(str_make("ab", 1), 'b'), -1);
}

static void
test_visible(void **state)
{
    (void)state;

    assert_true(str_is_visible(STR_NULL));
    assert_true(str_is_visible(STR_LIT("Mozilla/5.0 (X11) ~!")));
    assert_true(str_is_visible(STR_LIT("a\tb"))); /* HTAB is allowed in field values */
    assert_false(str_is_visible(STR_LIT("a\rb")));
    assert_false(str_is_visible(STR_LIT("a\nb")));
    assert_false(str_is_visible(STR_LIT("a\0b")));
    assert_false(str_is_visible(STR_LIT("\x01")));
    assert_false(str_is_visible(STR_LIT("\x1f")));
    assert_false(str_is_visible(STR_LIT("\x7f")));
    assert_false(str_is_visible(STR_LIT("ok\x1b[31m")));
}

static void
test_utf8_valid(void **state)
{
    (void)state;

    assert_true(str_is_utf8(STR_NULL));
    assert_true(str_is_utf8(STR_LIT("plain ASCII ~")));
    assert_true(str_is_utf8(STR_LIT("a\xc3\xa7\xc3\xa3o"))); /* ação */
    assert_true(str_is_utf8(STR_LIT("\xc2\x80")));           /* U+0080, smallest 2-byte */
    assert_true(str_is_utf8(STR_LIT("\xdf\xbf")));           /* U+07FF */
    assert_true(str_is_utf8(STR_LIT("\xe0\xa0\x80")));       /* U+0800, smallest 3-byte */
    assert_true(str_is_utf8(STR_LIT("\xed\x9f\xbf")));       /* U+D7FF, just below surrogates */
    assert_true(str_is_utf8(STR_LIT("\xee\x80\x80")));       /* U+E000, just above */
    assert_true(str_is_utf8(STR_LIT("\xef\xbf\xbf")));       /* U+FFFF */
    assert_true(str_is_utf8(STR_LIT("\xf0\x90\x80\x80")));   /* U+10000 */
    assert_true(str_is_utf8(STR_LIT("\xf0\x9f\x98\x80")));   /* U+1F600 */
    assert_true(str_is_utf8(STR_LIT("\xf4\x8f\xbf\xbf")));   /* U+10FFFF, the last one */
}

static void
test_utf8_invalid(void **state)
{
    (void)state;

    /* NUL, even though it is valid UTF-8, never reaches a C string. */
    assert_false(str_is_utf8(STR_LIT("a\0b")));
    assert_false(str_is_utf8(STR_LIT("\0")));
    /* Overlong forms, including the modified-UTF-8 NUL. */
    assert_false(str_is_utf8(STR_LIT("\xc0\x80")));
    assert_false(str_is_utf8(STR_LIT("\xc1\xbf")));
    assert_false(str_is_utf8(STR_LIT("\xc0\xaf"))); /* overlong '/' */
    assert_false(str_is_utf8(STR_LIT("\xe0\x80\x80")));
    assert_false(str_is_utf8(STR_LIT("\xe0\x9f\xbf"))); /* overlong U+07FF */
    assert_false(str_is_utf8(STR_LIT("\xf0\x80\x80\x80")));
    assert_false(str_is_utf8(STR_LIT("\xf0\x8f\xbf\xbf"))); /* overlong U+FFFF */
    /* UTF-16 surrogates. */
    assert_false(str_is_utf8(STR_LIT("\xed\xa0\x80")));             /* U+D800 */
    assert_false(str_is_utf8(STR_LIT("\xed\xbf\xbf")));             /* U+DFFF */
    assert_false(str_is_utf8(STR_LIT("\xed\xa0\xbd\xed\xb8\x80"))); /* CESU-8 pair */
    /* Past U+10FFFF and lead bytes that cannot start anything. */
    assert_false(str_is_utf8(STR_LIT("\xf4\x90\x80\x80")));
    assert_false(str_is_utf8(STR_LIT("\xf7\xbf\xbf\xbf")));
    assert_false(str_is_utf8(STR_LIT("\xf8\x88\x80\x80\x80")));
    assert_false(str_is_utf8(STR_LIT("\xfc\x84\x80\x80\x80\x80")));
    assert_false(str_is_utf8(STR_LIT("\xfe")));
    assert_false(str_is_utf8(STR_LIT("\xff")));
    /* Lone continuation bytes and truncated sequences, at the end and inside. */
    assert_false(str_is_utf8(STR_LIT("\x80")));
    assert_false(str_is_utf8(STR_LIT("a\xbf")));
    assert_false(str_is_utf8(STR_LIT("a\xc3")));
    assert_false(str_is_utf8(STR_LIT("\xe2\x82")));
    assert_false(str_is_utf8(STR_LIT("\xf0\x9f\x98")));
    assert_false(str_is_utf8(STR_LIT("\xc3"
                                     "a")));
    assert_false(str_is_utf8(STR_LIT("\xe2\x82"
                                     "a")));
    assert_false(str_is_utf8(STR_LIT("\xf0\x9f\x98"
                                     "a")));
    /* A sequence cut by the view's length, even if the bytes go on in memory. */
    assert_false(str_is_utf8(str_make("\xc3\xa7", 1)));
    assert_false(str_is_utf8(str_make("\xf0\x9f\x98\x80", 3)));
}

static void
test_utf8_len(void **state)
{
    (void)state;

    assert_int_equal(str_utf8_len(STR_NULL), 0);
    assert_int_equal(str_utf8_len(STR_LIT("abc")), 3);
    assert_int_equal(str_utf8_len(STR_LIT("a\xc3\xa7\xc3\xa3o")), 4); /* ação: 6 bytes */
    assert_int_equal(str_utf8_len(STR_LIT("\xe2\x82\xac")), 1);       /* € */
    assert_int_equal(str_utf8_len(STR_LIT("\xf0\x9f\x98\x80!")), 2);
    assert_int_equal(str_utf8_len(STR_LIT("\xf4\x8f\xbf\xbf")), 1);
}

/* Client text cut on a code point and cleaned (issue 9, items 2 and 7). */
static void
test_utf8_prefix(void **state)
{
    /* "aé" is 61 c3 a9: a cut at 2 bytes would split the é. */
    (void)state;
    assert_int_equal(str_utf8_prefix(STR_LIT("a\xc3\xa9"), 2).len, 1);
    assert_int_equal(str_utf8_prefix(STR_LIT("a\xc3\xa9"), 3).len, 3);
    assert_int_equal(str_utf8_prefix(STR_LIT("\xf0\x9f\x98\x80z"), 3).len, 0);
    assert_int_equal(str_utf8_prefix(STR_LIT("\xf0\x9f\x98\x80z"), 4).len, 4);
    assert_int_equal(str_utf8_prefix(STR_LIT("abc"), 2).len, 2);
    /* Not UTF-8 at all: a plain byte cut. */
    assert_int_equal(str_utf8_prefix(STR_LIT("\x80\x80\x80\x80\x80"), 4).len, 4);
}

static void
test_utf8_clean(void **state)
{
    char out[16];
    (void)state;

    assert_int_equal(str_utf8_clean(STR_LIT("ok \xc3\xa9"), out, sizeof(out)), 5);
    assert_string_equal(out, "ok \xc3\xa9");
    /* An invalid byte, a lone continuation, a truncated sequence, an overlong form. */
    assert_int_equal(str_utf8_clean(STR_LIT("a\xff"
                                            "b\x80"
                                            "c\xe2\x82"),
                                    out, sizeof(out)),
                     15);
    assert_string_equal(out, "a\xef\xbf\xbd"
                             "b\xef\xbf\xbd"
                             "c\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(str_utf8_clean(STR_LIT("\xc0\xaf"), out, sizeof(out)), 6);
    assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd");
    /* Controls go too. */
    assert_int_equal(str_utf8_clean(STR_LIT("a\x01"), out, sizeof(out)), 4);
    /* Cut to fit, never inside a code point: 6 bytes of room, "abcd" then é (2) does not fit. */
    assert_int_equal(str_utf8_clean(STR_LIT("abcd\xc3\xa9!"), out, 6), 4);
    assert_string_equal(out, "abcd");
    assert_true(str_is_utf8(str_from_cstr(out)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_cstr),    cmocka_unit_test(test_eq),
        cmocka_unit_test(test_prefix),       cmocka_unit_test(test_trim),
        cmocka_unit_test(test_cut),          cmocka_unit_test(test_find),
        cmocka_unit_test(test_visible),      cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid), cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_utf8_prefix),  cmocka_unit_test(test_utf8_clean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
