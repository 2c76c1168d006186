/*
 * Unit tests for events/events.c: the pure part (the notification payload,
 * format and parse; the event-stream block an event is written as), and on
 * an in-memory SQLite database the numbering of events_emit and the heads
 * read in batches by events_heads (the hub's safety poll).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
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

struct emit {
    const char *wid;
    int64_t id;
};

static int
emit_tx(struct db_conn *conn, void *arg)
{
    struct emit *e = arg;
    return events_emit(conn, e->wid, "lead.updated", "{\"leadId\":\"x\"}", &e->id);
}

/* More workspaces than one statement takes: every head comes back, in order; none is 0. */
static void
test_heads_batched(void **state)
{
    enum { N = 2 * EVENTS_HEADS_BATCH + 7 };
    static char wids[N][16];
    int64_t heads[N];
    struct db *db = NULL;
    (void)state;

    assert_int_equal(db_open("sqlite::memory:", 1, 1000, &db), 0);
    assert_int_equal(db_migrate(db), 0);
    for (int i = 0; i < N; i++) {
        (void)snprintf(wids[i], sizeof(wids[i]), "w%03d", i);
        struct db_param p[] = {DB_CSTR(wids[i])};
        assert_int_equal(db_run(db,
                                "INSERT INTO workspaces (id, name, created_at, updated_at) "
                                "VALUES ($1, 'x', 0, 0)",
                                p, 1, NULL),
                         0);
        /* Workspace i has i % 4 events (none for some): numbered 1, 2, 3 in commit order. */
        for (int k = 0; k < i % 4; k++) {
            struct emit e = {wids[i], 0};
            assert_int_equal(db_tx(db, emit_tx, &e), 0);
            assert_true(e.id == k + 1);
        }
    }
    assert_int_equal(events_heads(db, &wids[0][0], sizeof(wids[0]), N, heads), 0);
    for (int i = 0; i < N; i++) {
        assert_true(heads[i] == i % 4);
    }
    /* The same workspace twice, one unknown: each row answered for itself. */
    {
        static char two[3][16] = {"w003", "nope", "w003"};
        int64_t h[3];
        assert_int_equal(events_heads(db, &two[0][0], sizeof(two[0]), 3, h), 0);
        assert_true(h[0] == 3 && h[1] == 0 && h[2] == 3);
    }
    assert_int_equal(events_heads(db, &wids[0][0], sizeof(wids[0]), 0, heads), 0);
    db_free(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note_round_trip), cmocka_unit_test(test_note_refused),
        cmocka_unit_test(test_checks),          cmocka_unit_test(test_render),
        cmocka_unit_test(test_heads_batched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
