#include "http/server.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strnum.h"
#include "crypto/crypto.h"
#include "http/deadline.h"
#include "core/limits.h"
#include "http/metrics.h"

enum req_state {
    ST_NEW = 0,
    ST_DEFERRED,   /* suspended; a worker owns the request */
    ST_DEFER_DONE, /* the worker finished; answer on the next call */
    ST_ANSWERED,
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_options opt;
    const struct http_dispatch *dispatch;
    atomic_uint inflight;
    struct deadlines *deadlines; /* request deadlines of every connection */
    int listen_fd;               /* ours, handed to MHD */
    int plug_write_fd;           /* the pipe end that keeps the plug quiet while draining */
    atomic_uint nstreams;        /* streams handed to the engine and not yet completed */
    pthread_mutex_t streams_mu;  /* guards streams, streams_refused */
    struct http_stream *streams; /* every stream not yet freed by the engine */
    bool streams_refused;        /* draining: no new stream */
};

/*
 * An open-ended response. The engine pulls bytes with stream_read; when
 * nothing is pending the connection is suspended (no thread, no timeout)
 * until a writer queues bytes and resumes it. Reference counted: the
 * writer's reference and the engine's (dropped by stream_freed).
 */
struct http_stream {
    pthread_mutex_t mu;
    struct http_server *server;
    struct MHD_Connection *conn;
    struct buf pending; /* unsent bytes from off on */
    size_t off;
    bool suspended; /* by stream_read, waiting for a writer */
    bool closed;    /* no more writes: end once pending is sent */
    bool engaged;   /* the engine holds its reference (the response exists) */
    atomic_int refs;
    struct http_stream *prev, *next; /* the server's list, under streams_mu */
};

/* What the header scan found (first call). */
struct header_scan {
    size_t count;
    size_t bytes;
    unsigned content_length_count;
    unsigned host_count;
    unsigned transfer_encoding_count;
    struct str transfer_encoding_value;
    bool transfer_encoding;
    bool bad_bytes;
};

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
            size_t value_size)
{
    struct header_scan *hs = cls;
    (void)kind;

    hs->count++;
    hs->bytes += key_size + value_size + 4;
    /*
     * MHD 0.9.75 lets a NUL or other control byte through inside a value, and
     * a space before the colon ends up in the name: both are smuggling tools.
     */
    if (!str_is_visible(str_make(key, key_size)) || !str_is_visible(str_make(value, value_size)) ||
        memchr(key, ' ', key_size) || memchr(key, '\t', key_size)) {
        hs->bad_bytes = true;
    }
    if (str_eq_nocase(str_make(key, key_size), STR_LIT("Content-Length"))) {
        hs->content_length_count++;
    } else if (str_eq_nocase(str_make(key, key_size), STR_LIT("Transfer-Encoding"))) {
        hs->transfer_encoding = true;
        hs->transfer_encoding_count++;
        hs->transfer_encoding_value = str_make(value, value_size);
    } else if (str_eq_nocase(str_make(key, key_size), STR_LIT("Host"))) {
        hs->host_count++;
    }
    return MHD_YES;
}

