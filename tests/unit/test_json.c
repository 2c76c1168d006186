/*
 * Unit tests for json/json: strict parsing (one document, no duplicate keys,
 * no NUL, bounded depth and strings) and decoding against field specs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "core/limits.h"
#include "json/json.h"
#include "json/value.h"

static void
check_parses(struct str body)
{
    struct json_doc *doc = NULL;

    if (json_doc_parse(body, &doc) != 0) {
        fail_msg("refused: %.*s", (int)(body.len > 80 ? 80 : body.len), body.ptr ? body.ptr : "");
    }
    assert_non_null(doc);
    assert_non_null(json_doc_root(doc));
    json_doc_free(doc);
}

static void
check_refused(struct str body)
{
    static char sentinel;
    struct json_doc *doc = (struct json_doc *)(void *)&sentinel; /* parse must reset it */

    if (json_doc_parse(body, &doc) != E_BAD_JSON) {
        json_doc_free(doc);
        fail_msg("accepted: %.*s", (int)(body.len > 80 ? 80 : body.len), body.ptr ? body.ptr : "");
    }
    assert_null(doc);
}

static void
test_parse_ok(void **state)
{
    (void)state;

    check_parses(STR_LIT("{}"));
    check_parses(STR_LIT("[]"));
    check_parses(STR_LIT(" \n{\"a\": [1, 2.5, true, null, \"x\"]}\r\n\t "));
    check_parses(STR_LIT("{\"name\":\"a\\u00e7\\u00e3o \\ud83d\\ude00\"}"));
    check_parses(STR_LIT("{\"a\":{\"a\":1}}")); /* the same key at another level */
    check_parses(STR_LIT("{\"a\":1,\"A\":2}"));
}

static void
test_parse_strict(void **state)
{
    static const char *const bad[] = {
        /* Trailing bytes: a second document, garbage, a comma. */
        "{}x",
        "{}{}",
        "{} {}",
        "{},",
        "[]]",
        "{}\"",
        "{}/*c*/",
        "{} 1",
        /* Duplicate keys, including spelled with escapes. */
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "{\"x\":{\"b\":1,\"b\":1}}",
        /* NUL, raw or escaped; invalid UTF-8; lone surrogates. */
        "{\"a\":\"\\u0000\"}",
        "{\"a\\u0000\":1}",
        "{\"a\":\"\xff\"}",
        "{\"a\":\"\xc0\x80\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00x\"}",
        /* Not JSON, or not one object/array. */
        "",
        " ",
        "1",
        "\"s\"",
        "null",
        "true",
        "{",
        "{\"a\"}",
        "{'a':1}",
        "{a:1}",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\":01}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":\"\n\"}",
        "{\"a\":\"\\x41\"}",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        check_refused(str_from_cstr(bad[i]));
    }
    check_refused(STR_NULL);
    check_refused(STR_LIT("{\"a\":\"x\0\"}"));
    check_refused(STR_LIT("{}\0"));
}

static struct buf
nested(size_t depth, const char *open, const char *inner, const char *close)
{
    struct buf b = BUF_INIT;

    for (size_t i = 0; i < depth; i++) {
        assert_int_equal(buf_addstr(&b, open), 0);
    }
    assert_int_equal(buf_addstr(&b, inner), 0);
    for (size_t i = 0; i < depth; i++) {
        assert_int_equal(buf_addstr(&b, close), 0);
    }
    return b;
}

static void
test_depth(void **state)
{
    struct buf b;
    (void)state;

    /* 16 levels of containers are accepted, 17 are not. */
    b = nested(HTTP_JSON_MAX_DEPTH, "[", "", "]");
    check_parses(buf_str(&b));
    buf_release(&b);
    b = nested(HTTP_JSON_MAX_DEPTH + 1, "[", "", "]");
    check_refused(buf_str(&b));
    buf_release(&b);
    b = nested(HTTP_JSON_MAX_DEPTH - 1, "{\"k\":", "{}", "}");
    check_parses(buf_str(&b));
    buf_release(&b);
    b = nested(HTTP_JSON_MAX_DEPTH, "{\"k\":", "{}", "}");
    check_refused(buf_str(&b));
    buf_release(&b);
    /* Far deeper than the parser's own limit: refused, not a stack overflow. */
    b = nested(100000, "[", "", "]");
    check_refused(buf_str(&b));
    buf_release(&b);
}

