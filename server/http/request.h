/*
 * One HTTP request and its response, as handlers and middleware see them.
 *
 * Lifetime: the http layer creates a request when the engine announces it
 * and frees it (with its arena, body, response and every cleanup registered
 * with request_on_free) when the engine reports it complete. Every pointer a
 * request hands out lives as long as the request, unless said otherwise.
 *
 * Threads: a request is touched by one thread at a time: an I/O thread, or
 * a worker while the connection is suspended (request_defer).
 */
#ifndef PILOTO_HTTP_REQUEST_H
#define PILOTO_HTTP_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/ipaddr.h"
#include "core/str.h"
#include "core/limits.h"
#include "http/parse.h"

struct deadline_watch;

struct MHD_Connection;
struct http_server;
struct app;
struct tenant;
struct route;
struct route_group;
struct json_doc;
struct session;
struct request;
struct http_stream;

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_PATCH = 1 << 4,
    HTTP_DELETE = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
    HTTP_OTHER = 1 << 7,
};

/* A handler's answer that is not an error: the work continues on a worker. */
#define HANDLER_DEFERRED 1

/*
 * A ROUTE_BODY_STREAM handler's first call (the headers are in, the body is
 * not) set the response: it is sent without reading the body.
 */
#define HANDLER_ANSWERED 2

typedef int (*request_fn)(struct request *req);
/*
 * Where the body of a ROUTE_BODY_STREAM route goes as it arrives, instead
 * of req->body: called on an I/O thread with each piece, in order. 0 to go
 * on; an E_* stops keeping the body (what follows is read and dropped) and
 * is the request's answer, on a connection then closed.
 */
typedef int (*request_body_fn)(void *ctx, const void *data, size_t n);
typedef void (*request_work_fn)(struct request *req);
typedef void (*request_cleanup_fn)(void *p);

struct response_header {
    const char *name;
    const char *value;
};

struct field_error {
    const char *field;
    const char *code;
    const char *message;
};

struct response {
    unsigned status; /* 0 until a handler answers */
    const char *content_type;
    struct buf body;
    int fd; /* >= 0: send this file (size fd_size) instead of body */
    uint64_t fd_size;
    struct http_stream *stream; /* non-NULL: an open-ended stream (response_stream) */
    struct response_header headers[HTTP_MAX_RESPONSE_HEADERS];
    size_t nheaders;
};

struct request_cleanup {
    request_cleanup_fn fn;
    void *p;
    struct request_cleanup *next;
};

/* A path parameter: the pattern's {name} and the segment it matched, both views. */
struct path_param {
    struct str name;
    struct str value;
};

struct request {
    struct arena *arena;
    struct app *app;
    struct MHD_Connection *conn;
    struct http_server *server;

    enum http_method method;
    const char *method_text;
    const char *version; /* "HTTP/1.1" */
    struct str path;     /* raw path, checked by parse_check_path */
    struct str query;    /* raw query string without '?' (may be empty) */

    struct ipaddr peer;      /* TCP peer */
    struct ipaddr client_ip; /* peer, or X-Forwarded-For behind a trusted proxy */
    char client_ip_text[IPADDR_TEXT_MAX];
    bool secure; /* https as seen by the client (X-Forwarded-Proto behind a trusted proxy) */
    char request_id[HTTP_MAX_REQUEST_ID + 1];        /* ours, always */
    char client_request_id[HTTP_MAX_REQUEST_ID + 1]; /* the client's X-Request-Id, or "" */
    bool forwarded_bad; /* a trusted proxy's X-Forwarded-For did not parse */
    char trace[80];     /* trace id from X-Cloud-Trace-Context / traceparent, or "" */

    int64_t start_us;
    const struct route_group *group;
    const char *group_name; /* for logs and metrics; set by the router */
    const struct route *route;
    struct path_param params[HTTP_MAX_PARAMS];
    size_t nparams;

    size_t body_limit;
    struct buf body;
    /* ROUTE_BODY_STREAM: true during the handler's first call, before the body. */
    bool body_pending;
    request_body_fn body_sink; /* request_set_body_sink; NULL: the body goes to body */
    void *body_sink_ctx;
    struct json_doc *json; /* set by the JSON middleware for routes that take JSON */
    struct session *session;
    /* Under /api/v1/workspaces/{wid}: who is asking (mw_tenant); NULL elsewhere. */
    const struct tenant *tenant;

    struct response resp;
    int err;          /* the E_* this request ended with, 0 if none */
    const char *note; /* internal detail for the access log, never sent */
    struct field_error field_errors[HTTP_MAX_FIELD_ERRORS];
    size_t nfield_errors;
    int retry_after;   /* seconds, for 429/503; 0 = none */
    const char *allow; /* Allow header for 405 */

    /* Deferred work (request_defer); ctx is the handler's, for work and then. */
    void *ctx;
    request_work_fn work;
    request_fn then;
    int defer_err;
    int state;                    /* private to the http layer */
    int early_err;                /* private: error found before the body was read */
    bool close;                   /* private: close the connection after answering */
    bool streaming;               /* private: answered with a stream, no longer in flight */
    bool chain_done;              /* private: the router ran the chain's before hooks already */
    size_t discarded;             /* private: body bytes dropped after an early error */
    size_t received;              /* private: body bytes read from the client, kept or dropped */
    struct deadline_watch *watch; /* private: the connection's request deadline */
    size_t resp_size;
    struct request_cleanup *cleanups;
    struct kv *cookies; /* parsed on first use; ncookies < 0 until then */
    int ncookies;
    struct kv *qparams;
    int nqparams;
};

