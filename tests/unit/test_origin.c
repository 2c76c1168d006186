/*
 * Unit tests for core/origin: origins and base URLs parse into scheme, host
 * and port exactly, and anything else (paths, userinfo, bad ports, empty
 * labels) is refused. After each parse, the result formats back to text that
 * parses to an equal origin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "core/origin.h"

/* A parsed origin: lowercase host, a port, and a canonical text form that round-trips. */
static void
check_origin(const struct origin *o)
{
    char text[ORIGIN_TEXT_MAX];
    struct origin again;

    assert_true(o->port >= 1 && o->port <= 65535);
    assert_true(strlen(o->host) >= 1 && strlen(o->host) <= ORIGIN_HOST_MAX);
    for (const char *p = o->host; *p; p++) {
        assert_false(*p >= 'A' && *p <= 'Z');
    }
    origin_format(o, text, sizeof(text));
    assert_int_equal(origin_parse(str_from_cstr(text), &again), 0);
    assert_true(origin_eq(o, &again));
}

static void
check_parse(const char *in, bool https, const char *host, unsigned port, const char *canonical)
{
    struct origin o;
    char text[ORIGIN_TEXT_MAX];

    assert_int_equal(origin_parse(str_from_cstr(in), &o), 0);
    check_origin(&o);
    assert_int_equal(o.https, https);
    assert_string_equal(o.host, host);
    assert_int_equal(o.port, port);
    origin_format(&o, text, sizeof(text));
    assert_string_equal(text, canonical);
}

static void
check_reject(const char *in)
{
    struct origin o;

    if (origin_parse(str_from_cstr(in), &o) != E_INVALID) {
        fail_msg("origin_parse accepted '%s'", in);
    }
}

static void
test_parse(void **state)
{
    (void)state;

    check_parse("https://app.example.com", true, "app.example.com", 443, "https://app.example.com");
    check_parse("http://example.com", false, "example.com", 80, "http://example.com");
    check_parse("http://localhost:8080", false, "localhost", 8080, "http://localhost:8080");
    check_parse("https://APP.Example.COM", true, "app.example.com", 443, "https://app.example.com");
    check_parse("https://a-b.c0.example", true, "a-b.c0.example", 443, "https://a-b.c0.example");
    check_parse("http://127.0.0.1:3000", false, "127.0.0.1", 3000, "http://127.0.0.1:3000");
    check_parse("https://example.com:1", true, "example.com", 1, "https://example.com:1");
    check_parse("https://example.com:65535", true, "example.com", 65535,
                "https://example.com:65535");
}

static void
test_default_ports(void **state)
{
    struct origin a;
    struct origin b;
    (void)state;

    /* The default port, spelled out or not, is the same origin and formats without it. */
    check_parse("http://example.com:80", false, "example.com", 80, "http://example.com");
    check_parse("https://example.com:443", true, "example.com", 443, "https://example.com");
    assert_int_equal(origin_parse(STR_LIT("https://example.com:443"), &a), 0);
    assert_int_equal(origin_parse(STR_LIT("https://example.com"), &b), 0);
    assert_true(origin_eq(&a, &b));

    /* Another scheme's default is not the default. */
    check_parse("http://example.com:443", false, "example.com", 443, "http://example.com:443");
    check_parse("https://example.com:80", true, "example.com", 80, "https://example.com:80");
}

static void
test_eq(void **state)
{
    struct origin a;
    struct origin b;
    (void)state;

    assert_int_equal(origin_parse(STR_LIT("https://app.example.com"), &a), 0);
    assert_int_equal(origin_parse(STR_LIT("https://APP.EXAMPLE.COM"), &b), 0);
    assert_true(origin_eq(&a, &b));
    assert_int_equal(origin_parse(STR_LIT("http://app.example.com"), &b), 0);
    assert_false(origin_eq(&a, &b)); /* scheme */
    assert_int_equal(origin_parse(STR_LIT("https://app.example.com:8443"), &b), 0);
    assert_false(origin_eq(&a, &b)); /* port */
    assert_int_equal(origin_parse(STR_LIT("https://app.example.co"), &b), 0);
    assert_false(origin_eq(&a, &b)); /* host */
    assert_int_equal(origin_parse(STR_LIT("https://evil-app.example.com"), &b), 0);
    assert_false(origin_eq(&a, &b));
}

