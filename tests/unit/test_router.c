/*
 * Unit tests for router/router: the pure parts, router_match (patterns with
 * "{name}" parameters) and the Allow header text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/limits.h"
#include "router/router.h"

/*
 * Matches and checks the parameters, given as name/value pairs: non-empty
 * views into path, no '/' inside, at most the limit, named as in pattern.
 */
static bool
match(const char *pattern, const char *path, size_t want_params, ...)
{
    struct path_param params[HTTP_MAX_PARAMS];
    struct str p = str_from_cstr(path);
    size_t n = 99;
    va_list ap;

    if (!router_match(pattern, p, params, &n)) {
        return false;
    }
    assert_int_equal(n, want_params);
    assert_true(n <= HTTP_MAX_PARAMS);
    va_start(ap, want_params);
    for (size_t i = 0; i < n; i++) {
        const char *want_name = va_arg(ap, const char *);
        const char *want = va_arg(ap, const char *);
        struct str v = params[i].value;
        assert_true(v.len > 0);
        assert_true(v.ptr > p.ptr && v.ptr + v.len <= p.ptr + p.len);
        assert_int_equal(str_find(v, '/'), -1);
        if (!str_eq_cstr(params[i].name, want_name) || !str_eq_cstr(v, want)) {
            fail_msg("%s on %s: param %zu is %.*s='%.*s', want %s='%s'", pattern, path, i,
                     (int)params[i].name.len, params[i].name.ptr, (int)v.len, v.ptr, want_name,
                     want);
        }
    }
    va_end(ap);
    return true;
}

static void
test_static(void **state)
{
    (void)state;

    assert_true(match("/healthz", "/healthz", 0));
    assert_true(match("/api/v1/leads", "/api/v1/leads", 0));
    assert_false(match("/api/v1/leads", "/api/v1/lead", 0));
    assert_false(match("/api/v1/leads", "/api/v1/leadsx", 0));
    assert_false(match("/api/v1/leads", "/api/v1/leads/1", 0));
    assert_false(match("/api/v1/leads", "/api/v1", 0));
    assert_false(match("/api/v1/leads", "/API/v1/leads", 0)); /* paths are case-sensitive */
    assert_false(match("/a", "/b", 0));
}

static void
test_root(void **state)
{
    (void)state;

    assert_true(match("/", "/", 0));
    assert_false(match("/", "/a", 0));
    assert_false(match("/", "//", 0));
    assert_false(match("/a", "/", 0));
    assert_false(match("/{id}", "/", 0));
}

static void
test_trailing_slash(void **state)
{
    (void)state;

    /* "/a/" never matches "/a", either way round. */
    assert_false(match("/a", "/a/", 0));
    assert_false(match("/a/", "/a", 0));
    assert_true(match("/a/", "/a/", 0));
    assert_false(match("/a/{id}", "/a/1/", 0));
    assert_false(match("/a/{id}/", "/a/1", 0));
    assert_true(match("/a/{id}/", "/a/1/", 1, "id", "1"));
}

static void
test_params(void **state)
{
    (void)state;

    assert_true(match("/api/v1/leads/{id}", "/api/v1/leads/42", 1, "id", "42"));
    assert_true(
        match("/w/{wid}/agents/{aid}", "/w/ws_1/agents/ag-9", 2, "wid", "ws_1", "aid", "ag-9"));
    assert_true(match("/{a}/{b}/{c}/{d}", "/1/2/3/4", 4, "a", "1", "b", "2", "c", "3", "d", "4"));
    assert_true(match("/leads/{id}/notes", "/leads/7/notes", 1, "id", "7"));
    /* A parameter is one segment, never empty, never two. */
    assert_false(match("/leads/{id}", "/leads/", 0));
    assert_false(match("/leads/{id}", "/leads", 0));
    assert_false(match("/leads/{id}", "/leads/1/2", 0));
    assert_false(match("/leads/{id}/notes", "/leads//notes", 0));
    assert_false(match("/leads/{id}/notes", "/leads/7/note", 0));
    /* Parameters stay raw: decoding is the handler's business. */
    assert_true(match("/f/{name}", "/f/a%20b", 1, "name", "a%20b"));
    assert_true(match("/f/{name}", "/f/..", 1, "name", ".."));
    /* Only a whole "{name}" segment is a parameter; "{}" and ":id" are literal. */
    assert_true(match("/a/{}", "/a/{}", 0));
    assert_false(match("/a/{}", "/a/1", 0));
    assert_true(match("/a/:id", "/a/:id", 0));
    assert_false(match("/a/:id", "/a/1", 0));
    assert_false(match("/a/x{id}", "/a/x1", 0));
    assert_true(match("/a/{id", "/a/{id", 0));
    /* More parameters than HTTP_MAX_PARAMS never match. */
    assert_false(match("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", 0));
}

static void
test_bad_inputs(void **state)
{
    struct path_param params[HTTP_MAX_PARAMS];
    size_t n = 0;
    (void)state;

    assert_false(router_match("/a", STR_NULL, params, &n));
    assert_false(router_match("/a", STR_LIT("a"), params, &n));
    assert_false(router_match("", STR_LIT("/"), params, &n));
    assert_false(router_match("a", STR_LIT("a"), params, &n));
    /* Only the view's bytes count. */
    assert_false(router_match("/ab", str_make("/abc", 2), params, &n));
    assert_true(router_match("/a", str_make("/abc", 2), params, &n));
    assert_int_equal(n, 0);
}

static void
check_allow(unsigned methods, const char *want)
{
    char out[80];

    memset(out, 'x', sizeof(out));
    router_allow_text(methods, out, sizeof(out));
    assert_string_equal(out, want);
}

static void
test_allow_text(void **state)
{
    char small[8];
    (void)state;

    check_allow(0, "");
    check_allow(HTTP_GET, "GET, HEAD");
    check_allow(HTTP_HEAD, "HEAD");
    check_allow(HTTP_POST, "POST");
    check_allow(HTTP_GET | HTTP_POST, "GET, HEAD, POST");
    check_allow(HTTP_DELETE | HTTP_OPTIONS, "DELETE, OPTIONS");
    check_allow(HTTP_PATCH | HTTP_PUT, "PUT, PATCH");
    check_allow(HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE |
                    HTTP_OPTIONS,
                "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    /* HTTP_OTHER is never advertised. */
    check_allow(HTTP_OTHER | HTTP_POST, "POST");

    /* A short buffer stays NUL-terminated inside its bounds. */
    memset(small, 'x', sizeof(small));
    router_allow_text(HTTP_GET | HTTP_POST | HTTP_DELETE, small, sizeof(small));
    assert_true(memchr(small, '\0', sizeof(small)) != NULL);
    assert_true(str_has_prefix(str_from_cstr(small), STR_LIT("GET")));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static),         cmocka_unit_test(test_root),
        cmocka_unit_test(test_trailing_slash), cmocka_unit_test(test_params),
        cmocka_unit_test(test_bad_inputs),     cmocka_unit_test(test_allow_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