/*
 * The id a response carries (X-Request-Id, a problem's requestId): the
 * client's own X-Request-Id when it sent a well-formed one, else ours. The
 * access log has both (clientRequestId, requestId).
 */
const char *request_echo_id(const struct request *req);
/* Value of the first header named name (case-insensitive), or STR_NULL. */
struct str request_header(struct request *req, const char *name);
/*
 * Value of cookie name, or STR_NULL, also when the name is sent more than
 * once (which one is real cannot be told). Parsed once, on first use.
 */
struct str request_cookie(struct request *req, const char *name);
/* Decoded query parameter, or STR_NULL; parsed on first use (bad queries read as empty). */
struct str request_query(struct request *req, const char *name);
/*
 * The path parameter the route's pattern names {name}: a raw, non-empty
 * segment (no '/', not percent-decoded). Asking for a name the pattern
 * lacks is a bug (BUG), not a client error.
 */
struct str request_param(const struct request *req, const char *name);

/*
 * From a ROUTE_BODY_STREAM handler's first call (req->body_pending): the
 * body goes to fn(ctx, piece, n) as it arrives and req->body stays empty.
 * Whatever ctx holds is the handler's to release (request_on_free), also
 * when the client goes away before the end.
 */
void request_set_body_sink(struct request *req, request_body_fn fn, void *ctx);

/* Registers fn(p) to run when the request is freed (LIFO). */
void request_on_free(struct request *req, request_cleanup_fn fn, void *p);
/* Records internal detail for the access log (copied). Never reaches the client. */
void request_note(struct request *req, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Adds a field-level validation error (strings must outlive the request). */
void request_field_error(struct request *req, const char *field, const char *code,
                         const char *message);

/*
 * Runs work(req) on the worker pool, with the connection suspended, then
 * then(req) back on an I/O thread to answer. The work has a deadline
 * (JOB_TIMEOUT_MS); if it cannot start in time, or the pool is full,
 * req->defer_err is set (E_UNAVAILABLE) and then(req) still runs. Returns
 * HANDLER_DEFERRED, which the handler returns as is.
 */
int request_defer(struct request *req, request_work_fn work, request_fn then);

/*
 * Suspends the connection and hands the request to other code (a group
 * commit, say), which calls request_resume(req) exactly once when done,
 * from any thread; then(req) then runs on an I/O thread to answer. Like
 * request_defer without the worker pool: whoever holds the request must
 * resume it within a bounded time (suspended connections never time out).
 * Returns HANDLER_DEFERRED, which the handler returns as is.
 */
int request_suspend(struct request *req, request_fn then);
void request_resume(struct request *req);

/* Response building. Strings are copied into the request's arena. */
void response_header(struct request *req, const char *name, const char *value);
/* Sets or replaces a header. */
void response_set_header(struct request *req, const char *name, const char *value);
const char *response_get_header(const struct request *req, const char *name);
/* status + content type + a copy of (body, len). */
void response_set(struct request *req, unsigned status, const char *content_type, const void *body,
                  size_t len);
/* status + application/json + the bytes in *body (taken over; *body is reset). */
void response_json_buf(struct request *req, unsigned status, struct buf *body);
/* Empty response with status (204, 304...). */
void response_empty(struct request *req, unsigned status);
/*
 * Streams (Server-Sent Events): the response becomes open-ended, written to
 * by any thread through http_stream_write until either side closes it.
 * status + content_type are sent with the headers set so far, and body (if
 * any) as the first bytes. The stream is not an in-flight request (SIGTERM
 * closes streams first, http_server_close_streams), costs no thread while
 * idle (the connection is suspended) and has no idle timeout or deadline.
 * *out holds a reference the caller gives back with http_stream_release;
 * the response holds another until the connection is gone.
 * 0, or E_UNAVAILABLE when the server is draining.
 */
NODISCARD int response_stream(struct request *req, unsigned status, const char *content_type,
                              struct http_stream **out);
/*
 * Queues len bytes on the stream and wakes its connection. 0, or E_UNAVAILABLE
 * when the stream is closed (the client left, close was called, or more
 * than HTTP_STREAM_MAX_PENDING bytes wait unsent: a client that reads too
 * slowly loses its stream and reconnects). Any thread.
 */
NODISCARD int http_stream_write(struct http_stream *st, const void *data, size_t len);
/* Ends the stream once what is queued is sent. Any thread; idempotent. */
void http_stream_close(struct http_stream *st);
/* true once the stream is closed or the client is gone. */
bool http_stream_closed(struct http_stream *st);
/* Gives back the caller's reference. Accepts NULL. */
void http_stream_release(struct http_stream *st);

/*
 * Renders err as application/problem+json (RFC 9457): type, code, title,
 * status, detail, requestId and, for E_VALIDATION, the field errors.
 */
void response_problem(struct request *req, int err, const char *detail);

#endif
