#include "http/metrics.h"

#include "core/err.h"

#include <stdatomic.h>

#define MAX_GROUPS 12

/* Status codes we count one by one; anything else falls in the last slot. */
static const unsigned statuses[] = {200, 201, 204, 206, 301, 302, 303, 304, 400, 401, 403, 404, 405,
                                    408, 409, 413, 414, 415, 422, 429, 431, 500, 502, 503, 0};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

/* Latency buckets, seconds (upper bounds), Prometheus "le". */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKET (sizeof(bucket_le) / sizeof(bucket_le[0]))

struct group_metrics {
    _Atomic(const char *) name;
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t buckets[NBUCKET + 1]; /* last = +Inf */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
};

static struct group_metrics groups[MAX_GROUPS];
static atomic_int inflight;
static atomic_uint_fast64_t cuts[HTTP_CUT_COUNT];
static const char *const cut_names[HTTP_CUT_COUNT] = {"deadline", "query"};

static struct group_metrics *
group_slot(const char *name)
{
    if (!name) {
        name = "none";
    }
    for (size_t i = 0; i < MAX_GROUPS; i++) {
        const char *cur = atomic_load(&groups[i].name);
        if (cur == NULL) {
            const char *expected = NULL;
            if (atomic_compare_exchange_strong(&groups[i].name, &expected, name)) {
                return &groups[i];
            }
            cur = expected;
        }
        if (cur == name || strcmp(cur, name) == 0) {
            return &groups[i];
        }
    }
    return &groups[MAX_GROUPS - 1];
}

void
http_metrics_observe(const char *group, unsigned status, int64_t latency_us)
{
    struct group_metrics *g = group_slot(group);
    size_t s = NSTATUS - 1;
    size_t b = NBUCKET;
    double secs = (double)latency_us / 1e6;

    for (size_t i = 0; i + 1 < NSTATUS; i++) {
        if (statuses[i] == status) {
            s = i;
            break;
        }
    }
    for (size_t i = 0; i < NBUCKET; i++) {
        if (secs <= bucket_le[i]) {
            b = i;
            break;
        }
    }
    atomic_fetch_add(&g->by_status[s], 1);
    atomic_fetch_add(&g->buckets[b], 1);
    atomic_fetch_add(&g->sum_us, latency_us > 0 ? (uint64_t)latency_us : 0);
    atomic_fetch_add(&g->count, 1);
}

void
http_metrics_inflight_add(int delta)
{
    atomic_fetch_add(&inflight, delta);
}

void
http_metrics_cut(enum http_cut why)
{
    atomic_fetch_add(&cuts[why], 1);
}

int
http_metrics_render(struct buf *out)
{
    int err = 0;

    err |= buf_addstr(out, "# HELP http_requests_total Requests by route group and status.\n"
                           "# TYPE http_requests_total counter\n");
    for (size_t i = 0; i < MAX_GROUPS; i++) {
        const char *name = atomic_load(&groups[i].name);
        if (!name) {
            continue;
        }
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load(&groups[i].by_status[s]);
            if (!v) {
                continue;
            }
            if (statuses[s]) {
                err |= buf_addf(out, "http_requests_total{group=\"%s\",status=\"%u\"} %llu\n", name,
                                statuses[s], (unsigned long long)v);
            } else {
                err |= buf_addf(out, "http_requests_total{group=\"%s\",status=\"other\"} %llu\n",
                                name, (unsigned long long)v);
            }
        }
    }
    err |= buf_addstr(out, "# HELP http_request_duration_seconds Request latency by route group.\n"
                           "# TYPE http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < MAX_GROUPS; i++) {
        const char *name = atomic_load(&groups[i].name);
        uint64_t cum = 0;
        if (!name) {
            continue;
        }
        for (size_t b = 0; b < NBUCKET; b++) {
            cum += atomic_load(&groups[i].buckets[b]);
            err |=
                buf_addf(out, "http_request_duration_seconds_bucket{group=\"%s\",le=\"%g\"} %llu\n",
                         name, bucket_le[b], (unsigned long long)cum);
        }
        cum += atomic_load(&groups[i].buckets[NBUCKET]);
        err |=
            buf_addf(out, "http_request_duration_seconds_bucket{group=\"%s\",le=\"+Inf\"} %llu\n",
                     name, (unsigned long long)cum);
        err |= buf_addf(out, "http_request_duration_seconds_sum{group=\"%s\"} %.6f\n", name,
                        (double)atomic_load(&groups[i].sum_us) / 1e6);
        err |= buf_addf(out, "http_request_duration_seconds_count{group=\"%s\"} %llu\n", name,
                        (unsigned long long)atomic_load(&groups[i].count));
    }
    err |= buf_addf(out,
                    "# HELP http_requests_in_flight Requests being handled.\n"
                    "# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight %d\n",
                    atomic_load(&inflight));
    err |= buf_addstr(out, "# HELP http_connections_cut_total Connections cut without an answer: "
                           "a request too slow (deadline) or a query far too long (query).\n"
                           "# TYPE http_connections_cut_total counter\n");
    for (size_t i = 0; i < HTTP_CUT_COUNT; i++) {
        err |= buf_addf(out, "http_connections_cut_total{reason=\"%s\"} %llu\n", cut_names[i],
                        (unsigned long long)atomic_load(&cuts[i]));
    }
    return err ? E_INTERNAL : 0;
}
