/*
 * A bump arena: every request owns one, freed when the request completes.
 * Parsed headers, JSON strings, query rows and response scratch come from it,
 * so handlers rarely call free. Allocation failure aborts (xmalloc).
 * An arena is used by one thread at a time.
 */
#ifndef PILOTO_CORE_ARENA_H
#define PILOTO_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/common.h"
#include "core/str.h"

struct arena;

struct arena *arena_new(void);
/* Frees everything; accepts NULL. */
void arena_free(struct arena *a);
/* n bytes aligned for any type; never NULL. Zeroed. */
void *arena_alloc(struct arena *a, size_t n);
/* NUL-terminated copy of (p, n). */
char *arena_strndup(struct arena *a, const char *p, size_t n);
char *arena_strdup(struct arena *a, const char *s);
static inline char *
arena_strdup_str(struct arena *a, struct str s)
{
    return arena_strndup(a, s.ptr, s.len);
}
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Bytes handed out so far (for tests and metrics). */
size_t arena_used(const struct arena *a);

#endif
