/*
 * IP addresses and CIDR ranges, for TRUSTED_PROXIES and per-IP limits.
 * IPv4 is kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one compare serves both.
 */
#ifndef PILOTO_CORE_IPADDR_H
#define PILOTO_CORE_IPADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"

#define IPADDR_TEXT_MAX 46

struct ipaddr {
    uint8_t b[16];
};

struct cidr {
    struct ipaddr net;
    unsigned bits; /* prefix length over the 128-bit form */
};

/* Parses a literal IPv4 or IPv6 address (no brackets, no port). 0 or E_INVALID. */
NODISCARD int ipaddr_parse(struct str s, struct ipaddr *out);
/* From a struct sockaddr (AF_INET or AF_INET6). 0 or E_INVALID. */
NODISCARD int ipaddr_from_sockaddr(const void *sa, struct ipaddr *out);
/* Text form ("203.0.113.9", "2001:db8::1") into out (IPADDR_TEXT_MAX bytes). */
void ipaddr_format(const struct ipaddr *a, char *out, size_t cap);
/* "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128). 0 or E_INVALID. */
NODISCARD int cidr_parse(struct str s, struct cidr *out);
bool cidr_contains(const struct cidr *c, const struct ipaddr *a);

#endif
