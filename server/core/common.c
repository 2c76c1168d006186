#include "core/common.h"

#include <stdarg.h>

#include "core/log.h"

void
bug_at(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_msg(LOG_CRITICAL, "BUG %s:%d: %s", file, line, msg);
    abort();
}

static NORETURN void
die_oom(size_t n)
{
    log_msg(LOG_CRITICAL, "out of memory allocating %zu bytes", n);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        die_oom(n);
    }
    return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p) {
        die_oom(st_mult(nmemb, size));
    }
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        die_oom(n);
    }
    return q;
}

char *
xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(st_add(n, 1));
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t
st_mult(size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        BUG("size overflow: %zu * %zu", a, b);
    }
    return r;
}

size_t
st_add(size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        BUG("size overflow: %zu + %zu", a, b);
    }
    return r;
}
