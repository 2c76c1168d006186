/*
 * Pure parsers for the bytes of a request, as the engine hands them over:
 * no I/O, no logging, no globals; allocation only from the caller's arena.
 * Each has a fuzz target in tests/fuzz/.
 */
#ifndef PILOTO_HTTP_PARSE_H
#define PILOTO_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/ipaddr.h"
#include "core/str.h"

struct kv {
    struct str key;
    struct str value;
};

/*
 * Cookie header (RFC 6265 §4.2.1, "name=value; name2=value2"): pairs into
 * out[0..cap), views into header. A pair without '=' or with an empty name,
 * or a name with separators, is skipped (browsers send junk; we ignore it).
 * Quoted values lose their quotes. Returns the number of pairs, or E_INVALID
 * for control bytes, or E_TOO_LARGE past cap.
 */
NODISCARD int parse_cookies(struct str header, struct kv *out, size_t cap);

/*
 * Query string ("a=1&b=x%20y", without '?'): percent- and '+'-decoded
 * copies from arena. Rejects bad escapes, NUL bytes, invalid UTF-8 and more
 * than cap pairs. Returns the count or E_INVALID / E_TOO_LARGE.
 */
NODISCARD int parse_query(struct arena *a, struct str query, struct kv *out, size_t cap);

/*
 * Checks a request path as the router sees it: starts with '/', no NUL or
 * control bytes, no backslash, no "." or ".." segment, no "//", not longer
 * than max, and percent-escapes well formed. 0 or E_INVALID / E_URI_TOO_LONG.
 */
NODISCARD int parse_check_path(struct str path, size_t max);

/* Percent-decodes (no '+' rule) into a NUL-terminated arena copy; E_INVALID on a bad escape or NUL.
 */
NODISCARD int parse_percent_decode(struct arena *a, struct str in, struct str *out);

/*
 * The client address from X-Forwarded-For as seen by the nearest trusted
 * proxy: walks the list from the right, skipping addresses inside trusted,
 * and returns the first one outside it (or the leftmost one if all are
 * trusted). Entries left of that one are never read, however many there
 * are. 0 and *out, or E_INVALID when an entry it reads is not an address.
 */
NODISCARD int parse_forwarded_for(struct str header, const struct cidr *trusted, size_t ntrusted,
                                  struct ipaddr *out);

/* true for an incoming X-Request-Id we are willing to echo. */
bool parse_is_request_id(struct str s);

/* true when an Accept-Encoding header accepts coding (q > 0). */
bool parse_accepts_encoding(struct str header, const char *coding);

/*
 * Bearer token from an Authorization header ("Bearer <token68>").
 * 0 and *token, or E_INVALID.
 */
NODISCARD int parse_bearer(struct str header, struct str *token);

#endif
