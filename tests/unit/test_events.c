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
    struct event ev = {42, "message.created", "{\"leadId\":\"L1\",\"messageId\":\"M9\"}"};
    struct event back;
    struct str wid, kind, data;
    char note[256];
    (void)state;

    assert_int_equal(events_format_note("W123", &ev, note, sizeof(note)), 0);
    assert_string_equal(note, "W123 42 message.created {\"leadId\":\"L1\",\"messageId\":\"M9\"}");
    assert_true(events_parse_note(note, &wid, &back, &kind, &data));
    assert_true(str_eq_cstr(wid, "W123"));
    assert_true(back.id == 42);
    assert_true(str_eq_cstr(kind, "message.created"));
    assert_true(str_eq_cstr(data, ev.data));
    /* Too small a buffer: refused, not cut. */
    assert_int_equal(events_format_note("W123", &ev, note, 10), E_INVALID);
}

static void
test_note_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "W1",
        "W1 0 lead.updated {}",
        "W1 06 lead.updated {\"leadId\":\"x\"}",
        "W1 -3 lead.updated {}",
        "W1 x lead.updated {}",
        "W1 1 Lead.Updated {}",
        "W1 1 lead.updated",
        "W1 1 lead.updated []",
        "W1 1 lead.updated {\"a\":\n1}",
        "W1 1 lead.updated {\"a\":\r1}",
        "W1 1 lead.updated {\"a\":\"\xff\"}",
        " 1 lead.updated {}",
    };
    struct str wid, kind, data;
    struct event ev;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_false(events_parse_note(bad[i], &wid, &ev, &kind, &data));
    }
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
        cmocka_unit_test(test_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
