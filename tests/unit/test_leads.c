/*
 * Unit tests for the pure parts of leads/leads: stages, the inbox and
 * messages cursors (round trips, and refusal of anything else), and the
 * start of São Paulo's day for the home page's figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "leads/leads.h"

static void
test_stages(void **state)
{
    (void)state;
    assert_true(leads_is_stage(STR_LIT("new")));
    assert_true(leads_is_stage(STR_LIT("lost")));
    assert_false(leads_is_stage(STR_LIT("New")));
    assert_false(leads_is_stage(STR_LIT("")));
    assert_false(leads_is_stage(STR_LIT("won ")));
}

static void
b64(const char *plain, char *out, size_t cap)
{
    crypto_b64url((const uint8_t *)plain, strlen(plain), out, cap);
}

static void
test_lead_cursor(void **state)
{
    struct leads_cursor c = {1796138649133, "4uOj4zboXIdYNmBYfhQmlw"};
    struct leads_cursor back;
    char text[LEADS_CURSOR_MAX + 1];
    char bad[LEADS_CURSOR_MAX + 1];
    (void)state;

    leads_cursor_render(&c, text, sizeof(text));
    assert_int_equal(leads_cursor_parse(str_from_cstr(text), &back), 0);
    assert_int_equal(back.at_ms, c.at_ms);
    assert_string_equal(back.id, c.id);

    static const char *const refused[] = {
        "l:",
        "l:1",
        "l:1:",
        "l::abc",
        "l:-1:abc",
        "l:1:ab/c",
        "l:1:abc:d",
        "m:1",
        "l:99999999999999999999:abc",
        "l:1:0123456789012345678901234567890123",
    };
    for (size_t i = 0; i < ARRAY_LEN(refused); i++) {
        b64(refused[i], bad, sizeof(bad));
        assert_int_equal(leads_cursor_parse(str_from_cstr(bad), &back), E_INVALID);
    }
    assert_int_equal(leads_cursor_parse(STR_LIT("not base64!"), &back), E_INVALID);
    assert_int_equal(leads_cursor_parse(STR_NULL, &back), E_INVALID);
    assert_int_equal(leads_cursor_parse(STR_LIT("bDoxOmFiYw=="), &back), E_INVALID); /* padding */
}

static void
test_msg_cursor(void **state)
{
    char text[LEADS_CURSOR_MAX + 1];
    char bad[LEADS_CURSOR_MAX + 1];
    int64_t id;
    (void)state;

    leads_msg_cursor_render(42, text, sizeof(text));
    assert_int_equal(leads_msg_cursor_parse(str_from_cstr(text), &id), 0);
    assert_int_equal(id, 42);
    static const char *const refused[] = {"m:", "m:0", "m:-3", "m:4x", "l:4", "m: 4"};
    for (size_t i = 0; i < ARRAY_LEN(refused); i++) {
        b64(refused[i], bad, sizeof(bad));
        assert_int_equal(leads_msg_cursor_parse(str_from_cstr(bad), &id), E_INVALID);
        assert_int_equal(id, 0);
    }
}

static void
test_day_start(void **state)
{
    /* 2026-12-01T12:00:00Z is 09:00 in São Paulo: the day began at 03:00Z. */
    const int64_t noon = INT64_C(1796126400000);
    const int64_t three = INT64_C(1796094000000);
    (void)state;
    assert_int_equal(leads_day_start_ms(noon), three);
    assert_int_equal(leads_day_start_ms(three), three);
    /* 02:59:59.999Z is still the evening before in São Paulo. */
    assert_int_equal(leads_day_start_ms(three - 1), three - INT64_C(86400000));
    /* 23:30Z is 20:30 the same day; 03:00Z the next day starts the next one. */
    assert_int_equal(leads_day_start_ms(three + INT64_C(73800000)), three);
    assert_int_equal(leads_day_start_ms(three + INT64_C(86400000)), three + INT64_C(86400000));
    /* Before 1970 it still floors (1969-12-31T03:00Z). */
    assert_int_equal(leads_day_start_ms(0), INT64_C(-75600000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_lead_cursor),
        cmocka_unit_test(test_msg_cursor),
        cmocka_unit_test(test_day_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
