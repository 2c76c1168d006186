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
 * user and every unused mail token (verification, email change, reset: what
 * the old password could have asked for), and starts a new session for this
 * client (rotation on privilege change).
 */
NODISCARD int auth_change_password(struct db *db, const struct config *cfg, const struct session *s,
                                   struct str current, struct str next,
                                   const struct auth_client *client, struct auth_result *out);
NODISCARD int auth_update_name(struct db *db, const struct session *s, struct str name,
                               const struct auth_client *client, struct user *out);
NODISCARD int auth_get_user(struct db *db, const char *user_id, struct user *out);
NODISCARD int auth_revoke_session(struct db *db, const struct session *current, const char *id,
                                  const struct auth_client *client);
/* Ends every other session of the user, and every unused mail token (as a password change does). */
NODISCARD int auth_revoke_other_sessions(struct db *db, const struct session *current,
                                         const struct auth_client *client, uint64_t *count);

/*
 * Consumes a verification token: the address it names becomes the
 * account's, verified. When that changes the address, the account's other
 * mail tokens end and the old address is told (MAIL_EMAIL_CHANGED).
 */
NODISCARD int auth_verify_email(struct db *db, const struct config *cfg, struct str token,
                                const struct auth_client *client, struct auth_result *out);
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
struct job;
struct job_ctx;
NODISCARD int auth_forgot_password(struct db *db, const struct config *cfg, const char *email,
                                   const struct auth_client *client, bool *sent);
int auth_forgot_password_job(struct job_ctx *ctx, const struct job *job);
/*
 * Consumes a reset token and sets password (already policy-checked): every
 * session and every other unused mail token of the user is revoked (a
 * pending email change too) and a new session starts for this client.
 */
NODISCARD int auth_reset_password(struct db *db, const struct config *cfg, struct str token,
                                  struct str password, const struct auth_client *client,
                                  struct auth_result *out);
/*
 * Starts an email change (password required): a verification link, valid
 * TOKEN_EMAIL_CHANGE_TTL_S, goes to the new address, which becomes the
 * account's once verified. A mail held back by the recipient's cooldown
 * (auth/mails.h) answers the same.
 */
NODISCARD int auth_request_email_change(struct db *db, const struct config *cfg,
                                        const struct session *s, const char *new_email,
                                        struct str password, const struct auth_client *client,
                                        struct auth_result *out);

#endif
