/*
 * The mails the account flows send, in Brazilian Portuguese (plain text and
 * simple HTML, links built from APP_URL), written to the outbox on the
 * caller's connection: in the same transaction as the action that causes
 * them, so a mail the user was told about is never lost. Each mail also
 * enqueues a job of kind MAILS_JOB in that transaction; jobs/mail_delivery.h
 * delivers it once the transaction commits.
 */
#ifndef PILOTO_AUTH_MAILS_H
#define PILOTO_AUTH_MAILS_H

#include <stdint.h>

#include "config/config.h"
#include "core/common.h"
#include "db/db.h"

/* The job kind that delivers an outbox mail (jobs/mail_delivery.h). */
#define MAILS_JOB "mail"

enum mail_kind {
    MAIL_VERIFY,           /* "Confirme seu e-mail": APP_URL/verificar-email?token=... */
    MAIL_RESET,            /* "Redefinição de senha": APP_URL/redefinir-senha?token=... */
    MAIL_ACCOUNT_EXISTS,   /* someone tried to sign up with the address: log in or reset */
    MAIL_PASSWORD_CHANGED, /* a notice, with the way back if it was not the owner */
    MAIL_EMAIL_CHANGE,     /* to a new address: confirm it (a shorter-lived link) */
    MAIL_EMAIL_CHANGED,    /* to the old address, once the change is done: the way back */
    /*
     * "Você foi convidado para uma equipe": APP_URL/convites/aceitar?token=...;
     * name is the workspace's name (the greeting stays neutral: the invitee
     * may have no account yet). Sent by owners and admins only, who are
     * rate-limited per IP on that route; not throttled per recipient, so a
     * resend right after a typo goes out.
     */
    MAIL_INVITATION,
    /*
     * "A integração com o CRM foi desativada" (the CRM answered 410 Gone), to
     * each owner and admin: APP_URL/w/<token>/configuracoes/crm, token being
     * the workspace id; name is the workspace's name.
     */
    MAIL_CRM_DISABLED,
};

/*
 * Mail a stranger can trigger (MAIL_VERIFY, MAIL_EMAIL_CHANGE, MAIL_RESET,
 * MAIL_ACCOUNT_EXISTS) goes at most once per MAILS_COOLDOWN_S to one
 * recipient for one kind, and at most MAILS_DAILY_CAP times a day. The
 * notices to an account's own address are never held back.
 */
#define MAILS_COOLDOWN_S 60
#define MAILS_DAILY_CAP  5

/*
 * Writes one mail of kind to the outbox; token is NULL for the kinds
 * without one; name is the greeting's name, NULL for a neutral greeting
 * (give none to an address that has not been verified: a stranger chose
 * it), or for MAIL_INVITATION the workspace's name. 0; E_RATE_LIMITED when the recipient's cooldown
 * or daily cap holds the mail back (nothing is written); E_DB / E_UNAVAILABLE.
 */
NODISCARD int mails_enqueue(struct db_conn *conn, const struct config *cfg, enum mail_kind kind,
                            const char *to, const char *name, const char *token, int64_t now);

#endif
