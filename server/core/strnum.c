#include "core/strnum.h"

#include "core/err.h"

int
strnum_parse(struct str s, int64_t min, int64_t max, int64_t *out)
{
    bool neg = false;
    size_t i = 0;
    uint64_t v = 0;
    uint64_t limit;

    if (s.len == 0 || s.len > 20) {
        return E_INVALID;
    }
    if (s.ptr[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == s.len) {
        return E_INVALID;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < '0' || c > '9') {
            return E_INVALID;
        }
        if (v > (limit - (uint64_t)(c - '0')) / 10) {
            return E_INVALID;
        }
        v = v * 10 + (uint64_t)(c - '0');
    }
    {
        int64_t r;
        if (neg) {
            r = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        } else {
            r = (int64_t)v;
        }
        if (r < min || r > max) {
            return E_INVALID;
        }
        *out = r;
    }
    return 0;
}
