/*
 * What the account flows (auth.c) and the Google flow (auth_google.c)
 * share; included by those two files only.
 */
#ifndef PILOTO_AUTH_AUTH_INTERNAL_H
#define PILOTO_AUTH_AUTH_INTERNAL_H

#include <stdint.h>

#include "auth/audit.h"
#include "auth/auth.h"

/* An audit row of client's request. */
struct audit_entry auth_entry(const char *user_id, const char *event, const char *outcome,
                              const struct auth_client *client, const char *detail, int64_t now);
/* Audits a failure outside any transaction, on a pooled connection of its own. */
void auth_audit_failure(struct db *db, const char *user_id, const char *event,
                        const struct auth_client *client, const char *detail);
/* A flow that failed hands out no session token: wipes what it may have made. */
void auth_drop_token(struct auth_result *out);

#endif
