/*
 * Unit tests for core/workpool: tasks run, a full queue says E_UNAVAILABLE
 * at once, a task whose deadline passed in the queue runs as expired, and
 * free runs everything still queued before it returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "core/workpool.h"

#define FAR_MS 60000

/* A task that blocks its worker until released, so tests can fill the queue. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool started;
    bool open;
};

static struct gate gate;
static atomic_uint ran;
static atomic_uint ran_expired;

static void
gate_reset(void)
{
    pthread_mutex_init(&gate.lock, NULL);
    pthread_cond_init(&gate.cond, NULL);
    gate.started = false;
    gate.open = false;
    atomic_store(&ran, 0);
    atomic_store(&ran_expired, 0);
}

static void
gate_destroy(void)
{
    pthread_cond_destroy(&gate.cond);
    pthread_mutex_destroy(&gate.lock);
}

static void
gate_task(void *arg, bool expired)
{
    (void)arg;
    (void)expired;
    pthread_mutex_lock(&gate.lock);
    gate.started = true;
    pthread_cond_broadcast(&gate.cond);
    while (!gate.open) {
        pthread_cond_wait(&gate.cond, &gate.lock);
    }
    pthread_mutex_unlock(&gate.lock);
}

static void
gate_wait_started(void)
{
    pthread_mutex_lock(&gate.lock);
    while (!gate.started) {
        pthread_cond_wait(&gate.cond, &gate.lock);
    }
    pthread_mutex_unlock(&gate.lock);
}

static void
gate_open(void)
{
    pthread_mutex_lock(&gate.lock);
    gate.open = true;
    pthread_cond_broadcast(&gate.cond);
    pthread_mutex_unlock(&gate.lock);
}

/*
 * Records how each task ran in its own slot: +1 on time, +10 expired, so a
 * task run twice shows. No cmocka asserts here: this runs on a worker thread.
 */
#define ON_TIME 1
#define EXPIRED 10

static void
count_task(void *arg, bool expired)
{
    int *slot = arg;

    *slot += expired ? EXPIRED : ON_TIME;
    if (expired) {
        atomic_fetch_add(&ran_expired, 1);
    } else {
        atomic_fetch_add(&ran, 1);
    }
}

/* Waits until the pool has nothing queued or running. */
static void
wait_idle(struct workpool *wp, struct workpool_stats *st)
{
    for (int i = 0; i < 5000; i++) {
        workpool_get_stats(wp, st);
        if (st->queued == 0 && st->running == 0) {
            return;
        }
        usleep(1000);
    }
    fail_msg("work pool never went idle");
}

static void
check_stats(const struct workpool_stats *st)
{
    assert_true(st->queued <= st->queue_cap);
    assert_true(st->running <= st->threads);
}

static void
test_tasks_run(void **state)
{
    struct workpool *wp = workpool_new(3, 64);
    struct workpool_stats st;
    int slots[50] = {0};
    (void)state;

    gate_reset();
    workpool_get_stats(wp, &st);
    check_stats(&st);
    assert_int_equal(st.threads, 3);
    assert_int_equal(st.queue_cap, 64);
    for (size_t i = 0; i < ARRAY_LEN(slots); i++) {
        assert_int_equal(workpool_submit(wp, count_task, &slots[i], clock_mono_ms() + FAR_MS), 0);
        workpool_get_stats(wp, &st);
        check_stats(&st);
    }
    wait_idle(wp, &st);
    check_stats(&st);
    assert_int_equal(st.completed, ARRAY_LEN(slots));
    assert_int_equal(st.expired, 0);
    assert_int_equal(st.rejected, 0);
    workpool_free(wp);
    for (size_t i = 0; i < ARRAY_LEN(slots); i++) {
        assert_int_equal(slots[i], ON_TIME);
    }
    assert_int_equal(atomic_load(&ran), ARRAY_LEN(slots));
    gate_destroy();
}

