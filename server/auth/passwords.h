/*
 * Password policy (SPEC §4, OWASP ASVS 2.1.1/2.1.2/2.1.7): 12 to 128
 * Unicode code points, spaces allowed, nothing truncated, and not one of the
 * common or breached passwords compiled in (case-insensitive).
 */
#ifndef PILOTO_AUTH_PASSWORDS_H
#define PILOTO_AUTH_PASSWORDS_H

#include <stdbool.h>

#include "core/common.h"
#include "core/str.h"

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_CHARS 128
/* Bytes we ever accept (128 code points of at most 4 bytes). */
#define PASSWORD_MAX_BYTES (PASSWORD_MAX_CHARS * 4)

/*
 * 0 when pw is acceptable as a new password; else E_VALIDATION and *code one
 * of "too_short", "too_long", "too_common", "invalid" (not UTF-8 or has NUL).
 */
NODISCARD int passwords_check_policy(struct str pw, const char **code);
/* true when pw (any case) is in the common-password list. */
bool passwords_is_common(struct str pw);

#endif
