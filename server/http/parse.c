#include "http/parse.h"

#include "core/err.h"

/* RFC 6265 cookie-name is an RFC 9110 token. */
static bool
is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_token(struct str s)
{
    if (s.len == 0) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (!is_tchar((unsigned char)s.ptr[i])) {
            return false;
        }
    }
    return true;
}

int
parse_cookies(struct str header, struct kv *out, size_t cap)
{
    struct str rest = header;
    size_t n = 0;

    if (!str_is_visible(header)) {
        return E_INVALID;
    }
    while (rest.len) {
        struct str pair = str_trim(str_cut(&rest, ';'));
        struct str name;
        long eq = str_find(pair, '=');

        if (eq <= 0) {
            continue;
        }
        name = str_trim(str_make(pair.ptr, (size_t)eq));
        if (!is_token(name)) {
            continue;
        }
        if (n == cap) {
            return E_TOO_LARGE;
        }
        out[n].key = name;
        out[n].value = str_trim(str_make(pair.ptr + eq + 1, pair.len - (size_t)eq - 1));
        if (out[n].value.len >= 2 && out[n].value.ptr[0] == '"' &&
            out[n].value.ptr[out[n].value.len - 1] == '"') {
            out[n].value.ptr++;
            out[n].value.len -= 2;
        }
        n++;
    }
    return (int)n;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int
decode(struct arena *a, struct str in, bool plus, struct str *out)
{
    char *p = arena_alloc(a, st_add(in.len, 1));
    size_t n = 0;

    for (size_t i = 0; i < in.len; i++) {
        char c = in.ptr[i];
        if (c == '%') {
            int hi;
            int lo;
            if (in.len - i < 3 || (hi = hexval(in.ptr[i + 1])) < 0 ||
                (lo = hexval(in.ptr[i + 2])) < 0) {
                return E_INVALID;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus && c == '+') {
            c = ' ';
        }
        p[n++] = c;
    }
    p[n] = '\0';
    *out = str_make(p, n);
    if (!str_is_utf8(*out)) {
        return E_INVALID;
    }
    return 0;
}

int
parse_percent_decode(struct arena *a, struct str in, struct str *out)
{
    return decode(a, in, false, out);
}

int
parse_query(struct arena *a, struct str query, struct kv *out, size_t cap)
{
    struct str rest = query;
    size_t n = 0;

    while (rest.len) {
        struct str pair = str_cut(&rest, '&');
        struct str key = str_cut(&pair, '=');
        if (key.len == 0 && pair.len == 0) {
            continue;
        }
        if (n == cap) {
            return E_TOO_LARGE;
        }
        if (decode(a, key, true, &out[n].key) || decode(a, pair, true, &out[n].value)) {
            return E_INVALID;
        }
        n++;
    }
    return (int)n;
}

int
parse_check_path(struct str path, size_t max)
{
    struct str rest;

    if (path.len > max) {
        return E_URI_TOO_LONG;
    }
    if (path.len == 0 || path.ptr[0] != '/') {
        return E_INVALID;
    }
    for (size_t i = 0; i < path.len; i++) {
        unsigned char c = (unsigned char)path.ptr[i];
        if (c <= 0x20 || c == 0x7f || c == '\\' || (c == '/' && i > 0 && path.ptr[i - 1] == '/')) {
            return E_INVALID;
        }
        if (c == '%') {
            int hi;
            int lo;
            if (path.len - i < 3 || (hi = hexval(path.ptr[i + 1])) < 0 ||
                (lo = hexval(path.ptr[i + 2])) < 0) {
                return E_INVALID;
            }
            /* An escaped '/', '\', '.', NUL or control byte is a disguise, never a name. */
            c = (unsigned char)(hi * 16 + lo);
            if (c < 0x20 || c == '/' || c == '\\' || c == '.' || c == 0x7f) {
                return E_INVALID;
            }
        }
    }
    rest = str_make(path.ptr + 1, path.len - 1);
    while (rest.len) {
        struct str seg = str_cut(&rest, '/');
        if (str_eq(seg, STR_LIT(".")) || str_eq(seg, STR_LIT(".."))) {
            return E_INVALID;
        }
        if (seg.len == 0 && rest.len) {
            return E_INVALID; /* "//" */
        }
    }
    return 0;
}

int
parse_forwarded_for(struct str header, const struct cidr *trusted, size_t ntrusted,
                    struct ipaddr *out)
{
    struct str rest = header;
    bool any = false;

    /*
     * From the right: the entries a trusted proxy appended are the only ones
     * believed, so however many a client put in front, the walk stops at the
     * first address outside the trusted ranges and never reads further left.
     */
    while (rest.len) {
        long comma = -1;
        struct str item;
        struct ipaddr a;
        bool is_trusted = false;

        for (size_t i = rest.len; i-- > 0;) {
            if (rest.ptr[i] == ',') {
                comma = (long)i;
                break;
            }
        }
        item = str_trim(str_make(rest.ptr + comma + 1, rest.len - (size_t)(comma + 1)));
        rest.len = comma < 0 ? 0 : (size_t)comma;
        if (ipaddr_parse(item, &a)) {
            return E_INVALID;
        }
        for (size_t t = 0; t < ntrusted; t++) {
            if (cidr_contains(&trusted[t], &a)) {
                is_trusted = true;
                break;
            }
        }
        *out = a;
        any = true;
        if (!is_trusted) {
            return 0;
        }
    }
    return any ? 0 : E_INVALID;
}

bool
parse_is_request_id(struct str s)
{
    if (s.len == 0 || s.len > 64) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

bool
parse_accepts_encoding(struct str header, const char *coding)
{
    struct str rest = header;
    struct str want = str_from_cstr(coding);

    while (rest.len) {
        struct str item = str_trim(str_cut(&rest, ','));
        struct str name = str_trim(str_cut(&item, ';'));
        if (!str_eq_nocase(name, want)) {
            continue;
        }
        /* A "q=0" (or "Q=0.000") among the parameters refuses the coding. */
        while (item.len) {
            struct str param = str_trim(str_cut(&item, ';'));
            if (param.len >= 3 && (param.ptr[0] == 'q' || param.ptr[0] == 'Q') &&
                param.ptr[1] == '=') {
                bool zero = param.ptr[2] == '0';
                for (size_t i = 3; i < param.len; i++) {
                    if (param.ptr[i] != '.' && param.ptr[i] != '0') {
                        zero = false;
                    }
                }
                return !zero;
            }
        }
        return true;
    }
    return false;
}

int
parse_bearer(struct str header, struct str *token)
{
    struct str h = str_trim(header);
    if (h.len < 8 || !str_eq_nocase(str_make(h.ptr, 7), STR_LIT("Bearer "))) {
        return E_INVALID;
    }
    *token = str_trim(str_make(h.ptr + 7, h.len - 7));
    for (size_t i = 0; i < token->len; i++) {
        char c = token->ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr("-._~+/=", c)))) {
            return E_INVALID;
        }
    }
    return token->len ? 0 : E_INVALID;
}
