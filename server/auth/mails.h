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

/* "Confirme seu e-mail": link APP_URL/verificar-email?token=... */
NODISCARD int mails_verify(struct db_conn *conn, const struct config *cfg, const char *to,
                           const char *name, const char *token, int64_t now);
/* "Redefinição de senha": link APP_URL/redefinir-senha?token=... */
NODISCARD int mails_reset(struct db_conn *conn, const struct config *cfg, const char *to,
                          const char *name, const char *token, int64_t now);
/* "Alguém tentou criar uma conta com seu e-mail": log in or reset. */
NODISCARD int mails_account_exists(struct db_conn *conn, const struct config *cfg, const char *to,
                                   const char *name, int64_t now);
/* "Sua senha foi alterada": a notice, with the reset link to use if it was not them. */
NODISCARD int mails_password_changed(struct db_conn *conn, const struct config *cfg, const char *to,
                                     const char *name, int64_t now);

#endif
