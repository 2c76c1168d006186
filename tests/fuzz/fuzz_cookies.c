/* Fuzzes parse_cookies (http/parse.h) with the input as one Cookie header. */
#include "fuzz.h"

#include "core/common.h"
#include "core/limits.h"
#include "http/parse.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str h = str_make((const char *)data, size);
    struct kv kv[HTTP_MAX_COOKIES];
    int n = parse_cookies(h, kv, ARRAY_LEN(kv));

    FUZZ_CHECK(n <= HTTP_MAX_COOKIES);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(kv[i].key.len > 0);
        FUZZ_CHECK(FUZZ_WITHIN(kv[i].key, h));
        FUZZ_CHECK(FUZZ_WITHIN(kv[i].value, h));
        FUZZ_CHECK(str_is_visible(kv[i].value));
    }
    return 0;
}
