/*
 * Small things every module uses: attributes, ARRAY_LEN, allocation that
 * aborts on failure, and banned.h. Keep it small: at our size a program-wide
 * header would hide who depends on whom.
 */
#ifndef PILOTO_CORE_COMMON_H
#define PILOTO_CORE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ARRAY_LEN(a)      (sizeof(a) / sizeof((a)[0]))
#define NODISCARD         __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN          __attribute__((noreturn))
#define UNUSED            __attribute__((unused))

/* Broken invariant: log one line and abort. Never for bad input. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
NORETURN PRINTF_LIKE(3, 4) void bug_at(const char *file, int line, const char *fmt, ...);

/*
 * Allocation that aborts after logging one line. Safe because every size
 * derived from input is checked against a named limit first.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* a * b or abort: sizes multiplied from counts go through this (git's st_mult). */
size_t st_mult(size_t a, size_t b);
/* a + b or abort. */
size_t st_add(size_t a, size_t b);

#include "core/banned.h"

#endif
