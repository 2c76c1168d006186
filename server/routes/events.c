#include "routes/events.h"

#include <pthread.h>
#include <stdatomic.h>

#include "app.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strnum.h"
#include "events/events.h"
#include "middleware/cookies.h"
#include "session/session.h"
#include "workspaces/workspaces.h"

/* Events read from the log per catch-up round of one stream. */
#define HUB_REPLAY_BATCH 200
/*
 * The hub thread's tick, and how often it reads the heads of the open
 * workspaces: the safety net behind the notifications (often when there is
 * no subscription).
 */
#define HUB_TICK_MS        1000
#define HUB_POLL_MS        200
#define HUB_POLL_NOTIFY_MS 5000
/* What a browser waits before reconnecting (the stream's retry: field). */
#define EVENTS_RETRY_MS 3000

struct sub {
    struct http_stream *st;
    char workspace_id[WS_ID_SIZE];
    char user_id[ACCOUNT_ID_SIZE];
    char token[SESSION_TOKEN_SIZE];
    int64_t last_id; /* the last event written to the stream */
    bool catchup;    /* the log holds events the stream has not had */
    int64_t next_ping_ms;
    int64_t next_check_ms;
    struct sub *next;
};

struct events_hub {
    const struct config *cfg;
    struct db *db;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sub *subs; /* added by handlers; removed by the hub thread only */
    size_t nsubs;
    bool work; /* a catch-up is waiting */
    bool stop;
    struct db_subscription *subscription; /* EVENTS_CHANNEL (db_subscribe) */
    pthread_t thread;
};

/* Writes bytes to a subscriber's stream; a closed stream is dropped by the next sweep. */
static void
sub_write(struct sub *s, const void *p, size_t n)
{
    if (http_stream_write(s->st, p, n)) {
        return; /* closed: the next sweep drops it */
    }
}

