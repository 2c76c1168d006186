/*
 * Unit tests for crypto/jwt: RS256 verification against a fixed test vector
 * (a 2048-bit key and a token generated once with python3-cryptography, so
 * no key generation at test time), the algorithms we refuse, malformed
 * tokens, and the RSA keys a JWK may hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/jwt.h"

/* Key 1 (n1, "AQAB") signed t1; key 2 (n2) signed t2 with the same kid; n3 is 1024 bits. */
static const char n1[] =
    "3ydbqzWkkuPri8qT5EXRiIuGQoadkITAGhOQc7CrfIF2NzAVY_4aXPR-65qd0vZiygBcV8vN3GkNRFCLHKeTbEph"
    "JvQvLvbspK_xKjF9t_XmVSeJJ9dPC4MZ0REnlBBD6LNoStoRKjdSKcDNQgQb1nlHaHjKqAKsaxdnWbYAU3FVkLbk"
    "xotW69kiHDFze4ZLaPP5ekp_Xz8p9vlENKE7dbcyL6HDut6dhIAuAzZPeIk8CmxFd9SIzl8cLKKkWiwf8I41FFR6"
    "qzj9tA01mcZaiTyahhd1ptHyL70LST9oo9gl2-4vQXVFYPAjEzC9_m6bqmcwG6q3xQ7RYd_1JemHKw";

static const char n2[] =
    "wf-g1OYs55RmnITkR1wKlfELO40GZELaylx2rURLwSHN9rz4dtKeyGHEl_FdJzEgyG2LlH3Hvy4eROaQWR2OFc8F"
    "ZobIdvpeA7XPZNK5Q8hPk56RvtRSKbnj3CgLR2b77KyblFvcmIeSXkVn9VHBSDNBaR6zRaSrQgn11smoCNimNt0W"
    "_GGVQlItGtJM3eE5ohE2f0cmCxBqf8Yd5Xnfz72CDYKvyWh2uSo6Hyg9BaUYICdYGYXs9wj9bU13rTAJ4Ro_OwJD"
    "nEwZw-KCUF69s4OEu7buwYaKmcEzhPvGyLDGm3piicm907HA739EIG73PAoGCUxFaAuQnN2JRGSApQ";

static const char n3[] =
    "qBpXO0VYvx8XxEvxosoYx0FYJizDAnxYjreE-RTLaSRUwvH5Lm6EBWuFcs7U5JEDqoWQKN3QFXSiIoh721D064fY"
    "_jjBeU8AZ0Hsd_4WYLfMG0WPd8DlDy1bRVCFWI2VPVzd5a-CqrgoZ46VxW3aQbrtcaZvikhuMNTOHDTWZpk";

