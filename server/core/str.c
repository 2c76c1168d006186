#include "core/str.h"

#include "core/common.h"

struct str
str_from_cstr(const char *s)
{
    if (!s) {
        return STR_NULL;
    }
    return (struct str){s, strlen(s)};
}

bool
str_eq(struct str a, struct str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool
str_eq_nocase(struct str a, struct str b)
{
    if (a.len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a.len; i++) {
        if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i])) {
            return false;
        }
    }
    return true;
}

bool
str_eq_cstr(struct str a, const char *b)
{
    return str_eq(a, str_from_cstr(b));
}

bool
str_has_prefix(struct str s, struct str prefix)
{
    return s.len >= prefix.len && (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

struct str
str_trim(struct str s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) {
        s.len--;
    }
    return s;
}

struct str
str_cut(struct str *s, char sep)
{
    struct str head = *s;
    const char *p = s->len ? memchr(s->ptr, sep, s->len) : NULL;

    if (!p) {
        s->ptr = s->ptr ? s->ptr + s->len : NULL;
        s->len = 0;
        return head;
    }
    head.len = (size_t)(p - s->ptr);
    s->len -= head.len + 1;
    s->ptr = p + 1;
    return head;
}

void
str_copy_to(struct str s, char *dst, size_t cap)
{
    size_t n = s.len < cap ? s.len : cap - 1;
    if (n) {
        memcpy(dst, s.ptr, n);
    }
    dst[n] = '\0';
}

long
str_find(struct str s, char c)
{
    const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
    return p ? (long)(p - s.ptr) : -1;
}

bool
str_is_visible(struct str s)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

size_t
str_utf8_seq(struct str s, size_t i)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    unsigned char c;
    size_t n;
    uint32_t cp;

    if (i >= s.len) {
        return 0;
    }
    c = p[i];
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 1;
        cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (s.len - i <= n) {
        return 0;
    }
    for (size_t k = 1; k <= n; k++) {
        if ((p[i + k] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i + k] & 0x3fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n + 1;
}

bool
str_is_utf8(struct str s)
{
    size_t i = 0;

    while (i < s.len) {
        size_t n = str_utf8_seq(s, i);
        if (n == 0 || s.ptr[i] == '\0') {
            return false;
        }
        i += n;
    }
    return true;
}

struct str
str_utf8_prefix(struct str s, size_t max)
{
    size_t n = s.len;

    if (n <= max) {
        return s;
    }
    n = max;
    /* Back off over at most three continuation bytes to the start of the cut code point. */
    for (size_t k = 0; k < 3 && n > 0 && ((unsigned char)s.ptr[n] & 0xc0) == 0x80; k++) {
        n--;
    }
    if (((unsigned char)s.ptr[n] & 0xc0) == 0x80) {
        n = max; /* not UTF-8 there anyway: a byte cut is as good as any */
    }
    return str_make(s.ptr, n);
}

size_t
str_utf8_len(struct str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (((unsigned char)s.ptr[i] & 0xc0) != 0x80) {
            n++;
        }
    }
    return n;
}

size_t
str_utf8_clean(struct str in, char *out, size_t cap)
{
    static const char fffd[] = "\xef\xbf\xbd";
    size_t o = 0;

    if (cap == 0) {
        return 0;
    }
    for (size_t i = 0; i < in.len;) {
        size_t n = str_utf8_seq(in, i);
        const char *p = in.ptr + i;
        size_t step = n ? n : 1;

        if (n == 0 || (n == 1 && ((unsigned char)*p < 0x20 || *p == 0x7f))) {
            p = fffd;
            n = 3;
        }
        if (o + n > cap - 1) {
            break;
        }
        memcpy(out + o, p, n);
        o += n;
        i += step;
    }
    out[o] = '\0';
    return o;
}
