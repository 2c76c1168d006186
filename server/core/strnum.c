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

/* Units of a duration, longest suffix first so "ms" is not read as "m". */
static const struct {
    const char *suffix;
    int64_t ms;
} duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", 24 * 3600 * 1000},
};

static int
parse_duration(struct str s, int64_t max_ms, int64_t *ms)
{
    for (size_t i = 0; i < ARRAY_LEN(duration_units); i++) {
        size_t n = strlen(duration_units[i].suffix);
        int64_t v = 0;
        if (s.len > n && memcmp(s.ptr + s.len - n, duration_units[i].suffix, n) == 0) {
            if (strnum_parse(str_make(s.ptr, s.len - n), 1, max_ms / duration_units[i].ms, &v)) {
                return E_INVALID;
            }
            *ms = v * duration_units[i].ms;
            return 0;
        }
    }
    return E_INVALID;
}

int
strnum_parse_durations(struct str list, int64_t max_ms, int64_t *out, size_t cap, size_t *n)
{
    struct str rest = list;
    size_t count = 0;

    /* str_cut reports no empty item after a trailing comma: refuse it here. */
    if (list.len == 0 || list.ptr[list.len - 1] == ',') {
        return E_INVALID;
    }
    while (rest.len) {
        struct str item = str_cut(&rest, ',');
        if (count == cap || parse_duration(item, max_ms, &out[count])) {
            return E_INVALID;
        }
        count++;
    }
    *n = count;
    return 0;
}
