#include "http/deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "http/metrics.h"

struct deadline_watch {
    struct deadline_watch *prev;
    struct deadline_watch *next;
    int fd;
    _Atomic int64_t due_us;
};

struct deadlines {
    pthread_mutex_t lock; /* guards the list and every watch's fd */
    pthread_cond_t wake;  /* signalled to stop */
    struct deadline_watch *head;
    pthread_t thread;
    unsigned sweep_ms;
    bool stop;
};

unsigned
deadlines_sweep(struct deadlines *d, int64_t now_us)
{
    unsigned cut = 0;

    pthread_mutex_lock(&d->lock);
    for (struct deadline_watch *w = d->head; w; w = w->next) {
        int64_t due = atomic_load(&w->due_us);
        if (due == 0 || due > now_us) {
            continue;
        }
        /* Only once: the engine closes the connection on its next look at it. */
        if (atomic_compare_exchange_strong(&w->due_us, &due, 0)) {
            (void)shutdown(w->fd, SHUT_RDWR);
            http_metrics_cut(HTTP_CUT_DEADLINE);
            cut++;
        }
    }
    pthread_mutex_unlock(&d->lock);
    return cut;
}

static void *
sweeper(void *arg)
{
    struct deadlines *d = arg;

    pthread_mutex_lock(&d->lock);
    while (!d->stop) {
        struct timespec until = clock_mono_after(d->sweep_ms);
        (void)pthread_cond_timedwait(&d->wake, &d->lock, &until);
        if (d->stop) {
            break;
        }
        pthread_mutex_unlock(&d->lock);
        (void)deadlines_sweep(d, clock_mono_us());
        pthread_mutex_lock(&d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

int
deadlines_start(unsigned sweep_ms, struct deadlines **out)
{
    struct deadlines *d = xcalloc(1, sizeof(*d));

    d->sweep_ms = sweep_ms ? sweep_ms : 1;
    pthread_mutex_init(&d->lock, NULL);
    clock_cond_init(&d->wake);
    if (pthread_create(&d->thread, NULL, sweeper, d) != 0) {
        log_msg(LOG_CRITICAL, "cannot start the request deadline sweeper");
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return E_INTERNAL;
    }
    *out = d;
    return 0;
}

void
deadlines_stop(struct deadlines *d)
{
    if (!d) {
        return;
    }
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    /* The engine reports every close before it stops; anything left is freed all the same. */
    while (d->head) {
        struct deadline_watch *w = d->head;
        log_msg(LOG_WARNING, "request deadlines: a connection was never reported closed");
        d->head = w->next;
        free(w);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

struct deadline_watch *
deadlines_add(struct deadlines *d, int fd, int64_t deadline_us)
{
    struct deadline_watch *w = xcalloc(1, sizeof(*w));

    w->fd = fd;
    atomic_init(&w->due_us, deadline_us);
    pthread_mutex_lock(&d->lock);
    w->next = d->head;
    if (d->head) {
        d->head->prev = w;
    }
    d->head = w;
    pthread_mutex_unlock(&d->lock);
    return w;
}

void
deadlines_remove(struct deadlines *d, struct deadline_watch *w)
{
    pthread_mutex_lock(&d->lock);
    if (w->prev) {
        w->prev->next = w->next;
    } else {
        d->head = w->next;
    }
    if (w->next) {
        w->next->prev = w->prev;
    }
    pthread_mutex_unlock(&d->lock);
    free(w);
}

void
deadline_set(struct deadline_watch *w, int64_t deadline_us)
{
    atomic_store(&w->due_us, deadline_us);
}

void
deadline_extend(struct deadline_watch *w, int64_t us, int64_t cap_us)
{
    int64_t due = atomic_load(&w->due_us);

    while (due != 0 && due < cap_us &&
           !atomic_compare_exchange_weak(&w->due_us, &due, due + us < cap_us ? due + us : cap_us)) {
    }
}