void
events_hub_on_note(void *arg, const char *payload)
{
    struct events_hub *h = arg;
    struct str wid;
    int64_t id = 0;

    pthread_mutex_lock(&h->mu);
    if (!payload) {
        /* Notifications may have been lost: every stream looks at the log. */
        for (struct sub *s = h->subs; s; s = s->next) {
            s->catchup = true;
        }
        h->work = true;
    } else if (events_parse_note(payload, &wid, &id)) {
        for (struct sub *s = h->subs; s; s = s->next) {
            if (s->last_id < id && str_eq_cstr(wid, s->workspace_id)) {
                s->catchup = true;
                h->work = true;
            }
        }
    }
    if (h->work) {
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
}

/* Does s belong to the catch-up group (workspace wid, at event after)? Under h->mu. */
static bool
in_group(const struct sub *s, const char *wid, int64_t after)
{
    return s->catchup && s->last_id == after && strcmp(s->workspace_id, wid) == 0;
}

/*
 * Brings the streams behind up to the log, one read per group of streams
 * of a workspace at the same event (all the streams of a workspace, as a
 * rule): the events are rendered once and written to each. Hub thread,
 * called and returning with h->mu held; the database outside it.
 */
static void
catch_up_locked(struct events_hub *h)
{
    for (;;) {
        char wid[WS_ID_SIZE];
        struct arena *a;
        struct event *evs = NULL;
        struct buf b = BUF_INIT;
        size_t n = 0;
        bool reset = false;
        int64_t head = 0;
        int64_t after;
        struct sub *first = h->subs;
        int err;

        while (first && !first->catchup) {
            first = first->next;
        }
        if (!first || h->stop) {
            return;
        }
        memcpy(wid, first->workspace_id, sizeof(wid));
        after = first->last_id;
        pthread_mutex_unlock(&h->mu);
        a = arena_new();
        err = events_since(h->db, wid, after, HUB_REPLAY_BATCH, a, &evs, &n, &reset, &head);
        if (!err && reset) {
            err = events_render(&b, head, STR_LIT("reset"), STR_LIT("{}"));
        }
        for (size_t i = 0; !err && !reset && i < n; i++) {
            err = events_render(&b, evs[i].id, str_from_cstr(evs[i].kind),
                                str_from_cstr(evs[i].data));
        }
        pthread_mutex_lock(&h->mu);
        if (err) {
            /* Left behind; the next tick tries again. */
            buf_release(&b);
            arena_free(a);
            return;
        }
        for (struct sub *s = h->subs; s; s = s->next) {
            if (!in_group(s, wid, after)) {
                continue;
            }
            if (b.len) {
                sub_write(s, b.ptr, b.len);
            }
            s->last_id = reset ? head : (n ? evs[n - 1].id : after);
            /* A full batch: more may follow. */
            s->catchup = !reset && n == HUB_REPLAY_BATCH;
        }
        buf_release(&b);
        arena_free(a);
    }
}

/* Is the stream's session still live and its user still a member? Hub thread. */
static void
recheck(struct events_hub *h, struct sub *s)
{
    struct session sess;
    struct tenant t;
    /* No cache: the re-check is what ends a revoked session's stream. */
    int err = session_lookup(h->db, NULL, h->cfg, str_from_cstr(s->token), clock_wall_s(), &sess);

    if (!err && strcmp(sess.user_id, s->user_id) != 0) {
        err = E_UNAUTHENTICATED;
    }
    if (!err) {
        err = workspaces_resolve(h->db, s->user_id, str_from_cstr(s->workspace_id), &t);
    }
    if (err == E_UNAUTHENTICATED || err == E_NOT_FOUND) {
        http_stream_close(s->st);
    }
}

/* Drops the subscribers whose stream ended. Hub thread, under h->mu. */
static void
sweep_locked(struct events_hub *h)
{
    struct sub **pp = &h->subs;

    while (*pp) {
        struct sub *s = *pp;
        if (http_stream_closed(s->st)) {
            *pp = s->next;
            http_stream_release(s->st);
            explicit_bzero(s->token, sizeof(s->token));
            free(s);
            h->nsubs--;
        } else {
            pp = &s->next;
        }
    }
}

/*
 * Safety net behind the notifications: one read of the heads of all the
 * open workspaces; the streams behind theirs are caught up. Hub thread, without h->mu.
 */
static void
poll_heads(struct events_hub *h)
{
    char(*wids)[WS_ID_SIZE];
    int64_t *heads;
    size_t n = 0;
    size_t cap;

    pthread_mutex_lock(&h->mu);
    cap = h->nsubs;
    if (cap == 0) {
        pthread_mutex_unlock(&h->mu);
        return;
    }
    wids = xcalloc(cap, sizeof(*wids));
    heads = xcalloc(cap, sizeof(*heads));
    for (struct sub *s = h->subs; s; s = s->next) {
        size_t i = 0;
        while (i < n && strcmp(wids[i], s->workspace_id) != 0) {
            i++;
        }
        if (i == n && n < cap) {
            memcpy(wids[n++], s->workspace_id, sizeof(s->workspace_id));
        }
    }
    pthread_mutex_unlock(&h->mu);
    /* One statement for all of them (per EVENTS_HEADS_BATCH); a failure waits for the next poll. */
    if (events_heads(h->db, &wids[0][0], sizeof(wids[0]), n, heads)) {
        n = 0;
    }
    pthread_mutex_lock(&h->mu);
    for (struct sub *s = h->subs; s; s = s->next) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(wids[i], s->workspace_id) == 0 && heads[i] > s->last_id) {
                s->catchup = true;
                h->work = true;
            }
        }
    }
    pthread_mutex_unlock(&h->mu);
    free(wids);
    free(heads);
}

