/*
 * struct str: a borrowed view of bytes (pointer + length). Passed by value,
 * never owning, never assumed NUL-terminated. Header values, cookie pairs and
 * path segments are views into request memory.
 */
#ifndef PILOTO_CORE_STR_H
#define PILOTO_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

struct str {
    const char *ptr;
    size_t len;
};

#define STR_NULL   ((struct str){NULL, 0})
#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

/* View of a NUL-terminated string; NULL gives an empty view. */
struct str str_from_cstr(const char *s);
static inline struct str
str_make(const char *p, size_t n)
{
    return (struct str){p, n};
}

bool str_eq(struct str a, struct str b);
/* ASCII case-insensitive equality. */
bool str_eq_nocase(struct str a, struct str b);
bool str_eq_cstr(struct str a, const char *b);
bool str_has_prefix(struct str s, struct str prefix);
/* Strips spaces and tabs (HTTP optional whitespace) from both ends. */
struct str str_trim(struct str s);
/*
 * Splits *s at the first sep: returns the part before it and leaves the rest
 * (after sep) in *s; without sep, returns all of *s and leaves it empty.
 */
struct str str_cut(struct str *s, char sep);
/* Copies s into dst (cap >= 1 bytes), cut to fit, NUL-terminated. */
void str_copy_to(struct str s, char *dst, size_t cap);
/* Index of c in s, or -1. */
long str_find(struct str s, char c);
/* true when no byte is a control character (CTLs other than HTAB, or DEL); bytes >= 0x80 pass. */
bool str_is_visible(struct str s);
/*
 * Length (1-4) of the well-formed UTF-8 sequence at s.ptr[i], or 0 when the
 * byte there starts none (a stray continuation byte, a truncated, overlong
 * or surrogate form, a value past U+10FFFF) or i is past the end.
 */
size_t str_utf8_seq(struct str s, size_t i);
/* The longest prefix of s of at most max bytes that does not cut a code point in two. */
struct str str_utf8_prefix(struct str s, size_t max);
/*
 * Copies client text into out (cap >= 1 bytes) as valid UTF-8: each byte
 * that starts no well-formed sequence, and each control byte, becomes
 * U+FFFD; cut to fit on a code-point boundary; NUL-terminated. Returns the
 * length written.
 */
size_t str_utf8_clean(struct str in, char *out, size_t cap);
/* true when s is valid UTF-8 (no overlongs, no surrogates) with no NUL bytes. */
bool str_is_utf8(struct str s);
/* Number of Unicode code points in valid UTF-8 s. */
size_t str_utf8_len(struct str s);

#endif
