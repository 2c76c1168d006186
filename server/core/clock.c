#include "core/clock.h"

#include "core/common.h"

static int64_t
read_ns(clockid_t id)
{
    struct timespec ts;
    (void)clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
clock_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

struct timespec
clock_mono_after(int64_t ms)
{
    int64_t ns = read_ns(CLOCK_MONOTONIC) + ms * 1000000;
    return (struct timespec){(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
}

int64_t
clock_mono_ms(void)
{
    return read_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t
clock_mono_us(void)
{
    return read_ns(CLOCK_MONOTONIC) / 1000;
}

int64_t
clock_wall_s(void)
{
    return read_ns(CLOCK_REALTIME) / 1000000000;
}

int64_t
clock_wall_ms(void)
{
    return read_ns(CLOCK_REALTIME) / 1000000;
}

void
clock_format_rfc3339(int64_t wall_ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;

    if (!gmtime_r(&secs, &tm)) {
        (void)snprintf(out, outlen, "1970-01-01T00:00:00.000Z");
        return;
    }
    (void)snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   (int)(wall_ms % 1000));
}
