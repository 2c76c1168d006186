/* Clocks. Code that needs a testable clock takes a clock function pointer. */
#ifndef PILOTO_CORE_CLOCK_H
#define PILOTO_CORE_CLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef int64_t (*clock_fn)(void);

/* Monotonic milliseconds, for deadlines and latencies. */
int64_t clock_mono_ms(void);
/* Monotonic microseconds. */
int64_t clock_mono_us(void);
/* Wall clock, seconds since the epoch. */
int64_t clock_wall_s(void);
/* Wall clock, milliseconds since the epoch. */
int64_t clock_wall_ms(void);
/*
 * Timed waits on the monotonic clock, so wall-clock jumps cannot stretch
 * them: clock_cond_init makes the condition variable, clock_mono_after(ms)
 * the absolute time pthread_cond_timedwait wants for "ms from now".
 */
void clock_cond_init(pthread_cond_t *cond);
struct timespec clock_mono_after(int64_t ms);
/* RFC 3339 UTC with milliseconds into out (at least 32 bytes). */
void clock_format_rfc3339(int64_t wall_ms, char *out, size_t outlen);

#endif
