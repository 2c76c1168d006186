/*
 * Unit tests for core/ratelimit, driven by an injected clock: bursts,
 * refill, Retry-After, independent keys, and a table that forgets the idlest
 * bucket instead of growing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/ratelimit.h"

static int64_t fake_now_ms;

static int64_t
fake_clock(void)
{
    return fake_now_ms;
}

static int
setup(void **state)
{
    fake_now_ms = 1000000;
    *state = ratelimiter_new(64, fake_clock);
    return *state ? 0 : -1;
}

static int
teardown(void **state)
{
    ratelimiter_free(*state);
    return 0;
}

static bool
take(struct ratelimiter *rl, const char *key, unsigned per_min, unsigned burst, int *retry)
{
    return ratelimiter_take(rl, key, strlen(key), per_min, burst, retry);
}

/* Takes n tokens that must all be granted, then checks the next one is refused. */
static int
drain(struct ratelimiter *rl, const char *key, unsigned per_min, unsigned burst, unsigned n)
{
    int retry = -1;

    for (unsigned i = 0; i < n; i++) {
        assert_true(take(rl, key, per_min, burst, &retry));
        assert_int_equal(retry, -1); /* untouched when allowed */
    }
    assert_false(take(rl, key, per_min, burst, &retry));
    assert_true(retry >= 1);
    return retry;
}

static void
test_burst(void **state)
{
    struct ratelimiter *rl = *state;
    int retry;

    /* A new key starts full: burst requests at once, then a refusal. */
    retry = drain(rl, "client-a", 60, 5, 5);
    /* One token a second: back within one or two whole seconds. */
    assert_true(retry >= 1 && retry <= 2);
    /* Refusals do not dig the bucket deeper. */
    for (int i = 0; i < 100; i++) {
        int r = 0;
        assert_false(take(rl, "client-a", 60, 5, &r));
        assert_int_equal(r, retry);
    }
    /* retry_after may be NULL. */
    assert_false(take(rl, "client-a", 60, 5, NULL));
}

static void
test_refill(void **state)
{
    struct ratelimiter *rl = *state;
    int retry = 0;

    (void)drain(rl, "k", 60, 3, 3);
    /* 60 a minute: half a second is half a token, not enough. */
    fake_now_ms += 500;
    assert_false(take(rl, "k", 60, 3, &retry));
    assert_true(retry >= 1);
    fake_now_ms += 600;
    assert_true(take(rl, "k", 60, 3, &retry));
    assert_false(take(rl, "k", 60, 3, &retry));

    /* Waiting retry_after seconds is always enough. */
    fake_now_ms += (int64_t)retry * 1000;
    assert_true(take(rl, "k", 60, 3, &retry));

    /* A long idle refills to burst, never beyond it. */
    fake_now_ms += 3600 * 1000;
    (void)drain(rl, "k", 60, 3, 3);
}

static void
test_retry_after(void **state)
{
    struct ratelimiter *rl = *state;
    int retry = 0;

    /* One a minute: about sixty seconds to wait. */
    (void)drain(rl, "slow", 1, 1, 1);
    assert_false(take(rl, "slow", 1, 1, &retry));
    assert_true(retry >= 60 && retry <= 61);
    fake_now_ms += 30 * 1000;
    assert_false(take(rl, "slow", 1, 1, &retry));
    assert_true(retry >= 30 && retry <= 31);
    fake_now_ms += (int64_t)retry * 1000;
    assert_true(take(rl, "slow", 1, 1, &retry));

    /* Fast limits still say at least one second. */
    (void)drain(rl, "fast", 6000, 1, 1);
    assert_false(take(rl, "fast", 6000, 1, &retry));
    assert_int_equal(retry, 1);

    /* A zero rate never refills, and says so with a long but sane wait. */
    (void)drain(rl, "never", 0, 1, 1);
    fake_now_ms += 86400 * 1000;
    assert_false(take(rl, "never", 0, 1, &retry));
    assert_true(retry > 3600);
}

static void
test_keys_independent(void **state)
{
    struct ratelimiter *rl = *state;
    uint8_t k1[17] = {0};
    uint8_t k2[17] = {0};
    int retry = 0;

    (void)drain(rl, "alpha", 60, 2, 2);
    (void)drain(rl, "beta", 60, 2, 2);
    (void)drain(rl, "gamma", 60, 4, 4);
    /* Prefixes are other keys. */
    (void)drain(rl, "alph", 60, 2, 2);
    (void)drain(rl, "alphaa", 60, 2, 2);

    /* Binary keys as the middleware builds them (address + class byte). */
    k1[16] = 1;
    k2[16] = 2;
    assert_true(ratelimiter_take(rl, k1, sizeof(k1), 60, 1, &retry));
    assert_false(ratelimiter_take(rl, k1, sizeof(k1), 60, 1, &retry));
    assert_true(ratelimiter_take(rl, k2, sizeof(k2), 60, 1, &retry));
    assert_false(ratelimiter_take(rl, k2, sizeof(k2), 60, 1, &retry));
}

static void
test_clock_backwards(void **state)
{
    struct ratelimiter *rl = *state;
    int retry = 0;

    (void)drain(rl, "t", 60, 1, 1);
    /* A clock that steps back neither refills nor breaks the bucket. */
    fake_now_ms -= 10 * 1000;
    assert_false(take(rl, "t", 60, 1, &retry));
    assert_true(retry >= 1);
    fake_now_ms += 10 * 1000 + 2000;
    assert_true(take(rl, "t", 60, 1, &retry));
}

static void
test_eviction_bounded(void **state)
{
    /* One set of four buckets: whatever the number of clients, four are remembered. */
    struct ratelimiter *rl = ratelimiter_new(1, fake_clock);
    char key[32];
    int retry = 0;
    const int n = 100000;
    (void)state;

    for (int i = 0; i < n; i++) {
        (void)snprintf(key, sizeof(key), "client-%d", i);
        fake_now_ms++;
        assert_true(take(rl, key, 1, 1, &retry));
    }
    /* A new client evicts the idlest bucket, client-(n-4), and starts full. */
    fake_now_ms++;
    assert_true(take(rl, "client-0", 1, 1, &retry));
    /* The three after it are still remembered, and still exhausted... */
    for (int i = n - 3; i < n; i++) {
        (void)snprintf(key, sizeof(key), "client-%d", i);
        assert_false(take(rl, key, 1, 1, &retry));
    }
    /* ...while client-(n-4) was forgotten: it starts again with a full bucket. */
    (void)snprintf(key, sizeof(key), "client-%d", n - 4);
    assert_true(take(rl, key, 1, 1, &retry));
    ratelimiter_free(rl);

    /* Many sets round up to a power of two and work the same way. */
    rl = ratelimiter_new(1000, fake_clock);
    for (int i = 0; i < 5000; i++) {
        (void)snprintf(key, sizeof(key), "c%d", i);
        assert_true(take(rl, key, 1, 1, &retry));
    }
    ratelimiter_free(rl);
    ratelimiter_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_backwards, setup, teardown),
        cmocka_unit_test(test_eviction_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
