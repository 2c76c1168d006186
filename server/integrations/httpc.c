#include "integrations/httpc.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/origin.h"

int
httpc_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : E_INTERNAL;
}

void
httpc_global_cleanup(void)
{
    curl_global_cleanup();
}

/* Set by httpc_cancel_all: every transfer's progress callback aborts it. */
static atomic_bool cancelled;

void
httpc_cancel_all(void)
{
    atomic_store(&cancelled, true);
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)arg;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load(&cancelled) ? 1 : 0;
}

/* What every transfer shares: timeouts and the shutdown switch. */
static void
set_common(CURL *c, long timeout_ms)
{
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTPC_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
}

static bool
host_is_loopback(const char *url, const char *scheme)
{
    /* Reuse the origin parser: the authority of "scheme://host[:port]/..." as an http origin. */
    struct origin o;
    struct str path;
    char tmp[512];
    const char *rest = url + strlen(scheme);

    (void)snprintf(tmp, sizeof(tmp), "http://%s", rest);
    {
        char *q = strpbrk(tmp + 7, "?#");
        if (q) {
            *q = '\0';
        }
    }
    return origin_parse_url(str_from_cstr(tmp), &o, &path) == 0 && origin_is_loopback(&o);
}

bool
httpc_url_allowed(const char *url)
{
    if (strncmp(url, "https://", 8) == 0) {
        return true;
    }
    return strncmp(url, "http://", 7) == 0 && host_is_loopback(url, "http://");
}

/* A host that is a localhost name (RFC 6761 §6.3: "localhost" and every name under it). */
static bool
is_localhost_name(const char *host)
{
    size_t n = strlen(host);
    const char *suffix = ".localhost";
    size_t sn = strlen(suffix);

    if (n && host[n - 1] == '.') {
        n--; /* the absolute form "localhost." */
    }
    return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
           (n > sn && strncasecmp(host + n - sn, suffix, sn) == 0);
}

/* Whether reach lets a connection to an address of scope s over http (plain) or https. */
static bool
reach_allows(enum httpc_reach reach, bool plain, enum ipaddr_scope s)
{
    switch (reach) {
    case HTTPC_REACH_PUBLIC:
        return !plain && s == IPADDR_PUBLIC;
    case HTTPC_REACH_LOCAL_DEV:
        return s == IPADDR_LOOPBACK || (!plain && s == IPADDR_PUBLIC);
    case HTTPC_REACH_CONFIGURED:
    default:
        return true;
    }
}

static const char *
scope_name(enum ipaddr_scope s)
{
    return s == IPADDR_LOOPBACK ? "loopback" : s == IPADDR_INTERNAL ? "internal" : "public";
}

int
httpc_check_url(const char *url, enum httpc_reach reach, char *why, size_t cap)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    char *host = NULL;
    char *user = NULL;
    char *password = NULL;
    bool plain;
    int err = E_INVALID;

    (void)snprintf(why, cap, "must be an absolute http or https URL");
    if (!u) {
        return E_INTERNAL;
    }
    if (strlen(url) > HTTPC_URL_MAX) {
        (void)snprintf(why, cap, "longer than %d bytes", HTTPC_URL_MAX);
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0]) {
        goto out;
    }
    plain = strcmp(scheme, "http") == 0;
    if (!plain && strcmp(scheme, "https") != 0) {
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        (void)snprintf(why, cap, "must not carry a user or password");
        goto out;
    }
    if (plain && reach == HTTPC_REACH_PUBLIC) {
        (void)snprintf(why, cap, "must be https");
        goto out;
    }
    {
        /* IP literals come back bracketed for IPv6 ("[::1]"). */
        struct str h = str_from_cstr(host);
        struct ipaddr ip;
        enum ipaddr_scope s = IPADDR_PUBLIC;

        if (h.len > 2 && h.ptr[0] == '[') {
            h = str_make(h.ptr + 1, h.len - 2);
        }
        if (is_localhost_name(host)) {
            s = IPADDR_LOOPBACK;
        } else if (ipaddr_parse(h, &ip) == 0) {
            s = ipaddr_get_scope(&ip);
        }
        if (!reach_allows(reach, plain, s)) {
            (void)snprintf(why, cap,
                           plain && s == IPADDR_PUBLIC ? "must be https unless on loopback"
                                                       : "must not point to a %s address",
                           scope_name(s));
            goto out;
        }
    }
    why[0] = '\0';
    err = 0;
out:
    curl_free(password);
    curl_free(user);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return err;
}

/* The open-socket callback's state: the rule, and what it refused. */
struct guard {
    enum httpc_reach reach;
    bool plain;
    bool refused;
    char addr[IPADDR_TEXT_MAX];
    enum ipaddr_scope scope;
};