static const char t1[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2FjY291bnRz"
    "Lmdvb2dsZS5jb20iLCJzdWIiOiIxMTAxNjk0ODQ0NzQzODYyNzYzMzQiLCJhdWQiOiJjbGllbnQtMTIzLmFwcHMu"
    "Z29vZ2xldXNlcmNvbnRlbnQuY29tIiwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsIm5vbmNlIjoi"
    "bi0wUzZfV3pBMk1qIiwiZW1haWwiOiJhbmFAZXhhbXBsZS5jb20iLCJlbWFpbF92ZXJpZmllZCI6dHJ1ZX0.ajff"
    "oWgJ4orZdJSrtdIbuCidXtYU-5CmA5zvIHRoxHaAFMsirY5njT-4Z0ighJz3gkXN_ObNU7NmfSnDGDK4dD93OMVJ"
    "jJl3fjkFdi60IpKwDXoDDrNRzpcOvi3fPzUHdRBNpwXFWX9h3XFAVexG-0LAqfAxekvsdnDPrlQgEgTZjFKw9xmL"
    "p-HERNcj9ieuDhBc_li5Ipu7DIAAGhXcGHo0SnSoGoeq86JLrsw9NcsCyrIVNdz8XQ0ehBznKfLS9EFvPKiY3Zq7"
    "2bd6hnIQ9G_Bkt8Zy4zAgugZfTYFVNVFnaNHNIhjj2gRy5NlXyQwtX5Nr97U0aXbNf2u-CAeEA";

static const char t2[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2FjY291bnRz"
    "Lmdvb2dsZS5jb20iLCJzdWIiOiIxMTAxNjk0ODQ0NzQzODYyNzYzMzQiLCJhdWQiOiJjbGllbnQtMTIzLmFwcHMu"
    "Z29vZ2xldXNlcmNvbnRlbnQuY29tIiwiZXhwIjoxNzAwMDAzNjAwLCJpYXQiOjE3MDAwMDAwMDAsIm5vbmNlIjoi"
    "bi0wUzZfV3pBMk1qIiwiZW1haWwiOiJhbmFAZXhhbXBsZS5jb20iLCJlbWFpbF92ZXJpZmllZCI6dHJ1ZX0.kF7-"
    "JQlc88Rs52K808ucK7Oas9A00Mk-CrwIhKxHIR7p5P7r0yRoDo2gd8ZueB2_hmkxAGk4HX0ph7NlWzSQqlx90YtB"
    "KEOjM8av2zUd0vyEMQqr8ybZH3UI_U70aDYbFPfdrw-eu6XgasLY773EueHeHPQ4UdjZZW1xnjcVNutx8KTumRqd"
    "MiQW2tChEMo0K1-GgvCTuVa18MAllnU4Im2IlO5tKy1qxE3mjkIkVRGIBx5wfBsk3M5cHyktzTQqhmU8VopvMHL-"
    "shBgHipNRX2wPfKU4UuSo1_fW6RDd0Eo9CzDt8yMjaI34cgHNiPWfcH6YhelnNG6nXFoYwJXbA";

static const char t1_payload[] =
    "{\"iss\":\"https://accounts.google.com\",\"sub\":\"110169484474386276334\","
    "\"aud\":\"client-123.apps.googleusercontent.com\",\"exp\":1700003600,\"iat\":1700000000,"
    "\"nonce\":\"n-0S6_WzA2Mj\",\"email\":\"ana@example.com\",\"email_verified\":true}";

static int
setup(void **state)
{
    (void)state;
    return crypto_init();
}

static struct jwt_key *
key(const char *n, const char *e)
{
    struct jwt_key *k = NULL;
    assert_int_equal(jwt_key_new(str_from_cstr(n), str_from_cstr(e), &k), 0);
    assert_non_null(k);
    return k;
}

/* Parses token (expected to parse) and returns jwt_verify's answer with key (n, e). */
static int
verify_with(const char *token, const char *n, const char *e)
{
    struct jwt t = JWT_INIT;
    struct jwt_key *k = key(n, e);
    int rc;

    assert_int_equal(jwt_parse(str_from_cstr(token), &t), 0);
    rc = jwt_verify(&t, k);
    jwt_key_free(k);
    jwt_release(&t);
    return rc;
}

static void
test_parse(void **state)
{
    struct jwt t = JWT_INIT;
    (void)state;

    assert_int_equal(jwt_parse(str_from_cstr(t1), &t), 0);
    assert_string_equal(t.alg, "RS256");
    assert_string_equal(t.kid, "key-1");
    assert_int_equal(t.payload.len, strlen(t1_payload));
    assert_string_equal(t.payload.ptr, t1_payload);
    assert_int_equal(t.sig_len, 256);
    assert_int_equal(t.signing_input.len, (size_t)(strrchr(t1, '.') - t1));
    assert_memory_equal(t.signing_input.ptr, t1, t.signing_input.len);
    jwt_release(&t);
    assert_int_equal(t.payload.len, 0);
    assert_string_equal(t.alg, "");
}

static void
test_verify_good(void **state)
{
    struct jwt_key *k = key(n1, "AQAB");
    (void)state;

    assert_int_equal(jwt_key_bits(k), 2048);
    jwt_key_free(k);
    assert_int_equal(verify_with(t1, n1, "AQAB"), 0);
    jwt_key_free(NULL);
}

static void
test_verify_other_key(void **state)
{
    (void)state;
    /* Another key, and a token signed by another key under the same kid. */
    assert_int_equal(verify_with(t1, n2, "AQAB"), E_UNAUTHENTICATED);
    assert_int_equal(verify_with(t2, n1, "AQAB"), E_UNAUTHENTICATED);
    /* The right modulus with another exponent is another key. */
    assert_int_equal(verify_with(t1, n1, "Aw"), E_UNAUTHENTICATED);
}

/* Flips one character of part (0 header, 1 payload, 2 signature) at offset off from its start. */
static char *
tampered(const char *token, int part, size_t off)
{
    char *copy = xstrdup(token);
    char *p = copy;

    for (int i = 0; i < part; i++) {
        p = strchr(p, '.') + 1;
    }
    p[off] = p[off] == 'A' ? 'B' : 'A';
    return copy;
}

static void
test_verify_tampered(void **state)
{
    char *t;
    (void)state;

    t = tampered(t1, 1, 10); /* the claims */
    assert_int_equal(verify_with(t, n1, "AQAB"), E_UNAUTHENTICATED);
    free(t);
    t = tampered(t1, 2, 20); /* the signature */
    assert_int_equal(verify_with(t, n1, "AQAB"), E_UNAUTHENTICATED);
    free(t);
}

/* A token with header h (JSON) over t1's claims and signature. */
static char *
with_header(const char *h)
{
    char enc[256];
    const char *rest = strchr(t1, '.');
    size_t n;
    char *out;

    crypto_b64url((const uint8_t *)h, strlen(h), enc, sizeof(enc));
    n = strlen(enc) + strlen(rest) + 1;
    out = xmalloc(n);
    (void)snprintf(out, n, "%s%s", enc, rest);
    return out;
}

static void
test_refused_algorithms(void **state)
{
    static const char *const headers[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"HS256\",\"kid\":\"key-1\"}",
        "{\"alg\":\"RS512\",\"kid\":\"key-1\"}",
        "{\"alg\":\"PS256\",\"kid\":\"key-1\"}",
        "{\"alg\":\"rs256\",\"kid\":\"key-1\"}",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(headers); i++) {
        char *t = with_header(headers[i]);
        assert_int_equal(verify_with(t, n1, "AQAB"), E_INVALID);
        free(t);
    }
}

static void
test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "abc",
        "a.b",
        "a..c",
        ".b.c",
        "a.b.",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.extra",
        "eyJhbGciOiJSUzI1NiJ9.e30=.c2ln", /* padding */
        "eyJhbGciOiJSUzI1NiJ9.e3+/.c2ln", /* base64, not base64url */
        "bm90IGpzb24.e30.c2ln",           /* header "not json" */
        "eyJraWQiOiJ4In0.e30.c2ln",       /* header {"kid":"x"}: no alg */
        "eyJhbGciOjF9.e30.c2ln",          /* {"alg":1} */
        "W10.e30.c2ln",                   /* header [] */
    };
    char *crit = with_header("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}");
    char *dup = with_header("{\"alg\":\"none\",\"alg\":\"RS256\"}");
    struct jwt t = JWT_INIT;
    char *huge;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(jwt_parse(str_from_cstr(bad[i]), &t), E_INVALID);
        jwt_release(&t);
    }
    /* Extensions we would have to understand, and duplicate keys, are refused. */
    assert_int_equal(jwt_parse(str_from_cstr(crit), &t), E_INVALID);
    jwt_release(&t);
    assert_int_equal(jwt_parse(str_from_cstr(dup), &t), E_INVALID);
    jwt_release(&t);
    free(crit);
    free(dup);
    huge = xmalloc(JWT_MAX_LEN + 2);
    memset(huge, 'A', JWT_MAX_LEN + 1);
    huge[JWT_MAX_LEN + 1] = '\0';
    huge[10] = '.';
    huge[20] = '.';
    assert_int_equal(jwt_parse(str_from_cstr(huge), &t), E_INVALID);
    jwt_release(&t);
    free(huge);
}

