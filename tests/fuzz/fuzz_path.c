/*
 * Fuzzes parse_check_path and parse_percent_decode (http/parse.h) with the
 * input as a request path. A path that passes the check must decode to one
 * with the same segments: no escaped '/', '\', '.' or control byte may
 * change what a later component sees.
 */
#include "fuzz.h"

#include "core/arena.h"
#include "core/common.h"
#include "core/err.h"
#include "core/limits.h"
#include "http/parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str path = str_make((const char *)data, size);
    struct arena *a = arena_new();
    struct str dec;
    int checked = parse_check_path(path, HTTP_MAX_PATH);
    int decoded = parse_percent_decode(a, path, &dec);

    FUZZ_CHECK(checked == 0 || checked == E_INVALID || checked == E_URI_TOO_LONG);
    FUZZ_CHECK(decoded == 0 || decoded == E_INVALID);
    if (decoded == 0) {
        FUZZ_CHECK(dec.ptr[dec.len] == '\0' && strlen(dec.ptr) == dec.len);
        FUZZ_CHECK(dec.len <= path.len);
    }
    if (checked == 0 && decoded == 0) {
        struct str rest = str_make(dec.ptr + 1, dec.len - 1);
        FUZZ_CHECK(dec.len >= 1 && dec.ptr[0] == '/');
        FUZZ_CHECK(str_find(dec, '\\') < 0);
        while (rest.len) {
            struct str seg = str_cut(&rest, '/');
            FUZZ_CHECK(!str_eq(seg, STR_LIT(".")) && !str_eq(seg, STR_LIT("..")));
            FUZZ_CHECK(seg.len > 0 || rest.len == 0);
            for (size_t i = 0; i < seg.len; i++) {
                FUZZ_CHECK((unsigned char)seg.ptr[i] >= 0x20 && seg.ptr[i] != 0x7f);
            }
        }
    }
    arena_free(a);
    return 0;
}
