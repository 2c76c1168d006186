/*
 * Unit tests for http/parse: the pure parsers of request bytes. Views they
 * return must point into the input; arena copies must be NUL-terminated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/parse.h"

static int
setup_arena(void **state)
{
    *state = arena_new();
    return 0;
}

static int
teardown_arena(void **state)
{
    arena_free(*state);
    return 0;
}

static void
check_within(struct str part, struct str whole)
{
    if (part.len == 0) {
        return;
    }
    assert_true(part.ptr >= whole.ptr);
    assert_true(part.ptr + part.len <= whole.ptr + whole.len);
}

static void
check_kv(const struct kv *kv, const char *key, const char *value)
{
    if (!str_eq_cstr(kv->key, key) || !str_eq_cstr(kv->value, value)) {
        fail_msg("got '%.*s'='%.*s', want '%s'='%s'", (int)kv->key.len,
                 kv->key.ptr ? kv->key.ptr : "", (int)kv->value.len,
                 kv->value.ptr ? kv->value.ptr : "", key, value);
    }
}

/* ---- Cookie ---- */

static int
cookies(struct str h, struct kv *out, size_t cap)
{
    int n = parse_cookies(h, out, cap);

    for (int i = 0; i < n; i++) {
        check_within(out[i].key, h);
        check_within(out[i].value, h);
        assert_true(out[i].key.len > 0);
    }
    return n;
}