/*
 * curl calls this for every address it is about to connect to, after its own
 * DNS resolution: the one place where the address checked is the address
 * used. Returning CURL_SOCKET_BAD makes curl try the name's next address, and
 * fail with CURLE_COULDNT_CONNECT when none is left.
 */
static curl_socket_t
on_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct guard *g = arg;
    struct ipaddr ip;
    enum ipaddr_scope s;

    if (purpose != CURLSOCKTYPE_IPCXN || ipaddr_from_sockaddr(&a->addr, &ip)) {
        g->refused = true;
        (void)snprintf(g->addr, sizeof(g->addr), "(not IP)");
        return CURL_SOCKET_BAD;
    }
    s = ipaddr_get_scope(&ip);
    if (!reach_allows(g->reach, g->plain, s)) {
        g->refused = true;
        g->scope = s;
        ipaddr_format(&ip, g->addr, sizeof(g->addr));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

struct sink {
    struct buf *b;
    bool over;
};

/* Non-negative decimal "123" or "1.5" scaled by scale (1000: seconds to ms), or -1. */
static int64_t
parse_decimal(struct str v, int64_t scale)
{
    int64_t whole = 0, frac = 0, div = 1;
    size_t i = 0;

    if (v.len == 0 || v.len > 18) {
        return -1;
    }
    for (; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++) {
        whole = whole * 10 + (v.ptr[i] - '0');
    }
    if (i == 0) {
        return -1;
    }
    if (i < v.len && v.ptr[i] == '.') {
        for (i++; i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9'; i++) {
            if (div < 1000000) {
                frac = frac * 10 + (v.ptr[i] - '0');
                div *= 10;
            }
        }
    }
    if (i != v.len || whole > INT64_MAX / 1000 / scale) {
        return -1;
    }
    return whole * scale + frac * scale / div;
}

int64_t
httpc_retry_after_ms(struct str retry_after_ms, struct str retry_after, int64_t now_s)
{
    char date[64];
    time_t t;
    int64_t v;

    retry_after_ms = str_trim(retry_after_ms);
    retry_after = str_trim(retry_after);
    if (retry_after_ms.len && (v = parse_decimal(retry_after_ms, 1)) >= 0) {
        return v;
    }
    if (retry_after.len == 0) {
        return -1;
    }
    if ((v = parse_decimal(retry_after, 1000)) >= 0) {
        return v;
    }
    if (retry_after.len >= sizeof(date)) {
        return -1;
    }
    str_copy_to(retry_after, date, sizeof(date));
    t = curl_getdate(date, NULL);
    if (t == (time_t)-1) {
        return -1;
    }
    return (int64_t)t <= now_s ? 0 : ((int64_t)t - now_s) * 1000;
}

/* What the header callback keeps of an answer's headers. */
struct header_sink {
    char retry_after_ms[32];
    char retry_after[64];
    char should_retry[8];
};

static void
keep_header(struct str line, const char *name, char *dst, size_t cap)
{
    size_t n = strlen(name);
    struct str v;

    if (line.len <= n || line.ptr[n] != ':' ||
        !str_eq_nocase(str_make(line.ptr, n), str_from_cstr(name))) {
        return;
    }
    v = str_trim(str_make(line.ptr + n + 1, line.len - n - 1));
    if (v.len < cap) {
        str_copy_to(v, dst, cap);
    }
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct header_sink *h = userdata;
    size_t n = size * nmemb;
    struct str line = str_make(ptr, n);

    while (line.len && (line.ptr[line.len - 1] == '\n' || line.ptr[line.len - 1] == '\r')) {
        line.len--;
    }

    /* A new status line (after a 100 Continue) starts a new set of headers. */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        memset(h, 0, sizeof(*h));
        return n;
    }
    keep_header(line, "retry-after-ms", h->retry_after_ms, sizeof(h->retry_after_ms));
    keep_header(line, "retry-after", h->retry_after, sizeof(h->retry_after));
    keep_header(line, "x-should-retry", h->should_retry, sizeof(h->should_retry));
    return n;
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    if (buf_add(s->b, ptr, n)) {
        s->over = true;
        return 0; /* aborts the transfer */
    }
    return n;
}

static int
map_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return 0;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return E_UNAVAILABLE;
    default:
        return E_UPSTREAM;
    }
}

