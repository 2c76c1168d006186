/*
 * CSRF tokens (SPEC §5): double submit, bound to the session. A token is
 * an HMAC under PILOTO_SECRET of the session id ("s." form) or, before
 * login, of a random nonce it carries ("p.<nonce>." form). A cookie planted
 * by a sibling subdomain is useless: without the secret nobody can mint a
 * token for someone else's session. Comparisons are constant-time.
 */
#ifndef PILOTO_SESSION_CSRF_H
#define PILOTO_SESSION_CSRF_H

#include <stdbool.h>

#include "config/config.h"
#include "core/str.h"

#define CSRF_TOKEN_SIZE 96

/* The token of a session. */
void csrf_token_for_session(const struct config *cfg, const char *session_id, char *out);
/* A fresh pre-session token. */
void csrf_token_new(const struct config *cfg, char *out);
/*
 * true when header is a valid token for session_id (NULL = no session: a
 * valid pre-session token) and equals the CSRF cookie.
 */
bool csrf_token_check(const struct config *cfg, const char *session_id, struct str header,
                      struct str cookie);

#endif