static void
test_string_limits(void **state)
{
    struct buf b = BUF_INIT;
    (void)state;

    /* The longest string any field may hold, and one byte more. */
    assert_int_equal(buf_addstr(&b, "{\"s\":\""), 0);
    for (size_t i = 0; i < HTTP_JSON_MAX_STRING; i++) {
        assert_int_equal(buf_addch(&b, 'x'), 0);
    }
    assert_int_equal(buf_addstr(&b, "\"}"), 0);
    check_parses(buf_str(&b));
    buf_reset(&b);
    assert_int_equal(buf_addstr(&b, "{\"s\":\""), 0);
    for (size_t i = 0; i < HTTP_JSON_MAX_STRING + 1; i++) {
        assert_int_equal(buf_addch(&b, 'x'), 0);
    }
    assert_int_equal(buf_addstr(&b, "\"}"), 0);
    check_refused(buf_str(&b));

    /* Keys are capped at 256 bytes. */
    buf_reset(&b);
    assert_int_equal(buf_addch(&b, '{'), 0);
    assert_int_equal(buf_addch(&b, '"'), 0);
    for (size_t i = 0; i < 257; i++) {
        assert_int_equal(buf_addch(&b, 'k'), 0);
    }
    assert_int_equal(buf_addstr(&b, "\":1}"), 0);
    check_refused(buf_str(&b));
    buf_release(&b);
}

/* ---- json_decode ---- */

enum { F_NAME, F_AGE, F_ADMIN, F_NOTE, NFIELDS };

static const struct json_field spec[NFIELDS] = {
    [F_NAME] = {"name", JSON_F_STRING, true, 1, 4},
    [F_AGE] = {"age", JSON_F_INT, false, 0, 150},
    [F_ADMIN] = {"admin", JSON_F_BOOL, false, 0, 0},
    [F_NOTE] = {"note", JSON_F_STRING, false, 0, 0},
};

struct decoded {
    struct json_doc *doc;
    struct json_value v[NFIELDS];
    struct json_error errs[HTTP_MAX_FIELD_ERRORS];
    size_t nerrs;
    int rc;
};

static void
decode(struct decoded *d, const char *body, size_t errcap)
{
    memset(d, 0, sizeof(*d));
    assert_int_equal(json_doc_parse(str_from_cstr(body), &d->doc), 0);
    d->rc = json_decode(d->doc, spec, NFIELDS, d->v, d->errs, errcap, &d->nerrs);
    assert_true(d->nerrs <= errcap);
    assert_int_equal(d->rc == 0, d->nerrs == 0);
    for (size_t i = 0; i < d->nerrs; i++) {
        assert_non_null(d->errs[i].field);
        assert_non_null(d->errs[i].code);
        assert_non_null(d->errs[i].message);
    }
    /* Decoded strings are valid UTF-8 views that live in the document. */
    for (size_t i = 0; i < NFIELDS; i++) {
        if (d->v[i].present && spec[i].type == JSON_F_STRING) {
            assert_non_null(d->v[i].s.ptr);
            assert_true(str_is_utf8(d->v[i].s));
        }
    }
}

static void
decoded_free(struct decoded *d)
{
    json_doc_free(d->doc);
    d->doc = NULL;
}

