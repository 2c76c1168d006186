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

/*
 * Where an address leads, for outgoing requests to URLs a user typed (CRM
 * webhooks): only IPADDR_PUBLIC may be reached in production.
 *   IPADDR_LOOPBACK  127.0.0.0/8, ::1 (dev mode's local receivers)
 *   IPADDR_INTERNAL  everything that is not the public internet: private
 *                    (10/8, 172.16/12, 192.168/16, fc00::/7 ULA), link-local
 *                    (169.254/16 with the cloud metadata service, fe80::/10),
 *                    CGNAT 100.64/10, "this network" 0/8 and ::, multicast,
 *                    reserved, documentation and benchmarking ranges, and the
 *                    IPv6 forms that carry an IPv4 address we cannot vet
 *                    (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32,
 *                    IPv4-compatible ::/96). IPv4-mapped ::ffff:a.b.c.d is
 *                    judged as the IPv4 address it is.
 *   IPADDR_PUBLIC    the rest.
 */
enum ipaddr_scope {
    IPADDR_PUBLIC,
    IPADDR_LOOPBACK,
    IPADDR_INTERNAL,
};
enum ipaddr_scope ipaddr_get_scope(const struct ipaddr *a);

#endif
