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
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "core/ipaddr.h"

#define HTTPC_MAX_RESPONSE       (1024 * 1024)
#define HTTPC_CONNECT_TIMEOUT_MS 3000
#define HTTPC_TIMEOUT_MS         10000

/*
 * Which addresses a request may reach. URLs from settings (Google, the Graph
 * API, the LLM) are trusted as the operator wrote them; URLs a user typed
 * (a workspace's CRM endpoint) are not, and are held to one of the two
 * guarded rules against server-side request forgery:
 *
 *   HTTPC_REACH_CONFIGURED  https anywhere, http to a loopback host (the default)
 *   HTTPC_REACH_PUBLIC      production: https only, and only to public addresses
 *                           (ipaddr_get_scope == IPADDR_PUBLIC)
 *   HTTPC_REACH_LOCAL_DEV   dev mode: as PUBLIC, plus http or https to loopback,
 *                           for local testing (SPEC §11)
 *
 * The guarded rules are checked on the address curl is about to connect to,
 * after DNS resolution, in its open-socket callback: the address checked is
 * the address connected to (no second lookup a rebinding DNS server could
 * answer differently), every address of a name is checked, proxies from the
 * environment are ignored, and redirects are never followed (a 3xx is
 * returned as it is). A refused address fails the request with E_FORBIDDEN.
 */
enum httpc_reach {
    HTTPC_REACH_CONFIGURED = 0,
    HTTPC_REACH_PUBLIC,
    HTTPC_REACH_LOCAL_DEV,
};

struct httpc_request {
    const char *method; /* "GET" (default when NULL), "POST" or "DELETE" */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t nheaders;
    const char *body;
    size_t body_len;
    long timeout_ms;     /* 0 = HTTPC_TIMEOUT_MS */
    size_t max_response; /* 0 = HTTPC_MAX_RESPONSE */
    enum httpc_reach reach;
};

struct httpc_response {
    long status;
    struct buf body;
    char content_type[128];
    /*
     * How long the server asked us to wait before trying again, from
     * `retry-after-ms` (milliseconds, as OpenAI sends) or else `Retry-After`
     * (seconds or an HTTP-date, RFC 9110 §10.2.3); -1 when neither is there
     * or readable. Never negative otherwise.
     */
    int64_t retry_after_ms;
    /* `x-should-retry`: 1 (true), 0 (false), -1 absent or anything else. */
    int should_retry;
    /* Seconds the server asked us to wait (Retry-After: delta or HTTP date), or -1. */
    int64_t retry_after_s;
    /* Why a guarded request was refused or failed, for the log and the delivery log (no secrets).
     */
    char detail[160];
};
/* A response not yet filled: no status, an empty body, no Retry-After (-1), safe to release. */
#define HTTPC_RESPONSE_INIT                                                                        \
    {                                                                                              \
        .body = BUF_INIT, .retry_after_s = -1, .retry_after_ms = -1, .should_retry = -1            \
    }

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
 * Checks a URL a user typed before it is stored, as far as it can be without
 * DNS (the address is checked again at every connection): an absolute
 * http(s) URL of at most HTTPC_URL_MAX bytes, without user or password,
 * whose scheme the reach allows, and whose host, when it is an IP literal or
 * a localhost name (RFC 6761), is in an allowed scope. 0, or E_INVALID with
 * a short reason in why (cap bytes), fit for a validation error.
 */
#define HTTPC_URL_MAX 2048
NODISCARD int httpc_check_url(const char *url, enum httpc_reach reach, char *why, size_t cap);

/*
 * Performs the request. 0 with *out filled (any HTTP status), or
 * E_INVALID (URL not allowed), E_FORBIDDEN (a guarded request reached for
 * an address its reach refuses), E_UNAVAILABLE (cannot connect, timeout),
 * E_TOO_LARGE (answer over the cap; out->status is the answer's status when
 * its head had arrived), E_UPSTREAM (TLS or protocol failure); out->detail
 * says why in a few words. Release *out with httpc_response_release in every
 * case.
 */
NODISCARD int httpc_do(const struct httpc_request *rq, struct httpc_response *out);
void httpc_response_release(struct httpc_response *r);

/*
 * The wait an answer asks for (the retry_after_ms rule above), from the
 * values of its `retry-after-ms` and `Retry-After` headers (empty views when
 * absent); now_s is the wall clock for an HTTP-date. Pure apart from the
 * date parser; exposed for tests.
 */
int64_t httpc_retry_after_ms(struct str retry_after_ms, struct str retry_after, int64_t now_s);

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
