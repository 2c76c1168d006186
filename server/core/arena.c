#include "core/arena.h"

#include <stdalign.h>
#include <stdio.h>

#define ARENA_CHUNK 4096

struct chunk {
    struct chunk *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct chunk *head;
    size_t total;
};

struct arena *
arena_new(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
    if (!a) {
        return;
    }
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    struct chunk *c = a->head;
    size_t off;
    void *p;

    n = st_add(n, align - 1) & ~(align - 1);
    if (n == 0) {
        n = align;
    }
    if (!c || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = xmalloc(st_add(sizeof(struct chunk), size));
        c->size = size;
        c->used = 0;
        /* A big one-off allocation goes behind the head so the head's spare room stays usable. */
        if (a->head && size > ARENA_CHUNK) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    off = c->used;
    c->used += n;
    a->total += n;
    p = c->data + off;
    memset(p, 0, n);
    return p;
}

char *
arena_strndup(struct arena *a, const char *p, size_t n)
{
    char *s = arena_alloc(a, st_add(n, 1));
    if (n) {
        memcpy(s, p, n);
    }
    s[n] = '\0';
    return s;
}

char *
arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_list cp;
    int n;
    char *s;

    va_start(ap, fmt);
    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        va_end(ap);
        return arena_strdup(a, "");
    }
    s = arena_alloc(a, (size_t)n + 1);
    (void)vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

size_t
arena_used(const struct arena *a)
{
    return a->total;
}
