/*
 * The audit log (SPEC §7): who did what, when, from where, with what
 * outcome. Rows are written on the caller's connection, so an event and the
 * change it records commit (or roll back) together.
 */
#ifndef PILOTO_AUTH_AUDIT_H
#define PILOTO_AUTH_AUDIT_H

#include <stdint.h>

#include "core/common.h"
#include "db/db.h"

struct audit_entry {
    const char *user_id; /* NULL when no account is known */
    const char *event;   /* "signup", "login", "logout", "password_change", ... */
    const char *outcome; /* "success" or "failure" */
    const char *ip;
    const char *user_agent;
    const char *detail; /* a JSON object as text, or NULL for {} */
    int64_t at;
};

/* Appends one row. 0 or an E_* from the database. */
NODISCARD int audit_write(struct db_conn *conn, const struct audit_entry *e);
/* Appends one row that belongs to workspace_id (the workspace audit log). */
NODISCARD int audit_write_workspace(struct db_conn *conn, const struct audit_entry *e,
                                    const char *workspace_id);
/*
 * Same, on a pooled connection of its own (for failures outside a
 * transaction). A row it cannot write is logged as an error and counted
 * (audit_write_failures, audit_write_failures_total in /metrics).
 */
NODISCARD int audit_write_db(struct db *db, const struct audit_entry *e);
NODISCARD int audit_write_workspace_db(struct db *db, const struct audit_entry *e,
                                       const char *workspace_id);
/* Rows audit_write_db could not write since the process started. */
uint64_t audit_write_failures(void);

#endif