static void
test_queue_full(void **state)
{
    struct workpool *wp = workpool_new(1, 2);
    struct workpool_stats st;
    int slots[3] = {0};
    (void)state;

    gate_reset();
    assert_int_equal(workpool_submit(wp, gate_task, NULL, clock_mono_ms() + FAR_MS), 0);
    gate_wait_started();
    /* The only worker is busy: two fit in the queue, the third is refused at once. */
    assert_int_equal(workpool_submit(wp, count_task, &slots[0], clock_mono_ms() + FAR_MS), 0);
    assert_int_equal(workpool_submit(wp, count_task, &slots[1], clock_mono_ms() + FAR_MS), 0);
    assert_int_equal(workpool_submit(wp, count_task, &slots[2], clock_mono_ms() + FAR_MS),
                     E_UNAVAILABLE);
    workpool_get_stats(wp, &st);
    check_stats(&st);
    assert_int_equal(st.queued, 2);
    assert_int_equal(st.running, 1);
    assert_int_equal(st.rejected, 1);

    gate_open();
    wait_idle(wp, &st);
    assert_int_equal(st.completed, 3);
    assert_int_equal(st.rejected, 1);
    /* Room again once drained. */
    assert_int_equal(workpool_submit(wp, count_task, &slots[2], clock_mono_ms() + FAR_MS), 0);
    workpool_free(wp);
    assert_int_equal(slots[0], ON_TIME);
    assert_int_equal(slots[1], ON_TIME);
    assert_int_equal(slots[2], ON_TIME);
    gate_destroy();
}

static void
test_expired(void **state)
{
    struct workpool *wp = workpool_new(1, 4);
    struct workpool_stats st;
    int late = 0;
    int on_time = 0;
    (void)state;

    gate_reset();
    assert_int_equal(workpool_submit(wp, gate_task, NULL, clock_mono_ms() + FAR_MS), 0);
    gate_wait_started();
    /* Queued behind a busy worker with a deadline already gone: runs, but as expired. */
    assert_int_equal(workpool_submit(wp, count_task, &late, clock_mono_ms() - 1), 0);
    assert_int_equal(workpool_submit(wp, count_task, &on_time, clock_mono_ms() + FAR_MS), 0);
    usleep(5000);
    gate_open();
    wait_idle(wp, &st);
    check_stats(&st);
    assert_int_equal(late, EXPIRED);
    assert_int_equal(on_time, ON_TIME);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.completed, 2); /* the gate and on_time */
    assert_int_equal(atomic_load(&ran_expired), 1);
    workpool_free(wp);
    gate_destroy();
}

static void *
open_later(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    gate_open();
    return NULL;
}

static void
test_free_drains(void **state)
{
    struct workpool *wp = workpool_new(2, 16);
    int slots[10] = {0};
    pthread_t opener;
    (void)state;

    gate_reset();
    assert_int_equal(workpool_submit(wp, gate_task, NULL, clock_mono_ms() + FAR_MS), 0);
    assert_int_equal(workpool_submit(wp, gate_task, NULL, clock_mono_ms() + FAR_MS), 0);
    for (size_t i = 0; i < ARRAY_LEN(slots); i++) {
        assert_int_equal(workpool_submit(wp, count_task, &slots[i], clock_mono_ms() + FAR_MS), 0);
    }
    /* free is called while every task is still queued behind the gates. */
    assert_int_equal(pthread_create(&opener, NULL, open_later, NULL), 0);
    workpool_free(wp);
    assert_int_equal(pthread_join(opener, NULL), 0);
    for (size_t i = 0; i < ARRAY_LEN(slots); i++) {
        assert_int_equal(slots[i], ON_TIME);
    }
    workpool_free(NULL);
    gate_destroy();
}

static void
test_zero_sizes(void **state)
{
    /* Zero threads or capacity means one, not a pool that can never run anything. */
    struct workpool *wp = workpool_new(0, 0);
    struct workpool_stats st;
    int slot = 0;
    (void)state;

    gate_reset();
    workpool_get_stats(wp, &st);
    assert_int_equal(st.threads, 1);
    assert_int_equal(st.queue_cap, 1);
    assert_int_equal(workpool_submit(wp, count_task, &slot, clock_mono_ms() + FAR_MS), 0);
    workpool_free(wp);
    assert_int_equal(slot, ON_TIME);
    gate_destroy();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tasks_run),  cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_expired),    cmocka_unit_test(test_free_drains),
        cmocka_unit_test(test_zero_sizes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
