/*
 * Invitations to a workspace (SPEC §8): an owner or admin invites an
 * address with a role (admin or member; ownership is handed over, not
 * invited). The invitation is mailed (auth/mails.h, in the same
 * transaction) with a link to the dashboard's acceptance page carrying a
 * single-use token: 256 bits from the CSPRNG, only its SHA-256 at rest,
 * valid for 7 days. One pending invitation per workspace and address; it
 * can be revoked, or resent (a new token and 7 more days; the old link
 * stops working). Accepting needs a session whose account email is the
 * invited address (both are stored lowercased, so the comparison is
 * case-insensitive); it proves the address, so an unverified account
 * becomes verified, and it adds the membership once even when two
 * acceptances race.
 *
 * Functions return 0 or an E_* (besides the database's):
 *   E_ALREADY_MEMBER      invite: the address belongs to a member already
 *   E_INVITATION_PENDING  invite: a live invitation to it exists (resend it)
 *   E_NOT_FOUND           revoke/resend: no pending invitation with that id here
 *   E_INVITATION_INVALID  accept: unknown, malformed or revoked token
 *   E_INVITATION_EXPIRED  accept: older than 7 days
 *   E_INVITATION_USED     accept: already accepted (by another account, or by this one
 *                         that has left since; accepting twice is not an error)
 *   E_INVITATION_EMAIL    accept: the session's account has another address
 */
#ifndef PILOTO_WORKSPACES_INVITATIONS_H
#define PILOTO_WORKSPACES_INVITATIONS_H

#include "config/config.h"
#include "workspaces/workspaces.h"

#define INVITATION_TTL_S (7 * 24 * 3600)

struct invitation {
    char id[WS_ID_SIZE];
    char email[ACCOUNT_EMAIL_MAX + 1];
    enum ws_role role;
    char invited_by[ACCOUNT_ID_SIZE]; /* "" when the inviter's account is gone */
    int64_t created_at;
    int64_t sent_at;
    int64_t expires_at;
};

/*
 * Invites email (normalised by accounts_normalize_email) with role
 * (WS_ADMIN or WS_MEMBER, else E_INVALID) and mails the link.
 */
NODISCARD int invitations_create(struct db *db, const struct config *cfg, const struct tenant *t,
                                 const char *email, enum ws_role role,
                                 const struct auth_client *client, struct invitation *out);
/* Pending invitations (neither accepted nor revoked; expired ones included), newest first. */
NODISCARD int invitations_list(struct db *db, const struct tenant *t, struct arena *a,
                               struct invitation **out, size_t *n);
NODISCARD int invitations_revoke(struct db *db, const struct tenant *t, const char *id,
                                 const struct auth_client *client);
/* A new token and expiry for a pending invitation, mailed again. */
NODISCARD int invitations_resend(struct db *db, const struct config *cfg, const struct tenant *t,
                                 const char *id, const struct auth_client *client,
                                 struct invitation *out);
/* What an invitation link shows before anyone accepts it. */
enum invitation_status {
    INVITATION_PENDING,
    INVITATION_EXPIRED,
    INVITATION_ACCEPTED,
    INVITATION_REVOKED,
};

struct invitation_preview {
    struct invitation inv;
    char workspace_name[WS_NAME_BYTES + 1];
    enum invitation_status status;
};

/* "pending", "expired", "accepted", "revoked". */
const char *invitations_status_name(enum invitation_status s);
/*
 * The invitation a token names, for the acceptance page (no session needed:
 * whoever holds the token was mailed it). E_INVITATION_INVALID for a token
 * that names none (a resent invitation's older token included).
 */
NODISCARD int invitations_preview(struct db *db, struct str token, struct invitation_preview *out);
/* user_id accepts the invitation token names: 0 and the workspace as they now see it. */
NODISCARD int invitations_accept(struct db *db, const char *user_id, struct str token,
                                 const struct auth_client *client, struct workspace *out);

#endif