/* One field error: field and code. */
static void
check_one_error(const char *body, const char *field, const char *code)
{
    struct decoded d;

    decode(&d, body, HTTP_MAX_FIELD_ERRORS);
    if (d.rc != E_VALIDATION || d.nerrs != 1 || strcmp(d.errs[0].field, field) != 0 ||
        strcmp(d.errs[0].code, code) != 0) {
        fail_msg("%s: rc %d, %zu errors, first %s/%s; want %s/%s", body, d.rc, d.nerrs,
                 d.nerrs ? d.errs[0].field : "-", d.nerrs ? d.errs[0].code : "-", field, code);
    }
    decoded_free(&d);
}

static void
test_decode_ok(void **state)
{
    struct decoded d;
    (void)state;

    decode(&d, "{\"name\":\"a\xc3\xa7\xc3\xa3o\",\"age\":30,\"admin\":true,\"note\":\"\"}",
           HTTP_MAX_FIELD_ERRORS);
    assert_int_equal(d.rc, 0);
    assert_true(d.v[F_NAME].present);
    assert_true(str_eq(d.v[F_NAME].s, STR_LIT("a\xc3\xa7\xc3\xa3o"))); /* 4 code points, 6 bytes */
    assert_true(d.v[F_AGE].present);
    assert_int_equal(d.v[F_AGE].i, 30);
    assert_true(d.v[F_ADMIN].present);
    assert_true(d.v[F_ADMIN].b);
    assert_true(d.v[F_NOTE].present);
    assert_int_equal(d.v[F_NOTE].s.len, 0);
    decoded_free(&d);

    /* Optional fields may be missing or null: not present, zeroed. */
    decode(&d, "{\"name\":\"ana\",\"age\":null}", HTTP_MAX_FIELD_ERRORS);
    assert_int_equal(d.rc, 0);
    assert_true(d.v[F_NAME].present);
    assert_false(d.v[F_AGE].present);
    assert_int_equal(d.v[F_AGE].i, 0);
    assert_false(d.v[F_ADMIN].present);
    assert_false(d.v[F_ADMIN].b);
    decoded_free(&d);

    /* Range ends are in range; escapes count as the characters they are. */
    decode(&d, "{\"name\":\"\\u00e7\\u00e7\\u00e7\\u00e7\",\"age\":150,\"admin\":false}",
           HTTP_MAX_FIELD_ERRORS);
    assert_int_equal(d.rc, 0);
    assert_int_equal(d.v[F_AGE].i, 150);
    assert_false(d.v[F_ADMIN].b);
    assert_true(d.v[F_ADMIN].present);
    decoded_free(&d);
    decode(&d, "{\"name\":\"\xf0\x9f\x98\x80\",\"age\":0}", HTTP_MAX_FIELD_ERRORS);
    assert_int_equal(d.rc, 0);
    decoded_free(&d);
}

static void
test_decode_errors(void **state)
{
    (void)state;

    check_one_error("{}", "name", "required");
    check_one_error("{\"name\":null}", "name", "required");
    check_one_error("{\"name\":\"\"}", "name", "required"); /* min 1: empty is missing */
    /* Too long counts code points: "ação" fits in 4, "açãoo" does not. */
    check_one_error("{\"name\":\"a\xc3\xa7\xc3\xa3oo\"}", "name", "too_long");
    check_one_error("{\"name\":\"abcde\"}", "name", "too_long");
    check_one_error("{\"name\":\"a\",\"role\":\"admin\"}", "role", "unknown_field");
    check_one_error("{\"name\":\"a\",\"Name\":\"b\"}", "Name", "unknown_field");
    check_one_error("{\"name\":1}", "name", "invalid_type");
    check_one_error("{\"name\":[\"a\"]}", "name", "invalid_type");
    check_one_error("{\"name\":{}}", "name", "invalid_type");
    check_one_error("{\"name\":true}", "name", "invalid_type");
    check_one_error("{\"name\":\"a\",\"age\":\"30\"}", "age", "invalid_type");
    check_one_error("{\"name\":\"a\",\"age\":30.5}", "age", "invalid_type");
    check_one_error("{\"name\":\"a\",\"age\":1e2}", "age", "invalid_type");
    check_one_error("{\"name\":\"a\",\"age\":true}", "age", "invalid_type");
    check_one_error("{\"name\":\"a\",\"age\":151}", "age", "out_of_range");
    check_one_error("{\"name\":\"a\",\"age\":-1}", "age", "out_of_range");
    check_one_error("{\"name\":\"a\",\"age\":99999999999999999}", "age", "out_of_range");
    check_one_error("{\"name\":\"a\",\"admin\":\"true\"}", "admin", "invalid_type");
    check_one_error("{\"name\":\"a\",\"admin\":1}", "admin", "invalid_type");
}

