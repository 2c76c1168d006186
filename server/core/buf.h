/*
 * struct buf: an owned, growable byte buffer (after git's strbuf).
 *
 * Invariants: ptr is never NULL and always NUL-terminated (ptr[len] == 0);
 * the content may hold NULs. BUF_INIT initialises, buf_release() frees and
 * returns to the BUF_INIT state, so cleanup at an `out:` label is always
 * safe. A buffer that collects outside data gets a cap (max > 0): growing
 * past it fails with E_TOO_LARGE and leaves the content as it was.
 * Functions return 0 or an E_* and never move the struct itself.
 */
#ifndef PILOTO_CORE_BUF_H
#define PILOTO_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/common.h"
#include "core/str.h"

struct buf {
    char *ptr;
    size_t len;
    size_t cap; /* 0 while ptr points at the shared empty string */
    size_t max; /* 0 = no cap */
};

extern char buf_empty[1];
#define BUF_INIT                                                                                   \
    {                                                                                              \
        buf_empty, 0, 0, 0                                                                         \
    }

void buf_init(struct buf *b, size_t hint);
/* Frees the content and returns b to BUF_INIT (keeps no cap). */
void buf_release(struct buf *b);
/* Empties without freeing. */
void buf_reset(struct buf *b);
/* Hands the bytes over (caller frees); b is back to BUF_INIT. */
char *buf_detach(struct buf *b, size_t *len);
/* Makes room for n more bytes. */
NODISCARD int buf_grow(struct buf *b, size_t n);
NODISCARD int buf_add(struct buf *b, const void *p, size_t n);
NODISCARD int buf_addstr(struct buf *b, const char *s);
NODISCARD int buf_addch(struct buf *b, char c);
NODISCARD int buf_addf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
NODISCARD int buf_vaddf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* Appends s as the inside of a JSON string (quotes not included). */
NODISCARD int buf_add_json_escaped(struct buf *b, struct str s);
static inline struct str
buf_str(const struct buf *b)
{
    return (struct str){b->ptr, b->len};
}

#endif