/* Rebuilds the raw query string, in order, from the arguments MHD split (not unescaped). */
struct query_collect {
    struct buf b;
    bool over;
};

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
            size_t value_size)
{
    struct query_collect *q = cls;
    int err = 0;
    (void)kind;

    if (q->b.len) {
        err |= buf_addch(&q->b, '&');
    }
    err |= buf_add(&q->b, key, key_size);
    if (value) {
        err |= buf_addch(&q->b, '=');
        err |= buf_add(&q->b, value, value_size);
    }
    if (err) {
        q->over = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static enum http_method
method_of(const char *m)
{
    static const struct {
        const char *name;
        enum http_method m;
    } methods[] = {
        {"GET", HTTP_GET},         {"HEAD", HTTP_HEAD},   {"POST", HTTP_POST},
        {"PUT", HTTP_PUT},         {"PATCH", HTTP_PATCH}, {"DELETE", HTTP_DELETE},
        {"OPTIONS", HTTP_OPTIONS},
    };
    for (size_t i = 0; i < ARRAY_LEN(methods); i++) {
        if (strcmp(m, methods[i].name) == 0) {
            return methods[i].m;
        }
    }
    return HTTP_OTHER;
}

static bool
is_hex(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return s.len > 0;
}

/* Trace id from X-Cloud-Trace-Context ("TRACE/SPAN;o=1") or traceparent ("00-TRACE-SPAN-01"). */
static void
read_trace(struct request *req)
{
    struct str h = request_header(req, "X-Cloud-Trace-Context");
    struct str id = STR_NULL;

    if (h.len) {
        struct str rest = h;
        id = str_cut(&rest, '/');
    } else if ((h = request_header(req, "traceparent")).len == 55) {
        id = str_make(h.ptr + 3, 32);
    }
    if (id.len == 32 && is_hex(id)) {
        memcpy(req->trace, id.ptr, 32);
        req->trace[32] = '\0';
    }
}

static void
identify_client(struct http_server *s, struct request *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    bool trusted = false;

    if (!ci || ipaddr_from_sockaddr(ci->client_addr, &req->peer)) {
        memset(&req->peer, 0, sizeof(req->peer));
    }
    req->client_ip = req->peer;
    for (size_t i = 0; i < s->opt.ntrusted_proxies; i++) {
        if (cidr_contains(&s->opt.trusted_proxies[i], &req->peer)) {
            trusted = true;
            break;
        }
    }
    if (trusted) {
        struct str xff = request_header(req, "X-Forwarded-For");
        struct str proto = request_header(req, "X-Forwarded-Proto");
        struct ipaddr a;
        /* Never the proxy's own address for a request it forwarded: a bad header is a 400. */
        if (xff.len) {
            if (!parse_forwarded_for(xff, s->opt.trusted_proxies, s->opt.ntrusted_proxies, &a)) {
                req->client_ip = a;
            } else {
                memset(&req->client_ip, 0, sizeof(req->client_ip));
                req->forwarded_bad = true;
            }
        }
        req->secure = str_eq_nocase(proto, STR_LIT("https"));
    }
    ipaddr_format(&req->client_ip, req->client_ip_text, sizeof(req->client_ip_text));
}

/*
 * Ours is the request id, always: anyone can send an X-Request-Id. A
 * well-formed one of theirs is kept beside it (logged as clientRequestId).
 */
static void
assign_request_id(struct request *req)
{
    struct str in = request_header(req, "X-Request-Id");
    uint8_t raw[12];

    crypto_random_id(raw, sizeof(raw));
    crypto_hex(raw, sizeof(raw), req->request_id);
    if (parse_is_request_id(in)) {
        memcpy(req->client_request_id, in.ptr, in.len);
        req->client_request_id[in.len] = '\0';
    }
}

static struct request *
request_new(struct http_server *s, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version)
{
    struct arena *a = arena_new();
    struct request *req = arena_alloc(a, sizeof(*req));

    req->arena = a;
    req->app = s->opt.app;
    req->conn = conn;
    req->server = s;
    req->start_us = clock_mono_us();
    req->method = method_of(method);
    req->method_text = arena_strndup(a, method, strlen(method) > 16 ? 16 : strlen(method));
    req->version = arena_strdup(a, version);
    req->path = str_make(arena_strdup(a, url), strlen(url));
    req->query = str_make("", 0);
    req->resp.fd = -1;
    req->ncookies = -1;
    req->nqparams = -1;
    buf_init(&req->body, 0);
    buf_init(&req->resp.body, 0);
    assign_request_id(req);
    read_trace(req);
    identify_client(s, req);
    atomic_fetch_add(&s->inflight, 1);
    http_metrics_inflight_add(1);
    return req;
}

static void stream_unlist(struct http_stream *st);

static void
request_free(struct request *req)
{
    if (req->resp.stream) {
        /* Never handed to the engine (the handler failed after response_stream). */
        http_stream_close(req->resp.stream);
        stream_unlist(req->resp.stream);
        http_stream_release(req->resp.stream);
        req->resp.stream = NULL;
    }
    for (struct request_cleanup *c = req->cleanups; c; c = c->next) {
        c->fn(c->p);
    }
    buf_release(&req->body);
    buf_release(&req->resp.body);
    if (req->resp.fd >= 0) {
        close(req->resp.fd);
    }
    arena_free(req->arena);
}

/* Checks MHD leaves to us (ENGINE.md). 0, or an E_* with *close when the framing is suspect. */
static int
check_request(struct request *req, bool *has_body, uint64_t *content_length, bool *close_now)
{
    struct header_scan hs = {0};
    struct query_collect q = {BUF_INIT, false};
    int err = 0;

    *has_body = false;
    *content_length = 0;
    *close_now = false;
    (void)MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, scan_header, &hs);
    if (hs.bad_bytes || hs.count > HTTP_MAX_HEADERS) {
        *close_now = true;
        request_note(req, "bad header bytes or too many headers");
        return hs.bad_bytes ? E_INVALID : E_HEADERS_TOO_LARGE;
    }
    if (hs.bytes > HTTP_MAX_HEADER_BYTES) {
        *close_now = true;
        return E_HEADERS_TOO_LARGE;
    }
    /*
     * RFC 9112 §6.1: the only transfer coding we take is a lone "chunked";
     * anything else ("gzip, chunked", "chunked, chunked", "xchunked") has a
     * framing we would read differently than the engine: refuse and close.
     */
    if (hs.transfer_encoding &&
        (hs.transfer_encoding_count > 1 ||
         !str_eq_nocase(str_trim(hs.transfer_encoding_value), STR_LIT("chunked")))) {
        *close_now = true;
        request_note(req, "unsupported Transfer-Encoding");
        return E_INVALID;
    }
    if (req->forwarded_bad) {
        *close_now = true;
        request_note(req, "X-Forwarded-For from a trusted proxy does not parse");
        return E_INVALID;
    }
    /* RFC 9112 §6.3: both framings, or two lengths, is how requests get smuggled. */
    if ((hs.transfer_encoding && hs.content_length_count) || hs.content_length_count > 1) {
        *close_now = true;
        request_note(req, "conflicting message framing");
        return E_INVALID;
    }
    /* RFC 9112 §3.2: HTTP/1.1 needs exactly one Host. */
    if ((strcmp(req->version, MHD_HTTP_VERSION_1_1) == 0 && hs.host_count == 0) ||
        hs.host_count > 1) {
        request_note(req, "missing or repeated Host");
        err = E_INVALID;
    }
    if (hs.content_length_count) {
        int64_t n;
        if (strnum_parse(request_header(req, "Content-Length"), 0, INT64_MAX, &n)) {
            *close_now = true;
            return E_INVALID;
        }
        *content_length = (uint64_t)n;
        *has_body = n > 0;
    } else if (hs.transfer_encoding) {
        *has_body = true;
    }
    if (err) {
        return err;
    }
    if ((err = parse_check_path(req->path, HTTP_MAX_PATH))) {
        request_note(req, "rejected path");
        return err;
    }
    q.b.max = HTTP_MAX_QUERY;
    (void)MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
    if (q.over) {
        buf_release(&q.b);
        return E_URI_TOO_LONG;
    }
    req->query = str_make(arena_strndup(req->arena, q.b.ptr, q.b.len), q.b.len);
    buf_release(&q.b);
    return 0;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max);
static void stream_freed(void *cls);

static enum MHD_Result
queue_response(struct request *req, bool close_conn)
{
    struct response *r = &req->resp;
    struct MHD_Response *mr;
    enum MHD_Result ret;

    if (r->stream) {
        struct http_stream *st = r->stream;
        mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK, stream_read, st,
                                               stream_freed);
        if (mr) {
            r->stream = NULL; /* the response's reference now */
            st->conn = req->conn;
            st->engaged = true;
            req->streaming = true;
            /* Not an in-flight request, and never timed out by the engine. */
            (void)MHD_set_connection_option(req->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0U);
            atomic_fetch_add(&req->server->nstreams, 1);
            atomic_fetch_sub(&req->server->inflight, 1);
            http_metrics_inflight_add(-1);
        }
    } else if (r->fd >= 0) {
        mr = MHD_create_response_from_fd64(r->fd_size, r->fd);
        if (mr) {
            r->fd = -1; /* MHD closes it with the response */
        }
        req->resp_size = (size_t)r->fd_size;
    } else {
        size_t len;
        char *p = buf_detach(&r->body, &len);
        req->resp_size = len;
        mr = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
        if (!mr) {
            free(p);
        }
    }
    if (!mr) {
        return MHD_NO;
    }
    if (r->content_type) {
        (void)MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    }
    for (size_t i = 0; i < r->nheaders; i++) {
        (void)MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
    }
    if (close_conn) {
        (void)MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    ret = MHD_queue_response(req->conn, r->status ? r->status : 500, mr);
    MHD_destroy_response(mr);
    req->state = ST_ANSWERED;
    return ret;
}

/* Turns a handler's result into a response, runs the finish hook, queues it. */
static enum MHD_Result
answer(struct http_server *s, struct request *req, int rc, bool close_conn)
{
    if (rc < 0 && req->resp.stream) {
        http_stream_close(req->resp.stream);
        stream_unlist(req->resp.stream);
        http_stream_release(req->resp.stream);
        req->resp.stream = NULL;
    }
    if (rc < 0) {
        response_problem(req, rc, NULL);
    } else if (req->resp.status == 0) {
        request_note(req, "handler returned no response");
        response_problem(req, E_INTERNAL, NULL);
    }
    if (req->resp.status >= 500 && !req->err) {
        req->err = E_INTERNAL;
    }
    s->dispatch->finish(req);
    return queue_response(req, close_conn);
}

/* When the request now starting on a connection must have arrived in full (headers, or body). */
static int64_t
request_due(const struct http_server *s)
{
    return clock_mono_us() + (int64_t)s->opt.connection_timeout_s * 1000000 +
           (int64_t)HTTP_DEADLINE_SLACK_MS * 1000;
}

/* The connection's socket, or -1. */
static int
conn_fd(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

static struct deadline_watch *
conn_watch(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/*
 * The raw request target, before MHD parses its query (MHD_OPTION_URI_LOG_CALLBACK).
 * MHD 0.9.75 stores every query parameter in the connection's memory pool
 * and, once thousands of them exhaust it, stalls with no answer until the
 * timeouts. A query with far more separators than any route takes is cut
 * here at once: there is no way to answer yet, and nobody honest sends it.
 * Always NULL: our request object is made on the first handler call.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    const char *q = strchr(uri, '?');
    size_t seps = 0;
    (void)cls;

    for (; q && *q && seps < HTTP_QUERY_CUT_SEPARATORS; q++) {
        seps += *q == '&';
    }
    if (seps >= HTTP_QUERY_CUT_SEPARATORS) {
        int fd = conn_fd(conn);
        if (fd >= 0) {
            (void)shutdown(fd, SHUT_RDWR);
            http_metrics_cut(HTTP_CUT_QUERY);
        }
    }
    return NULL;
}

/*
 * Every connection is watched from accept to close (http/deadline.h): its
 * first request's headers are due CONNECTION_TIMEOUT after the accept.
 */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        int fd = conn_fd(conn);
        *socket_context = fd >= 0 ? deadlines_add(s->deadlines, fd, request_due(s)) : NULL;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        deadlines_remove(s->deadlines, *socket_context);
        *socket_context = NULL;
    }
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct request *req = *con_cls;
    int rc;

    if (!req) {
        bool has_body;
        bool close_now;
        uint64_t clen;

        req = request_new(s, conn, url, method, version);
        *con_cls = req;
        req->watch = conn_watch(conn);
        rc = check_request(req, &has_body, &clen, &close_now);
        if (!rc) {
            rc = s->dispatch->begin(req);
        }
        if (rc == HANDLER_ANSWERED) {
            if (req->watch) {
                deadline_set(req->watch, 0);
            }
            return answer(s, req, 0, has_body);
        }
        if (!rc && has_body && clen > req->body_limit) {
            rc = E_TOO_LARGE;
            close_now = true;
        }
        if (!rc && has_body && req->body_limit == 0) {
            rc = E_TOO_LARGE;
            close_now = true;
        }
        req->body.max = req->body_limit;
        if (req->watch) {
            /* The headers are in; a body is due in turn, nothing else is. */
            deadline_set(req->watch, has_body && !rc ? request_due(s) : 0);
        }
        if (rc) {
            req->early_err = rc;
            /*
             * Answering before the body is read makes MHD close the
             * connection, which is what a bad or oversized request deserves;
             * a bodiless one is answered on the next call, keeping keep-alive.
             */
            if (close_now || has_body) {
                return answer(s, req, rc, true);
            }
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        req->received += n;
        if (req->watch) {
            deadline_extend(req->watch, (int64_t)n * 1000000 / HTTP_MIN_BODY_RATE,
                            req->start_us + (int64_t)HTTP_MAX_BODY_SECONDS * 1000000);
        }
        if (req->state == ST_ANSWERED) {
            return MHD_YES;
        }
        if (req->early_err) {
            /*
             * A chunked body over the limit: MHD 0.9.75 cannot answer in the
             * middle of an upload, so the rest is read and dropped, up to
             * HTTP_MAX_DISCARD bytes; past that the connection is cut.
             */
            req->discarded += n;
            return req->discarded > HTTP_MAX_DISCARD ? MHD_NO : MHD_YES;
        }
        if (req->body_sink) {
            int err = req->body_sink(req->body_sink_ctx, upload_data, n);
            if (err) {
                req->early_err = err;
                req->close = true;
                req->discarded = n;
                request_note(req, "body refused by its sink: %s", err_name(err));
            }
            return MHD_YES;
        }
        if (buf_add(&req->body, upload_data, n)) {
            req->early_err = E_TOO_LARGE;
            req->close = true;
            req->discarded = n;
            request_note(req, "body over %zu bytes", req->body_limit);
        }
        return MHD_YES;
    }

    if (req->watch && req->state == ST_NEW) {
        deadline_set(req->watch, 0); /* the body is in: the handler has the request */
    }
    switch (req->state) {
    case ST_ANSWERED:
        return MHD_YES;
    case ST_DEFERRED:
        BUG("deferred request called while suspended");
    case ST_DEFER_DONE:
        req->state = ST_NEW;
        rc = req->then(req);
        break;
    default:
        rc = req->early_err ? req->early_err : s->dispatch->run(req);
        break;
    }
    if (rc == HANDLER_DEFERRED) {
        return MHD_YES;
    }
    return answer(s, req, rc, req->close);
}

static void
run_deferred(void *arg, bool expired)
{
    struct request *req = arg;

    if (expired) {
        req->defer_err = E_UNAVAILABLE;
        req->retry_after = 1;
        request_note(req, "worker pool deadline passed");
    } else {
        req->work(req);
    }
    req->state = ST_DEFER_DONE;
    MHD_resume_connection(req->conn);
}

int
request_defer(struct request *req, request_work_fn work, request_fn then)
{
    struct http_server *s = req->server;

    req->work = work;
    req->then = then;
    req->defer_err = 0;
    req->state = ST_DEFERRED;
    /* Suspend first: the worker may resume the connection before submit returns. */
    MHD_suspend_connection(req->conn);
    if (workpool_submit(s->opt.pool, run_deferred, req,
                        clock_mono_ms() + (int64_t)s->opt.job_timeout_ms)) {
        req->defer_err = E_UNAVAILABLE;
        req->retry_after = 1;
        request_note(req, "worker pool full");
        req->state = ST_DEFER_DONE;
        MHD_resume_connection(req->conn);
    }
    return HANDLER_DEFERRED;
}

int
request_suspend(struct request *req, request_fn then)
{
    req->work = NULL;
    req->then = then;
    req->defer_err = 0;
    req->state = ST_DEFERRED;
    MHD_suspend_connection(req->conn);
    return HANDLER_DEFERRED;
}

void
request_resume(struct request *req)
{
    req->state = ST_DEFER_DONE;
    MHD_resume_connection(req->conn);
}

static void
access_log(struct request *req, enum MHD_RequestTerminationCode toe)
{
    struct buf f = BUF_INIT;
    struct buf msg = BUF_INIT;
    struct str ua = request_header(req, "User-Agent");
    unsigned status = req->resp.status;
    int64_t lat = clock_mono_us() - req->start_us;
    enum log_level level = status >= 500 ? LOG_ERROR : LOG_INFO;
    int err = 0;

    if (!log_enabled(level)) {
        return;
    }
    ua = str_utf8_prefix(ua, 256);
    /* The path only: a query string may carry tokens. */
    err |= buf_addstr(&f, "\"httpRequest\":{\"requestMethod\":\"");
    err |= buf_add_json_escaped(&f, str_from_cstr(req->method_text));
    err |= buf_addstr(&f, "\",\"requestUrl\":\"");
    err |= buf_add_json_escaped(&f, str_utf8_prefix(req->path, 512));
    err |= buf_addf(&f,
                    "\",\"requestSize\":\"%zu\",\"status\":%u,\"responseSize\":\"%zu\","
                    "\"userAgent\":\"",
                    req->received, status, req->resp_size);
    err |= buf_add_json_escaped(&f, ua);
    err |= buf_addf(&f, "\",\"remoteIp\":\"%s\",\"latency\":\"%.6fs\",\"protocol\":\"",
                    req->client_ip_text, (double)lat / 1e6);
    err |= buf_add_json_escaped(&f, str_from_cstr(req->version));
    err |= buf_addf(&f, "\"},\"requestId\":\"%s\",\"group\":\"%s\"", req->request_id,
                    req->group_name ? req->group_name : "none");
    if (req->client_request_id[0]) {
        err |= buf_addf(&f, ",\"clientRequestId\":\"%s\"", req->client_request_id);
    }
    if (req->trace[0] && req->server->opt.cloud_project) {
        err |= buf_addf(&f, ",\"logging.googleapis.com/trace\":\"projects/%s/traces/%s\"",
                        req->server->opt.cloud_project, req->trace);
    } else if (req->trace[0]) {
        err |= buf_addf(&f, ",\"logging.googleapis.com/trace\":\"%s\"", req->trace);
    }
    if (req->err) {
        err |= buf_addf(&f, ",\"error\":\"%s\"", err_name(req->err));
    }
    if (req->note) {
        err |= buf_addstr(&f, ",\"note\":\"");
        err |= buf_add_json_escaped(&f, str_from_cstr(req->note));
        err |= buf_addch(&f, '"');
    }
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        err |= buf_addf(&f, ",\"terminated\":%d", (int)toe);
    }
    err |= buf_addf(&msg, "%s ", req->method_text);
    err |= buf_add(&msg, req->path.ptr, str_utf8_prefix(req->path, 200).len);
    err |= buf_addf(&msg, " %u", status);
    if (!err) {
        log_line(level, buf_str(&msg), buf_str(&f));
    }
    buf_release(&f);
    buf_release(&msg);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct request *req = *con_cls;
    (void)conn;

    if (!req) {
        return;
    }
    access_log(req, toe);
    if (req->watch) {
        /* Keep-alive: the next request's headers are due from now. */
        deadline_set(req->watch, request_due(s));
    }
    http_metrics_observe(req->group_name, req->resp.status, clock_mono_us() - req->start_us);
    if (req->streaming) {
        atomic_fetch_sub(&s->nstreams, 1);
    } else {
        atomic_fetch_sub(&s->inflight, 1);
        http_metrics_inflight_add(-1);
    }
    request_free(req);
    *con_cls = NULL;
}

/* The engine wants bytes: pending ones, the end, or nothing yet (suspend until a write). */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct http_stream *st = cls;
    ssize_t n;
    (void)pos;

    pthread_mutex_lock(&st->mu);
    if (st->pending.len > st->off) {
        size_t k = st->pending.len - st->off;
        if (k > max) {
            k = max;
        }
        memcpy(out, st->pending.ptr + st->off, k);
        st->off += k;
        if (st->off == st->pending.len) {
            /* Drained: give a grown buffer back, an idle stream keeps none. */
            buf_release(&st->pending);
            st->pending.max = HTTP_STREAM_MAX_PENDING;
            st->off = 0;
        }
        n = (ssize_t)k;
    } else if (st->closed) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Under the lock: a writer resumes only after this suspension. */
        st->suspended = true;
        MHD_suspend_connection(st->conn);
        n = 0;
    }
    pthread_mutex_unlock(&st->mu);
    return n;
}