static void
test_ipv6(void **state)
{
    struct origin o;
    (void)state;

    check_parse("http://[::1]:8080", false, "[::1]", 8080, "http://[::1]:8080");
    check_parse("https://[2001:db8::1]", true, "[2001:db8::1]", 443, "https://[2001:db8::1]");
    check_parse("https://[2001:DB8::A]:443", true, "[2001:db8::a]", 443, "https://[2001:db8::a]");
    check_parse("http://[::ffff:192.0.2.1]", false, "[::ffff:192.0.2.1]", 80,
                "http://[::ffff:192.0.2.1]");
    assert_int_equal(origin_parse(STR_LIT("http://[::1]"), &o), 0);
    assert_true(origin_is_loopback(&o));

    check_reject("http://[::1");
    check_reject("http://::1");
    check_reject("http://[::1]:");
    check_reject("http://[::1]x");
    check_reject("http://[::1]:80x");
    check_reject("http://[]");
    check_reject("http://[:]");
    check_reject("http://[zz::1]");
    check_reject("http://[1.2.3.4]");
    check_reject("http://[::1%eth0]");
    check_reject("http://[::1]]");
    check_reject("http://[[::1]]");
}

static void
test_rejects(void **state)
{
    static const char *const bad[] = {
        /* Not an origin: path, query, fragment, trailing slash. */
        "https://example.com/",
        "https://example.com/path",
        "https://example.com?x=1",
        "https://example.com#top",
        "https://example.com/?",
        "https://example.com:443/",
        /* Userinfo. */
        "https://user@example.com",
        "https://user:pw@example.com",
        "https://@example.com",
        "https://example.com@evil.com",
        /* Ports. */
        "https://example.com:",
        "https://example.com:0",
        "https://example.com:65536",
        "https://example.com:99999",
        "https://example.com:123456",
        "https://example.com:-1",
        "https://example.com:+80",
        "https://example.com: 80",
        "https://example.com:80 ",
        "https://example.com:8a",
        "https://example.com:80:80",
        "https://example.com::80",
        /* Empty labels and bad host characters. */
        "https://",
        "http://",
        "https://.example.com",
        "https://example..com",
        "https://example.com.",
        "https://.",
        "https://exa_mple.com",
        "https://exa mple.com",
        "https://example.com\t",
        "https://caf\xc3\xa9.com",
        "https://example.com\\",
        "https://*.example.com",
        /* Schemes. */
        "ftp://example.com",
        "//example.com",
        "example.com",
        "null",
        "",
        "https:/example.com",
        "https:example.com",
        "ws://example.com",
        "HTTPS://example.com",
        " https://example.com",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        check_reject(bad[i]);
    }
    /* A NUL inside the view is a bad host byte, not an end. */
    {
        struct origin o;
        assert_int_equal(origin_parse(STR_LIT("https://ex\0ample.com"), &o), E_INVALID);
        assert_int_equal(origin_parse(STR_LIT("https://example.com\0"), &o), E_INVALID);
    }
}

static void
test_label_limits(void **state)
{
    char in[400];
    char label[64];
    struct origin o;
    (void)state;

    /* A label may have 63 characters, not 64. */
    memset(label, 'a', 63);
    label[63] = '\0';
    (void)snprintf(in, sizeof(in), "https://%s.com", label);
    assert_int_equal(origin_parse(str_from_cstr(in), &o), 0);
    check_origin(&o);
    (void)snprintf(in, sizeof(in), "https://%sa.com", label);
    check_reject(in);

    /* A host of 253 characters, the most, still formats in full with a port. */
    {
        char host[254];
        char text[ORIGIN_TEXT_MAX];
        for (size_t i = 0; i < 253; i++) {
            host[i] = (i % 50 == 49) ? '.' : 'b';
        }
        host[253] = '\0';
        (void)snprintf(in, sizeof(in), "https://%s:65535", host);
        assert_int_equal(origin_parse(str_from_cstr(in), &o), 0);
        check_origin(&o);
        origin_format(&o, text, sizeof(text));
        assert_string_equal(text, in);
        (void)snprintf(in, sizeof(in), "https://%sb", host);
        check_reject(in);
    }
}

