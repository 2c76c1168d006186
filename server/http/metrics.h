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
/* Counts a connection cut because its request missed its deadline (server.c). */
void http_metrics_deadline_cut(void);
/* Appends the http_* families in Prometheus text format. */
NODISCARD int http_metrics_render(struct buf *out);

#endif
