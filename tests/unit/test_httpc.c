/*
 * Unit tests for integrations/httpc's guard against server-side request
 * forgery (URLs users type, e.g. a CRM endpoint): what httpc_check_url
 * refuses before storing, and what httpc_do refuses on the address curl is
 * about to connect to, after DNS — against a real listener on 127.0.0.1
 * that records whether anything connected. Also: a redirect is returned,
 * not followed; Retry-After is read; the answer size is capped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/common.h"
#include "core/err.h"
#include "core/ipaddr.h"
#include "integrations/httpc.h"

/* A one-shot HTTP listener on 127.0.0.1: answers each connection with `answer`, counts them. */
struct listener {
    int fd;
    int port;
    const char *answer;
    int accepted;
    pthread_t th;
};

static void *
serve(void *arg)
{
    struct listener *l = arg;

    for (;;) {
        char req[4096];
        int c = accept(l->fd, NULL, NULL);
        size_t off = 0;
        if (c < 0) {
            return NULL;
        }
        l->accepted++;
        /* Read the head (the tests send no body, or a small one with the head). */
        while (off < sizeof(req) - 1) {
            ssize_t n = read(c, req + off, sizeof(req) - 1 - off);
            if (n <= 0) {
                break;
            }
            off += (size_t)n;
            req[off] = '\0';
            if (strstr(req, "\r\n\r\n")) {
                break;
            }
        }
        if (write(c, l->answer, strlen(l->answer)) < 0) {
            /* The client may be gone; nothing to do. */
        }
        close(c);
    }
}

static void
listener_start(struct listener *l, const char *answer)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(l->fd, 8), 0);
    assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &alen), 0);
    l->port = ntohs(a.sin_port);
    l->answer = answer;
    l->accepted = 0;
    assert_int_equal(pthread_create(&l->th, NULL, serve, l), 0);
}

static void
listener_stop(struct listener *l)
{
    shutdown(l->fd, SHUT_RDWR);
    close(l->fd);
    pthread_join(l->th, NULL);
}

static int
setup(void **state)
{
    (void)state;
    return httpc_global_init();
}

static int
teardown(void **state)
{
    (void)state;
    httpc_global_cleanup();
    return 0;
}

static void
check_url(const char *url, enum httpc_reach reach, int want)
{
    char why[128];
    int got = httpc_check_url(url, reach, why, sizeof(why));

    if (got != want) {
        fail_msg("httpc_check_url('%s', %d) = %d (%s), want %d", url, (int)reach, got, why, want);
    }
    if (got) {
        assert_true(why[0] != '\0');
    }
}

static void
test_check_url(void **state)
{
    static const char *const refused_everywhere[] = {
        "",
        "crm.example.com/hook",
        "ftp://crm.example.com/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
        "https://user:pw@crm.example.com/",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://[::ffff:10.0.0.1]/",
        "https://100.64.0.1/",
        "https://192.168.0.10:8443/x",
        "https://0.0.0.0/",
        "http://crm.example.com/hook", /* plain http off loopback */
    };
    static const char *const loopback[] = {
        "http://127.0.0.1:9/hook", "https://127.0.0.1/",     "http://localhost:8080/",
        "http://[::1]:80/",        "https://api.localhost/", "http://LOCALHOST./",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(refused_everywhere); i++) {
        check_url(refused_everywhere[i], HTTPC_REACH_PUBLIC, E_INVALID);
        check_url(refused_everywhere[i], HTTPC_REACH_LOCAL_DEV, E_INVALID);
    }
    for (size_t i = 0; i < ARRAY_LEN(loopback); i++) {
        check_url(loopback[i], HTTPC_REACH_PUBLIC, E_INVALID);
        check_url(loopback[i], HTTPC_REACH_LOCAL_DEV, 0);
    }
    check_url("https://crm.example.com/hooks/piloto?x=1", HTTPC_REACH_PUBLIC, 0);
    check_url("https://8.8.8.8/", HTTPC_REACH_PUBLIC, 0);
    check_url("https://[2606:4700:4700::1111]:8443/", HTTPC_REACH_PUBLIC, 0);
    check_url("https://crm.example.com/", HTTPC_REACH_LOCAL_DEV, 0);
    {
        char longurl[HTTPC_URL_MAX + 32];
        memset(longurl, 'a', sizeof(longurl) - 1);
        memcpy(longurl, "https://x.example/", 18);
        longurl[sizeof(longurl) - 1] = '\0';
        check_url(longurl, HTTPC_REACH_PUBLIC, E_INVALID);
    }
}

