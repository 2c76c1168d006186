/*
 * The account flows of SPEC §4-§6: sign-up, login, logout, re-authentication,
 * password change and session revocation. Each flow owns its transaction and
 * writes its audit rows; the HTTP layer only validates input, runs the flows
 * that hash on the worker pool (request_defer) and renders the results.
 *
 * Returns 0 or an E_*:
 *   E_CONFLICT         sign-up: the email already has an account
 *   E_BAD_CREDENTIALS  login: unknown email or wrong password (same answer, same cost)
 *   E_RATE_LIMITED     login: the account is in back-off (*retry_after set)
 *   E_VALIDATION       a password that must be checked was wrong (result.field says which)
 *   E_NOT_FOUND        a session to revoke is not the user's or not live
 *   E_UNAVAILABLE, E_DB, E_INTERNAL
 */
#ifndef PILOTO_AUTH_AUTH_H
#define PILOTO_AUTH_AUTH_H

#include <stdbool.h>

#include "auth/accounts.h"
#include "config/config.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "jobs/queue.h"
#include "session/session.h"

/* Where a request came from, for sessions and the audit log. */
struct auth_client {
    const char *ip;
    const char *user_agent;
};

struct auth_result {
    struct user user;
    struct session session;         /* the new session, when the flow creates one */
    char token[SESSION_TOKEN_SIZE]; /* its cookie token ("" when none) */
    int retry_after;                /* E_RATE_LIMITED: seconds */
    const char *field;              /* E_VALIDATION: the offending field */
    const char *field_code;
};

/* email: normalised; password: already checked against the policy. */
NODISCARD int auth_signup(struct db *db, const struct config *cfg, const char *email,
                          struct str name, struct str password, const struct auth_client *client,
                          struct auth_result *out);
/*
 * email: normalised, or NULL when the input was not an email (still costs a
 * hash). replaced: the session the request came with (revoked on success:
 * a login always starts a new session), or NULL.
 */
NODISCARD int auth_login(struct db *db, const struct config *cfg, const char *email,
                         struct str password, bool remember, const struct session *replaced,
                         const struct auth_client *client, struct auth_result *out);
NODISCARD int auth_logout(struct db *db, const struct session *s, const struct auth_client *client);
/* Proves the password again: refreshes the session's auth time (recent-auth rule). */
NODISCARD int auth_reauth(struct db *db, const struct session *s, struct str password,
                          const struct auth_client *client, struct auth_result *out);
/*
 * Changes the password (current one required), revokes every session of the
 * user, and starts a new one for this client (rotation on privilege change).
 */
NODISCARD int auth_change_password(struct db *db, const struct config *cfg, const struct session *s,
                                   struct str current, struct str next,
                                   const struct auth_client *client, struct auth_result *out);
NODISCARD int auth_update_name(struct db *db, const struct session *s, struct str name,
                               const struct auth_client *client, struct user *out);
NODISCARD int auth_get_user(struct db *db, const char *user_id, struct user *out);
NODISCARD int auth_revoke_session(struct db *db, const struct session *current, const char *id,
                                  const struct auth_client *client);
NODISCARD int auth_revoke_other_sessions(struct db *db, const struct session *current,
                                         const struct auth_client *client, uint64_t *count);

/* Consumes a verification token: the address it names becomes the account's, verified. */
NODISCARD int auth_verify_email(struct db *db, struct str token, const struct auth_client *client,
                                struct auth_result *out);
/* Mails a new verification link (at most one a minute); *sent false when already verified. */
NODISCARD int auth_resend_verification(struct db *db, const struct config *cfg,
                                       const struct session *s, const struct auth_client *client,
                                       struct auth_result *out, bool *sent);
/*
 * Forgot-password: enqueues a job of kind AUTH_FORGOT_JOB for email
 * (normalised, or NULL: nothing), whether or not it has an account, so the
 * request costs and answers the same either way (*sent: a job was queued).
 * The job (auth_forgot_password_job) looks the account up and, at most once
 * a minute per address, issues a reset token, mails the link and audits, in
 * one transaction with its own completion.
 */
#define AUTH_FORGOT_JOB "auth.password_forgot"
NODISCARD int auth_forgot_password(struct db *db, const struct config *cfg, const char *email,
                                   const struct auth_client *client, bool *sent);
int auth_forgot_password_job(struct job_ctx *ctx, const struct job *job);
/*
 * Consumes a reset token and sets password (already policy-checked): every
 * session of the user is revoked and a new one starts for this client.
 */
NODISCARD int auth_reset_password(struct db *db, const struct config *cfg, struct str token,
                                  struct str password, const struct auth_client *client,
                                  struct auth_result *out);
/*
 * Starts an email change (password required): a verification link goes to the
 * new address, which becomes the account's once verified.
 */
NODISCARD int auth_request_email_change(struct db *db, const struct config *cfg,
                                        const struct session *s, const char *new_email,
                                        struct str password, const struct auth_client *client,
                                        struct auth_result *out);

/*
 * Sign in with Google (SPEC §4): the server-side authorization-code flow
 * with state, PKCE (S256) and nonce kept server-side (auth/oauth_state.h)
 * and bound to the browser by the pre-auth cookie. Both functions do
 * outbound HTTP (integrations/google.h): run them on the worker pool.
 */
#include "auth/identities.h"
#include "auth/oauth_state.h"
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