static void
stream_list_add(struct http_server *s, struct http_stream *st)
{
    st->prev = NULL;
    st->next = s->streams;
    if (s->streams) {
        s->streams->prev = st;
    }
    s->streams = st;
}

static void
stream_unlist(struct http_stream *st)
{
    struct http_server *s = st->server;

    pthread_mutex_lock(&s->streams_mu);
    if (st->prev || st->next || s->streams == st) {
        if (st->prev) {
            st->prev->next = st->next;
        } else {
            s->streams = st->next;
        }
        if (st->next) {
            st->next->prev = st->prev;
        }
        st->prev = st->next = NULL;
    }
    pthread_mutex_unlock(&s->streams_mu);
}

/* The engine is done with the response (the connection closed or the stream ended). */
static void
stream_freed(void *cls)
{
    struct http_stream *st = cls;

    pthread_mutex_lock(&st->mu);
    st->closed = true;
    st->engaged = false;
    st->suspended = false;
    st->conn = NULL;
    pthread_mutex_unlock(&st->mu);
    stream_unlist(st);
    http_stream_release(st);
}

int
response_stream(struct request *req, unsigned status, const char *content_type,
                struct http_stream **out)
{
    struct http_server *s = req->server;
    struct http_stream *st;

    *out = NULL;
    pthread_mutex_lock(&s->streams_mu);
    if (s->streams_refused) {
        pthread_mutex_unlock(&s->streams_mu);
        return E_UNAVAILABLE;
    }
    st = xcalloc(1, sizeof(*st));
    pthread_mutex_init(&st->mu, NULL);
    st->server = s;
    st->pending = (struct buf)BUF_INIT;
    st->pending.max = HTTP_STREAM_MAX_PENDING;
    atomic_init(&st->refs, 2);
    stream_list_add(s, st);
    pthread_mutex_unlock(&s->streams_mu);
    /* Whatever the handler put in the body goes first. */
    if (req->resp.body.len && buf_add(&st->pending, req->resp.body.ptr, req->resp.body.len)) {
        st->closed = true;
    }
    buf_release(&req->resp.body);
    buf_init(&req->resp.body, 0);
    req->resp.status = status;
    req->resp.content_type = arena_strdup(req->arena, content_type);
    req->resp.stream = st;
    *out = st;
    return 0;
}

