/*
 * JSON through jansson (json_t may appear only here and in routes/).
 * Request bodies are parsed strictly: one document, no trailing bytes, no
 * duplicate keys, no NUL in strings, depth and string length capped
 * (http/limits.h). Routes then decode the document against a field-spec
 * table that names every accepted field: unknown fields are refused.
 */
#ifndef PILOTO_JSON_JSON_H
#define PILOTO_JSON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

struct json_doc;

/* 0 and *out (free with json_doc_free), or E_BAD_JSON. */
NODISCARD int json_doc_parse(struct str body, struct json_doc **out);
void json_doc_free(struct json_doc *doc);
/* Borrowed root value. */
json_t *json_doc_root(const struct json_doc *doc);

enum json_ftype {
    JSON_F_STRING,
    JSON_F_BOOL,
    JSON_F_INT,
};

/*
 * One accepted field. Strings: min/max are lengths in Unicode code points
 * (valid UTF-8 is guaranteed by the parser). Ints: min/max are the range.
 */
struct json_field {
    const char *name;
    enum json_ftype type;
    bool required;
    int64_t min;
    int64_t max;
};

/* A decoded field; views point into the document (live as long as it). */
struct json_value {
    bool present;
    struct str s;
    bool b;
    int64_t i;
};

struct json_error {
    const char *field;
    const char *code;    /* required, invalid_type, too_short, too_long, out_of_range, unknown_field */
    const char *message; /* English, for developers; the SPA maps codes */
};

/*
 * Decodes the root object of doc against spec[0..n) into out[0..n).
 * 0, or E_VALIDATION with the field errors in errs (up to errcap; *nerrs
 * set), or E_BAD_JSON when the root is not an object.
 */
NODISCARD int json_decode(const struct json_doc *doc, const struct json_field *spec, size_t n,
                          struct json_value *out, struct json_error *errs, size_t errcap,
                          size_t *nerrs);

/* Appends the compact encoding of v (steals nothing). 0 or E_INTERNAL. */
NODISCARD int json_render(const json_t *v, struct buf *out);

#endif
