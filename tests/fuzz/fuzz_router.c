/*
 * Fuzzes router_match (router/router.h) against a fixed set of patterns,
 * with the input as the path; the first byte also drives router_allow_text
 * into a buffer too small for every method.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/limits.h"
#include "router/router.h"

static const char *const patterns[] = {
    "/",
    "/healthz",
    "/api/v1/leads",
    "/api/v1/leads/{id}",
    "/api/v1/leads/{id}/notes/",
    "/api/v1/workspaces/{wid}/agents/{aid}",
    "/auth/login",
    "/{a}/{b}/{c}/{d}",
    "/{a}/{b}/{c}/{d}/{e}",
    "/{only}",
    "/a/{}",
    "/a/:literal",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str path = str_make((const char *)data, size);
    struct path_param params[HTTP_MAX_PARAMS];
    char allow[12];

    for (size_t i = 0; i < ARRAY_LEN(patterns); i++) {
        size_t n = 0;
        if (!router_match(patterns[i], path, params, &n)) {
            continue;
        }
        FUZZ_CHECK(n <= HTTP_MAX_PARAMS);
        FUZZ_CHECK(path.len >= 1 && path.ptr[0] == '/');
        for (size_t k = 0; k < n; k++) {
            FUZZ_CHECK(params[k].value.len > 0);
            FUZZ_CHECK(FUZZ_WITHIN(params[k].value, path));
            FUZZ_CHECK(str_find(params[k].value, '/') < 0);
            FUZZ_CHECK(params[k].name.len > 0 && str_find(params[k].name, '/') < 0);
            FUZZ_CHECK(str_find(params[k].name, '{') < 0 && str_find(params[k].name, '}') < 0);
        }
    }
    if (size) {
        router_allow_text(data[0], allow, sizeof(allow));
        FUZZ_CHECK(memchr(allow, '\0', sizeof(allow)) != NULL);
    }
    return 0;
}
