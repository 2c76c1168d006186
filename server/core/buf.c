#include "core/buf.h"

#include <stdio.h>

#include "core/err.h"

char buf_empty[1];

void
buf_init(struct buf *b, size_t hint)
{
    b->ptr = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = 0;
    if (hint) {
        b->ptr = xmalloc(st_add(hint, 1));
        b->ptr[0] = '\0';
        b->cap = hint + 1;
    }
}

void
buf_release(struct buf *b)
{
    if (b->cap) {
        free(b->ptr);
    }
    buf_init(b, 0);
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->cap) {
        b->ptr[0] = '\0';
    }
}

char *
buf_detach(struct buf *b, size_t *len)
{
    char *p = b->cap ? b->ptr : xstrdup("");
    if (len) {
        *len = b->len;
    }
    b->ptr = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = 0;
    return p;
}

int
buf_grow(struct buf *b, size_t n)
{
    size_t need;
    size_t cap;

    if (__builtin_add_overflow(b->len, n, &need) || __builtin_add_overflow(need, 1, &need)) {
        return E_TOO_LARGE;
    }
    if (b->max && need - 1 > b->max) {
        return E_TOO_LARGE;
    }
    if (need <= b->cap) {
        return 0;
    }
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = st_mult(cap, 2);
    }
    if (b->cap) {
        b->ptr = xrealloc(b->ptr, cap);
    } else {
        b->ptr = xmalloc(cap);
        b->ptr[0] = '\0';
    }
    b->cap = cap;
    return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
    int err = buf_grow(b, n);
    if (err) {
        return err;
    }
    if (n) {
        memcpy(b->ptr + b->len, p, n);
    }
    b->len += n;
    b->ptr[b->len] = '\0';
    return 0;
}

int
buf_addstr(struct buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int
buf_addch(struct buf *b, char c)
{
    return buf_add(b, &c, 1);
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;
    int err;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        return E_INTERNAL;
    }
    err = buf_grow(b, (size_t)n);
    if (err) {
        return err;
    }
    (void)vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int err;

    va_start(ap, fmt);
    err = buf_vaddf(b, fmt, ap);
    va_end(ap);
    return err;
}

int
buf_add_json_escaped(struct buf *b, struct str s)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = b->len;
    int err = 0;

    for (size_t i = 0; i < s.len && !err; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        switch (c) {
        case '"':
            err = buf_add(b, "\\\"", 2);
            break;
        case '\\':
            err = buf_add(b, "\\\\", 2);
            break;
        case '\n':
            err = buf_add(b, "\\n", 2);
            break;
        case '\r':
            err = buf_add(b, "\\r", 2);
            break;
        case '\t':
            err = buf_add(b, "\\t", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                err = buf_add(b, esc, sizeof(esc));
            } else if (c < 0x80) {
                err = buf_addch(b, (char)c);
            } else {
                /* Valid UTF-8 as it is; any other byte as U+FFFD, so the text stays JSON. */
                size_t n = str_utf8_seq(s, i);
                if (n == 0) {
                    err = buf_add(b, "\\ufffd", 6);
                } else {
                    err = buf_add(b, s.ptr + i, n);
                    i += n - 1;
                }
            }
        }
    }
    if (err) {
        /* All or nothing, as buf.h promises. */
        b->len = start;
        if (b->cap) {
            b->ptr[start] = '\0';
        }
    }
    return err;
}