int
http_stream_write(struct http_stream *st, const void *data, size_t len)
{
    int err = 0;

    pthread_mutex_lock(&st->mu);
    if (st->closed) {
        err = E_UNAVAILABLE;
    } else if (buf_add(&st->pending, data, len)) {
        /* Too far behind: end the stream; the client reconnects and catches up. */
        st->closed = true;
        err = E_UNAVAILABLE;
    }
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
    pthread_mutex_unlock(&st->mu);
    return err;
}

void
http_stream_close(struct http_stream *st)
{
    pthread_mutex_lock(&st->mu);
    st->closed = true;
    if (st->suspended) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
    pthread_mutex_unlock(&st->mu);
}

bool
http_stream_closed(struct http_stream *st)
{
    bool closed;

    pthread_mutex_lock(&st->mu);
    closed = st->closed;
    pthread_mutex_unlock(&st->mu);
    return closed;
}

void
http_stream_release(struct http_stream *st)
{
    if (st && atomic_fetch_sub(&st->refs, 1) == 1) {
        buf_release(&st->pending);
        pthread_mutex_destroy(&st->mu);
        free(st);
    }
}

unsigned
http_server_streams(struct http_server *s)
{
    return atomic_load(&s->nstreams);
}

void
http_server_close_streams(struct http_server *s)
{
    pthread_mutex_lock(&s->streams_mu);
    s->streams_refused = true;
    for (struct http_stream *st = s->streams; st; st = st->next) {
        http_stream_close(st);
    }
    pthread_mutex_unlock(&s->streams_mu);
}

