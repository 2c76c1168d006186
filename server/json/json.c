#include "json/json.h"

#include <jansson.h>

#include "core/err.h"
#include "json/value.h"
#include "core/limits.h"

struct json_doc {
    json_t *root;
};

/* Depth and string-length walk; jansson itself caps nesting at 2048. */
static bool
within_limits(const json_t *v, unsigned depth)
{
    if (depth > HTTP_JSON_MAX_DEPTH) {
        return false;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)(uintptr_t)v, key, child)
        {
            if (strlen(key) > 256 || !within_limits(child, depth + 1)) {
                return false;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            if (!within_limits(child, depth + 1)) {
                return false;
            }
        }
    } else if (json_is_string(v)) {
        return json_string_length(v) <= HTTP_JSON_MAX_STRING;
    }
    return true;
}

int
json_doc_parse(struct str body, struct json_doc **out)
{
    json_error_t jerr;
    json_t *root;

    *out = NULL;
    if (body.len == 0) {
        return E_BAD_JSON;
    }
    root = json_loadb(body.ptr, body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        return E_BAD_JSON;
    }
    if (!within_limits(root, 1)) {
        json_decref(root);
        return E_BAD_JSON;
    }
    *out = xmalloc(sizeof(**out));
    (*out)->root = root;
    return 0;
}

void
json_doc_free(struct json_doc *doc)
{
    if (!doc) {
        return;
    }
    json_decref(doc->root);
    free(doc);
}

json_t *
json_doc_root(const struct json_doc *doc)
{
    return doc->root;
}

static void
add_error(struct json_error *errs, size_t errcap, size_t *nerrs, const char *field,
          const char *code, const char *message)
{
    if (*nerrs < errcap) {
        errs[*nerrs] = (struct json_error){field, code, message};
    }
    (*nerrs)++;
}

