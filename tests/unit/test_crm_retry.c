/*
 * Unit tests for crm/retry: the schedule setting, the jittered waits (first
 * retry within a minute, days in all by default), and what each answer means.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crm/retry.h"

static void
test_default(void **state)
{
    struct crm_retry r;
    int64_t wait = 0;
    (void)state;

    assert_int_equal(crm_retry_parse(STR_LIT(CRM_RETRY_DEFAULT), &r), 0);
    assert_int_equal(r.nsteps, 12);
    /* The first retry within a minute, whatever the jitter. */
    assert_true(crm_retry_next(&r, 1, 0, &wait));
    assert_true(wait >= 24000 && wait <= 60000);
    assert_true(crm_retry_next(&r, 1, UINT32_MAX, &wait));
    assert_true(wait >= 24000 && wait <= 60000);
    /* Lasting days: more than 3 and less than 7 without jitter. */
    assert_true(crm_retry_span_ms(&r) > 3LL * 24 * 3600 * 1000);
    assert_true(crm_retry_span_ms(&r) < 7LL * 24 * 3600 * 1000);
    /* The last wait is a day, then the delivery is dead. */
    assert_true(crm_retry_next(&r, 12, 1u << 31, &wait));
    assert_int_equal(wait, 24LL * 3600 * 1000);
    assert_false(crm_retry_next(&r, 13, 0, &wait));
    assert_false(crm_retry_next(&r, 0, 0, &wait));
}

static void
test_jitter_bounds(void **state)
{
    struct crm_retry r;
    int64_t lo = INT64_MAX;
    int64_t hi = 0;
    (void)state;

    assert_int_equal(crm_retry_parse(STR_LIT("10s"), &r), 0);
    for (uint64_t rnd = 0; rnd <= UINT32_MAX; rnd += 0x01000193) {
        int64_t w = 0;
        assert_true(crm_retry_next(&r, 1, (uint32_t)rnd, &w));
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_true(lo >= 8000 && lo < 8200);
    assert_true(hi <= 12000 && hi > 11800);
    /* A 7-day step jittered up stays at 7 days (the queue's longest delay). */
    assert_int_equal(crm_retry_parse(STR_LIT("7d"), &r), 0);
    {
        int64_t w = 0;
        assert_true(crm_retry_next(&r, 1, UINT32_MAX, &w));
        assert_int_equal(w, CRM_RETRY_STEP_MAX_MS);
    }
    /* A 1 ms step never becomes 0. */
    assert_int_equal(crm_retry_parse(STR_LIT("1ms"), &r), 0);
    {
        int64_t w = 0;
        assert_true(crm_retry_next(&r, 1, 0, &w));
        assert_int_equal(w, 1);
    }
}

static void
test_parse(void **state)
{
    static const char *const bad[] = {
        "",
        ",",
        "1s,",
        ",1s",
        "1s,,2s",
        "1",
        "s",
        "0s",
        "-1s",
        "1 s",
        "1S",
        "1sec",
        "8d",
        "1.5s",
        "1s 2s",
        "+1s",
        "1w",
        "99999999999999999999ms",
        "1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,"
        "1s",
    };
    struct crm_retry r;
    (void)state;

    assert_int_equal(crm_retry_parse(STR_LIT("200ms,1s,2m,3h,7d"), &r), 0);
    assert_int_equal(r.nsteps, 5);
    assert_int_equal(r.step_ms[0], 200);
    assert_int_equal(r.step_ms[1], 1000);
    assert_int_equal(r.step_ms[2], 120000);
    assert_int_equal(r.step_ms[3], 3LL * 3600 * 1000);
    assert_int_equal(r.step_ms[4], 7LL * 24 * 3600 * 1000);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        r.nsteps = 99;
        if (crm_retry_parse(str_from_cstr(bad[i]), &r) != E_INVALID) {
            fail_msg("accepted schedule '%s'", bad[i]);
        }
        assert_int_equal(r.nsteps, 99);
    }
}

static void
test_classify(void **state)
{
    int64_t w = -5;
    (void)state;

    assert_int_equal(crm_retry_classify(200, -1, &w), CRM_DELIVERED);
    assert_int_equal(crm_retry_classify(204, 30, &w), CRM_DELIVERED);
    assert_int_equal(crm_retry_classify(299, -1, &w), CRM_DELIVERED);
    assert_int_equal(crm_retry_classify(410, -1, &w), CRM_GONE);
    assert_int_equal(crm_retry_classify(429, 30, &w), CRM_RETRY_AFTER);
    assert_int_equal(w, 30);
    assert_int_equal(crm_retry_classify(503, 0, &w), CRM_RETRY_AFTER);
    assert_int_equal(w, 1);
    assert_int_equal(crm_retry_classify(503, 10LL * 24 * 3600, &w), CRM_RETRY_AFTER);
    assert_int_equal(w, CRM_RETRY_AFTER_MAX_S);
    assert_int_equal(crm_retry_classify(429, -1, &w), CRM_RETRY);
    assert_int_equal(crm_retry_classify(500, 30, &w), CRM_RETRY);
    assert_int_equal(crm_retry_classify(301, -1, &w), CRM_RETRY);
    assert_int_equal(crm_retry_classify(404, -1, &w), CRM_RETRY);
    assert_int_equal(crm_retry_classify(0, -1, &w), CRM_RETRY);
    assert_int_equal(crm_retry_classify(199, -1, &w), CRM_RETRY);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_jitter_bounds),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
