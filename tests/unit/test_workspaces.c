/*
 * Unit tests for the pure parts of workspaces/workspaces: role names both
 * ways and the workspace name rule (1-200 code points, one line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "router/router.h"
#include "workspaces/workspaces.h"

static void
test_roles(void **state)
{
    enum ws_role r = WS_NONE;
    (void)state;

    assert_string_equal(workspaces_role_name(WS_OWNER), "owner");
    assert_string_equal(workspaces_role_name(WS_ADMIN), "admin");
    assert_string_equal(workspaces_role_name(WS_MEMBER), "member");
    assert_string_equal(workspaces_role_name(WS_NONE), "");
    assert_string_equal(workspaces_role_name((enum ws_role)42), "");
    assert_true(workspaces_parse_role(STR_LIT("admin"), &r));
    assert_int_equal(r, WS_ADMIN);
    assert_true(workspaces_parse_role(STR_LIT("owner"), &r));
    assert_int_equal(r, WS_OWNER);
    /* Exact names only: no case folding, no prefixes, no empty role. */
    assert_false(workspaces_parse_role(STR_LIT("Admin"), &r));
    assert_false(workspaces_parse_role(STR_LIT("own"), &r));
    assert_false(workspaces_parse_role(STR_LIT("owners"), &r));
    assert_false(workspaces_parse_role(STR_LIT(""), &r));
    assert_false(workspaces_parse_role(str_make("admin\0x", 7), &r));
    /* The order the middleware compares. */
    assert_true(WS_MEMBER < WS_ADMIN && WS_ADMIN < WS_OWNER && WS_NONE < WS_MEMBER);
    /* A route's flags carry its minimum role; the highest one given wins. */
    assert_int_equal(router_min_role(ROUTE_AUTH), WS_NONE);
    assert_int_equal(router_min_role(ROUTE_AUTH | ROUTE_MEMBER), WS_MEMBER);
    assert_int_equal(router_min_role(ROUTE_JSON | ROUTE_ADMIN), WS_ADMIN);
    assert_int_equal(router_min_role(ROUTE_OWNER | ROUTE_MEMBER), WS_OWNER);
}

/* want: the trimmed name, or NULL when in must be refused. */
static void
check_name(const char *in, size_t len, const char *want)
{
    struct str out = STR_NULL;
    int rc = workspaces_check_name(str_make(in, len), &out);

    if (!want) {
        assert_int_equal(rc, E_VALIDATION);
        return;
    }
    assert_int_equal(rc, 0);
    assert_true(str_eq_cstr(out, want));
}

static void
test_names(void **state)
{
    static char long_name[1000];
    (void)state;

    check_name("Acme", 4, "Acme");
    check_name("  Acme Vendas  ", 15, "Acme Vendas");
    check_name("Acme\nVendas", 11, NULL);
    check_name("Ação & Cia", strlen("Ação & Cia"), "Ação & Cia");
    check_name("", 0, NULL);
    check_name("   ", 3, NULL);
    check_name("a\tb", 3, NULL);
    check_name("a\x01", 2, NULL);
    check_name("a\x7f", 2, NULL);
    check_name("\xc3\x28", 2, NULL); /* not UTF-8 */
    check_name("a\0b", 3, NULL);
    /* 200 code points pass, 201 do not, counted as code points, not bytes. */
    memset(long_name, 'x', 201);
    {
        struct str out;
        assert_int_equal(workspaces_check_name(str_make(long_name, 200), &out), 0);
        assert_int_equal(out.len, 200);
        assert_int_equal(workspaces_check_name(str_make(long_name, 201), &out), E_VALIDATION);
    }
    for (size_t i = 0; i < 200; i++) {
        memcpy(long_name + 2 * i, "\xc3\xa7", 2); /* ç: 200 code points in 400 bytes */
    }
    {
        struct str out;
        assert_int_equal(workspaces_check_name(str_make(long_name, 400), &out), 0);
        assert_int_equal(workspaces_check_name(str_make(long_name, 402), &out), E_VALIDATION);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
