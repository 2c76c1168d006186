/*
 * Sign in with Google (SPEC §4): the server-side authorization-code flow
 * with state, PKCE (S256) and nonce kept server-side (auth/oauth_state.h)
 * and bound to the browser by the pre-auth cookie, connecting Google to a
 * signed-in account from its settings, and the account's list of sign-in
 * methods. auth_google_start and auth_google_login do outbound HTTP
 * (integrations/google.h): run them on the worker pool.
 */
#ifndef PILOTO_AUTH_AUTH_GOOGLE_H
#define PILOTO_AUTH_AUTH_GOOGLE_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/auth.h"
#include "auth/identities.h"
#include "auth/oauth_state.h"
#include "core/arena.h"
#include "core/buf.h"
#include "integrations/google.h"

/* Why a Google sign-in did not happen: the dashboard shows /entrar?erro=<code>. */
#define AUTH_GOOGLE_DISABLED    "google_disabled"    /* GOOGLE_CLIENT_ID is not set */
#define AUTH_GOOGLE_DENIED      "google_denied"      /* the user said no at the provider */
#define AUTH_GOOGLE_STATE       "google_state"       /* no, a used, an expired or a wrong state */
#define AUTH_GOOGLE_UNAVAILABLE "google_unavailable" /* the provider cannot be reached */
#define AUTH_GOOGLE_FAILED      "google_failed"      /* anything else: bad code, bad ID token */
#define AUTH_GOOGLE_DOMAIN      "google_domain"      /* not in GOOGLE_HOSTED_DOMAIN */
#define AUTH_GOOGLE_UNVERIFIED  "google_unverified_email" /* the provider has not verified it */
/* Connecting Google from the settings (the dashboard shows them there, with erro=). */
#define AUTH_GOOGLE_IN_USE "google_in_use" /* that Google account signs in to another account */
#define AUTH_GOOGLE_SESSION                                                                        \
    "google_session" /* the callback came without the linking user's session */

struct auth_google_start {
    char cookie[OAUTH_SECRET_SIZE]; /* the pre-auth cookie's value */
    struct buf url;                 /* the provider URL to send the browser to (owned) */
};

/* What the provider's redirect brought back: views into the request. */
struct auth_google_callback {
    struct str cookie; /* the pre-auth cookie */
    struct str state;
    struct str code;
    struct str iss; /* RFC 9207 iss parameter; STR_NULL when absent */
};

struct auth_google_outcome {
    char next[OAUTH_NEXT_MAX + 1]; /* success: the path on APP_URL to go to */
    const char *error;             /* failure: one of AUTH_GOOGLE_* */
    const char *event;             /* success: "login", "link", "signup" or "connect" */
    bool connect;                  /* the flow was started from the settings to link */
    char why[GOOGLE_WHY_MAX];      /* failure detail for the access log (no secrets) */
};

/*
 * Begins a sign-in: next is a path already checked by google_is_safe_next,
 * remember the session's "remember me"; link_user_id is NULL, or the
 * signed-in account that connects Google from its settings (the callback
 * then links instead of signing in). 0 and *out (out->url must be BUF_INIT
 * or released; the caller releases it), or E_NOT_FOUND (Google sign-in is
 * not configured), E_UNAVAILABLE / E_UPSTREAM (discovery failed; why says
 * how), E_DB.
 */
NODISCARD int auth_google_start(struct db *db, const struct config *cfg, const char *next,
                                bool remember, const char *link_user_id,
                                struct auth_google_start *out, char *why, size_t whycap);
/*
 * Finishes a sign-in: takes the state of cb->cookie (single use), checks
 * state and iss, redeems the code, verifies the ID token, then finds the
 * account by (issuer, subject); else links the account with the same email
 * when the provider verified it (an account that never verified its own
 * address loses its password, sessions and pending mail tokens, since
 * whoever set them may not own the address: pre-account hijacking); else
 * creates one, verified. A new session starts (replaced is revoked) with a
 * fresh authentication time. 0 with out and res->next, res->event; or an
 * E_* with res->error (never 500-worthy for the caller: it redirects).
 *
 * A flow started with a link_user_id (res->connect) links instead: replaced
 * must be a session of that same user (else AUTH_GOOGLE_SESSION); the
 * identity is added to the account unless it already signs in to another
 * (AUTH_GOOGLE_IN_USE; linking it again to its own account is a no-op).
 * The session stays as it is and out holds no token.
 */
NODISCARD int auth_google_login(struct db *db, const struct config *cfg,
                                const struct auth_google_callback *cb,
                                const struct session *replaced, const struct auth_client *client,
                                struct auth_result *out, struct auth_google_outcome *res);
/*
 * A flow the provider ended with an error: takes (burns) the state of the
 * pre-auth cookie, if any, and says whether it was connecting Google from
 * the settings (so the user lands back there). No outbound HTTP.
 */
bool auth_google_abandon(struct db *db, struct str cookie);
/* The sign-in methods linked to user_id, oldest first, from arena. */
NODISCARD int auth_list_identities(struct db *db, const char *user_id, struct arena *a,
                                   struct identity **out, size_t *n);
/*
 * Unlinks identity id from the session's user: 0, E_NOT_FOUND (not theirs),
 * or E_CONFLICT when it is the last way in (no password, no other identity).
 */
NODISCARD int auth_unlink_identity(struct db *db, const struct session *s, const char *id,
                                   const struct auth_client *client);

#endif
