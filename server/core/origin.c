#include "core/origin.h"

#include <arpa/inet.h>

#include "core/err.h"
#include "core/strnum.h"

static bool
is_label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

static int
parse_host(struct str h, char *out, size_t cap)
{
    if (h.len == 0 || h.len > ORIGIN_HOST_MAX || h.len + 1 > cap) {
        return E_INVALID;
    }
    if (h.ptr[0] == '[') {
        char tmp[64];
        unsigned char bin[16];
        if (h.len < 4 || h.ptr[h.len - 1] != ']' || h.len - 2 >= sizeof(tmp) ||
            memchr(h.ptr, '\0', h.len)) {
            return E_INVALID;
        }
        memcpy(tmp, h.ptr + 1, h.len - 2);
        tmp[h.len - 2] = '\0';
        if (inet_pton(AF_INET6, tmp, bin) != 1) {
            return E_INVALID;
        }
    } else {
        size_t label = 0;
        for (size_t i = 0; i < h.len; i++) {
            char c = h.ptr[i];
            if (c == '.') {
                if (label == 0) {
                    return E_INVALID;
                }
                label = 0;
            } else if (is_label_char(c) && ++label <= 63) {
                continue;
            } else {
                return E_INVALID;
            }
        }
        if (label == 0) {
            return E_INVALID;
        }
    }
    for (size_t i = 0; i < h.len; i++) {
        char c = h.ptr[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[h.len] = '\0';
    return 0;
}

static int
parse_authority(struct str s, struct origin *out)
{
    struct str host = s;
    struct str port = STR_NULL;
    long colon;

    if (s.len && s.ptr[0] == '[') {
        long close = str_find(s, ']');
        if (close < 0) {
            return E_INVALID;
        }
        host.len = (size_t)close + 1;
        if (host.len < s.len) {
            if (s.ptr[host.len] != ':') {
                return E_INVALID;
            }
            port = str_make(s.ptr + host.len + 1, s.len - host.len - 1);
            if (port.len == 0) {
                return E_INVALID;
            }
        }
    } else if ((colon = str_find(s, ':')) >= 0) {
        host.len = (size_t)colon;
        port = str_make(s.ptr + colon + 1, s.len - (size_t)colon - 1);
        if (port.len == 0) {
            return E_INVALID;
        }
    }
    if (parse_host(host, out->host, sizeof(out->host))) {
        return E_INVALID;
    }
    out->port = out->https ? 443 : 80;
    if (port.ptr) {
        int64_t v;
        if (port.len > 5 || strnum_parse(port, 1, 65535, &v)) {
            return E_INVALID;
        }
        out->port = (unsigned)v;
    }
    return 0;
}

static int
parse_scheme(struct str *s, struct origin *out)
{
    if (str_has_prefix(*s, STR_LIT("https://"))) {
        out->https = true;
        s->ptr += 8;
        s->len -= 8;
    } else if (str_has_prefix(*s, STR_LIT("http://"))) {
        out->https = false;
        s->ptr += 7;
        s->len -= 7;
    } else {
        return E_INVALID;
    }
    return 0;
}

int
origin_parse(struct str s, struct origin *out)
{
    memset(out, 0, sizeof(*out));
    if (parse_scheme(&s, out)) {
        return E_INVALID;
    }
    return parse_authority(s, out);
}

int
origin_parse_url(struct str s, struct origin *out, struct str *path)
{
    long slash;
    struct str auth;

    memset(out, 0, sizeof(*out));
    if (parse_scheme(&s, out)) {
        return E_INVALID;
    }
    slash = str_find(s, '/');
    auth = s;
    *path = str_make(s.ptr + s.len, 0);
    if (slash >= 0) {
        auth.len = (size_t)slash;
        *path = str_make(s.ptr + slash, s.len - (size_t)slash);
    }
    if (str_find(*path, '?') >= 0 || str_find(*path, '#') >= 0 || str_find(*path, '\\') >= 0) {
        return E_INVALID;
    }
    for (size_t i = 0; i < path->len; i++) {
        unsigned char c = (unsigned char)path->ptr[i];
        if (c <= 0x20 || c >= 0x7f) {
            return E_INVALID;
        }
    }
    return parse_authority(auth, out);
}

bool
origin_eq(const struct origin *a, const struct origin *b)
{
    return a->https == b->https && a->port == b->port && strcmp(a->host, b->host) == 0;
}

void
origin_format(const struct origin *o, char *out, size_t cap)
{
    bool dflt = o->port == (o->https ? 443u : 80u);
    if (dflt) {
        (void)snprintf(out, cap, "%s://%s", o->https ? "https" : "http", o->host);
    } else {
        (void)snprintf(out, cap, "%s://%s:%u", o->https ? "https" : "http", o->host, o->port);
    }
}

bool
origin_is_loopback(const struct origin *o)
{
    unsigned char v4[4];
    unsigned char v6[16];
    static const unsigned char v6_loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    char inner[64];
    size_t n = strlen(o->host);

    if (strcmp(o->host, "localhost") == 0) {
        return true;
    }
    /* Only a real 127.0.0.0/8 literal: "127.evil.com" is a name like any other. */
    if (inet_pton(AF_INET, o->host, v4) == 1) {
        return v4[0] == 127;
    }
    if (n > 2 && n - 2 < sizeof(inner) && o->host[0] == '[') {
        memcpy(inner, o->host + 1, n - 2);
        inner[n - 2] = '\0';
        return inet_pton(AF_INET6, inner, v6) == 1 && memcmp(v6, v6_loop, 16) == 0;
    }
    return false;
}