/* A guarded request that reaches a loopback listener through a name is refused before connecting.
 */
static void
do_refused(const char *host, struct listener *l, int want)
{
    char url[256];
    struct httpc_request rq = {0};
    struct httpc_response resp;
    int err;

    (void)snprintf(url, sizeof(url), "https://%s:%d/", host, l->port);
    rq.method = "POST";
    rq.url = url;
    rq.body = "{}";
    rq.body_len = 2;
    rq.timeout_ms = 3000;
    rq.reach = HTTPC_REACH_PUBLIC;
    err = httpc_do(&rq, &resp);
    if (err != want) {
        fail_msg("%s: %d (%s), want %d", url, err, resp.detail, want);
    }
    assert_true(resp.detail[0] != '\0');
    httpc_response_release(&resp);
}

static void
test_refused_after_dns(void **state)
{
    struct listener l;
    char host[256];
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    (void)state;

    listener_start(&l, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    /*
     * Numeric forms getaddrinfo reads as 127.0.0.1: curl's URL parser
     * normalises them, so they are refused as literals before any lookup.
     */
    do_refused("2130706433", &l, E_INVALID);
    do_refused("0x7f000001", &l, E_INVALID);
    do_refused("127.1", &l, E_INVALID);
    do_refused("127.0.0.1", &l, E_INVALID);
    do_refused("localhost", &l, E_INVALID);
    /* This machine's own name, when it resolves to loopback (it does on Debian's /etc/hosts). */
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (gethostname(host, sizeof(host)) == 0 && getaddrinfo(host, NULL, &hints, &res) == 0) {
        struct ipaddr ip;
        if (ipaddr_from_sockaddr(res->ai_addr, &ip) == 0 &&
            ipaddr_get_scope(&ip) == IPADDR_LOOPBACK) {
            /* A name: refused on the address curl resolved, before connecting. */
            do_refused(host, &l, E_FORBIDDEN);
        }
        freeaddrinfo(res);
    }
    listener_stop(&l);
    /* Nothing ever connected. */
    assert_int_equal(l.accepted, 0);
}

static void
test_dev_loopback(void **state)
{
    struct listener l;
    char url[128];
    struct httpc_request rq = {0};
    struct httpc_response resp;
    (void)state;

    /* A redirect to the metadata service is returned as it is, never followed. */
    listener_start(&l, "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/\r\n"
                       "Content-Length: 0\r\n\r\n");
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", l.port);
    rq.method = "POST";
    rq.url = url;
    rq.body = "{}";
    rq.body_len = 2;
    rq.reach = HTTPC_REACH_LOCAL_DEV;
    assert_int_equal(httpc_do(&rq, &resp), 0);
    assert_int_equal(resp.status, 302);
    assert_int_equal(resp.retry_after_s, -1);
    httpc_response_release(&resp);
    listener_stop(&l);
    assert_int_equal(l.accepted, 1);

    /* Retry-After in seconds. */
    listener_start(&l, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\n"
                       "Content-Length: 0\r\n\r\n");
    (void)snprintf(url, sizeof(url), "http://localhost:%d/hook", l.port);
    assert_int_equal(httpc_do(&rq, &resp), 0);
    assert_int_equal(resp.status, 429);
    assert_int_equal(resp.retry_after_s, 120);
    httpc_response_release(&resp);
    listener_stop(&l);

    /* An answer over the cap. */
    listener_start(&l, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                       "0123456789012345678901234567890123456789012345678901234567890123456789"
                       "012345678901234567890123456789");
    (void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", l.port);
    rq.max_response = 16;
    assert_int_equal(httpc_do(&rq, &resp), E_TOO_LARGE);
    assert_int_equal(resp.status, 200);
    httpc_response_release(&resp);
    listener_stop(&l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_url),
        cmocka_unit_test(test_refused_after_dns),
        cmocka_unit_test(test_dev_loopback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
