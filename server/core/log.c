#include "core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <strings.h>
#include <unistd.h>

#include "core/clock.h"

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const severities[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};

bool
log_parse_level(const char *s, enum log_level *out)
{
    static const char *const names[] = {"debug", "info", "warning", "error", "critical"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

void
log_set_level(enum log_level level)
{
    min_level = level;
}

bool
log_enabled(enum log_level level)
{
    return level >= min_level;
}

const char *
log_severity(enum log_level level)
{
    return severities[level <= LOG_CRITICAL ? level : LOG_CRITICAL];
}

void
log_line(enum log_level level, struct str message, struct str fields)
{
    struct buf b = BUF_INIT;
    char ts[40];
    int err = 0;

    if (!log_enabled(level)) {
        return;
    }
    clock_format_rfc3339(clock_wall_ms(), ts, sizeof(ts));
    err |= buf_addf(&b, "{\"severity\":\"%s\",\"time\":\"%s\",\"message\":\"", log_severity(level),
                    ts);
    err |= buf_add_json_escaped(&b, message);
    err |= buf_addch(&b, '"');
    if (fields.len) {
        err |= buf_addch(&b, ',');
        err |= buf_add(&b, fields.ptr, fields.len);
    }
    err |= buf_add(&b, "}\n", 2);
    if (!err) {
        size_t off = 0;
        pthread_mutex_lock(&out_lock);
        while (off < b.len) {
            ssize_t n = write(STDOUT_FILENO, b.ptr + off, b.len - off);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            off += (size_t)n;
        }
        pthread_mutex_unlock(&out_lock);
    }
    buf_release(&b);
}

static void vlog(enum log_level level, const char *suffix, const char *fmt, va_list ap)
    PRINTF_LIKE(3, 0);

static void
vlog(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
    char msg[2048];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t len = n < 0 ? 0 : ((size_t)n >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)n);

    if (suffix) {
        (void)snprintf(msg + len, sizeof(msg) - len, ": %s", suffix);
        len = strlen(msg);
    }
    log_line(level, str_make(msg, len), STR_NULL);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    if (!log_enabled(level)) {
        return;
    }
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void
log_errno(enum log_level level, const char *fmt, ...)
{
    int saved = errno;
    char eb[128];
    va_list ap;

    if (!log_enabled(level)) {
        return;
    }
    if (strerror_r(saved, eb, sizeof(eb)) != 0) {
        (void)snprintf(eb, sizeof(eb), "errno %d", saved);
    }
    va_start(ap, fmt);
    vlog(level, eb, fmt, ap);
    va_end(ap);
}