static void
test_keys(void **state)
{
    struct jwt_key *k = NULL;
    (void)state;

    /* Under 2048 bits. */
    assert_int_equal(jwt_key_new(str_from_cstr(n3), STR_LIT("AQAB"), &k), E_INVALID);
    assert_null(k);
    /* Even, 1 and empty exponents. */
    assert_int_equal(jwt_key_new(str_from_cstr(n1), STR_LIT("Ag"), &k), E_INVALID);
    assert_int_equal(jwt_key_new(str_from_cstr(n1), STR_LIT("AQ"), &k), E_INVALID);
    assert_int_equal(jwt_key_new(str_from_cstr(n1), STR_LIT(""), &k), E_INVALID);
    /* Not base64url, or padded. */
    assert_int_equal(jwt_key_new(STR_LIT("abc*def"), STR_LIT("AQAB"), &k), E_INVALID);
    assert_int_equal(jwt_key_new(str_from_cstr(n1), STR_LIT("AQAB="), &k), E_INVALID);
    assert_int_equal(jwt_key_new(STR_LIT(""), STR_LIT("AQAB"), &k), E_INVALID);
    assert_null(k);
    /* Leading zero bytes do not count towards the size. */
    {
        uint8_t raw[300];
        char enc[CRYPTO_B64URL_SIZE(300)];
        memset(raw, 0, sizeof(raw));
        raw[299] = 1;
        crypto_b64url(raw, sizeof(raw), enc, sizeof(enc));
        assert_int_equal(jwt_key_new(str_from_cstr(enc), STR_LIT("AQAB"), &k), E_INVALID);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_verify_good),
        cmocka_unit_test(test_verify_other_key),
        cmocka_unit_test(test_verify_tampered),
        cmocka_unit_test(test_refused_algorithms),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
