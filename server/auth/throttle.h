/*
 * Failed-login back-off per account (SPEC §6), kept in the database so
 * every instance agrees. Keyed by a hash of the normalised email, whether
 * or not an account exists (so the throttle reveals nothing), or of
 * "user:<id>" for password checks inside a session. The first
 * THROTTLE_FREE_FAILURES failures cost nothing; from the next one on, each
 * failure locks the key for 2, 4, 8... seconds, capped at
 * THROTTLE_MAX_WAIT_S: back-off, never a permanent lockout. Failures older
 * than THROTTLE_DECAY_S are forgotten.
 */
#ifndef PILOTO_AUTH_THROTTLE_H
#define PILOTO_AUTH_THROTTLE_H

#include <stdint.h>

#include "core/common.h"
#include "db/db.h"

#define THROTTLE_FREE_FAILURES 3
#define THROTTLE_MAX_WAIT_S    900
#define THROTTLE_DECAY_S       3600

/* Seconds to wait before a failure count allows another attempt (pure). */
int64_t throttle_wait_for(int64_t failures);
/* 0, or E_RATE_LIMITED with *retry_after_s when email is in back-off. */
NODISCARD int throttle_check(struct db *db, const char *email, int64_t now, int *retry_after_s);
/* Records a failure and sets the next back-off. */
NODISCARD int throttle_fail(struct db *db, const char *email, int64_t now);
/* Forgets the failures (after a successful login). */
NODISCARD int throttle_clear(struct db *db, const char *email);

#endif
