/*
 * Single-use tokens sent by mail (SPEC §4): 256 bits from the CSPRNG,
 * only their SHA-256 at rest, an expiry, and a newer token of the same kind
 * invalidates the older ones. A token also names the address it was sent
 * to, so verifying a changed email sets exactly the address that was proven.
 */
#ifndef PILOTO_AUTH_TOKENS_H
#define PILOTO_AUTH_TOKENS_H

#include <stdint.h>

#include "auth/accounts.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

#define TOKEN_VERIFY       "verify"
#define TOKEN_RESET        "reset"
#define TOKEN_VERIFY_TTL_S (48 * 3600)
#define TOKEN_RESET_TTL_S  (30 * 60)
/* A verify token that moves the account to a new address lives shorter than a sign-up's. */
#define TOKEN_EMAIL_CHANGE_TTL_S 3600
#define TOKEN_SIZE               48 /* base64url of 32 bytes + NUL */

/* Issues a token of kind for user_id and email, invalidating older ones. */
NODISCARD int tokens_issue(struct db_conn *conn, const char *user_id, const char *kind,
                           const char *email, int64_t ttl_s, int64_t now, char *token);
/*
 * Consumes a live token of kind: 0 with its user and email, or E_NOT_FOUND
 * (unknown, used, expired, superseded or malformed).
 */
NODISCARD int tokens_consume(struct db_conn *conn, const char *kind, struct str token, int64_t now,
                             char *user_id, char *email);
/* Ends every unused token of user_id, of every kind. */
NODISCARD int tokens_revoke_all(struct db_conn *conn, const char *user_id, int64_t now);
/* Seconds since the newest token of kind for user_id was issued (INT64_MAX if none). */
NODISCARD int tokens_age(struct db_conn *conn, const char *user_id, const char *kind, int64_t now,
                         int64_t *age);

#endif
