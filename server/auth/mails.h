/*
 * The mails the account flows send, in Brazilian Portuguese (plain text and
 * simple HTML, links built from APP_URL), written to the outbox on the
 * caller's connection: in the same transaction as the action that causes
 * them, so a mail the user was told about is never lost. The sender
 * (jobs/mail_sender.h) delivers them later.
 */
#ifndef PILOTO_AUTH_MAILS_H
#define PILOTO_AUTH_MAILS_H

#include <stdint.h>

#include "config/config.h"
#include "core/common.h"
#include "db/db.h"

enum mail_kind {
    MAIL_VERIFY,           /* "Confirme seu e-mail": APP_URL/verificar-email?token=... */
    MAIL_RESET,            /* "Redefinição de senha": APP_URL/redefinir-senha?token=... */
    MAIL_ACCOUNT_EXISTS,   /* someone tried to sign up with the address: log in or reset */
    MAIL_PASSWORD_CHANGED, /* a notice, with the way back if it was not the owner */
    /*
     * "Convite para ... no Piloto de Vendas": APP_URL/convites/aceitar?token=...;
     * name is the workspace's name (the invitee may have no account yet).
     */
    MAIL_INVITATION,
};

/*
 * Writes one mail of kind to the outbox; token is NULL for the kinds without
 * one. name: the addressee's name for the greeting, or for MAIL_INVITATION
 * the workspace's name (the greeting is then a plain "Olá!").
 */
NODISCARD int mails_enqueue(struct db_conn *conn, const struct config *cfg, enum mail_kind kind,
                            const char *to, const char *name, const char *token, int64_t now);

#endif
