/* Clocks. Code that needs a testable clock takes a clock function pointer. */
#ifndef PILOTO_CORE_CLOCK_H
#define PILOTO_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t (*clock_fn)(void);

/* Monotonic milliseconds, for deadlines and latencies. */
int64_t clock_mono_ms(void);
/* Monotonic microseconds. */
int64_t clock_mono_us(void);
/* Wall clock, seconds since the epoch. */
int64_t clock_wall_s(void);
/* Wall clock, milliseconds since the epoch. */
int64_t clock_wall_ms(void);
/* RFC 3339 UTC with milliseconds into out (at least 32 bytes). */
void clock_format_rfc3339(int64_t wall_ms, char *out, size_t outlen);

#endif
