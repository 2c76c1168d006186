/*
 * Fuzzes the request head as the engine hands it to server/http/server.c:
 * the first line is "METHOD target VERSION", every other line "Name: value"
 * (CR before LF dropped, value trimmed as MHD does). Each header goes
 * through the checks server.c makes (visible bytes, no space in the name,
 * Content-Length through strnum_parse) and the header parsers request
 * code calls: parse_bearer, parse_accepts_encoding, parse_is_request_id,
 * parse_cookies, parse_forwarded_for; the target through parse_check_path
 * and parse_query. Every value also goes through what is done to client
 * text that is stored or logged (str_utf8_clean, str_utf8_prefix,
 * buf_add_json_escaped), whose results must be valid UTF-8.
 */
#include "fuzz.h"

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "core/ipaddr.h"
#include "core/strnum.h"
#include "core/limits.h"
#include "http/parse.h"

static struct str
next_line(struct str *rest)
{
    struct str line = str_cut(rest, '\n');

    if (line.len && line.ptr[line.len - 1] == '\r') {
        line.len--;
    }
    return line;
}

static void
request_line(struct arena *a, struct str line)
{
    struct str rest = line;
    struct str method = str_cut(&rest, ' ');
    struct str target = str_cut(&rest, ' ');
    struct str path = str_cut(&target, '?');
    struct kv q[HTTP_MAX_QUERY_PARAMS];
    int n;

    (void)method;
    if (parse_check_path(path, HTTP_MAX_PATH) != 0 || target.len > HTTP_MAX_QUERY) {
        return;
    }
    n = parse_query(a, target, q, ARRAY_LEN(q));
    FUZZ_CHECK(n <= HTTP_MAX_QUERY_PARAMS);
}

static void
header(struct str name, struct str value)
{
    static struct cidr trusted;
    static bool trusted_ready;
    struct kv cookies[HTTP_MAX_COOKIES];
    struct str tok;
    struct ipaddr ip;
    int64_t n;

    if (!trusted_ready) {
        FUZZ_CHECK(cidr_parse(STR_LIT("10.0.0.0/8"), &trusted) == 0);
        trusted_ready = true;
    }
    /* Client text as it is stored (str_utf8_clean) and logged (cut, JSON-escaped): UTF-8. */
    {
        char clean[257];
        struct buf b = BUF_INIT;
        size_t len = str_utf8_clean(value, clean, sizeof(clean));
        struct str cut = str_utf8_prefix(value, 256);

        FUZZ_CHECK(len < sizeof(clean) && str_is_utf8(str_make(clean, len)));
        FUZZ_CHECK(cut.len <= 256 && cut.ptr == value.ptr);
        if (buf_add_json_escaped(&b, value) == 0) {
            FUZZ_CHECK(str_is_utf8(str_make(b.ptr, b.len)));
        }
        buf_release(&b);
    }
    /* server.c scan_header: a value must be visible bytes; a name has no space or tab either. */
    if (!str_is_visible(name) || !str_is_visible(value) || str_find(name, ' ') >= 0 ||
        str_find(name, '\t') >= 0) {
        return;
    }
    if (str_eq_nocase(name, STR_LIT("Content-Length"))) {
        if (strnum_parse(value, 0, INT64_MAX, &n) == 0) {
            FUZZ_CHECK(n >= 0);
        }
    } else if (str_eq_nocase(name, STR_LIT("Authorization"))) {
        if (parse_bearer(value, &tok) == 0) {
            FUZZ_CHECK(tok.len > 0 && FUZZ_WITHIN(tok, value));
            FUZZ_CHECK(str_find(tok, ' ') < 0);
        }
    } else if (str_eq_nocase(name, STR_LIT("Accept-Encoding"))) {
        (void)parse_accepts_encoding(value, "gzip");
        (void)parse_accepts_encoding(value, "br");
    } else if (str_eq_nocase(name, STR_LIT("X-Request-Id"))) {
        if (parse_is_request_id(value)) {
            FUZZ_CHECK(value.len >= 1 && value.len <= HTTP_MAX_REQUEST_ID);
        }
    } else if (str_eq_nocase(name, STR_LIT("Cookie"))) {
        FUZZ_CHECK(parse_cookies(value, cookies, ARRAY_LEN(cookies)) <= HTTP_MAX_COOKIES);
    } else if (str_eq_nocase(name, STR_LIT("X-Forwarded-For"))) {
        int rc = parse_forwarded_for(value, &trusted, 1, &ip);
        FUZZ_CHECK(rc == 0 || rc == E_INVALID);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str rest = str_make((const char *)data, size);
    struct arena *a = arena_new();
    size_t count = 0;

    if (size > HTTP_MAX_HEADER_BYTES) {
        goto out;
    }
    request_line(a, next_line(&rest));
    while (rest.len && count < HTTP_MAX_HEADERS) {
        struct str line = next_line(&rest);
        struct str value = line;
        struct str name = str_cut(&value, ':');
        if (line.len == 0) {
            break; /* end of the head */
        }
        count++;
        header(name, str_trim(value));
    }
out:
    arena_free(a);
    return 0;
}