/* Keeps the path raw: we check and decode it ourselves (parse_check_path). */
static size_t
no_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;
    (void)cls;

    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.')) {
        msg[--n] = '\0';
    }
    log_msg(LOG_WARNING, "http engine: %s", msg);
}

int
http_server_start(const struct http_options *opt, const struct http_dispatch *d,
                  struct http_server **out)
{
    struct http_server *s = xcalloc(1, sizeof(*s));
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    int one = 1;

    s->listen_fd = -1;
    s->plug_write_fd = -1;
    pthread_mutex_init(&s->streams_mu, NULL);
    memset(&ss, 0, sizeof(ss));
    if (strchr(opt->host, ':')) {
        struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons((uint16_t)opt->port);
        if (inet_pton(AF_INET6, opt->host, &sa6->sin6_addr) != 1) {
            goto fail;
        }
        sslen = sizeof(*sa6);
    } else {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)opt->port);
        if (inet_pton(AF_INET, opt->host, &sa->sin_addr) != 1) {
            goto fail;
        }
        sslen = sizeof(*sa);
    }
    /* Our own listening socket, so that draining can unplug it (http_server_quiesce). */
    s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 ||
        setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&ss, sslen) != 0 || listen(s->listen_fd, 1024) != 0) {
        log_errno(LOG_CRITICAL, "cannot listen on %s:%u", opt->host, opt->port);
        goto fail;
    }
    s->opt = *opt;
    s->dispatch = d;
    /*
     * Each connection's memory pool (HTTP_CONN_MEMORY_LIMIT) gets pages of
     * its own, returned when the connection closes: from malloc's heap, the
     * pools of a burst of connections would stay resident after it.
     */
    (void)mallopt(M_MMAP_THRESHOLD, HTTP_CONN_MEMORY_LIMIT);
    if (deadlines_start(HTTP_DEADLINE_SWEEP_MS, &s->deadlines)) {
        goto fail;
    }
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)opt->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_logger, NULL, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)opt->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)opt->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)opt->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)opt->connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)HTTP_CONN_MEMORY_LIMIT, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        log_msg(LOG_CRITICAL, "cannot listen on %s:%u", opt->host, opt->port);
        goto fail;
    }
    *out = s;
    return 0;