static void
decode_field(const struct json_field *f, json_t *v, struct json_value *out, struct json_error *errs,
             size_t errcap, size_t *nerrs)
{
    switch (f->type) {
    case JSON_F_STRING: {
        struct str s;
        size_t cps;
        if (!json_is_string(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be a string");
            return;
        }
        s = str_make(json_string_value(v), json_string_length(v));
        cps = str_utf8_len(s);
        if ((int64_t)cps < f->min) {
            add_error(errs, errcap, nerrs, f->name, f->min == 1 ? "required" : "too_short",
                      "too short");
            return;
        }
        if (f->max && (int64_t)cps > f->max) {
            add_error(errs, errcap, nerrs, f->name, "too_long", "too long");
            return;
        }
        out->s = s;
        break;
    }
    case JSON_F_BOOL:
        if (!json_is_boolean(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be true or false");
            return;
        }
        out->b = json_is_true(v);
        break;
    case JSON_F_INT:
        if (!json_is_integer(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be an integer");
            return;
        }
        out->i = json_integer_value(v);
        if (out->i < f->min || out->i > f->max) {
            add_error(errs, errcap, nerrs, f->name, "out_of_range", "out of range");
            return;
        }
        break;
    case JSON_F_NUMBER:
        if (!json_is_number(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be a number");
            return;
        }
        out->d = json_number_value(v);
        if (!(out->d >= (double)f->min && out->d <= (double)f->max)) {
            add_error(errs, errcap, nerrs, f->name, "out_of_range", "out of range");
            return;
        }
        break;
    case JSON_F_STRINGS: {
        size_t idx;
        json_t *item;
        if (!json_is_array(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be a list of strings");
            return;
        }
        if ((int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max) {
            add_error(errs, errcap, nerrs, f->name, "out_of_range", "too few or too many items");
            return;
        }
        json_array_foreach(v, idx, item)
        {
            size_t cps;
            if (!json_is_string(item)) {
                add_error(errs, errcap, nerrs, f->name, "invalid_type",
                          "must be a list of strings");
                return;
            }
            cps = str_utf8_len(str_make(json_string_value(item), json_string_length(item)));
            if (cps == 0 || cps > JSON_STRINGS_ITEM_MAX) {
                add_error(errs, errcap, nerrs, f->name, "invalid", "an item is empty or too long");
                return;
            }
        }
        out->i = (int64_t)json_array_size(v);
        out->node = (const struct json_node *)(const void *)v;
        break;
    }
    case JSON_F_ARRAY:
        if (!json_is_array(v)) {
            add_error(errs, errcap, nerrs, f->name, "invalid_type", "must be a list");
            return;
        }
        if ((int64_t)json_array_size(v) < f->min || (int64_t)json_array_size(v) > f->max) {
            add_error(errs, errcap, nerrs, f->name, "out_of_range", "too few or too many items");
            return;
        }
        out->i = (int64_t)json_array_size(v);
        out->node = (const struct json_node *)(const void *)v;
        break;
    }
    out->present = true;
}

int
json_decode(const struct json_doc *doc, const struct json_field *spec, size_t n,
            struct json_value *out, struct json_error *errs, size_t errcap, size_t *nerrs)
{
    json_t *root = doc->root;
    const char *key;
    json_t *v;

    *nerrs = 0;
    memset(out, 0, n * sizeof(*out));
    if (!json_is_object(root)) {
        return E_BAD_JSON;
    }
    json_object_foreach(root, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(spec[i].name, key) == 0) {
                known = true;
                if (!json_is_null(v)) {
                    decode_field(&spec[i], v, &out[i], errs, errcap, nerrs);
                }
                break;
            }
        }
        if (!known) {
            /* The key is the document's; it lives as long as doc. */
            add_error(errs, errcap, nerrs, key, "unknown_field", "is not accepted here");
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (spec[i].required && !out[i].present && !json_object_get(root, spec[i].name)) {
            add_error(errs, errcap, nerrs, spec[i].name, "required", "is required");
        } else if (spec[i].required && !out[i].present &&
                   json_is_null(json_object_get(root, spec[i].name))) {
            add_error(errs, errcap, nerrs, spec[i].name, "required", "is required");
        }
    }
    if (*nerrs > errcap) {
        *nerrs = errcap;
    }
    return *nerrs ? E_VALIDATION : 0;
}

/* Lenient decoding of obj against spec (json_pick): unnamed members are skipped. */
static int
pick_object(json_t *obj, const struct json_field *spec, size_t n, struct json_value *out)
{
    struct json_error errs[1];
    size_t nerrs = 0;

    memset(out, 0, n * sizeof(*out));
    if (!json_is_object(obj)) {
        return E_BAD_JSON;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(obj, spec[i].name);
        if (v && !json_is_null(v)) {
            decode_field(&spec[i], v, &out[i], errs, ARRAY_LEN(errs), &nerrs);
        }
        if (spec[i].required && !out[i].present) {
            return E_VALIDATION;
        }
    }
    return nerrs ? E_VALIDATION : 0;
}

int
json_pick(const struct json_doc *doc, const struct json_field *spec, size_t n,
          struct json_value *out)
{
    return pick_object(doc->root, spec, n, out);
}

size_t
json_pick_count(const struct json_doc *doc, const char *array)
{
    json_t *a = json_is_object(doc->root) ? json_object_get(doc->root, array) : NULL;
    return json_is_array(a) ? json_array_size(a) : 0;
}

int
json_pick_element(const struct json_doc *doc, const char *array, size_t i,
                  const struct json_field *spec, size_t n, struct json_value *out)
{
    json_t *a = json_is_object(doc->root) ? json_object_get(doc->root, array) : NULL;

    memset(out, 0, n * sizeof(*out));
    if (!json_is_array(a) || i >= json_array_size(a)) {
        return E_BAD_JSON;
    }
    return pick_object(json_array_get(a, i), spec, n, out);
}

int
json_pick_strings(const struct json_doc *doc, const char *name, struct str *out, size_t cap,
                  size_t *count)
{
    json_t *v = json_is_object(doc->root) ? json_object_get(doc->root, name) : NULL;
    json_t *item;
    size_t i;

    *count = 0;
    if (!v || json_is_null(v)) {
        return E_NOT_FOUND;
    }
    if (json_is_string(v)) {
        if (cap == 0) {
            return E_VALIDATION;
        }
        out[0] = str_make(json_string_value(v), json_string_length(v));
        *count = 1;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > cap) {
        return E_VALIDATION;
    }
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item)) {
            *count = 0;
            return E_VALIDATION;
        }
        out[i] = str_make(json_string_value(item), json_string_length(item));
    }
    *count = json_array_size(v);
    return 0;
}

/* Room json_render makes before its first pass: most answers fit. */
#define JSON_RENDER_GUESS 1024

/*
 * json_dumpb into room made up front (one pass for almost every answer, a
 * second once the size is known), not a callback per token.
 */
int
json_render(const json_t *v, struct buf *out)
{
    size_t room = JSON_RENDER_GUESS;

    if (out->max) {
        /* A capped buffer: no more room than it allows. */
        size_t left = out->max > out->len ? out->max - out->len : 0;
        room = left < room ? left : room;
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t avail;
        size_t n;

        if (buf_grow(out, room)) {
            return E_INTERNAL;
        }
        avail = out->cap - out->len - 1;
        if (out->max && out->max - out->len < avail) {
            avail = out->max - out->len; /* buf_grow checked len + room <= max */
        }
        n = json_dumpb(v, out->ptr + out->len, avail, JSON_COMPACT);
        if (n == 0) {
            return E_INTERNAL;
        }
        if (n <= avail) {
            out->len += n;
            out->ptr[out->len] = '\0';
            return 0;
        }
        room = n;
    }
    return E_INTERNAL;
}

/*
 * A json_node is a json_t seen through an incomplete type, so that modules
 * outside json/ and routes/ walk documents without touching jansson.
 */
static const json_t *
node_value(const struct json_node *n)
{
    return (const json_t *)(const void *)n;
}

static const struct json_node *
as_node(const json_t *v)
{
    return (v && !json_is_null(v)) ? (const struct json_node *)(const void *)v : NULL;
}

const struct json_node *
json_doc_node(const struct json_doc *doc)
{
    return as_node(doc->root);
}

const struct json_node *
json_node_member(const struct json_node *n, const char *name)
{
    const json_t *v = node_value(n);
    return json_is_object(v) ? as_node(json_object_get(v, name)) : NULL;
}

size_t
json_node_count(const struct json_node *n)
{
    const json_t *v = node_value(n);
    return json_is_array(v) ? json_array_size(v) : 0;
}

const struct json_node *
json_node_at(const struct json_node *n, size_t i)
{
    const json_t *v = node_value(n);
    return json_is_array(v) ? as_node(json_array_get(v, i)) : NULL;
}

bool
json_node_is_object(const struct json_node *n)
{
    return json_is_object(node_value(n));
}

bool
json_node_string(const struct json_node *n, struct str *out)
{
    const json_t *v = node_value(n);
    if (!json_is_string(v)) {
        *out = STR_NULL;
        return false;
    }
    *out = str_make(json_string_value(v), json_string_length(v));
    return true;
}

bool
json_node_int(const struct json_node *n, int64_t *out)
{
    const json_t *v = node_value(n);
    if (!json_is_integer(v)) {
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool
json_node_number(const struct json_node *n, double *out)
{
    const json_t *v = node_value(n);
    if (!json_is_number(v)) {
        return false;
    }
    *out = json_number_value(v);
    return true;
}

struct str
json_node_str(const struct json_node *n, const char *name)
{
    struct str s;
    (void)json_node_string(json_node_member(n, name), &s);
    return s;
}

int
json_node_pick(const struct json_node *n, const struct json_field *spec, size_t n_spec,
               struct json_value *out)
{
    return pick_object((json_t *)(uintptr_t)node_value(n), spec, n_spec, out);
}

int
json_node_render(const struct json_node *n, struct buf *out)
{
    size_t before = out->len;
    int rc;

    if (!n) {
        return 0;
    }
    rc = json_render(node_value(n), out);
    if (rc) {
        /* The dump stopped (at out's cap, most likely): keep the buffer as it was. */
        out->len = before;
        out->ptr[before] = '\0';
        return out->max ? E_TOO_LARGE : E_INTERNAL;
    }
    return 0;
}

/* A built object: jansson's, and whether a set failed (json_obj_render refuses it then). */
struct json_obj {
    json_t *v;
    bool failed;
};

struct json_obj *
json_obj_new(void)
{
    struct json_obj *o = xcalloc(1, sizeof(*o));

    o->v = json_object();
    o->failed = !o->v;
    return o;
}

void
json_obj_free(struct json_obj *o)
{
    if (!o) {
        return;
    }
    json_decref(o->v);
    free(o);
}

/* Sets name to v, which it takes over (NULL: a failed allocation or conversion). */
static void
obj_set(struct json_obj *o, const char *name, json_t *v)
{
    /* json_object_set_new takes v over even when it fails; without an object v is ours to free. */
    if (!o->v) {
        json_decref(v);
        o->failed = true;
    } else if (!v || json_object_set_new(o->v, name, v)) {
        o->failed = true;
    }
}

void
json_obj_set_str(struct json_obj *o, const char *name, struct str v)
{
    obj_set(o, name, json_stringn(v.ptr ? v.ptr : "", v.len));
}

void
json_obj_set_cstr(struct json_obj *o, const char *name, const char *v)
{
    obj_set(o, name, v ? json_string(v) : json_null());
}

void
json_obj_set_int(struct json_obj *o, const char *name, int64_t v)
{
    obj_set(o, name, json_integer((json_int_t)v));
}

void
json_obj_set_obj(struct json_obj *o, const char *name, struct json_obj *child)
{
    if (!child) {
        obj_set(o, name, json_null());
        return;
    }
    o->failed |= child->failed;
    obj_set(o, name, child->v ? json_incref(child->v) : NULL);
    json_obj_free(child);
}

int
json_obj_render(const struct json_obj *o, struct buf *out)
{
    if (o->failed) {
        return E_INTERNAL;
    }
    return json_node_render((const struct json_node *)(const void *)o->v, out);
}
