/*
 * The session and CSRF cookies (SPEC §5, §9): names and attributes from the
 * configuration. Secure cookies are host-only with the __Host- prefix by
 * default; with COOKIE_DOMAIN they get Domain= and the __Secure- prefix.
 * Only the explicit dev mode (COOKIE_SECURE=false) drops Secure and the
 * prefix. Always HttpOnly, SameSite=Lax, Path=/.
 */
#ifndef PILOTO_MIDDLEWARE_COOKIES_H
#define PILOTO_MIDDLEWARE_COOKIES_H

#include <stdint.h>

#include "config/config.h"
#include "http/request.h"

#define COOKIE_SESSION "piloto_session"
#define COOKIE_CSRF    "piloto_csrf"

/* Full cookie name for base ("__Host-piloto_session"), into out (64 bytes). */
void cookies_name(const struct config *cfg, const char *base, char *out, size_t cap);
/* Value of the cookie named base in the request, or STR_NULL. */
struct str cookies_get(struct request *req, const char *base);
/* Adds Set-Cookie for base=value; max_age < 0: a browser-session cookie; 0: delete it. */
void cookies_set(struct request *req, const char *base, const char *value, int64_t max_age);

#endif