static void
test_cookies(void **state)
{
    struct kv kv[HTTP_MAX_COOKIES];
    (void)state;

    assert_int_equal(cookies(STR_LIT(""), kv, ARRAY_LEN(kv)), 0);
    assert_int_equal(cookies(STR_LIT("a=1; b=2"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "a", "1");
    check_kv(&kv[1], "b", "2");
    assert_int_equal(cookies(STR_LIT("  sid = abc ;theme=dark;"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "sid", "abc");
    check_kv(&kv[1], "theme", "dark");
    /* The value runs to the next ';', '=' included. */
    assert_int_equal(cookies(STR_LIT("t=a=b=="), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "t", "a=b==");
    /* Empty values are values. */
    assert_int_equal(cookies(STR_LIT("e=; f=x"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "e", "");
    check_kv(&kv[1], "f", "x");
    /* Duplicates are kept, in order; the caller decides. */
    assert_int_equal(cookies(STR_LIT("a=1; a=2"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[1], "a", "2");
    /* HTAB is OWS. */
    assert_int_equal(cookies(STR_LIT("a=1;\tb=2"), kv, ARRAY_LEN(kv)), 2);
}

static void
test_cookies_junk(void **state)
{
    struct kv kv[HTTP_MAX_COOKIES];
    (void)state;

    /* Pairs without '=', with an empty name or a name that is no token are skipped. */
    assert_int_equal(
        cookies(STR_LIT("junk; =x; a=1; b c=2; ;; (x)=3; d@=4; e=5"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "a", "1");
    check_kv(&kv[1], "e", "5");
    assert_int_equal(cookies(STR_LIT(";;;"), kv, ARRAY_LEN(kv)), 0);
    assert_int_equal(cookies(STR_LIT("="), kv, ARRAY_LEN(kv)), 0);
    assert_int_equal(cookies(STR_LIT("noequals"), kv, ARRAY_LEN(kv)), 0);
    assert_int_equal(cookies(STR_LIT("\"q\"=1"), kv, ARRAY_LEN(kv)), 0);
    /* Token characters are fine in names. */
    assert_int_equal(cookies(STR_LIT("__Host-sid=1; a.b_c~d!=2"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "__Host-sid", "1");
    check_kv(&kv[1], "a.b_c~d!", "2");
}

static void
test_cookies_quoted(void **state)
{
    struct kv kv[4];
    (void)state;

    assert_int_equal(cookies(STR_LIT("a=\"hello\""), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "a", "hello");
    assert_int_equal(cookies(STR_LIT("a=\"\""), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "a", "");
    /* One quote alone, or unbalanced quotes, stay as they are. */
    assert_int_equal(cookies(STR_LIT("a=\""), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "a", "\"");
    assert_int_equal(cookies(STR_LIT("a=\"x"), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "a", "\"x");
    assert_int_equal(cookies(STR_LIT("a= \"x y\" "), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "a", "x y");
}

static void
test_cookies_limits(void **state)
{
    struct kv kv[HTTP_MAX_COOKIES];
    char h[2048];
    size_t len = 0;
    (void)state;

    for (int i = 0; i < HTTP_MAX_COOKIES; i++) {
        len += (size_t)snprintf(h + len, sizeof(h) - len, "c%d=%d; ", i, i);
    }
    assert_int_equal(cookies(str_make(h, len), kv, ARRAY_LEN(kv)), HTTP_MAX_COOKIES);
    check_kv(&kv[HTTP_MAX_COOKIES - 1], "c49", "49");
    len += (size_t)snprintf(h + len, sizeof(h) - len, "one=more");
    assert_int_equal(parse_cookies(str_make(h, len), kv, ARRAY_LEN(kv)), E_TOO_LARGE);
    /* Skipped junk does not count against the cap. */
    assert_int_equal(cookies(STR_LIT("x; y; z; a=1"), kv, 1), 1);
    assert_int_equal(parse_cookies(STR_LIT("a=1; b=2"), kv, 1), E_TOO_LARGE);
    assert_int_equal(parse_cookies(STR_LIT("a=1"), kv, 0), E_TOO_LARGE);

    /* Control bytes anywhere refuse the whole header. */
    assert_int_equal(parse_cookies(STR_LIT("a=1\r\nb=2"), kv, ARRAY_LEN(kv)), E_INVALID);
    assert_int_equal(parse_cookies(STR_LIT("a=1\0; b=2"), kv, ARRAY_LEN(kv)), E_INVALID);
    assert_int_equal(parse_cookies(STR_LIT("a=\x7f"), kv, ARRAY_LEN(kv)), E_INVALID);
    assert_int_equal(parse_cookies(STR_LIT("junk\x01; a=1"), kv, ARRAY_LEN(kv)), E_INVALID);
}

/* ---- Query string ---- */

static int
query(struct arena *a, struct str q, struct kv *out, size_t cap)
{
    int n = parse_query(a, q, out, cap);

    for (int i = 0; i < n; i++) {
        /* Arena copies, NUL-terminated, valid UTF-8 without NUL. */
        assert_int_equal(out[i].key.ptr[out[i].key.len], '\0');
        assert_int_equal(out[i].value.ptr[out[i].value.len], '\0');
        assert_int_equal(strlen(out[i].key.ptr), out[i].key.len);
        assert_int_equal(strlen(out[i].value.ptr), out[i].value.len);
        assert_true(str_is_utf8(out[i].key));
        assert_true(str_is_utf8(out[i].value));
    }
    return n;
}

static void
test_query(void **state)
{
    struct arena *a = *state;
    struct kv kv[HTTP_MAX_QUERY_PARAMS];

    assert_int_equal(query(a, STR_LIT(""), kv, ARRAY_LEN(kv)), 0);
    assert_int_equal(query(a, STR_LIT("a=1&b=x%20y"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "a", "1");
    check_kv(&kv[1], "b", "x y");
    /* '+' is a space in both halves; an escaped '+' is a plus. */
    assert_int_equal(query(a, STR_LIT("full+name=Ana+Maria&p=1%2B1"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "full name", "Ana Maria");
    check_kv(&kv[1], "p", "1+1");
    /* UTF-8, escaped or raw, and escapes in either case. */
    assert_int_equal(query(a, STR_LIT("q=a%C3%A7%c3%a3o&r=\xc3\xa7"), kv, ARRAY_LEN(kv)), 2);
    check_kv(&kv[0], "q", "a\xc3\xa7\xc3\xa3o");
    check_kv(&kv[1], "r", "\xc3\xa7");
    /* A key alone has an empty value; empty pairs are skipped; '=' may repeat. */
    assert_int_equal(query(a, STR_LIT("&&flag&&x=&=v&e=a=b&"), kv, ARRAY_LEN(kv)), 4);
    check_kv(&kv[0], "flag", "");
    check_kv(&kv[1], "x", "");
    check_kv(&kv[2], "", "v");
    check_kv(&kv[3], "e", "a=b");
    /* Escaped separators are data. */
    assert_int_equal(query(a, STR_LIT("k%3D=v%26w"), kv, ARRAY_LEN(kv)), 1);
    check_kv(&kv[0], "k=", "v&w");
}

static void
test_query_bad(void **state)
{
    static const char *const bad[] = {
        "a=%",         "a=%4",           "a=%zz",  "a=%4g",    "a=%g4",    "%=1",   "a=1&b=%",
        "a=%%41",      "a=%00",          "%00=1",  "a=x%00y",  "a=%C3",    "a=%FF", "a=%C0%80",
        "a=%ED%A0%80", "a=%F4%90%80%80", "a=\xff", "a=%e2%82", "a=%C3%28",
    };
    struct arena *a = *state;
    struct kv kv[4];

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (parse_query(a, str_from_cstr(bad[i]), kv, ARRAY_LEN(kv)) != E_INVALID) {
            fail_msg("parse_query accepted '%s'", bad[i]);
        }
    }
    /* A raw NUL byte in the view. */
    assert_int_equal(parse_query(a, STR_LIT("a=x\0y"), kv, ARRAY_LEN(kv)), E_INVALID);
    assert_int_equal(parse_query(a, STR_LIT("a\0=1"), kv, ARRAY_LEN(kv)), E_INVALID);

    /* Too many pairs. */
    assert_int_equal(query(a, STR_LIT("a&b&c&d"), kv, 4), 4);
    assert_int_equal(parse_query(a, STR_LIT("a&b&c&d&e"), kv, 4), E_TOO_LARGE);
    assert_int_equal(parse_query(a, STR_LIT("a"), kv, 0), E_TOO_LARGE);
}

/* ---- Paths ---- */

static void
test_path_ok(void **state)
{
    static const char *const good[] = {
        "/",
        "/a",
        "/a/b",
        "/a/b/",
        "/api/v1/leads/42",
        "/a%20b",
        "/%C3%A7",
        "/\xc3\xa7",
        "/...",
        "/.well-known/x",
        "/a.b",
        "/a..b",
        "/..a",
        "/a/b.",
        "/~user",
        "/a:b@c!$&'()*+,;=",
        "/a%2Bb",
        "/%41",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (parse_check_path(str_from_cstr(good[i]), HTTP_MAX_PATH) != 0) {
            fail_msg("parse_check_path refused '%s'", good[i]);
        }
    }
}

static void
test_path_bad(void **state)
{
    static const char *const bad[] = {
        /* Not absolute. */
        "",
        "a",
        "a/b",
        "*",
        "http://x/",
        "%2F",
        /* Dot segments, plain or escaped. */
        "/.",
        "/..",
        "/a/.",
        "/a/..",
        "/a/./b",
        "/a/../b",
        "/../etc/passwd",
        "/./",
        "/%2e",
        "/%2E",
        "/%2e%2e",
        "/a/%2e%2e/b",
        "/.%2e/",
        "/%2e./",
        /* Trailing empty segments. */
        "//",
        "/a//",
        "/a/b//",
        /* Empty segments inside the path. */
        "///",
        "//a",
        "/a//b",
        "/a///b",
        /* Backslash, plain or escaped. */
        "/a\\b",
        "\\",
        "/a%5cb",
        "/a%5Cb",
        "/..\\x",
        /* Escaped slash. */
        "/a%2fb",
        "/a%2Fb",
        /* NUL and control bytes, escaped or raw. */
        "/a%00",
        "/a%0a",
        "/a%0D%0A",
        "/a%1f",
        "/a%7f",
        "/a%7F",
        "/a\x01",
        "/a\x1f",
        "/a\x7f",
        "/a\r\nX-Injected: 1",
        "/a\tb",
        "/a b",
        "/ ",
        /* Broken escapes. */
        "/%",
        "/%2",
        "/a%",
        "/a%g0",
        "/a%0g",
        "/a%%",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (parse_check_path(str_from_cstr(bad[i]), HTTP_MAX_PATH) != E_INVALID) {
            fail_msg("parse_check_path accepted '%s'", bad[i]);
        }
    }
    assert_int_equal(parse_check_path(STR_LIT("/a\0b"), HTTP_MAX_PATH), E_INVALID);
    assert_int_equal(parse_check_path(STR_LIT("/\0"), HTTP_MAX_PATH), E_INVALID);
    assert_int_equal(parse_check_path(STR_NULL, HTTP_MAX_PATH), E_INVALID);
}

static void
test_path_length(void **state)
{
    char p[HTTP_MAX_PATH + 2];
    (void)state;

    memset(p, 'a', sizeof(p));
    p[0] = '/';
    assert_int_equal(parse_check_path(str_make(p, HTTP_MAX_PATH), HTTP_MAX_PATH), 0);
    assert_int_equal(parse_check_path(str_make(p, HTTP_MAX_PATH + 1), HTTP_MAX_PATH),
                     E_URI_TOO_LONG);
    assert_int_equal(parse_check_path(STR_LIT("/abcdef"), 6), E_URI_TOO_LONG);
    assert_int_equal(parse_check_path(STR_LIT("/abcde"), 6), 0);
    /* Length is checked first: a long bad path is "too long". */
    assert_int_equal(parse_check_path(STR_LIT("/../../"), 3), E_URI_TOO_LONG);
}

static void
test_percent_decode(void **state)
{
    struct arena *a = *state;
    struct str out;

    assert_int_equal(parse_percent_decode(a, STR_LIT("/a%20b"), &out), 0);
    assert_true(str_eq(out, STR_LIT("/a b")));
    assert_int_equal(out.ptr[out.len], '\0');
    /* No '+' rule in paths. */
    assert_int_equal(parse_percent_decode(a, STR_LIT("a+b%2B"), &out), 0);
    assert_true(str_eq(out, STR_LIT("a+b+")));
    assert_int_equal(parse_percent_decode(a, STR_LIT(""), &out), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(out.ptr[0], '\0');
    assert_int_equal(parse_percent_decode(a, STR_LIT("%C3%A7%c3%a3"), &out), 0);
    assert_true(str_eq(out, STR_LIT("\xc3\xa7\xc3\xa3")));

    assert_int_equal(parse_percent_decode(a, STR_LIT("%"), &out), E_INVALID);
    assert_int_equal(parse_percent_decode(a, STR_LIT("%a"), &out), E_INVALID);
    assert_int_equal(parse_percent_decode(a, STR_LIT("%zz"), &out), E_INVALID);
    assert_int_equal(parse_percent_decode(a, STR_LIT("x%00"), &out), E_INVALID);
    assert_int_equal(parse_percent_decode(a, STR_LIT("%FF"), &out), E_INVALID);
    assert_int_equal(parse_percent_decode(a, STR_LIT("%C0%AF"), &out), E_INVALID);
}

/* ---- X-Forwarded-For ---- */

static struct cidr trusted[2];

static int
setup_trusted(void **state)
{
    assert_int_equal(cidr_parse(STR_LIT("10.0.0.0/8"), &trusted[0]), 0);
    assert_int_equal(cidr_parse(STR_LIT("2001:db8:1::/48"), &trusted[1]), 0);
    return setup_arena(state);
}

static void
check_xff(const char *header, size_t ntrusted, const char *want)
{
    struct ipaddr got;
    struct ipaddr exp;
    char text[IPADDR_TEXT_MAX];

    assert_int_equal(parse_forwarded_for(str_from_cstr(header), trusted, ntrusted, &got), 0);
    assert_int_equal(ipaddr_parse(str_from_cstr(want), &exp), 0);
    ipaddr_format(&got, text, sizeof(text));
    if (memcmp(got.b, exp.b, 16) != 0) {
        fail_msg("X-Forwarded-For '%s': got %s, want %s", header, text, want);
    }
}

static void
test_forwarded_for(void **state)
{
    (void)state;

    /* The rightmost address no trusted proxy owns, not the (spoofable) leftmost. */
    check_xff("203.0.113.9", 2, "203.0.113.9");
    check_xff("203.0.113.9, 10.0.0.1", 2, "203.0.113.9");
    check_xff("1.1.1.1, 203.0.113.9, 10.0.0.2, 10.0.0.1", 2, "203.0.113.9");
    check_xff("6.6.6.6,203.0.113.9,10.1.1.1", 2, "203.0.113.9");
    check_xff("  203.0.113.9 ,\t10.0.0.1  ", 2, "203.0.113.9");
    /* Without trusted proxies, the rightmost hop is the client. */
    check_xff("1.1.1.1, 203.0.113.9", 0, "203.0.113.9");
    /* All trusted: the leftmost. */
    check_xff("10.0.0.3, 10.0.0.2, 10.0.0.1", 2, "10.0.0.3");
    /* IPv6, and IPv4-mapped spelling of a trusted IPv4 proxy. */
    check_xff("2001:db8:2::7, 2001:db8:1::1", 2, "2001:db8:2::7");
    check_xff("203.0.113.9, ::ffff:10.0.0.1", 2, "203.0.113.9");
    check_xff("::ffff:203.0.113.9, 10.0.0.1", 2, "203.0.113.9");
    /* What lies left of the client is never looked at. */
    check_xff("not-an-ip, 203.0.113.9", 2, "203.0.113.9");
}

static void
test_forwarded_for_bad(void **state)
{
    static const char *const bad[] = {
        "",
        ",",
        " ",
        "junk",
        "203.0.113.9, junk, 10.0.0.1",
        "10.0.0.1, ",
        "10.0.0.1,,10.0.0.2",
        "203.0.113.9:443",
        "[2001:db8::1]",
        "203.0.113.9 10.0.0.1",
        "unknown",
        "_hidden",
    };
    struct ipaddr out;
    char many[40 * 12 + 32];
    size_t len = 0;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (parse_forwarded_for(str_from_cstr(bad[i]), trusted, 2, &out) != E_INVALID) {
            fail_msg("parse_forwarded_for accepted '%s'", bad[i]);
        }
    }
    /*
     * However many entries a client sends in front, the right-most ones
     * decide (issue 9, item 5): 32 or more used to give up on the header.
     */
    for (int i = 0; i < 40; i++) {
        len += (size_t)snprintf(many + len, sizeof(many) - len, "%s6.6.6.%d", i ? "," : "", i);
    }
    len += (size_t)snprintf(many + len, sizeof(many) - len, ",203.0.113.9,10.0.0.1");
    assert_int_equal(parse_forwarded_for(str_make(many, len), trusted, 2, &out), 0);
    {
        struct ipaddr want;
        assert_int_equal(ipaddr_parse(STR_LIT("203.0.113.9"), &want), 0);
        assert_memory_equal(out.b, want.b, 16);
    }
}

/* ---- Small header checks ---- */

static void
test_request_id(void **state)
{
    char id[HTTP_MAX_REQUEST_ID + 2];
    (void)state;

    assert_true(parse_is_request_id(STR_LIT("abc-123_X.y")));
    assert_true(parse_is_request_id(STR_LIT("a")));
    assert_true(parse_is_request_id(STR_LIT("4bf92f3577b34da6a3ce929d0e0e4736")));
    memset(id, 'a', sizeof(id));
    assert_true(parse_is_request_id(str_make(id, HTTP_MAX_REQUEST_ID)));
    assert_false(parse_is_request_id(str_make(id, HTTP_MAX_REQUEST_ID + 1)));
    assert_false(parse_is_request_id(STR_NULL));
    assert_false(parse_is_request_id(STR_LIT("a b")));
    assert_false(parse_is_request_id(STR_LIT("a/b")));
    assert_false(parse_is_request_id(STR_LIT("a\"b")));
    assert_false(parse_is_request_id(STR_LIT("a\nb")));
    assert_false(parse_is_request_id(STR_LIT("a\0b")));
    assert_false(parse_is_request_id(STR_LIT("\xc3\xa7")));
    assert_false(parse_is_request_id(STR_LIT("<script>")));
}

static void
test_accepts_encoding(void **state)
{
    (void)state;

    assert_true(parse_accepts_encoding(STR_LIT("gzip"), "gzip"));
    assert_true(parse_accepts_encoding(STR_LIT("deflate, gzip, br"), "gzip"));
    assert_true(parse_accepts_encoding(STR_LIT("br;q=1.0, GZIP;q=0.5"), "gzip"));
    assert_true(parse_accepts_encoding(STR_LIT("gzip ; q=0.001"), "gzip"));
    assert_true(parse_accepts_encoding(STR_LIT("gzip;q=1"), "gzip"));
    assert_false(parse_accepts_encoding(STR_NULL, "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("br, deflate"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("x-gzip"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("gzipx"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("identity"), "gzip"));
    /* q=0 means "not acceptable", in any spelling of zero. */
    assert_false(parse_accepts_encoding(STR_LIT("gzip;q=0"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("gzip; q=0.0"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("gzip;q=0.000"), "gzip"));
    assert_false(parse_accepts_encoding(STR_LIT("br, gzip;q=0 , deflate"), "gzip"));
    assert_true(parse_accepts_encoding(STR_LIT("br, gzip;q=0"), "br"));
}

static void
test_bearer(void **state)
{
    struct str tok;
    struct str h;
    (void)state;

    h = STR_LIT("Bearer abc.DEF-123_~+/=");
    assert_int_equal(parse_bearer(h, &tok), 0);
    assert_true(str_eq(tok, STR_LIT("abc.DEF-123_~+/=")));
    check_within(tok, h);
    h = STR_LIT("  bearer   xyz  ");
    assert_int_equal(parse_bearer(h, &tok), 0);
    assert_true(str_eq(tok, STR_LIT("xyz")));
    check_within(tok, h);
    assert_int_equal(parse_bearer(STR_LIT("BEARER x"), &tok), 0);

    assert_int_equal(parse_bearer(STR_NULL, &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer "), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer    "), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Basic dXNlcjpwdw=="), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearerabc"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer\tabc"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer a b"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer a,b"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer a\"b"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer a\0b"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Bearer \xc3\xa7"), &tok), E_INVALID);
    assert_int_equal(parse_bearer(STR_LIT("Token abc"), &tok), E_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_cookies_junk),
        cmocka_unit_test(test_cookies_quoted),
        cmocka_unit_test(test_cookies_limits),
        cmocka_unit_test_setup_teardown(test_query, setup_arena, teardown_arena),
        cmocka_unit_test_setup_teardown(test_query_bad, setup_arena, teardown_arena),
        cmocka_unit_test(test_path_ok),
        cmocka_unit_test(test_path_bad),
        cmocka_unit_test(test_path_length),
        cmocka_unit_test_setup_teardown(test_percent_decode, setup_arena, teardown_arena),
        cmocka_unit_test_setup_teardown(test_forwarded_for, setup_trusted, teardown_arena),
        cmocka_unit_test_setup_teardown(test_forwarded_for_bad, setup_trusted, teardown_arena),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_accepts_encoding),
        cmocka_unit_test(test_bearer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
