/*
 * Whole-string integer parsing with a range (OpenBSD's strtonum): no sign
 * tricks, no leading spaces, no trailing bytes, no empty string.
 */
#ifndef PILOTO_CORE_STRNUM_H
#define PILOTO_CORE_STRNUM_H

#include <stdint.h>

#include "core/common.h"
#include "core/str.h"

/* 0 and *out set, or E_INVALID (not a number, or outside [min, max]). */
NODISCARD int strnum_parse(struct str s, int64_t min, int64_t max, int64_t *out);

#endif
