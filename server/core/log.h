/*
 * Structured logs: one JSON object per line on stdout, in Cloud Logging's
 * shape ({"severity", "message", "time", ...}). Messages follow git's style:
 * lowercase, no full stop, what failed first, subject quoted. Never log a
 * password, token, cookie value or Authorization header.
 */
#ifndef PILOTO_CORE_LOG_H
#define PILOTO_CORE_LOG_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/common.h"

enum log_level {
    LOG_DEBUG,
    LOG_INFO,
    LOG_WARNING,
    LOG_ERROR,
    LOG_CRITICAL,
};

/* "debug", "info", "warning", "error" (case-insensitive) to a level; false if unknown. */
bool log_parse_level(const char *s, enum log_level *out);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
const char *log_severity(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Like log_msg with ": <strerror(errno)>" appended. */
void log_errno(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/*
 * Writes one log line: {"severity":..., "time":..., "message": message, <fields>}
 * where fields is a JSON object body without braces (may be empty), e.g.
 * "\"httpRequest\":{...}". The line is written with one write(2).
 */
void log_line(enum log_level level, struct str message, struct str fields);

#endif
