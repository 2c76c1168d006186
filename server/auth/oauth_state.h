/*
 * The pre-auth state of an OpenID Connect sign-in in flight (SPEC §4):
 * state (RFC 6749 §10.12, login CSRF), nonce (OpenID Connect Core §3.1.2.1,
 * ID token replay) and the PKCE verifier (RFC 7636, code interception),
 * plus where to go afterwards. They are kept server-side (oauth_states) and
 * bound to the browser by a short-lived, HttpOnly pre-auth cookie whose
 * value is a random key: only its SHA-256 is stored. Taking a state deletes
 * it, so each is good for one callback, and it expires after
 * OAUTH_STATE_TTL_S.
 *
 * Functions run on the caller's connection and return 0 or an E_* from the
 * database; oauth_state_take also E_NOT_FOUND.
 */
#ifndef PILOTO_AUTH_OAUTH_STATE_H
#define PILOTO_AUTH_OAUTH_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/accounts.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

/* How long a sign-in may take between start and callback (and the cookie's Max-Age). */
#define OAUTH_STATE_TTL_S 600
/* Random values: 32 bytes as base64url (43 characters) + NUL, rounded. */
#define OAUTH_SECRET_SIZE 48
/* A PKCE verifier is 43 to 128 characters (RFC 7636 §4.1). */
#define OAUTH_VERIFIER_MIN 43
/* Longest post-login path kept. */
#define OAUTH_NEXT_MAX 512

struct oauth_state {
    char state[OAUTH_SECRET_SIZE];
    char nonce[OAUTH_SECRET_SIZE];
    char verifier[OAUTH_SECRET_SIZE];
    char next[OAUTH_NEXT_MAX + 1];
    bool remember;
    /* A flow started from the account settings: the account to link to; "" to sign in. */
    char link_user_id[ACCOUNT_ID_SIZE];
};

/*
 * Fills s with fresh random state, nonce and verifier (256 bits each from
 * the OS CSPRNG), next (a path already validated, at most OAUTH_NEXT_MAX
 * bytes; longer is cut to "/"), remember and link_user_id (NULL to sign
 * in; else the signed-in account that asks to link an identity).
 */
void oauth_state_init(struct oauth_state *s, const char *next, bool remember,
                      const char *link_user_id);
/*
 * Stores s under a new random key, written to cookie (OAUTH_SECRET_SIZE
 * bytes), the pre-auth cookie's value; expired states are purged on the way.
 */
NODISCARD int oauth_state_save(struct db_conn *conn, const struct oauth_state *s, int64_t now,
                               char *cookie);
/*
 * Takes the live state stored under cookie: reads and deletes it. 0 and
 * *out, or E_NOT_FOUND (unknown, used already, or expired).
 */
NODISCARD int oauth_state_take(struct db_conn *conn, struct str cookie, int64_t now,
                               struct oauth_state *out);
/* Wipes the secrets in s. */
void oauth_state_wipe(struct oauth_state *s);

#endif
