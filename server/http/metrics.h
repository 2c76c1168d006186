/*
 * Request metrics kept by the http layer: counts by route group and status,
 * a latency histogram per group, and requests in flight. Lock-free counters;
 * rendered as Prometheus text by http_metrics_render.
 */
#ifndef PILOTO_HTTP_METRICS_H
#define PILOTO_HTTP_METRICS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"

/* Records one finished request of group (NULL = "none") with status after latency_us. */
void http_metrics_observe(const char *group, unsigned status, int64_t latency_us);
void http_metrics_inflight_add(int delta);
/* Why the server cut a connection without answering (server.c, deadline.c). */
enum http_cut {
    HTTP_CUT_DEADLINE, /* the request's headers or body came too slowly */
    HTTP_CUT_QUERY,    /* a query with far more parameters than any route takes */
    HTTP_CUT_COUNT
};
void http_metrics_cut(enum http_cut why);
/* Appends the http_* families in Prometheus text format. */
NODISCARD int http_metrics_render(struct buf *out);

#endif
