/*
 * Sign-in methods linked to an account (user_identities): an external
 * identity is the provider's issuer plus its stable subject id (OpenID
 * Connect Core §2), never an email, which can change hands. An identity
 * belongs to one account; an account may have several.
 *
 * Every function runs on the caller's connection (transactions are the
 * caller's) and returns 0 or an E_*: E_NOT_FOUND, E_CONFLICT (the identity
 * is linked already), E_UNAVAILABLE / E_DB from the database.
 */
#ifndef PILOTO_AUTH_IDENTITIES_H
#define PILOTO_AUTH_IDENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include "auth/accounts.h"
#include "core/arena.h"
#include "core/common.h"
#include "db/db.h"

#define IDENTITY_ID_SIZE     32
#define IDENTITY_ISSUER_MAX  255
#define IDENTITY_SUBJECT_MAX 255
/* Identities listed per account, at most (a bound on what one query reads). */
#define IDENTITIES_MAX_PER_USER 32

struct identity {
    char id[IDENTITY_ID_SIZE];
    char user_id[ACCOUNT_ID_SIZE];
    char issuer[IDENTITY_ISSUER_MAX + 1];
    char subject[IDENTITY_SUBJECT_MAX + 1];
    char email[ACCOUNT_EMAIL_MAX + 1];
    int64_t created_at;
};

/* The identity (issuer, subject): 0 and *out, or E_NOT_FOUND. */
NODISCARD int identities_find(struct db_conn *conn, const char *issuer, const char *subject,
                              struct identity *out);
/* Links (issuer, subject) to user_id: 0 and *out, or E_CONFLICT when it is linked already. */
NODISCARD int identities_create(struct db_conn *conn, const char *user_id, const char *issuer,
                                const char *subject, const char *email, int64_t now,
                                struct identity *out);
/* Records the email the provider gave at the latest sign-in. */
NODISCARD int identities_set_email(struct db_conn *conn, const char *id, const char *email);
/*
 * The identities of user_id, oldest first, at most IDENTITIES_MAX_PER_USER,
 * into an array from arena (*out NULL when *n is 0).
 */
NODISCARD int identities_list(struct db_conn *conn, const char *user_id, struct arena *a,
                              struct identity **out, size_t *n);
/* How many identities user_id has. */
NODISCARD int identities_count(struct db_conn *conn, const char *user_id, size_t *n);
/* Unlinks identity id of user_id: 0, or E_NOT_FOUND (no such identity of theirs). */
NODISCARD int identities_delete(struct db_conn *conn, const char *user_id, const char *id);

#endif
