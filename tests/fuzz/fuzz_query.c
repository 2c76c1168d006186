/* Fuzzes parse_query (http/parse.h) with the input as a query string, on a fresh arena. */
#include "fuzz.h"

#include "core/arena.h"
#include "core/common.h"
#include "core/limits.h"
#include "http/parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct kv kv[HTTP_MAX_QUERY_PARAMS];
    int n = parse_query(a, str_make((const char *)data, size), kv, ARRAY_LEN(kv));

    FUZZ_CHECK(n <= HTTP_MAX_QUERY_PARAMS);
    for (int i = 0; i < n; i++) {
        /* Arena copies: NUL-terminated, valid UTF-8, no NUL inside. */
        FUZZ_CHECK(kv[i].key.ptr[kv[i].key.len] == '\0');
        FUZZ_CHECK(kv[i].value.ptr[kv[i].value.len] == '\0');
        FUZZ_CHECK(strlen(kv[i].key.ptr) == kv[i].key.len);
        FUZZ_CHECK(strlen(kv[i].value.ptr) == kv[i].value.len);
        FUZZ_CHECK(str_is_utf8(kv[i].key) && str_is_utf8(kv[i].value));
    }
    arena_free(a);
    return 0;
}
