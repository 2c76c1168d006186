/*
 * JSON through jansson, which this header does not expose: json_t lives in
 * json/value.h, for json/ and routes/ only.
 * Request bodies are parsed strictly: one document, no trailing bytes, no
 * duplicate keys, no NUL in strings, depth and string length capped
 * (core/limits.h). Routes then decode the document against a field-spec
 * table that names every accepted field: unknown fields are refused.
 */
#ifndef PILOTO_JSON_JSON_H
#define PILOTO_JSON_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

struct json_doc;

/* 0 and *out (free with json_doc_free), or E_BAD_JSON. */
NODISCARD int json_doc_parse(struct str body, struct json_doc **out);
void json_doc_free(struct json_doc *doc);

enum json_ftype {
    JSON_F_STRING,
    JSON_F_BOOL,
    JSON_F_INT,
    JSON_F_STRINGS, /* an array of min..max strings, each 1..JSON_STRINGS_ITEM_MAX characters */
};

#define JSON_STRINGS_ITEM_MAX 256

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
    int64_t i;                    /* JSON_F_STRINGS: the element count */
    const struct json_node *node; /* JSON_F_STRINGS: the array (json_node_at reads it) */
};

struct json_error {
    const char *field;
    const char *code; /* required, invalid_type, too_short, too_long, out_of_range, unknown_field */
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

/*
 * Lenient reading, for documents from upstream services (OpenID discovery
 * documents, JWKS, token answers, ID token claims). Members that spec does
 * not name are ignored, as RFC 8414 §3.2, RFC 7517 §4 and OpenID Connect
 * Core §5.1 ask of clients; a named member of the wrong type or length is
 * still an error, and null reads as absent. The document itself was parsed
 * as strictly as any (json_doc_parse: duplicate keys refused, so a claim
 * cannot be read two ways). Views point into the document.
 *
 * json_pick decodes the named members of the root object: 0, E_BAD_JSON
 * (the root is not an object) or E_VALIDATION (a required member is
 * missing, or a named one has the wrong type or length).
 */
NODISCARD int json_pick(const struct json_doc *doc, const struct json_field *spec, size_t n,
                        struct json_value *out);
/* Elements of the root's array member named array (0 when absent or not an array). */
size_t json_pick_count(const struct json_doc *doc, const char *array);
/*
 * json_pick for element i of the root's array member named array: E_BAD_JSON
 * when there is no such element or it is not an object.
 */
NODISCARD int json_pick_element(const struct json_doc *doc, const char *array, size_t i,
                                const struct json_field *spec, size_t n, struct json_value *out);
/*
 * The root's member name as a list of strings (a JWT "aud"): a string gives
 * one, an array of strings its elements. 0 and *count, E_NOT_FOUND (absent
 * or null), or E_VALIDATION (another type, an element that is not a string,
 * or more than cap elements).
 */
NODISCARD int json_pick_strings(const struct json_doc *doc, const char *name, struct str *out,
                                size_t cap, size_t *count);

/*
 * Walking a lenient document (webhook payloads from upstream services):
 * a struct json_node is a borrowed view of one value inside a json_doc, valid
 * as long as the doc. Every accessor accepts NULL (an absent value) and
 * answers "absent" for a value of another type, so a walk never needs to
 * check types before descending; the strict depth, string-length and
 * duplicate-key limits of json_doc_parse still hold for the whole document.
 */
struct json_node;

/* The root value. */
const struct json_node *json_doc_node(const struct json_doc *doc);
/* The member name of an object, or NULL (absent, null, or n not an object). */
const struct json_node *json_node_member(const struct json_node *n, const char *name);
/* Elements of an array (0 when n is not one). */
size_t json_node_count(const struct json_node *n);
/* Element i of an array, or NULL. */
const struct json_node *json_node_at(const struct json_node *n, size_t i);
bool json_node_is_object(const struct json_node *n);
/* A string's bytes (valid UTF-8, no NUL), or false. The view lives as long as the doc. */
bool json_node_string(const struct json_node *n, struct str *out);
/* An integer, or false. */
bool json_node_int(const struct json_node *n, int64_t *out);
/* An integer or a real, as a double, or false. */
bool json_node_number(const struct json_node *n, double *out);
/* Shorthand: the string member name of object n (empty view when absent or not a string). */
struct str json_node_str(const struct json_node *n, const char *name);
/* json_pick for the object n. */
NODISCARD int json_node_pick(const struct json_node *n, const struct json_field *spec,
                             size_t n_spec, struct json_value *out);
/* Appends the compact encoding of n (nothing for NULL). 0, E_TOO_LARGE (out's cap) or E_INTERNAL.
 */
NODISCARD int json_node_render(const struct json_node *n, struct buf *out);

/*
 * Building an object, for bodies sent upstream (a CRM delivery) by modules
 * that may not use json_t (routes/ build their answers with jansson
 * directly). Members keep the order they were set in; setting a name again
 * replaces its value. A set that fails (no memory, a string that is not
 * UTF-8) marks the object, and json_obj_render then answers E_INTERNAL, so
 * the setters return nothing and a builder checks once, at the end.
 */
struct json_obj;

/* A new empty object; never NULL. Free with json_obj_free (accepts NULL). */
struct json_obj *json_obj_new(void);
void json_obj_free(struct json_obj *o);
/* Sets member name to the string v (any bytes but NUL; must be UTF-8). */
void json_obj_set_str(struct json_obj *o, const char *name, struct str v);
/* Sets member name to the string v, or to null when v is NULL. */
void json_obj_set_cstr(struct json_obj *o, const char *name, const char *v);
void json_obj_set_int(struct json_obj *o, const char *name, int64_t v);
/* Sets member name to the object child, which it takes over (null when child is NULL). */
void json_obj_set_obj(struct json_obj *o, const char *name, struct json_obj *child);
/* Appends the compact encoding of o. 0, E_TOO_LARGE (out's cap) or E_INTERNAL (a failed set). */
NODISCARD int json_obj_render(const struct json_obj *o, struct buf *out);

#endif
