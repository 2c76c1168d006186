#include "integrations/httpc.h"

#include <curl/curl.h>
#include <stdatomic.h>

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

struct sink {
    struct buf *b;
    bool over;
};

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
    CURLcode rc;
    char *ct = NULL;
    int err = 0;

    memset(out, 0, sizeof(*out));
    buf_init(&out->body, 0);
    out->body.max = rq->max_response ? rq->max_response : HTTPC_MAX_RESPONSE;
    sink = (struct sink){&out->body, false};
    if (!httpc_url_allowed(rq->url)) {
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
    set_common(c, rq->timeout_ms ? rq->timeout_ms : HTTPC_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)out->body.max);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "piloto/1");
    if (hdrs) {
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
    if (rq->method && strcmp(rq->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    }
    rc = curl_easy_perform(c);
    if (sink.over || rc == CURLE_FILESIZE_EXCEEDED) {
        err = E_TOO_LARGE;
        goto out;
    }
    if ((err = map_curl(rc))) {
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) {
        (void)snprintf(out->content_type, sizeof(out->content_type), "%s", ct);
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
