/*
 * Fuzzes origin_parse and origin_parse_url (core/origin.h) with the input as
 * an Origin or Referer value. Whatever parses must format to canonical text
 * that parses back to an equal origin.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/origin.h"

static void
check_origin(const struct origin *o)
{
    char text[ORIGIN_TEXT_MAX];
    struct origin again;

    FUZZ_CHECK(o->port >= 1 && o->port <= 65535);
    FUZZ_CHECK(strlen(o->host) >= 1 && strlen(o->host) <= ORIGIN_HOST_MAX);
    origin_format(o, text, sizeof(text));
    FUZZ_CHECK(strlen(text) + 1 < sizeof(text));
    FUZZ_CHECK(origin_parse(str_from_cstr(text), &again) == 0);
    FUZZ_CHECK(origin_eq(o, &again));
    (void)origin_is_loopback(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str s = str_make((const char *)data, size);
    struct origin o;
    struct str path;

    if (origin_parse(s, &o) == 0) {
        check_origin(&o);
        /* An origin is also a URL with an empty path. */
        FUZZ_CHECK(origin_parse_url(s, &o, &path) == 0 && path.len == 0);
    }
    if (origin_parse_url(s, &o, &path) == 0) {
        check_origin(&o);
        FUZZ_CHECK(FUZZ_WITHIN(path, s));
        FUZZ_CHECK(path.len == 0 || path.ptr[0] == '/');
        FUZZ_CHECK(str_find(path, '?') < 0 && str_find(path, '#') < 0);
    }
    return 0;
}
