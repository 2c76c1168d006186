#include "unicode/unicode.h"

#include <utf8proc.h>

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