static void
test_decode_many_errors(void **state)
{
    struct decoded d;
    (void)state;

    decode(&d, "{\"x\":1,\"y\":2,\"age\":\"a\",\"admin\":0}", HTTP_MAX_FIELD_ERRORS);
    assert_int_equal(d.rc, E_VALIDATION);
    assert_int_equal(d.nerrs, 5); /* x, y, age, admin, and the missing name */
    decoded_free(&d);

    /* errcap bounds the list, and the answer is still E_VALIDATION. */
    decode(&d, "{\"x\":1,\"y\":2,\"age\":\"a\",\"admin\":0}", 2);
    assert_int_equal(d.rc, E_VALIDATION);
    assert_int_equal(d.nerrs, 2);
    decoded_free(&d);
}

static void
test_decode_not_object(void **state)
{
    struct json_doc *doc = NULL;
    struct json_value v[NFIELDS];
    struct json_error errs[4];
    size_t nerrs = 99;
    (void)state;

    assert_int_equal(json_doc_parse(STR_LIT("[{\"name\":\"a\"}]"), &doc), 0);
    assert_int_equal(json_decode(doc, spec, NFIELDS, v, errs, ARRAY_LEN(errs), &nerrs), E_BAD_JSON);
    assert_int_equal(nerrs, 0);
    json_doc_free(doc);
    json_doc_free(NULL);
}

static void
test_render(void **state)
{
    struct json_doc *doc = NULL;
    struct buf b = BUF_INIT;
    (void)state;

    assert_int_equal(json_doc_parse(STR_LIT("{ \"a\" : [ 1 , \"x\\\"y\" ] }"), &doc), 0);
    assert_int_equal(json_render(json_doc_root(doc), &b), 0);
    assert_string_equal(b.ptr, "{\"a\":[1,\"x\\\"y\"]}");
    /* A capped buffer turns overflow into an error, and the cap holds. */
    buf_release(&b);
    b.max = 4;
    assert_int_equal(json_render(json_doc_root(doc), &b), E_INTERNAL);
    assert_true(b.len <= 4);
    buf_release(&b);
    json_doc_free(doc);
}

static void
test_strings_field(void **state)
{
    static const struct json_field ids_spec[] = {
        {"ids", JSON_F_STRINGS, false, 0, 3},
    };
    struct json_value v[1];
    struct json_error errs[4];
    size_t nerrs;
    struct json_doc *doc = NULL;
    struct str s;
    (void)state;

    assert_int_equal(json_doc_parse(STR_LIT("{\"ids\":[\"a\",\"bc\"]}"), &doc), 0);
    assert_int_equal(json_decode(doc, ids_spec, 1, v, errs, 4, &nerrs), 0);
    assert_true(v[0].present);
    assert_int_equal(v[0].i, 2);
    assert_true(json_node_string(json_node_at(v[0].node, 1), &s));
    assert_true(str_eq_cstr(s, "bc"));
    json_doc_free(doc);
    static const char *const bad[] = {
        "{\"ids\":\"a\"}",
        "{\"ids\":[1]}",
        "{\"ids\":[\"\"]}",
        "{\"ids\":[\"a\",\"b\",\"c\",\"d\"]}",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(json_doc_parse(str_from_cstr(bad[i]), &doc), 0);
        assert_int_equal(json_decode(doc, ids_spec, 1, v, errs, 4, &nerrs), E_VALIDATION);
        assert_string_equal(errs[0].field, "ids");
        json_doc_free(doc);
    }
}

