/*
 * Fuzzes json_doc_parse and json_decode (json/json.h) with the input as a
 * request body, decoded against a small field spec like a route's.
 */
#include "fuzz.h"

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "core/limits.h"
#include "json/json.h"
#include "json/value.h"

static const struct json_field spec[] = {
    {"email", JSON_F_STRING, true, 3, 254},
    {"name", JSON_F_STRING, false, 1, 4},
    {"remember", JSON_F_BOOL, false, 0, 0},
    {"age", JSON_F_INT, false, 0, 150},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_doc *doc = NULL;
    struct json_value v[ARRAY_LEN(spec)];
    struct json_error errs[HTTP_MAX_FIELD_ERRORS];
    size_t nerrs = 0;
    struct buf out = BUF_INIT;
    int rc;

    if (json_doc_parse(str_make((const char *)data, size), &doc) != 0) {
        FUZZ_CHECK(doc == NULL);
        return 0;
    }
    rc = json_decode(doc, spec, ARRAY_LEN(spec), v, errs, ARRAY_LEN(errs), &nerrs);
    FUZZ_CHECK(rc == 0 || rc == E_VALIDATION || rc == E_BAD_JSON);
    FUZZ_CHECK(nerrs <= ARRAY_LEN(errs));
    FUZZ_CHECK((rc == E_VALIDATION) == (nerrs > 0));
    for (size_t i = 0; i < ARRAY_LEN(spec); i++) {
        if (!v[i].present) {
            continue;
        }
        if (spec[i].type == JSON_F_STRING) {
            size_t cps = str_utf8_len(v[i].s);
            FUZZ_CHECK(str_is_utf8(v[i].s));
            FUZZ_CHECK((int64_t)cps >= spec[i].min && (int64_t)cps <= spec[i].max);
        } else if (spec[i].type == JSON_F_INT) {
            FUZZ_CHECK(v[i].i >= spec[i].min && v[i].i <= spec[i].max);
        }
    }
    FUZZ_CHECK(rc != 0 || v[0].present);
    out.max = 2 * size + 64;
    rc = json_render(json_doc_root(doc), &out);
    FUZZ_CHECK(rc == 0 || rc == E_INTERNAL);
    FUZZ_CHECK(out.len <= out.max);
    buf_release(&out);
    json_doc_free(doc);
    return 0;
}
