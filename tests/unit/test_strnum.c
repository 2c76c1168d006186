/*
 * Unit tests for core/strnum: the whole string is a number in range, or the
 * answer is E_INVALID and *out is left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "core/strnum.h"

#define UNTOUCHED INT64_C(0x5a5a5a5a5a5a5a5a)

static void
check_ok(struct str s, int64_t min, int64_t max, int64_t want)
{
    int64_t out = UNTOUCHED;

    assert_int_equal(strnum_parse(s, min, max, &out), 0);
    assert_true(out == want);
}

static void
check_bad(struct str s, int64_t min, int64_t max)
{
    int64_t out = UNTOUCHED;

    assert_int_equal(strnum_parse(s, min, max, &out), E_INVALID);
    assert_true(out == UNTOUCHED);
}

static void
test_valid(void **state)
{
    (void)state;

    check_ok(STR_LIT("0"), 0, 10, 0);
    check_ok(STR_LIT("42"), 0, 100, 42);
    check_ok(STR_LIT("-1"), -5, 5, -1);
    check_ok(STR_LIT("-0"), 0, 0, 0);
    check_ok(STR_LIT("007"), 0, 10, 7);
    check_ok(STR_LIT("65535"), 1, 65535, 65535);
    check_ok(STR_LIT("9223372036854775807"), INT64_MIN, INT64_MAX, INT64_MAX);
    check_ok(STR_LIT("-9223372036854775808"), INT64_MIN, INT64_MAX, INT64_MIN);
    /* The view's length is the end, whatever follows in memory. */
    check_ok(str_make("123456", 3), 0, 1000, 123);
}

static void
test_range(void **state)
{
    (void)state;

    check_ok(STR_LIT("1"), 1, 1, 1);
    check_bad(STR_LIT("0"), 1, 65535);
    check_bad(STR_LIT("65536"), 1, 65535);
    check_bad(STR_LIT("-1"), 0, 10);
    check_bad(STR_LIT("11"), 0, 10);
    check_bad(STR_LIT("9223372036854775807"), 0, INT64_MAX - 1);
    check_bad(STR_LIT("-9223372036854775808"), INT64_MIN + 1, 0);
}

static void
test_overflow(void **state)
{
    (void)state;

    check_bad(STR_LIT("9223372036854775808"), INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("-9223372036854775809"), INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("18446744073709551615"), INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("18446744073709551616"), INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("99999999999999999999999"), INT64_MIN, INT64_MAX);
}

static void
test_syntax(void **state)
{
    static const char *const bad[] = {
        "",     "-",   "+1",  " 1",    "1 ",  "\t1", "1\n", "1a", "a1",
        "0x10", "1e3", "1.0", "1,000", "--1", "- 1", "1-",  "١", /* Arabic-Indic one */
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        check_bad(str_from_cstr(bad[i]), INT64_MIN, INT64_MAX);
    }
    check_bad(STR_NULL, INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("1\0"), INT64_MIN, INT64_MAX);
    check_bad(STR_LIT("\0"
                      "1"),
              INT64_MIN, INT64_MAX);
}

/* Duration lists (CRM_RETRY_SCHEDULE): units, bounds, separators, count. */
static void
test_durations(void **state)
{
    static const char *const bad[] = {
        "",    ",",  "1s,",  ",1s", "1s,,2s", "1",    "s",     "0s",  "-1s",
        "1 s", "1S", "1.5s", "1w",  "8d",     "2s,1", "1s;2s", "+1s", "99999999999999999999ms"};
    int64_t out[3];
    size_t n = 0;
    (void)state;

    assert_int_equal(strnum_parse_durations(STR_LIT("250ms,30s,2m"), 7LL * 86400000, out, 3, &n),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 250);
    assert_int_equal(out[1], 30000);
    assert_int_equal(out[2], 120000);
    assert_int_equal(strnum_parse_durations(STR_LIT("7d,1h"), 7LL * 86400000, out, 3, &n), 0);
    assert_int_equal(out[0], 7LL * 86400000);
    assert_int_equal(out[1], 3600000);
    /* One more than cap. */
    assert_int_equal(strnum_parse_durations(STR_LIT("1s,1s,1s,1s"), 1000000, out, 3, &n),
                     E_INVALID);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (strnum_parse_durations(str_from_cstr(bad[i]), 7LL * 86400000, out, 3, &n) !=
            E_INVALID) {
            fail_msg("accepted durations '%s'", bad[i]);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),     cmocka_unit_test(test_range),
        cmocka_unit_test(test_overflow),  cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_durations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
