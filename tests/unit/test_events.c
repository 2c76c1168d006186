/*
 * Unit tests for events/events.c's pure part: the notification payload
 * (format, parse) and the event-stream block an event is written as.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "events/events.h"

static void
test_note_round_trip(void **state)
{
    struct str wid;
    int64_t id = 0;
    char note[64];
    (void)state;

    assert_int_equal(events_format_note("ZAajn2TdvTlt3oHld-BeLg", 42, note, sizeof(note)), 0);
    assert_string_equal(note, "ZAajn2TdvTlt3oHld-BeLg 42");
    assert_true(events_parse_note(note, &wid, &id));
    assert_true(str_eq_cstr(wid, "ZAajn2TdvTlt3oHld-BeLg"));
    assert_true(id == 42);
    /* Too small a buffer: refused, not cut. */
    assert_int_equal(events_format_note("W123", 42, note, 6), E_INVALID);
}

static void
test_note_refused(void **state)
{
    static const char *const bad[] = {
        "",      "W1",    "W1 ",  " 1",     "W1 0",
        "W1 06", "W1 -3", "W1 x", "W1 1 2", "W1 99999999999999999999",
    };
    struct str wid;
    int64_t id;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_false(events_parse_note(bad[i], &wid, &id));
    }
}

static void
test_checks(void **state)
{
    (void)state;
    assert_true(events_kind_ok(STR_LIT("message.created")));
    assert_false(events_kind_ok(STR_LIT("Lead.Updated")));
    assert_false(events_kind_ok(STR_LIT("")));
    assert_true(events_data_ok(STR_LIT("{\"leadId\":\"x\"}")));
    assert_false(events_data_ok(STR_LIT("[]")));
    assert_false(events_data_ok(STR_LIT("{\"a\":\n1}")));
    assert_false(events_data_ok(STR_LIT("{\"a\":\r1}")));
    assert_false(events_data_ok(STR_LIT("{\"a\":\"\xff\"}")));
}

static void
test_render(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;

    assert_int_equal(events_render(&b, 7, STR_LIT("lead.updated"), STR_LIT("{\"leadId\":\"x\"}")),
                     0);
    assert_string_equal(b.ptr, "id: 7\nevent: lead.updated\ndata: {\"leadId\":\"x\"}\n\n");
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_round_trip),
        cmocka_unit_test(test_note_refused),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
