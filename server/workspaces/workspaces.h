/*
 * Workspaces (SPEC §4, §8): the tenants. A user belongs to any number of
 * workspaces, each membership with a role: owner, admin or member. Owners
 * and admins manage members and invitations (invitations.h) and read the
 * workspace's audit log; only owners touch owners (promote, demote, remove,
 * hand ownership over). A workspace always keeps one owner: its last owner
 * can neither leave, be removed nor be demoted (E_LAST_OWNER).
 *
 * Tenancy. Everything under /api/v1/workspaces/{wid} runs with one
 * struct tenant, "who is asking", resolved by middleware (mw_tenant) from
 * the session's user and {wid} before any handler runs, straight from the
 * database on every request (so a role change or a removal takes effect on
 * the next request; no role is kept in a session). Every function below that
 * takes a tenant binds its workspace_id in every query it runs: an id from
 * another workspace is never found (E_NOT_FOUND), whatever it names.
 *
 * Every change writes an audit row with the workspace id in the same
 * transaction. Functions return 0 or an E_* (E_UNAVAILABLE / E_DB from the
 * database besides the ones named).
 */
#ifndef PILOTO_WORKSPACES_WORKSPACES_H
#define PILOTO_WORKSPACES_WORKSPACES_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/accounts.h"
#include "auth/auth.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

#define WS_ID_SIZE    32
#define WS_NAME_MAX   200 /* code points */
#define WS_NAME_BYTES (WS_NAME_MAX * 4)
/* Audit pages: default and largest size. */
#define WS_AUDIT_PAGE     50
#define WS_AUDIT_PAGE_MAX 200

/* Roles, in order: a role may do what every lower one may. */
enum ws_role {
    WS_NONE = 0, /* not a member; as a route's minimum role: not a workspace route */
    WS_MEMBER = 1,
    WS_ADMIN = 2,
    WS_OWNER = 3,
};

/* Who is asking under /api/v1/workspaces/{wid}: a member of it, with a role. */
struct tenant {
    char user_id[ACCOUNT_ID_SIZE];
    char workspace_id[WS_ID_SIZE];
    enum ws_role role;
};

struct workspace {
    char id[WS_ID_SIZE];
    char name[WS_NAME_BYTES + 1];
    enum ws_role role; /* the asking user's */
};

struct ws_member {
    char user_id[ACCOUNT_ID_SIZE];
    char email[ACCOUNT_EMAIL_MAX + 1];
    char name[ACCOUNT_NAME_BYTES + 1];
    enum ws_role role;
    int64_t joined_at;
};

/* One audit row; strings live in the arena given to workspaces_audit. */
struct ws_audit_event {
    int64_t id;
    int64_t at;
    const char *user_id; /* "" when none */
    const char *email;   /* the actor's current address, "" when unknown */
    const char *name;
    const char *event;
    const char *outcome;
    const char *ip;
    const char *detail; /* a JSON object as text */
};

/* "owner", "admin", "member" (and "" for WS_NONE). */
const char *workspaces_role_name(enum ws_role role);
/* Parses a role name (exactly, lowercase): true and *out, or false. */
bool workspaces_parse_role(struct str s, enum ws_role *out);
/* A workspace name: 1-200 code points after trimming, no control bytes. 0 or E_VALIDATION. */
NODISCARD int workspaces_check_name(struct str name, struct str *trimmed);

/* Creates a workspace named name (checked) with user_id as its owner. */
NODISCARD int workspaces_create(struct db *db, const char *user_id, struct str name,
                                const struct auth_client *client, struct workspace *out);
/* The user's workspaces, by name, into an arena array. */
NODISCARD int workspaces_list(struct db *db, const char *user_id, struct arena *a,
                              struct workspace **out, size_t *n);
/*
 * Who is asking: user_id's membership of workspace wid. 0 and *out, or
 * E_NOT_FOUND when wid names no workspace user_id belongs to (malformed ids
 * included: the answer never says which).
 */
NODISCARD int workspaces_resolve(struct db *db, const char *user_id, struct str wid,
                                 struct tenant *out);

NODISCARD int workspaces_get(struct db *db, const struct tenant *t, struct workspace *out);
/* Renames the workspace (admin or owner; the route says so). */
NODISCARD int workspaces_rename(struct db *db, const struct tenant *t, struct str name,
                                const struct auth_client *client, struct workspace *out);

/* The members, owners first, then by name. */
NODISCARD int workspaces_members(struct db *db, const struct tenant *t, struct arena *a,
                                 struct ws_member **out, size_t *n);
/*
 * Gives member user_id the role. E_NOT_FOUND (not a member here),
 * E_FORBIDDEN (an admin touching an owner or granting owner),
 * E_LAST_OWNER (it would leave the workspace without an owner).
 */
NODISCARD int workspaces_set_role(struct db *db, const struct tenant *t, const char *user_id,
                                  enum ws_role role, const struct auth_client *client,
                                  struct ws_member *out);
/* Removes member user_id (the asking user too: that is leaving). Errors as set_role. */
NODISCARD int workspaces_remove_member(struct db *db, const struct tenant *t, const char *user_id,
                                       const struct auth_client *client);
/* The asking user leaves. E_LAST_OWNER for the last owner. */
NODISCARD int workspaces_leave(struct db *db, const struct tenant *t,
                               const struct auth_client *client);
/*
 * Hands ownership to member user_id (an owner only): they become an owner,
 * the asking owner an admin, in one transaction. E_NOT_FOUND, E_FORBIDDEN,
 * E_INVALID (to oneself).
 */
NODISCARD int workspaces_transfer(struct db *db, const struct tenant *t, const char *user_id,
                                  const struct auth_client *client);

/*
 * The workspace's audit log, newest first: at most limit rows with an id
 * below before (0: from the newest). *next is the id to pass as before for
 * the next page, or 0 when there is none.
 */
NODISCARD int workspaces_audit(struct db *db, const struct tenant *t, int64_t before, size_t limit,
                               struct arena *a, struct ws_audit_event **out, size_t *n,
                               int64_t *next);

/*
 * Records a refused change (outcome "failure") of event on its own
 * connection, since the change's transaction rolled back: user_id the
 * member it was about ("" for none), reason the E_* it was refused with.
 * 0, or the write's E_* (logged and counted already: callers answer the
 * refusal either way).
 */
int workspaces_audit_refused(struct db *db, const struct tenant *t, const char *event,
                             const char *user_id, int reason, const struct auth_client *client);
/*
 * For this module and invitations.c: appends an audit row of the tenant's
 * workspace on conn (success). detail: a JSON object as text, or NULL.
 */
NODISCARD int workspaces_audit_write(struct db_conn *conn, const char *workspace_id,
                                     const char *user_id, const char *event, const char *detail,
                                     const struct auth_client *client, int64_t now);
/* Adds user_id to the workspace with role (E_CONFLICT when already a member). */
NODISCARD int workspaces_add_member(struct db_conn *conn, const char *workspace_id,
                                    const char *user_id, enum ws_role role, int64_t now);
/* Reads workspace id as user_id sees it (role WS_NONE if not a member). */
NODISCARD int workspaces_read(struct db_conn *conn, const char *workspace_id, const char *user_id,
                              struct workspace *out);

#endif
