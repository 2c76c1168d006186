/*
 * Server-side sessions (SPEC §5). The cookie carries an opaque 256-bit
 * token from the OS CSPRNG; only its SHA-256 is stored (user_sessions), so
 * a copy of the database cannot be replayed as cookies. Each session has an
 * idle expiry (sliding, written at most once a minute) and an absolute one
 * (SESSION_ABSOLUTE_TIMEOUT with "remember me", SESSION_SHORT_TIMEOUT
 * without). Revocation is a column: it takes effect on the next request
 * on this instance, and on other instances as session/cache.h says.
 *
 * Every change to a session or to its user's row made through this module
 * or auth/ is announced on SESSION_CHANNEL with the user id (db_notify), so
 * the session cache drops that user's entries once it commits.
 */
#ifndef PILOTO_SESSION_SESSION_H
#define PILOTO_SESSION_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

/*
 * The channel session changes are announced on (payload: the user id):
 * db_notify from session.c and auth/, and on PostgreSQL migration 0010's
 * trigger on users and user_sessions, whoever changes them.
 */
#define SESSION_CHANNEL "piloto_sessions"

#define SESSION_TOKEN_BYTES 32
#define SESSION_TOKEN_SIZE  48 /* base64url of 32 bytes (43) + NUL, rounded */
#define SESSION_ID_SIZE     32
/* The sliding refresh writes last_seen at most this often. */
#define SESSION_TOUCH_INTERVAL_S 60

/* Bytes of an email and a display name with their NUL (accounts.h's limits). */
#define SESSION_USER_EMAIL_SIZE 255
#define SESSION_USER_NAME_SIZE  401

/* The account a session belongs to, read with it in one query (session_lookup). */
struct session_user {
    char email[SESSION_USER_EMAIL_SIZE];
    char name[SESSION_USER_NAME_SIZE];
    bool has_password;
    int64_t email_verified_at; /* 0 = not verified */
    int64_t created_at;
};

struct session {
    char id[SESSION_ID_SIZE]; /* public id, for listing and revoking; not the token */
    char user_id[SESSION_ID_SIZE];
    int64_t created_at;
    int64_t last_seen_at;
    int64_t idle_expires_at;
    int64_t absolute_expires_at;
    int64_t auth_at; /* last time the user proved who they are (login, password) */
    bool remember;
    char ip[48];
    char user_agent[257];
    struct session_user user; /* filled by session_lookup only */
};

struct session_cache;

/*
 * Creates a session for user_id on the caller's connection; the cookie
 * token goes to token (SESSION_TOKEN_SIZE bytes). 0 or an E_* from the db.
 */
NODISCARD int session_create(struct db_conn *conn, const struct config *cfg, const char *user_id,
                             bool remember, int64_t auth_at, const char *ip, const char *ua,
                             int64_t now, char *token, struct session *out);
/*
 * Finds the live session of a cookie token, with its user, in one query,
 * and slides its idle expiry (at most once a minute). With a cache (may be
 * NULL), a session found there within its time to live is answered without
 * the database, unless the slide is due; a session read from the database
 * is put there. Only found sessions are cached, never a miss.
 * 0, E_UNAUTHENTICATED (unknown, revoked or expired), or E_UNAVAILABLE / E_DB.
 */
NODISCARD int session_lookup(struct db *db, struct session_cache *cache, const struct config *cfg,
                             struct str token, int64_t now, struct session *out);
/* Revokes session id of user_id: 0, E_NOT_FOUND (not theirs or not live), or a db error. */
NODISCARD int session_revoke(struct db_conn *conn, const char *user_id, const char *id,
                             int64_t now);
/* Revokes every live session of user_id except except_id (may be NULL); *count revoked. */
NODISCARD int session_revoke_others(struct db_conn *conn, const char *user_id,
                                    const char *except_id, int64_t now, uint64_t *count);
/* The live sessions of user_id, newest first, into an array from arena. */
NODISCARD int session_list(struct db_conn *conn, const char *user_id, int64_t now, struct arena *a,
                           struct session **out, size_t *n);
/* Records a fresh authentication on session id of user_id (recent-auth rule). */
NODISCARD int session_mark_auth(struct db_conn *conn, const char *user_id, const char *id,
                                int64_t now);
/* Seconds the cookie should live: the absolute life when remembered, else -1 (browser session). */
int64_t session_cookie_max_age(const struct session *s, int64_t now);

#endif
