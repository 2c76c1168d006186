/*
 * Unit tests for http/deadline: an overdue connection's socket is shut down
 * once (its peer reads end of file), one not yet due or with no deadline is
 * left alone, extending pushes a pending deadline only, and the sweeper
 * thread does the same on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/deadline.h"

#define SEC 1000000

/* A connected pair: [0] is "ours" (watched), [1] the client's, non-blocking. */
static void
pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
}

/* The client side sees the server gone (end of file), not just silence. */
static bool
cut(int client)
{
    char c;
    return read(client, &c, 1) == 0;
}

static void
test_sweep_cuts_only_the_overdue(void **state)
{
    struct deadlines *d;
    int late[2];
    int early[2];
    int none[2];
    int64_t now = 1000 * (int64_t)SEC;
    (void)state;

    pair(late);
    pair(early);
    pair(none);
    /* A long sweep period: only the explicit sweeps below run. */
    assert_int_equal(deadlines_start(60000, &d), 0);
    struct deadline_watch *wl = deadlines_add(d, late[0], now - 1);
    struct deadline_watch *we = deadlines_add(d, early[0], now + SEC);
    struct deadline_watch *wn = deadlines_add(d, none[0], 0);

    assert_int_equal(deadlines_sweep(d, now), 1);
    assert_true(cut(late[1]));
    assert_false(cut(early[1]));
    assert_false(cut(none[1]));
    /* Once: the cut watch has no deadline left. */
    assert_int_equal(deadlines_sweep(d, now), 0);

    /* Extending moves a pending deadline (up to its cap), not an absent one. */
    deadline_extend(we, 5 * SEC, now + 3 * SEC);
    deadline_extend(wn, 2 * SEC, now + 3 * SEC);
    assert_int_equal(deadlines_sweep(d, now + 2 * SEC), 0);
    assert_int_equal(deadlines_sweep(d, now + 3 * SEC), 1);
    assert_true(cut(early[1]));
    assert_false(cut(none[1]));

    /* Set, then cleared before it falls due: nothing happens. */
    deadline_set(wn, now + SEC);
    deadline_set(wn, 0);
    assert_int_equal(deadlines_sweep(d, now + 10 * SEC), 0);
    assert_false(cut(none[1]));

    deadlines_remove(d, wl);
    deadlines_remove(d, we);
    deadlines_remove(d, wn);
    deadlines_stop(d);
    for (int i = 0; i < 2; i++) {
        close(late[i]);
        close(early[i]);
        close(none[i]);
    }
}

static void
test_the_sweeper_runs_by_itself(void **state)
{
    struct deadlines *d;
    int sv[2];
    (void)state;

    pair(sv);
    assert_int_equal(deadlines_start(10, &d), 0);
    struct deadline_watch *w = deadlines_add(d, sv[0], clock_mono_us() + 20000);
    /* Within 5 s (the sweeper wakes every 10 ms), the peer sees end of file. */
    int64_t until = clock_mono_us() + 5 * (int64_t)SEC;
    while (!cut(sv[1]) && clock_mono_us() < until) {
        usleep(5000);
    }
    assert_true(clock_mono_us() < until);
    deadlines_remove(d, w);
    deadlines_stop(d);
    close(sv[0]);
    close(sv[1]);
}

static void
test_stop_frees_what_is_left(void **state)
{
    struct deadlines *d;
    (void)state;

    assert_int_equal(deadlines_start(60000, &d), 0);
    (void)deadlines_add(d, -1, 0);
    (void)deadlines_add(d, -1, 0);
    deadlines_stop(d); /* warns; LeakSanitizer checks the rest */
    deadlines_stop(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_cuts_only_the_overdue),
        cmocka_unit_test(test_the_sweeper_runs_by_itself),
        cmocka_unit_test(test_stop_frees_what_is_left),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