int
httpc_do(const struct httpc_request *rq, struct httpc_response *out)
{
    CURL *c = NULL;
    struct curl_slist *hdrs = NULL;
    struct sink sink;
    struct header_sink hs;
    struct guard guard;
    CURLcode rc;
    char *ct = NULL;
    curl_off_t retry_after = -1;
    int err = 0;

    memset(out, 0, sizeof(*out));
    buf_init(&out->body, 0);
    out->body.max = rq->max_response ? rq->max_response : HTTPC_MAX_RESPONSE;
    out->retry_after_s = -1;
    sink = (struct sink){&out->body, false};
    out->retry_after_ms = -1;
    out->should_retry = -1;
    memset(&hs, 0, sizeof(hs));
    guard = (struct guard){rq->reach, strncmp(rq->url, "http://", 7) == 0, false, "", 0};
    if (rq->reach == HTTPC_REACH_CONFIGURED
            ? !httpc_url_allowed(rq->url)
            : httpc_check_url(rq->url, rq->reach, out->detail, sizeof(out->detail)) != 0) {
        return E_INVALID;
    }
    c = curl_easy_init();
    if (!c) {
        return E_INTERNAL;
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        struct curl_slist *n = curl_slist_append(hdrs, rq->headers[i]);
        if (!n) {
            err = E_INTERNAL;
            goto out;
        }
        hdrs = n;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (rq->reach != HTTPC_REACH_CONFIGURED) {
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
        /* A proxy from the environment would be the address connected to: none. */
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
                         rq->reach == HTTPC_REACH_PUBLIC ? "https" : "http,https");
    }
    set_common(c, rq->timeout_ms ? rq->timeout_ms : HTTPC_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)out->body.max);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "piloto/1");
    if (hdrs) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    if (rq->method && strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (rq->method && strcmp(rq->method, "DELETE") == 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    rc = curl_easy_perform(c);
    /* Known once the head arrived, even when the body then broke a limit. */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (guard.refused) {
        (void)snprintf(out->detail, sizeof(out->detail), "address %s is %s, not allowed",
                       guard.addr, scope_name(guard.scope));
        err = E_FORBIDDEN;
        goto out;
    }
    if (sink.over || rc == CURLE_FILESIZE_EXCEEDED) {
        (void)snprintf(out->detail, sizeof(out->detail), "answer over %zu bytes", out->body.max);
        err = E_TOO_LARGE;
        goto out;
    }
    if ((err = map_curl(rc))) {
        (void)snprintf(out->detail, sizeof(out->detail), "%s", curl_easy_strerror(rc));
        goto out;
    }
    /* curl reads both forms of Retry-After (seconds, or an HTTP date made relative to now). */
    /* 0 is also curl's "no header": a Retry-After of 0 means "now" anyway. */
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
        out->retry_after_s = (int64_t)retry_after;
    }
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
        (void)snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
    }
    out->retry_after_ms = httpc_retry_after_ms(str_from_cstr(hs.retry_after_ms),
                                               str_from_cstr(hs.retry_after), (int64_t)time(NULL));
    if (strcmp(hs.should_retry, "true") == 0) {
        out->should_retry = 1;
    } else if (strcmp(hs.should_retry, "false") == 0) {
        out->should_retry = 0;
    }
out:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return err;
}

void
httpc_response_release(struct httpc_response *r)
{
    buf_release(&r->body);
}

struct reader {
    const char *p;
    size_t left;
};

static size_t
on_read(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct reader *r = userdata;
    size_t n = size * nmemb;
    if (n > r->left) {
        n = r->left;
    }
    memcpy(ptr, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

int
httpc_smtp_send(const char *smtp_url, const char *from, const char *to, const char *payload,
                size_t len, char *detail, size_t cap)
{
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    struct reader rd = {payload, len};
    char errbuf[CURL_ERROR_SIZE] = "";
    bool smtps = strncmp(smtp_url, "smtps://", 8) == 0;
    bool loopback = !smtps && host_is_loopback(smtp_url, "smtp://");
    CURLcode rc;
    long code = 0;
    int err;

    if (detail && cap) {
        detail[0] = '\0';
    }
    if (!c) {
        return E_INTERNAL;
    }
    rcpt = curl_slist_append(NULL, to);
    if (!rcpt) {
        curl_easy_cleanup(c);
        return E_INTERNAL;
    }
    curl_easy_setopt(c, CURLOPT_URL, smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    set_common(c, (long)HTTPC_TIMEOUT_MS * 3);
    /* STARTTLS is mandatory off loopback: credentials and links never travel in clear. */
    curl_easy_setopt(c, CURLOPT_USE_SSL, loopback ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &rd);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK) {
        err = 0;
    } else if (code >= 500) {
        err = E_UPSTREAM;
    } else {
        err = map_curl(rc) == E_UPSTREAM && code >= 400 ? E_UNAVAILABLE : map_curl(rc);
    }
    if (err && detail && cap) {
        (void)snprintf(detail, cap, "smtp %ld: %s", code,
                       errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return err;
}
