/*
 * The HTTP engine: libmicrohttpd in its epoll thread-pool mode (the only
 * code that includes <microhttpd.h>, with request.c). It owns connections,
 * limits, timeouts, suspend/resume for deferred work, the access log and the
 * request metrics; what a request means is the dispatcher's business
 * (router/), so this module knows nothing of routes or policies.
 *
 * Lifecycle: http_server_start -> (serving) -> http_server_quiesce (stop
 * accepting) -> http_server_close_streams -> wait for http_server_inflight() == 0 -> drain the
 * worker pool
 * -> http_server_free.
 */
#ifndef PILOTO_HTTP_SERVER_H
#define PILOTO_HTTP_SERVER_H

#include "core/common.h"
#include "core/ipaddr.h"
#include "core/workpool.h"
#include "http/request.h"

struct http_server;

struct http_dispatch {
    /*
     * Headers are in, the body is not: resolve the route, set
     * req->group/route/body_limit (and, for a streamed body, its sink). 0,
     * an E_* to answer without reading the body, or HANDLER_ANSWERED when
     * the response is already set (sent without reading the body).
     */
    int (*begin)(struct request *req);
    /* The body is in: run the middleware chain and the handler. 0, E_* or HANDLER_DEFERRED. */
    int (*run)(struct request *req);
    /* Every response, errors included, passes here last (headers of the group's policy). */
    void (*finish)(struct request *req);
};

struct http_options {
    const char *host;
    unsigned port;
    unsigned threads;
    unsigned max_connections;
    unsigned max_connections_per_ip;
    unsigned connection_timeout_s;
    unsigned job_timeout_ms;
    const struct cidr *trusted_proxies;
    size_t ntrusted_proxies;
    struct app *app;
    struct workpool *pool;
    const char
        *cloud_project; /* access logs link traces as projects/<it>/traces/<id>; may be NULL */
};

/* Binds and starts serving. 0 or E_INTERNAL (logged: e.g. the port is taken). */
NODISCARD int http_server_start(const struct http_options *opt, const struct http_dispatch *d,
                                struct http_server **out);
/* Stops accepting new connections; requests in flight go on. */
void http_server_quiesce(struct http_server *s);
/* Requests received and not yet completed (open streams are not counted). */
unsigned http_server_inflight(struct http_server *s);
/* Open streams (response_stream). */
unsigned http_server_streams(struct http_server *s);
/*
 * Refuses new streams and closes every open one (their clients see the end
 * of the stream and reconnect elsewhere): the first step of a drain.
 */
void http_server_close_streams(struct http_server *s);
/* Stops the engine (closing every connection) and frees. Accepts NULL. */
void http_server_free(struct http_server *s);

#endif
