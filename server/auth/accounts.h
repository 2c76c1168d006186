/*
 * User accounts: lookup, creation and updates. Emails are stored
 * normalised (trimmed, lowercased) so uniqueness is case-insensitive.
 * Every function runs on the caller's connection (transactions are the
 * caller's), and returns 0 or an E_*: E_NOT_FOUND, E_CONFLICT (the email is
 * taken), E_UNAVAILABLE / E_DB from the database.
 */
#ifndef PILOTO_AUTH_ACCOUNTS_H
#define PILOTO_AUTH_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

#define ACCOUNT_ID_SIZE    32
#define ACCOUNT_EMAIL_MAX  254
#define ACCOUNT_NAME_MAX   100 /* code points */
#define ACCOUNT_NAME_BYTES (ACCOUNT_NAME_MAX * 4)
/* Bytes of a client's User-Agent kept with its sessions and audit rows. */
#define ACCOUNT_USER_AGENT_MAX 256

struct user {
    char id[ACCOUNT_ID_SIZE];
    char email[ACCOUNT_EMAIL_MAX + 1];
    char name[ACCOUNT_NAME_BYTES + 1];
    char password_hash[128];
    bool has_password;
    int64_t email_verified_at; /* 0 = not verified */
    int64_t created_at;
};

/*
 * Normalises an email address into out (ACCOUNT_EMAIL_MAX + 1 bytes):
 * trimmed, ASCII-lowercased, one '@', a non-empty local part of at most 64
 * bytes, a dotted domain of letters, digits, '-' and '.', no spaces or
 * control bytes. 0 or E_VALIDATION.
 */
NODISCARD int accounts_normalize_email(struct str in, char *out);
/*
 * Checks a display name: 1-100 code points of UTF-8 after trimming, none of
 * general category Cc, Cf, Zl or Zp (unicode/unicode.h).
 */
NODISCARD int accounts_check_name(struct str name, struct str *trimmed);

NODISCARD int accounts_create(struct db_conn *conn, const char *email, struct str name,
                              const char *password_hash, int64_t now, struct user *out);
NODISCARD int accounts_find_by_email(struct db_conn *conn, const char *email, struct user *out);
NODISCARD int accounts_find_by_id(struct db_conn *conn, const char *id, struct user *out);
NODISCARD int accounts_update_name(struct db_conn *conn, const char *id, struct str name,
                                   int64_t now);
NODISCARD int accounts_set_password(struct db_conn *conn, const char *id, const char *hash,
                                    int64_t now);
/*
 * Replaces the password hash with next only while it is still old (a
 * password changed since old was read wins): 0 either way.
 */
NODISCARD int accounts_rehash_password(struct db_conn *conn, const char *id, const char *old,
                                       const char *next, int64_t now);
/* The account has no password any more (Google only, or a reset link to make one). */
NODISCARD int accounts_clear_password(struct db_conn *conn, const char *id, int64_t now);
/* email (normalised) becomes the account's address, verified at now. */
NODISCARD int accounts_set_verified_email(struct db_conn *conn, const char *id, const char *email,
                                          int64_t now);
/* Marks the address verified if it is still email and not verified yet: 0 either way. */
NODISCARD int accounts_verify_if_current(struct db_conn *conn, const char *id, const char *email,
                                         int64_t now);
/*
 * Locks the account row until the transaction ends (PostgreSQL; SQLite's
 * BEGIN IMMEDIATE already serialises writers). 0 or E_NOT_FOUND.
 */
NODISCARD int accounts_lock(struct db_conn *conn, const char *id, int64_t now);

#endif
