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
};

/* Writes one mail of kind to the outbox; token is NULL for the kinds without one. */
NODISCARD int mails_enqueue(struct db_conn *conn, const struct config *cfg, enum mail_kind kind,
                            const char *to, const char *name, const char *token, int64_t now);

#endif