fail:
    deadlines_stop(s->deadlines);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    free(s);
    return E_INTERNAL;
}

/*
 * Stops accepting without MHD_quiesce_daemon, which in epoll thread-pool
 * mode races the workers removing the listening socket from their epoll
 * sets and aborts the process (an open libmicrohttpd 0.9.75 defect). Instead
 * the listening socket's descriptor is replaced, with dup2, by the read end
 * of a pipe that never becomes readable: the socket itself is released (so
 * the kernel drops it from every epoll set and new connections are
 * refused), while MHD keeps a valid descriptor it will only close.
 */
void
http_server_quiesce(struct http_server *s)
{
    int plug[2];

    if (s->plug_write_fd >= 0 || pipe(plug) != 0) {
        return;
    }
    if (dup2(plug[0], s->listen_fd) < 0) {
        log_errno(LOG_WARNING, "cannot stop listening");
        close(plug[1]);
    } else {
        s->plug_write_fd = plug[1];
    }
    close(plug[0]);
}

unsigned
http_server_inflight(struct http_server *s)
{
    return atomic_load(&s->inflight);
}

void
http_server_free(struct http_server *s)
{
    if (!s) {
        return;
    }
    MHD_stop_daemon(s->daemon); /* closes every connection: each watch goes */
    deadlines_stop(s->deadlines);
    if (s->plug_write_fd >= 0) {
        close(s->plug_write_fd);
    }
    pthread_mutex_destroy(&s->streams_mu);
    free(s);
}
