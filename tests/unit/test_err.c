/*
 * Unit tests for core/err: every E_* has a 4xx/5xx status, a stable slug and
 * a title, and anything unknown answers as a 500 internal_error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <limits.h>

#include "core/common.h"
#include "core/err.h"

struct row {
    int code;
    unsigned status;
    const char *slug;
    const char *title;
    const char *name;
};

#define ROW(name, status, slug, title) {name, status, slug, title, #name},
static const struct row rows[] = {ERR_TABLE(ROW)};
#undef ROW

static bool
is_slug(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || *s == '_')) {
            return false;
        }
    }
    return true;
}

static void
test_every_code(void **state)
{
    (void)state;

    assert_int_equal(ARRAY_LEN(rows), E__LAST - E__FIRST - 1);
    for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
        const struct row *r = &rows[i];
        /* Negative, so a count can share the channel, and known. */
        assert_true(r->code < 0);
        assert_true(err_is_known(r->code));
        assert_int_equal(err_status(r->code), r->status);
        assert_true(r->status >= 400 && r->status <= 599);
        assert_string_equal(err_slug(r->code), r->slug);
        assert_true(is_slug(r->slug));
        assert_string_equal(err_title(r->code), r->title);
        assert_true(strlen(r->title) > 0);
        assert_string_equal(err_name(r->code), r->name);
        /* A slug is shared only by codes that also share the status (E_INTERNAL, E_DB). */
        for (size_t j = i + 1; j < ARRAY_LEN(rows); j++) {
            assert_int_not_equal(r->code, rows[j].code);
            if (strcmp(r->slug, rows[j].slug) == 0) {
                assert_int_equal(r->status, rows[j].status);
            }
        }
    }
}

static void
test_statuses(void **state)
{
    (void)state;

    /* The ones the SPA and STYLE.md rely on. */
    assert_int_equal(err_status(E_INVALID), 400);
    assert_int_equal(err_status(E_BAD_JSON), 400);
    assert_int_equal(err_status(E_VALIDATION), 422);
    assert_int_equal(err_status(E_UNAUTHENTICATED), 401);
    assert_int_equal(err_status(E_CSRF), 403);
    assert_int_equal(err_status(E_ORIGIN), 403);
    assert_int_equal(err_status(E_NOT_FOUND), 404);
    assert_int_equal(err_status(E_METHOD), 405);
    assert_int_equal(err_status(E_CONFLICT), 409);
    assert_int_equal(err_status(E_TOO_LARGE), 413);
    assert_int_equal(err_status(E_URI_TOO_LONG), 414);
    assert_int_equal(err_status(E_RATE_LIMITED), 429);
    assert_int_equal(err_status(E_HEADERS_TOO_LARGE), 431);
    assert_int_equal(err_status(E_INTERNAL), 500);
    assert_int_equal(err_status(E_DB), 500);
    assert_int_equal(err_status(E_UPSTREAM), 502);
    assert_int_equal(err_status(E_UNAVAILABLE), 503);
    /* Database detail never shows in the slug. */
    assert_string_equal(err_slug(E_DB), "internal_error");
    assert_string_equal(err_slug(E_CSRF), "csrf_failed");
    assert_string_equal(err_slug(E_RATE_LIMITED), "rate_limited");
}

static void
test_unknown(void **state)
{
    static const int unknown[] = {
        0, 1, -1, 500, E__FIRST, E__LAST, E__FIRST - 1, E__LAST + 1, INT_MIN, INT_MAX};
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(unknown); i++) {
        int e = unknown[i];
        assert_false(err_is_known(e));
        assert_int_equal(err_status(e), 500);
        assert_string_equal(err_slug(e), "internal_error");
        assert_non_null(err_title(e));
        assert_non_null(err_name(e));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code),
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
