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