static void
test_loopback(void **state)
{
    struct origin o;
    (void)state;

    assert_int_equal(origin_parse(STR_LIT("http://localhost:5173"), &o), 0);
    assert_true(origin_is_loopback(&o));
    assert_int_equal(origin_parse(STR_LIT("http://127.0.0.1"), &o), 0);
    assert_true(origin_is_loopback(&o));
    assert_int_equal(origin_parse(STR_LIT("http://127.1.2.3:9"), &o), 0);
    assert_true(origin_is_loopback(&o));
    assert_int_equal(origin_parse(STR_LIT("http://example.com"), &o), 0);
    assert_false(origin_is_loopback(&o));
    assert_int_equal(origin_parse(STR_LIT("http://localhost.example.com"), &o), 0);
    assert_false(origin_is_loopback(&o));
    assert_int_equal(origin_parse(STR_LIT("http://10.0.0.1"), &o), 0);
    assert_false(origin_is_loopback(&o));
}

static void
check_url(const char *in, const char *origin_text, const char *path)
{
    struct origin o;
    struct str p;
    char text[ORIGIN_TEXT_MAX];
    struct str s = str_from_cstr(in);

    assert_int_equal(origin_parse_url(s, &o, &p), 0);
    check_origin(&o);
    origin_format(&o, text, sizeof(text));
    assert_string_equal(text, origin_text);
    assert_true(str_eq(p, str_from_cstr(path)));
    /* The path is a view into the input, at its end. */
    assert_true(p.ptr >= s.ptr && p.ptr + p.len == s.ptr + s.len);
    assert_true(p.len == 0 || p.ptr[0] == '/');
}

static void
check_url_reject(const char *in)
{
    struct origin o;
    struct str p;

    if (origin_parse_url(str_from_cstr(in), &o, &p) != E_INVALID) {
        fail_msg("origin_parse_url accepted '%s'", in);
    }
}

static void
test_parse_url(void **state)
{
    static const char *const bad[] = {
        "https://app.example.com?x",
        "https://app.example.com/?x",
        "https://app.example.com/a#b",
        "https://app.example.com#b",
        "https://app.example.com/a\\b",
        "https://app.example.com\\a",
        "https://app.example.com/a b",
        "https://app.example.com/a\tb",
        "https://app.example.com/a\nb",
        "https://app.example.com/a\x7f",
        "https://user@app.example.com/x",
        "https://app.example.com:0/x",
        "https://app.example.com:/x",
        "https:///path",
        "https://.com/x",
        "ftp://example.com/x",
        "app.example.com/x",
        "/relative",
        "",
        "https://[::1/x",
    };
    (void)state;

    check_url("https://app.example.com", "https://app.example.com", "");
    check_url("https://app.example.com/", "https://app.example.com", "/");
    check_url("https://app.example.com/base/path", "https://app.example.com", "/base/path");
    check_url("http://localhost:8080/x/", "http://localhost:8080", "/x/");
    check_url("https://APP.example.com:443/Dash", "https://app.example.com", "/Dash");
    check_url("http://[::1]:3000/cb", "http://[::1]:3000", "/cb");
    check_url("https://accounts.google.com", "https://accounts.google.com", "");
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        check_url_reject(bad[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),    cmocka_unit_test(test_default_ports),
        cmocka_unit_test(test_eq),       cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_rejects),  cmocka_unit_test(test_label_limits),
        cmocka_unit_test(test_loopback), cmocka_unit_test(test_parse_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
