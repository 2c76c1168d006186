/*
 * Unit tests for core/ipaddr: IPv4 kept as IPv4-mapped IPv6, so one compare
 * serves both, and CIDR ranges over the 128-bit form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/common.h"
#include "core/err.h"
#include "core/ipaddr.h"

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses in, checks it formats as want and that the text parses back to the same bytes. */
static struct ipaddr
check_addr(const char *in, const char *want)
{
    struct ipaddr a;
    struct ipaddr again;
    char text[IPADDR_TEXT_MAX];

    assert_int_equal(ipaddr_parse(str_from_cstr(in), &a), 0);
    ipaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, want);
    assert_int_equal(ipaddr_parse(str_from_cstr(text), &again), 0);
    assert_memory_equal(a.b, again.b, 16);
    return a;
}

static void
check_bad_addr(struct str s)
{
    struct ipaddr a;

    if (ipaddr_parse(s, &a) != E_INVALID) {
        fail_msg("ipaddr_parse accepted '%.*s'", (int)s.len, s.ptr ? s.ptr : "");
    }
}

static void
test_parse_v4(void **state)
{
    struct ipaddr a;
    static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 9};
    (void)state;

    a = check_addr("203.0.113.9", "203.0.113.9");
    assert_memory_equal(a.b, want, 16);
    check_addr("0.0.0.0", "0.0.0.0");
    check_addr("255.255.255.255", "255.255.255.255");
    /* The mapped spelling is the same address. */
    a = check_addr("::ffff:203.0.113.9", "203.0.113.9");
    assert_memory_equal(a.b, want, 16);
    a = check_addr("::FFFF:cb00:7109", "203.0.113.9");
    assert_memory_equal(a.b, want, 16);
}

static void
test_parse_v6(void **state)
{
    struct ipaddr a;
    (void)state;

    a = check_addr("2001:db8::1", "2001:db8::1");
    assert_int_equal(a.b[0], 0x20);
    assert_int_equal(a.b[15], 1);
    assert_memory_not_equal(a.b, v4_prefix, 12);
    check_addr("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
    check_addr("::1", "::1");
    check_addr("::", "::");
    check_addr("fe80::1:2:3:4", "fe80::1:2:3:4");
    check_addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
               "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* IPv4-compatible (deprecated) is not IPv4-mapped. */
    a = check_addr("::1.2.3.4", "::1.2.3.4");
    assert_memory_not_equal(a.b, v4_prefix, 12);
}

static void
test_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "1",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.-1",
        "1.2.3.4 ",
        " 1.2.3.4",
        "1.2.3.4:80",
        "[::1]",
        "::1:",
        ":::",
        "1::2::3",
        "2001:db8::g",
        "::1%eth0",
        "::1/128",
        "1.2.3.4/32",
        "localhost",
        "0x7f.1",
        "abc",
        "1.2.3.4\n",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999",
        "0000:0000:0000:0000:0000:0000:0000:0000:0000", /* 44 bytes, past 8 groups */
    };
    char longer[100];
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        check_bad_addr(str_from_cstr(bad[i]));
    }
    check_bad_addr(STR_NULL);
    /* Longer than any address text: refused before copying. */
    memset(longer, '1', sizeof(longer));
    check_bad_addr(str_make(longer, sizeof(longer)));
    check_bad_addr(str_make(longer, IPADDR_TEXT_MAX));
}

static void
test_from_sockaddr(void **state)
{
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    struct sockaddr_un un;
    struct ipaddr a;
    char text[IPADDR_TEXT_MAX];
    (void)state;

    memset(&in4, 0, sizeof(in4));
    in4.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, "198.51.100.7", &in4.sin_addr), 1);
    assert_int_equal(ipaddr_from_sockaddr(&in4, &a), 0);
    ipaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, "198.51.100.7");
    assert_memory_equal(a.b, v4_prefix, 12);

    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, "2001:db8::42", &in6.sin6_addr), 1);
    assert_int_equal(ipaddr_from_sockaddr(&in6, &a), 0);
    ipaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, "2001:db8::42");

    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    assert_int_equal(ipaddr_from_sockaddr(&un, &a), E_INVALID);
    assert_int_equal(ipaddr_from_sockaddr(NULL, &a), E_INVALID);
}

static struct cidr
check_cidr(const char *in, unsigned bits)
{
    struct cidr c;

    assert_int_equal(cidr_parse(str_from_cstr(in), &c), 0);
    assert_int_equal(c.bits, bits);
    assert_true(c.bits <= 128);
    return c;
}

static bool
contains(const struct cidr *c, const char *addr)
{
    struct ipaddr a;

    assert_int_equal(ipaddr_parse(str_from_cstr(addr), &a), 0);
    return cidr_contains(c, &a);
}

