#include "core/workpool.h"

#include <pthread.h>

#include "core/clock.h"
#include "core/err.h"

struct task {
    workpool_fn fn;
    void *arg;
    int64_t deadline_ms;
};

struct workpool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t *threads;
    unsigned nthreads;
    struct task *ring; /* circular queue of queue_cap tasks */
    unsigned cap;
    unsigned head;
    unsigned count;
    unsigned running;
    bool stopping;
    uint64_t completed;
    uint64_t expired;
    uint64_t rejected;
};

static void *
worker_main(void *arg)
{
    struct workpool *wp = arg;

    pthread_mutex_lock(&wp->lock);
    for (;;) {
        struct task t;
        bool expired;

        while (wp->count == 0 && !wp->stopping) {
            pthread_cond_wait(&wp->wake, &wp->lock);
        }
        if (wp->count == 0 && wp->stopping) {
            break;
        }
        t = wp->ring[wp->head];
        wp->head = (wp->head + 1) % wp->cap;
        wp->count--;
        wp->running++;
        pthread_mutex_unlock(&wp->lock);

        expired = clock_mono_ms() > t.deadline_ms;
        t.fn(t.arg, expired);

        pthread_mutex_lock(&wp->lock);
        wp->running--;
        if (expired) {
            wp->expired++;
        } else {
            wp->completed++;
        }
    }
    pthread_mutex_unlock(&wp->lock);
    return NULL;
}

struct workpool *
workpool_new(unsigned threads, unsigned queue_cap)
{
    struct workpool *wp = xcalloc(1, sizeof(*wp));

    if (threads == 0) {
        threads = 1;
    }
    if (queue_cap == 0) {
        queue_cap = 1;
    }
    pthread_mutex_init(&wp->lock, NULL);
    pthread_cond_init(&wp->wake, NULL);
    wp->cap = queue_cap;
    wp->ring = xcalloc(queue_cap, sizeof(struct task));
    wp->threads = xcalloc(threads, sizeof(pthread_t));
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&wp->threads[i], NULL, worker_main, wp) != 0) {
            BUG("cannot start worker thread");
        }
        wp->nthreads++;
    }
    return wp;
}

int
workpool_submit(struct workpool *wp, workpool_fn fn, void *arg, int64_t deadline_ms)
{
    int err = 0;

    pthread_mutex_lock(&wp->lock);
    if (wp->stopping || wp->count == wp->cap) {
        wp->rejected++;
        err = E_UNAVAILABLE;
    } else {
        wp->ring[(wp->head + wp->count) % wp->cap] = (struct task){fn, arg, deadline_ms};
        wp->count++;
        pthread_cond_signal(&wp->wake);
    }
    pthread_mutex_unlock(&wp->lock);
    return err;
}

void
workpool_get_stats(struct workpool *wp, struct workpool_stats *out)
{
    pthread_mutex_lock(&wp->lock);
    out->threads = wp->nthreads;
    out->queue_cap = wp->cap;
    out->queued = wp->count;
    out->running = wp->running;
    out->completed = wp->completed;
    out->expired = wp->expired;
    out->rejected = wp->rejected;
    pthread_mutex_unlock(&wp->lock);
}

void
workpool_free(struct workpool *wp)
{
    if (!wp) {
        return;
    }
    pthread_mutex_lock(&wp->lock);
    wp->stopping = true;
    pthread_cond_broadcast(&wp->wake);
    pthread_mutex_unlock(&wp->lock);
    for (unsigned i = 0; i < wp->nthreads; i++) {
        pthread_join(wp->threads[i], NULL);
    }
    pthread_cond_destroy(&wp->wake);
    pthread_mutex_destroy(&wp->lock);
    free(wp->threads);
    free(wp->ring);
    free(wp);
}
