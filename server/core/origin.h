/*
 * Web origins (RFC 6454) and base URLs, parsed into scheme, host and port so
 * they are compared as values, never as strings. Pure functions over
 * (ptr, len), no allocation.
 */
#ifndef PILOTO_CORE_ORIGIN_H
#define PILOTO_CORE_ORIGIN_H

#include <stdbool.h>

#include "core/common.h"
#include "core/str.h"

#define ORIGIN_HOST_MAX 253
/* Longest canonical origin text, with NUL: "https://" + [host] + ":65535". */
#define ORIGIN_TEXT_MAX (8 + ORIGIN_HOST_MAX + 2 + 6 + 1)

struct origin {
    bool https;
    char host[ORIGIN_HOST_MAX + 3]; /* lowercased; IPv6 literals keep their brackets */
    unsigned port;                  /* always set: 80/443 when the text had none */
};

/*
 * Parses "http(s)://host[:port]" exactly: no path, query, fragment, userinfo
 * or trailing slash. Host: DNS labels (letters, digits, '-'), an IPv4 dotted
 * quad or a bracketed IPv6 literal. 0 or E_INVALID.
 */
NODISCARD int origin_parse(struct str s, struct origin *out);
/*
 * Parses an absolute http(s) URL with an optional path (no query, no
 * fragment): the origin into *out and the path (possibly empty, else starting
 * with '/') into *path, a view into s. 0 or E_INVALID.
 */
NODISCARD int origin_parse_url(struct str s, struct origin *out, struct str *path);
bool origin_eq(const struct origin *a, const struct origin *b);
/* Canonical text, default port omitted: "https://app.example.com". */
void origin_format(const struct origin *o, char *out, size_t cap);
/* true when host is localhost, 127.0.0.0/8 or [::1]. */
bool origin_is_loopback(const struct origin *o);

#endif
