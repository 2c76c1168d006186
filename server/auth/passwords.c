#include "auth/passwords.h"

#include "auth/common_passwords.h"
#include "core/err.h"

static int
cmp_lower(const char *entry, const unsigned char *lower, size_t len)
{
    size_t n = strlen(entry);
    size_t m = n < len ? n : len;
    int c = memcmp(entry, lower, m);
    if (c) {
        return c;
    }
    return n < len ? -1 : (n > len ? 1 : 0);
}

bool
passwords_is_common(struct str pw)
{
    unsigned char lower[PASSWORD_MAX_BYTES];
    size_t lo = 0;
    size_t hi = common_passwords_count;

    if (pw.len > sizeof(lower)) {
        return false;
    }
    for (size_t i = 0; i < pw.len; i++) {
        unsigned char c = (unsigned char)pw.ptr[i];
        lower[i] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_lower(common_passwords[mid], lower, pw.len);
        if (c == 0) {
            return true;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return false;
}

int
passwords_check_policy(struct str pw, const char **code)
{
    size_t chars;

    if (pw.len > PASSWORD_MAX_BYTES) {
        *code = "too_long";
        return E_VALIDATION;
    }
    if (!str_is_utf8(pw)) {
        *code = "invalid";
        return E_VALIDATION;
    }
    chars = str_utf8_len(pw);
    if (chars < PASSWORD_MIN_CHARS) {
        *code = "too_short";
        return E_VALIDATION;
    }
    if (chars > PASSWORD_MAX_CHARS) {
        *code = "too_long";
        return E_VALIDATION;
    }
    if (passwords_is_common(pw)) {
        *code = "too_common";
        return E_VALIDATION;
    }
    *code = NULL;
    return 0;
}
