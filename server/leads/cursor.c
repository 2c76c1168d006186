/*
 * The inbox and messages cursors of leads/leads.h: pure, so the fuzzer
 * links them alone.
 */
#include "leads/leads.h"

#include "core/err.h"
#include "core/strnum.h"
#include "crypto/crypto.h"

/* Our ids: base64url characters only. */
static bool
is_id(struct str s)
{
    if (s.len == 0 || s.len >= LEAD_ID_SIZE) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Decodes the base64url text of a cursor into plain (cap bytes): its length, or -1. */
static long
decode(struct str s, char *plain, size_t cap)
{
    size_t n = 0;

    if (s.len == 0 || s.len > LEADS_CURSOR_MAX ||
        crypto_b64url_decode(s, (uint8_t *)plain, cap - 1, &n)) {
        return -1;
    }
    plain[n] = '\0';
    return (long)n;
}

int
leads_cursor_parse(struct str s, struct leads_cursor *out)
{
    char plain[LEADS_CURSOR_MAX];
    long n = decode(s, plain, sizeof(plain));
    struct str rest;
    struct str at;

    memset(out, 0, sizeof(*out));
    if (n < 3 || plain[0] != 'l' || plain[1] != ':') {
        return E_INVALID;
    }
    rest = str_make(plain + 2, (size_t)n - 2);
    at = str_cut(&rest, ':');
    if (strnum_parse(at, 0, INT64_C(1) << 53, &out->at_ms) || !is_id(rest)) {
        memset(out, 0, sizeof(*out));
        return E_INVALID;
    }
    str_copy_to(rest, out->id, sizeof(out->id));
    /* Only the canonical text (no sign, no leading zeros): the one this server gave. */
    {
        char again[LEADS_CURSOR_MAX + 1];
        leads_cursor_render(out, again, sizeof(again));
        if (!str_eq(str_from_cstr(again), s)) {
            memset(out, 0, sizeof(*out));
            return E_INVALID;
        }
    }
    return 0;
}

void
leads_cursor_render(const struct leads_cursor *c, char *out, size_t cap)
{
    char plain[LEADS_CURSOR_MAX];
    int n = snprintf(plain, sizeof(plain), "l:%lld:%s", (long long)c->at_ms, c->id);

    if (n < 0 || (size_t)n >= sizeof(plain) || cap < CRYPTO_B64URL_SIZE((size_t)n)) {
        BUG("cursor buffer too small");
    }
    crypto_b64url((const uint8_t *)plain, (size_t)n, out, cap);
}

int
leads_msg_cursor_parse(struct str s, int64_t *before_id)
{
    char plain[LEADS_CURSOR_MAX];
    long n = decode(s, plain, sizeof(plain));

    *before_id = 0;
    if (n < 3 || plain[0] != 'm' || plain[1] != ':' ||
        strnum_parse(str_make(plain + 2, (size_t)n - 2), 1, INT64_MAX, before_id)) {
        *before_id = 0;
        return E_INVALID;
    }
    /* Only the canonical text (no sign, no leading zeros): the one this server gave. */
    {
        char again[LEADS_CURSOR_MAX + 1];
        leads_msg_cursor_render(*before_id, again, sizeof(again));
        if (!str_eq(str_from_cstr(again), s)) {
            *before_id = 0;
            return E_INVALID;
        }
    }
    return 0;
}

void
leads_msg_cursor_render(int64_t id, char *out, size_t cap)
{
    char plain[32];
    int n = snprintf(plain, sizeof(plain), "m:%lld", (long long)id);

    if (n < 0 || cap < CRYPTO_B64URL_SIZE((size_t)n)) {
        BUG("cursor buffer too small");
    }
    crypto_b64url((const uint8_t *)plain, (size_t)n, out, cap);
}
