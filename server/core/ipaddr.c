#include "core/ipaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/strnum.h"

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool
is_v4(const struct ipaddr *a)
{
    return memcmp(a->b, v4_prefix, sizeof(v4_prefix)) == 0;
}

int
ipaddr_parse(struct str s, struct ipaddr *out)
{
    char tmp[IPADDR_TEXT_MAX];

    if (s.len == 0 || s.len >= sizeof(tmp) || memchr(s.ptr, '\0', s.len)) {
        return E_INVALID;
    }
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, tmp, out->b + 12) == 1) {
        memcpy(out->b, v4_prefix, sizeof(v4_prefix));
        return 0;
    }
    if (inet_pton(AF_INET6, tmp, out->b) == 1) {
        return 0;
    }
    return E_INVALID;
}

int
ipaddr_from_sockaddr(const void *sa, struct ipaddr *out)
{
    const struct sockaddr *s = sa;

    memset(out, 0, sizeof(*out));
    if (!s) {
        return E_INVALID;
    }
    if (s->sa_family == AF_INET) {
        const struct sockaddr_in *in = sa;
        memcpy(out->b, v4_prefix, sizeof(v4_prefix));
        memcpy(out->b + 12, &in->sin_addr, 4);
        return 0;
    }
    if (s->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = sa;
        memcpy(out->b, &in6->sin6_addr, 16);
        return 0;
    }
    return E_INVALID;
}

void
ipaddr_format(const struct ipaddr *a, char *out, size_t cap)
{
    if (cap < IPADDR_TEXT_MAX) {
        BUG("ipaddr_format buffer too small");
    }
    if (is_v4(a)) {
        (void)inet_ntop(AF_INET, a->b + 12, out, (socklen_t)cap);
    } else {
        (void)inet_ntop(AF_INET6, a->b, out, (socklen_t)cap);
    }
}

int
cidr_parse(struct str s, struct cidr *out)
{
    long slash = str_find(s, '/');
    struct str addr = s;
    int64_t bits = -1;

    if (slash >= 0) {
        addr.len = (size_t)slash;
        if (strnum_parse(str_make(s.ptr + slash + 1, s.len - (size_t)slash - 1), 0, 128, &bits)) {
            return E_INVALID;
        }
    }
    if (ipaddr_parse(addr, &out->net)) {
        return E_INVALID;
    }
    if (is_v4(&out->net)) {
        if (bits > 32) {
            return E_INVALID;
        }
        out->bits = bits < 0 ? 128 : 96 + (unsigned)bits;
    } else {
        out->bits = bits < 0 ? 128 : (unsigned)bits;
    }
    return 0;
}

bool
cidr_contains(const struct cidr *c, const struct ipaddr *a)
{
    unsigned full = c->bits / 8;
    unsigned rest = c->bits % 8;

    if (memcmp(c->net.b, a->b, full) != 0) {
        return false;
    }
    if (rest) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        return (c->net.b[full] & mask) == (a->b[full] & mask);
    }
    return true;
}

/* A range of ipaddr_get_scope's table: the 128-bit form and its prefix length. */
struct scope_range {
    uint8_t b[16];
    unsigned bits;
    enum ipaddr_scope scope;
};

#define V4(a, b, c, d, n, s)                                                                       \
    {                                                                                              \
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}, 96 + (n), s                        \
    }
#define V6(a0, a1, n, s)                                                                           \
    {                                                                                              \
        {a0, a1}, n, s                                                                             \
    }

/*
 * Every range that is not the public internet (IANA's IPv4 and IPv6
 * special-purpose registries, RFC 6890), first match wins. Loopback comes
 * first: it is the only non-public scope dev mode lets through.
 */
static const struct scope_range scope_ranges[] = {
    V4(127, 0, 0, 0, 8, IPADDR_LOOPBACK),
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, IPADDR_LOOPBACK}, /* ::1 */
    V4(0, 0, 0, 0, 8, IPADDR_INTERNAL),                                       /* "this network" */
    V4(10, 0, 0, 0, 8, IPADDR_INTERNAL),                                      /* private */
    V4(100, 64, 0, 0, 10, IPADDR_INTERNAL),   /* CGNAT shared space */
    V4(169, 254, 0, 0, 16, IPADDR_INTERNAL),  /* link-local, cloud metadata */
    V4(172, 16, 0, 0, 12, IPADDR_INTERNAL),   /* private */
    V4(192, 0, 0, 0, 24, IPADDR_INTERNAL),    /* IETF protocol assignments */
    V4(192, 0, 2, 0, 24, IPADDR_INTERNAL),    /* TEST-NET-1 */
    V4(192, 88, 99, 0, 24, IPADDR_INTERNAL),  /* 6to4 relay anycast */
    V4(192, 168, 0, 0, 16, IPADDR_INTERNAL),  /* private */
    V4(198, 18, 0, 0, 15, IPADDR_INTERNAL),   /* benchmarking */
    V4(198, 51, 100, 0, 24, IPADDR_INTERNAL), /* TEST-NET-2 */
    V4(203, 0, 113, 0, 24, IPADDR_INTERNAL),  /* TEST-NET-3 */
    V4(224, 0, 0, 0, 4, IPADDR_INTERNAL),     /* multicast */
    V4(240, 0, 0, 0, 4, IPADDR_INTERNAL),     /* reserved, broadcast */
    {{0}, 96, IPADDR_INTERNAL},               /* :: and IPv4-compatible ::a.b.c.d */
    V6(0x00, 0x64, 16, IPADDR_INTERNAL), /* 64:ff9b::/96 NAT64 and 64:ff9b:1::/48 (via 64::/16) */
    V6(0x01, 0x00, 16, IPADDR_INTERNAL), /* 100::/64 discard (via 100::/16) */
    V6(0x20, 0x01, 23, IPADDR_INTERNAL), /* 2001::/23 IETF: Teredo, ORCHID, ... */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, IPADDR_INTERNAL}, /* documentation */
    V6(0x20, 0x02, 16, IPADDR_INTERNAL),             /* 6to4 */
    V6(0xfc, 0x00, 7, IPADDR_INTERNAL),              /* unique local (fd00:ec2::254 metadata) */
    V6(0xfe, 0x80, 10, IPADDR_INTERNAL),             /* link-local */
    V6(0xfe, 0xc0, 10, IPADDR_INTERNAL),             /* site-local (deprecated) */
    V6(0xff, 0x00, 8, IPADDR_INTERNAL),              /* multicast */
};

enum ipaddr_scope
ipaddr_get_scope(const struct ipaddr *a)
{
    for (size_t i = 0; i < ARRAY_LEN(scope_ranges); i++) {
        struct cidr c;
        memcpy(c.net.b, scope_ranges[i].b, 16);
        c.bits = scope_ranges[i].bits;
        if (cidr_contains(&c, a)) {
            return scope_ranges[i].scope;
        }
    }
    return IPADDR_PUBLIC;
}