static void *
hub_main(void *arg)
{
    struct events_hub *h = arg;
    int64_t period = h->subscription ? HUB_POLL_NOTIFY_MS : HUB_POLL_MS;
    int64_t next_poll = clock_mono_ms() + period;

    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        int64_t now = clock_mono_ms();
        struct sub *s;

        sweep_locked(h);
        /* Keep-alives: a comment line, which EventSource ignores. */
        for (s = h->subs; s; s = s->next) {
            if (now >= s->next_ping_ms) {
                static const char ping[] = ": keep-alive\n\n";
                sub_write(s, ping, sizeof(ping) - 1);
                s->next_ping_ms = now + (int64_t)h->cfg->events_keepalive_s * 1000;
            }
        }
        /*
         * Catch-ups and re-checks use the database: outside the lock. Only
         * this thread removes subscribers, so s stays valid meanwhile.
         */
        h->work = false;
        catch_up_locked(h);
        for (s = h->subs; s && !h->stop; s = s->next) {
            if (now >= s->next_check_ms) {
                s->next_check_ms = now + (int64_t)h->cfg->events_recheck_s * 1000;
                pthread_mutex_unlock(&h->mu);
                recheck(h, s);
                pthread_mutex_lock(&h->mu);
            }
        }
        if (now >= next_poll) {
            next_poll = now + period;
            pthread_mutex_unlock(&h->mu);
            poll_heads(h);
            pthread_mutex_lock(&h->mu);
        }
        if (!h->work && !h->stop) {
            int64_t wait = next_poll - clock_mono_ms();
            struct timespec until =
                clock_mono_after(wait < 1 ? 1 : (wait > HUB_TICK_MS ? HUB_TICK_MS : wait));
            (void)pthread_cond_timedwait(&h->cv, &h->mu, &until);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

struct events_hub *
events_hub_start(const struct config *cfg, struct db *db)
{
    struct events_hub *h = xcalloc(1, sizeof(*h));

    h->cfg = cfg;
    h->db = db;
    pthread_mutex_init(&h->mu, NULL);
    clock_cond_init(&h->cv);
    if (db_subscribe(db, EVENTS_CHANNEL, events_hub_on_note, h, &h->subscription)) {
        /* The poll still brings every event, later: worth a warning, not a refusal to start. */
        log_msg(LOG_WARNING, "events: cannot subscribe to %s; streams rely on polling",
                EVENTS_CHANNEL);
        h->subscription = NULL;
    }
    if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
        BUG("cannot start the events hub thread");
    }
    return h;
}

void
events_hub_stop(struct events_hub *h)
{
    if (!h) {
        return;
    }
    if (h->subscription) {
        db_unsubscribe(h->subscription); /* no callback runs after this */
    }
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    for (struct sub *s = h->subs; s; s = s->next) {
        http_stream_close(s->st);
    }
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    while (h->subs) {
        struct sub *s = h->subs;
        h->subs = s->next;
        http_stream_release(s->st);
        free(s);
    }
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/* Streams open now in all, and of user_id. Under h->mu. */
static void
count_locked(struct events_hub *h, const char *user_id, size_t *all, size_t *mine)
{
    *all = 0;
    *mine = 0;
    for (struct sub *s = h->subs; s; s = s->next) {
        if (http_stream_closed(s->st)) {
            continue;
        }
        (*all)++;
        *mine += strcmp(s->user_id, user_id) == 0;
    }
}

int
events_stream(struct request *req)
{
    struct events_hub *h = req->app->events;
    const struct config *cfg = req->app->cfg;
    struct str last = str_trim(request_header(req, "Last-Event-ID"));
    struct str token = cookies_get(req, COOKIE_SESSION);
    struct sub *s;
    size_t all, mine;
    int64_t from = 0;
    bool replay = false;
    int err;

    if (!h || !req->tenant || !req->session) {
        return E_UNAVAILABLE;
    }
    if (last.len) {
        /* An id we cannot read (not ours, or mangled) is treated as far behind: a reset. */
        if (strnum_parse(last, 0, INT64_MAX, &from)) {
            from = -1;
        }
        replay = true;
    } else if ((err = events_head(req->app->db, req->tenant->workspace_id, &from))) {
        return err;
    }
    s = xcalloc(1, sizeof(*s));
    str_copy_to(str_from_cstr(req->tenant->workspace_id), s->workspace_id, sizeof(s->workspace_id));
    str_copy_to(str_from_cstr(req->tenant->user_id), s->user_id, sizeof(s->user_id));
    str_copy_to(token, s->token, sizeof(s->token));
    s->last_id = from;
    s->catchup = replay;
    s->next_ping_ms = clock_mono_ms() + (int64_t)cfg->events_keepalive_s * 1000;
    s->next_check_ms = clock_mono_ms() + (int64_t)cfg->events_recheck_s * 1000;

    pthread_mutex_lock(&h->mu);
    count_locked(h, s->user_id, &all, &mine);
    if (all >= cfg->events_max_streams || mine >= cfg->events_max_streams_per_user) {
        pthread_mutex_unlock(&h->mu);
        explicit_bzero(s->token, sizeof(s->token));
        free(s);
        request_note(req, "event streams: %zu open, %zu of this user", all, mine);
        req->retry_after = 10;
        return E_TOO_MANY_STREAMS;
    }
    response_set_header(req, "Cache-Control", "no-store");
    response_set_header(req, "X-Accel-Buffering", "no");
    {
        char first[64];
        int k = snprintf(first, sizeof(first), "retry: %d\n\n", EVENTS_RETRY_MS);
        response_set(req, 200, "text/event-stream", first, (size_t)k);
    }
    if ((err = response_stream(req, 200, "text/event-stream; charset=utf-8", &s->st))) {
        pthread_mutex_unlock(&h->mu);
        explicit_bzero(s->token, sizeof(s->token));
        free(s);
        req->retry_after = 1;
        return err;
    }
    s->next = h->subs;
    h->subs = s;
    h->nsubs++;
    if (s->catchup) {
        h->work = true;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return 0;
}