static void
test_cidr_v4(void **state)
{
    struct cidr c;
    (void)state;

    c = check_cidr("10.0.0.0/8", 104);
    assert_true(contains(&c, "10.0.0.0"));
    assert_true(contains(&c, "10.255.255.255"));
    assert_true(contains(&c, "::ffff:10.1.2.3")); /* mapped spelling */
    assert_false(contains(&c, "11.0.0.0"));
    assert_false(contains(&c, "9.255.255.255"));
    assert_false(contains(&c, "::a00:1")); /* IPv4-compatible is another address */

    c = check_cidr("192.168.0.0/17", 113);
    assert_true(contains(&c, "192.168.127.255"));
    assert_false(contains(&c, "192.168.128.0"));

    /* /32 and a bare address: exactly one address. */
    c = check_cidr("203.0.113.9/32", 128);
    assert_true(contains(&c, "203.0.113.9"));
    assert_false(contains(&c, "203.0.113.8"));
    assert_false(contains(&c, "203.0.113.10"));
    c = check_cidr("203.0.113.9", 128);
    assert_true(contains(&c, "203.0.113.9"));
    assert_false(contains(&c, "203.0.113.10"));

    /* /0 over IPv4 is every IPv4 address, and no IPv6 one. */
    c = check_cidr("0.0.0.0/0", 96);
    assert_true(contains(&c, "1.2.3.4"));
    assert_true(contains(&c, "255.255.255.255"));
    assert_false(contains(&c, "2001:db8::1"));
    assert_false(contains(&c, "::1"));

    /* Host bits in the network are tolerated; only the prefix counts. */
    c = check_cidr("10.1.2.3/8", 104);
    assert_true(contains(&c, "10.200.0.1"));
}

static void
test_cidr_v6(void **state)
{
    struct cidr c;
    (void)state;

    c = check_cidr("2001:db8::/32", 32);
    assert_true(contains(&c, "2001:db8::1"));
    assert_true(contains(&c, "2001:db8:ffff:ffff::1"));
    assert_false(contains(&c, "2001:db9::"));
    assert_false(contains(&c, "10.0.0.1"));

    c = check_cidr("2001:db8:8000::/33", 33);
    assert_true(contains(&c, "2001:db8:8000::1"));
    assert_true(contains(&c, "2001:db8:ffff::1"));
    assert_false(contains(&c, "2001:db8:7fff::1"));

    c = check_cidr("fd00::/7", 7);
    assert_true(contains(&c, "fc00::1"));
    assert_true(contains(&c, "fdff::1"));
    assert_false(contains(&c, "fe00::1"));

    c = check_cidr("::1/128", 128);
    assert_true(contains(&c, "::1"));
    assert_false(contains(&c, "::2"));
    c = check_cidr("::1", 128);
    assert_true(contains(&c, "::1"));

    /* ::/0 is everything, IPv4 included (it is mapped into IPv6). */
    c = check_cidr("::/0", 0);
    assert_true(contains(&c, "::1"));
    assert_true(contains(&c, "2001:db8::1"));
    assert_true(contains(&c, "1.2.3.4"));

    c = check_cidr("2001:db8::/127", 127);
    assert_true(contains(&c, "2001:db8::1"));
    assert_false(contains(&c, "2001:db8::2"));
}

static void
test_cidr_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "/",
        "/8",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.0/-1",
        "10.0.0.0/+8",
        "10.0.0.0/8/8",
        "10.0.0.0/ 8",
        "10.0.0.0 /8",
        "10.0.0.0/8 ",
        "10.0.0.0/a",
        "::/129",
        "::/1000",
        "2001:db8::/",
        "10.0.0/8",
        "[::1]/128",
        "localhost/8",
        "10.0.0.0/99999999999999999999999",
    };
    struct cidr c;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (cidr_parse(str_from_cstr(bad[i]), &c) != E_INVALID) {
            fail_msg("cidr_parse accepted '%s'", bad[i]);
        }
    }
}

static void
check_scope(const char *text, enum ipaddr_scope want)
{
    struct ipaddr a;

    assert_int_equal(ipaddr_parse(str_from_cstr(text), &a), 0);
    if (ipaddr_get_scope(&a) != want) {
        fail_msg("scope of %s: %d, want %d", text, (int)ipaddr_get_scope(&a), (int)want);
    }
}

/* What an outgoing request to a user's URL may reach (SSRF): only public addresses. */
static void
test_scope(void **state)
{
    static const char *const internal[] = {
        "0.0.0.0",         "10.0.0.1",
        "10.255.255.255",  "100.64.0.1",
        "100.127.255.254", "169.254.169.254",
        "169.254.0.1",     "172.16.0.1",
        "172.31.255.255",  "192.168.1.1",
        "192.0.0.8",       "192.0.2.1",
        "198.18.0.1",      "198.51.100.7",
        "203.0.113.9",     "224.0.0.1",
        "239.255.255.250", "240.0.0.1",
        "255.255.255.255", "::",
        "::ffff:10.1.2.3", "::ffff:169.254.169.254",
        "::10.0.0.1",      "64:ff9b::7f00:1",
        "2002:7f00:1::",   "2001::1",
        "2001:db8::1",     "fc00::1",
        "fd00:ec2::254",   "fe80::1",
        "fec0::1",         "ff02::1",
        "100::1",
    };
    static const char *const public_[] = {
        "1.1.1.1",
        "8.8.8.8",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.169.0.1",
        "169.253.255.255",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "2800:3f0:4001::1",
    };
    (void)state;

    check_scope("127.0.0.1", IPADDR_LOOPBACK);
    check_scope("127.255.0.9", IPADDR_LOOPBACK);
    check_scope("::1", IPADDR_LOOPBACK);
    check_scope("::ffff:127.0.0.1", IPADDR_LOOPBACK);
    for (size_t i = 0; i < ARRAY_LEN(internal); i++) {
        check_scope(internal[i], IPADDR_INTERNAL);
    }
    for (size_t i = 0; i < ARRAY_LEN(public_); i++) {
        check_scope(public_[i], IPADDR_PUBLIC);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_v4),  cmocka_unit_test(test_parse_v6),
        cmocka_unit_test(test_parse_bad), cmocka_unit_test(test_from_sockaddr),
        cmocka_unit_test(test_cidr_v4),   cmocka_unit_test(test_cidr_v6),
        cmocka_unit_test(test_cidr_bad),  cmocka_unit_test(test_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
