/*
 * Unit tests for crm/crm's pure parts: event names and flags, the id field
 * path rule, and the reach of each mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crm/crm.h"

static void
test_events(void **state)
{
    struct str both[] = {STR_LIT("lead.stage_changed"), STR_LIT("lead.qualified")};
    struct str dup[] = {STR_LIT("lead.qualified"), STR_LIT("lead.qualified")};
    struct str bad[] = {STR_LIT("lead.qualified"), STR_LIT("lead.won")};
    struct str upper[] = {STR_LIT("Lead.Qualified")};
    unsigned f = 0;
    (void)state;

    assert_int_equal(crm_parse_events(both, 2, &f), 0);
    assert_int_equal(f, CRM_EV_ALL);
    assert_int_equal(crm_parse_events(dup, 2, &f), 0);
    assert_int_equal(f, CRM_EV_QUALIFIED);
    f = 77;
    assert_int_equal(crm_parse_events(bad, 2, &f), E_VALIDATION);
    assert_int_equal(crm_parse_events(upper, 1, &f), E_VALIDATION);
    assert_int_equal(crm_parse_events(both, 0, &f), E_VALIDATION);
    assert_int_equal(f, 77);
    assert_string_equal(crm_event_name(CRM_EV_QUALIFIED), "lead.qualified");
    assert_string_equal(crm_event_name(CRM_EV_STAGE_CHANGED), "lead.stage_changed");
    assert_null(crm_event_name(CRM_EV_ALL));
    assert_null(crm_event_name(0));
}

static void
test_id_field(void **state)
{
    static const char *const good[] = {"id", "data.id", "a.b.c.d", "crm_id", "lead-id", "ID9"};
    static const char *const bad[] = {
        "",     ".id",       "id.",
        "a..b", "a.b.c.d.e", "a b",
        "a/b",  "$.id",      "id[0]",
        "é",    "a\nb",      "0123456789012345678901234567890123456789012345678901234567890123x"};
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (!crm_id_field_valid(str_from_cstr(good[i]))) {
            fail_msg("refused id field '%s'", good[i]);
        }
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (crm_id_field_valid(str_from_cstr(bad[i]))) {
            fail_msg("accepted id field '%s'", bad[i]);
        }
    }
}

static void
test_reach(void **state)
{
    struct config cfg;
    (void)state;

    memset(&cfg, 0, sizeof(cfg));
    cfg.env = CONFIG_PRODUCTION;
    assert_int_equal(crm_reach(&cfg), HTTPC_REACH_PUBLIC);
    cfg.env = CONFIG_DEV;
    assert_int_equal(crm_reach(&cfg), HTTPC_REACH_LOCAL_DEV);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_id_field),
        cmocka_unit_test(test_reach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
