/*
 * Hard limits on what a client may send, in one place (SPEC §6). Exceeding
 * one is answered 400/408/413/414/431, never a crash. Connection-level limits
 * (count, per-IP count, idle timeout) are settings (config.h).
 */
#ifndef PILOTO_CORE_LIMITS_H
#define PILOTO_CORE_LIMITS_H

/*
 * Memory MHD keeps per connection for the request line, headers, parsed
 * query and the response's header block. libmicrohttpd 0.9.75 allocates it
 * when the connection opens and zeroes all of it after every keep-alive
 * request, so it is both the RSS of an idle connection and a memset per
 * request: sized with the header limit, not generously. It holds
 * HTTP_MAX_HEADER_BYTES of headers plus MHD's entry per header and our
 * answer's headers, so that our own layer answers oversized headers with a
 * problem+json 431; MHD's own (bare HTML) answer is for what does not fit.
 * 28 KiB less malloc's 16-byte header: exactly 7 pages once mapped
 * (server.c maps allocations of this size, so a closed connection's pool
 * goes back to the system instead of staying in malloc's heap).
 */
#define HTTP_CONN_MEMORY_LIMIT (28 * 1024 - 16)
/* Bytes of one request line + all headers we accept (checked again ourselves). */
#define HTTP_MAX_HEADER_BYTES (16 * 1024)
#define HTTP_MAX_HEADERS      100
/* Longest path we route. */
#define HTTP_MAX_PATH 2048
/* Query string: bytes and parameters. */
#define HTTP_MAX_QUERY        4096
#define HTTP_MAX_QUERY_PARAMS 32
/*
 * A query with this many '&' is cut before MHD parses it: MHD 0.9.75 puts
 * every parameter in the connection's memory pool and stalls, unanswered,
 * once thousands of them exhaust it (server.c, on_uri).
 */
#define HTTP_QUERY_CUT_SEPARATORS (4 * HTTP_MAX_QUERY_PARAMS)
/* Cookies: pairs parsed from the Cookie header. */
#define HTTP_MAX_COOKIES 50
/* Body of a route that declares none. */
#define HTTP_DEFAULT_BODY_LIMIT 0
/* JSON: nesting depth and the longest string any field may hold. */
#define HTTP_JSON_MAX_DEPTH  16
#define HTTP_JSON_MAX_STRING (64 * 1024)
/* Body bytes read and dropped after a chunked body went over its limit, before cutting. */
#define HTTP_MAX_DISCARD (1024 * 1024)
/*
 * Request deadlines (slow-loris): the request line and headers must arrive
 * within CONNECTION_TIMEOUT of the connection opening or of the previous
 * response; the body within CONNECTION_TIMEOUT of the headers, extended as
 * bytes come at HTTP_MIN_BODY_RATE or faster (Apache mod_reqtimeout's
 * MinRate). Checked every HTTP_DEADLINE_SWEEP_MS.
 */
#define HTTP_MIN_BODY_RATE     500 /* bytes per second */
#define HTTP_DEADLINE_SWEEP_MS 250
/* However fast it started, a body is due this long after the headers at the latest. */
#define HTTP_MAX_BODY_SECONDS 120
/*
 * Added to the headers' deadline so that MHD's own idle timeout (the same
 * CONNECTION_TIMEOUT) closes a merely idle connection first: only a request
 * that kept trickling in is cut (and counted) by the deadline.
 */
#define HTTP_DEADLINE_SLACK_MS 1000
/*
 * Bytes a stream (response_stream) may hold unsent for a slow client before
 * it is closed, and the most one read of the engine takes from it. MHD
 * keeps a block of this size with every open stream's response, so it is
 * small: an event is a few hundred bytes, and a replay just takes more
 * reads (4096 cost ~2.5 MiB more per 1,000 idle streams, events_bench.py).
 */
#define HTTP_STREAM_MAX_PENDING (256 * 1024)
#define HTTP_STREAM_BLOCK       1024
/* Path parameters per route. */
#define HTTP_MAX_PARAMS 4
/* Headers a response may carry beyond the fixed ones. */
#define HTTP_MAX_RESPONSE_HEADERS 32
/* Field errors a validation problem lists. */
#define HTTP_MAX_FIELD_ERRORS 16
/* Incoming X-Request-Id we echo: [A-Za-z0-9._-]{1,64}. */
#define HTTP_MAX_REQUEST_ID 64

#endif
