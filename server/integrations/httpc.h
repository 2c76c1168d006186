/*
 * Outbound HTTP and SMTP through libcurl (the only code that includes
 * <curl/curl.h>). Upstream answers are input too: every call has a connect
 * and a total timeout, a cap on the response size, TLS verification on, and
 * HTTPS only, except plain http to a loopback address (tests, local
 * providers). Calls block: run them on the worker pool or a job thread,
 * never on an HTTP I/O thread.
 */
#ifndef PILOTO_INTEGRATIONS_HTTPC_H
#define PILOTO_INTEGRATIONS_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/common.h"

#define HTTPC_MAX_RESPONSE       (1024 * 1024)
#define HTTPC_CONNECT_TIMEOUT_MS 3000
#define HTTPC_TIMEOUT_MS         10000

struct httpc_request {
    const char *method; /* "GET" (default when NULL) or "POST" */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t nheaders;
    const char *body;
    size_t body_len;
    long timeout_ms;     /* 0 = HTTPC_TIMEOUT_MS */
    size_t max_response; /* 0 = HTTPC_MAX_RESPONSE */
};

struct httpc_response {
    long status;
    struct buf body;
    char content_type[128];
};

/* Once at start-up, before threads. 0 or E_INTERNAL. */
NODISCARD int httpc_global_init(void);
void httpc_global_cleanup(void);
/*
 * Shutdown: every transfer running now or started later fails soon (within
 * about a second: curl's progress callback checks it) with E_UNAVAILABLE,
 * so threads blocked on an upstream can be joined. For after the drain
 * deadline; there is no way back.
 */
void httpc_cancel_all(void);
/* true for https URLs, and http ones whose host is a loopback address. */
bool httpc_url_allowed(const char *url);

/*
 * Performs the request. 0 with *out filled (any HTTP status), or
 * E_INVALID (URL not allowed), E_UNAVAILABLE (cannot connect, timeout),
 * E_TOO_LARGE (answer over the cap), E_UPSTREAM (TLS or protocol failure).
 * Release *out with httpc_response_release in every case.
 */
NODISCARD int httpc_do(const struct httpc_request *rq, struct httpc_response *out);
void httpc_response_release(struct httpc_response *r);

/*
 * Sends one message over SMTP: smtp_url is smtp://[user:pass@]host[:port]
 * (STARTTLS when offered; required unless the host is loopback) or
 * smtps://... (implicit TLS). payload is the full RFC 5322 message with CRLF
 * line ends. 0, or E_UNAVAILABLE (cannot connect, timeout, 4xx) or
 * E_UPSTREAM (5xx, TLS failure); detail (if not NULL, cap bytes) gets curl's
 * message for the log, without credentials.
 */
NODISCARD int httpc_smtp_send(const char *smtp_url, const char *from, const char *to,
                              const char *payload, size_t len, char *detail, size_t cap);

#endif
