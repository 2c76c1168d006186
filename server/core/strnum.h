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

/*
 * A comma-separated list of durations, each a whole number and a unit (ms,
 * s, m, h, d) between 1 ms and max_ms, no spaces, 1..cap of them ("30s,2m,1h"):
 * 0 with out[0..*n) in milliseconds, or E_INVALID (out may be partly written).
 */
NODISCARD int strnum_parse_durations(struct str list, int64_t max_ms, int64_t *out, size_t cap,
                                     size_t *n);

#endif