static void
test_nodes(void **state)
{
    struct json_doc *doc = NULL;
    const struct json_node *root;
    struct buf b = BUF_INIT;
    int64_t i = 0;
    double d = 0;
    struct str s;
    (void)state;

    assert_int_equal(json_doc_parse(STR_LIT("{\"a\":[1,{\"b\":\"x\"},null,2.5],\"n\":null}"), &doc),
                     0);
    root = json_doc_node(doc);
    assert_true(json_node_is_object(root));
    assert_int_equal(json_node_count(json_node_member(root, "a")), 4);
    assert_true(json_node_int(json_node_at(json_node_member(root, "a"), 0), &i));
    assert_int_equal(i, 1);
    assert_true(str_eq_cstr(json_node_str(json_node_at(json_node_member(root, "a"), 1), "b"), "x"));
    /* null reads as absent; a wrong type as absent; NULL everywhere is fine. */
    assert_null(json_node_at(json_node_member(root, "a"), 2));
    assert_null(json_node_member(root, "n"));
    assert_null(json_node_member(json_node_member(root, "missing"), "deeper"));
    assert_false(json_node_string(json_node_member(root, "a"), &s));
    assert_int_equal(s.len, 0);
    assert_true(json_node_number(json_node_at(json_node_member(root, "a"), 3), &d));
    assert_false(json_node_int(json_node_at(json_node_member(root, "a"), 3), &i));
    assert_int_equal(json_node_count(root), 0);
    assert_int_equal(json_node_render(json_node_at(json_node_member(root, "a"), 1), &b), 0);
    assert_string_equal(b.ptr, "{\"b\":\"x\"}");
    /* Over the buffer's cap: refused whole, the buffer as it was. */
    b.max = b.len + 3;
    assert_int_equal(json_node_render(json_node_member(root, "a"), &b), E_TOO_LARGE);
    assert_string_equal(b.ptr, "{\"b\":\"x\"}");
    buf_release(&b);
    json_doc_free(doc);
}

/* json_obj: members in order, null for absent values, nested objects taken over, bad UTF-8 refused.
 */
static void
test_build(void **state)
{
    struct json_obj *o = json_obj_new();
    struct json_obj *child = json_obj_new();
    struct buf b = BUF_INIT;

    (void)state;
    json_obj_set_cstr(o, "type", "lead.qualified");
    json_obj_set_int(o, "version", -7);
    json_obj_set_str(o, "quote", str_make("a\"b\\c\n\xc3\xa9", 8));
    json_obj_set_cstr(o, "none", NULL);
    json_obj_set_obj(o, "empty", NULL);
    json_obj_set_str(child, "id", STR_NULL);
    json_obj_set_obj(o, "child", child);
    json_obj_set_int(o, "version", 2); /* replaced, in place */
    assert_int_equal(json_obj_render(o, &b), 0);
    assert_string_equal(b.ptr, "{\"type\":\"lead.qualified\",\"version\":2,"
                               "\"quote\":\"a\\\"b\\\\c\\n\xc3\xa9\",\"none\":null,"
                               "\"empty\":null,\"child\":{\"id\":\"\"}}");
    json_obj_free(o);

    /* A failed set, even in a child, fails the render and leaves out untouched. */
    o = json_obj_new();
    child = json_obj_new();
    json_obj_set_str(child, "bad", str_make("\xff", 1));
    json_obj_set_obj(o, "child", child);
    b.len = 0;
    b.ptr[0] = '\0';
    assert_int_equal(json_obj_render(o, &b), E_INTERNAL);
    assert_int_equal(b.len, 0);
    json_obj_free(o);
    json_obj_free(NULL);
    buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_strict),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_string_limits),
        cmocka_unit_test(test_decode_ok),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_decode_many_errors),
        cmocka_unit_test(test_decode_not_object),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_strings_field),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_build),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
