#include "unicode/unicode.h"

#include <stdlib.h>
#include <utf8proc.h>

#include "core/err.h"

bool
unicode_has_layout_controls(struct str s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s.ptr;
    size_t left = s.len;

    while (left) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left > 4 ? 4 : (utf8proc_ssize_t)left, &cp);
        if (n <= 0) {
            return false;
        }
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP:
            return true;
        default:
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    return false;
}

static bool
is_word_cp(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

int
unicode_fold_words(struct str s, struct buf *out)
{
    utf8proc_uint8_t *folded = NULL;
    const utf8proc_uint8_t *p;
    utf8proc_ssize_t n, left;
    bool gap = false, any = false;
    int rc = 0;

    if (s.len == 0) {
        return 0;
    }
    if (s.len > (size_t)1 << 24) {
        return E_TOO_LARGE; /* utf8proc sizes are ssize_t, and folding may grow the text */
    }
    n = utf8proc_map((const utf8proc_uint8_t *)s.ptr, (utf8proc_ssize_t)s.len, &folded,
                     UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_COMPOSE);
    if (n < 0) {
        return n == UTF8PROC_ERROR_NOMEM ? E_INTERNAL : E_INVALID;
    }
    for (p = folded, left = n; left > 0 && !rc;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left > 4 ? 4 : left, &cp);
        if (k <= 0) {
            rc = E_INVALID; /* cannot happen: utf8proc wrote it */
            break;
        }
        if (is_word_cp(cp)) {
            if (gap && any) {
                rc = buf_addch(out, ' ');
            }
            if (!rc) {
                rc = buf_add(out, p, (size_t)k);
            }
            gap = false;
            any = true;
        } else {
            gap = true;
        }
        p += k;
        left -= k;
    }
    free(folded);
    return rc;
}

bool
unicode_is_blank(struct str s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s.ptr;
    size_t left = s.len;

    while (left) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left > 4 ? 4 : (utf8proc_ssize_t)left, &cp);
        if (n <= 0) {
            return true;
        }
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_ZS:
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP:
            break;
        default:
            return false;
        }
        p += n;
        left -= (size_t)n;
    }
    return true;
}
