/*
 * Unit tests for integrations/google's pure parts: the post-login path
 * check (open redirects), discovery documents, ID token claims and their
 * checks on an injected clock, and the authorization request (PKCE S256
 * with RFC 7636 Appendix B's vector).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/google.h"

#define NOW    1700000100
#define CLIENT "client-123.apps.googleusercontent.com"

static int
setup(void **state)
{
    (void)state;
    return crypto_init();
}

static void
test_next_safe(void **state)
{
    static const char *const good[] = {
        "/",
        "/dashboard",
        "/agents/42/edit?tab=prompt&x=1",
        "/a#section",
        "/caf%C3%A9",
        "/search?q=a%20b",
        "/a/./b/../c",
        "/@evil.example", /* a path on our origin */
        "/evil.example",
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        assert_true(google_is_safe_next(str_from_cstr(good[i])));
    }
}

static void
test_next_unsafe(void **state)
{
    static const char *const bad[] = {
        "",
        "dashboard",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "/a\\b",
        "/a b",
        "/a\tb",
        "/\t/evil.example",
        "/a\r\nSet-Cookie: x=1",
        "/caf\xc3\xa9",
        "/%2F%2Fevil.example",
        "/%2f%2fevil.example",
        "/%5Cevil.example",
        "/a%0d%0aLocation:%20x",
        "/a%00",
        "/a%7f",
        "/%",
        "/%2",
        "/%zz",
    };
    char longpath[GOOGLE_NEXT_MAX + 2];
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (google_is_safe_next(str_from_cstr(bad[i]))) {
            fail_msg("accepted '%s'", bad[i]);
        }
    }
    /* A NUL inside the view. */
    assert_false(google_is_safe_next(str_make("/a\0b", 4)));
    memset(longpath, 'a', sizeof(longpath));
    longpath[0] = '/';
    assert_true(google_is_safe_next(str_make(longpath, GOOGLE_NEXT_MAX)));
    assert_false(google_is_safe_next(str_make(longpath, GOOGLE_NEXT_MAX + 1)));
}

static const char discovery[] =
    "{\"issuer\":\"https://accounts.google.com\","
    "\"authorization_endpoint\":\"https://accounts.google.com/o/oauth2/v2/auth\","
    "\"device_authorization_endpoint\":\"https://oauth2.googleapis.com/device/code\","
    "\"token_endpoint\":\"https://oauth2.googleapis.com/token\","
    "\"userinfo_endpoint\":\"https://openidconnect.googleapis.com/v1/userinfo\","
    "\"jwks_uri\":\"https://www.googleapis.com/oauth2/v3/certs\","
    "\"response_types_supported\":[\"code\",\"token\",\"id_token\"],"
    "\"id_token_signing_alg_values_supported\":[\"RS256\"],"
    "\"code_challenge_methods_supported\":[\"plain\",\"S256\"]}";

static void
test_is_issuer(void **state)
{
    (void)state;
    assert_true(google_is_issuer(GOOGLE_ISSUER, STR_LIT("https://accounts.google.com")));
    assert_true(google_is_issuer(GOOGLE_ISSUER, STR_LIT("accounts.google.com")));
    assert_false(google_is_issuer(GOOGLE_ISSUER, STR_LIT("https://accounts.google.com/")));
    assert_false(google_is_issuer(GOOGLE_ISSUER, STR_LIT("http://accounts.google.com")));
    assert_false(google_is_issuer(GOOGLE_ISSUER, STR_LIT("")));
    assert_true(google_is_issuer("http://127.0.0.1:4000", STR_LIT("http://127.0.0.1:4000")));
    assert_false(google_is_issuer("http://127.0.0.1:4000", STR_LIT("127.0.0.1:4000")));
    assert_false(
        google_is_issuer("http://127.0.0.1:4000", str_make("http://127.0.0.1:4000\0x", 23)));
}

static void
test_discovery(void **state)
{
    struct google_endpoints ep;
    (void)state;

    assert_int_equal(google_parse_discovery(str_from_cstr(discovery), GOOGLE_ISSUER, &ep), 0);
    assert_string_equal(ep.issuer, "https://accounts.google.com");
    assert_string_equal(ep.authorization, "https://accounts.google.com/o/oauth2/v2/auth");
    assert_string_equal(ep.token, "https://oauth2.googleapis.com/token");
    assert_string_equal(ep.jwks, "https://www.googleapis.com/oauth2/v3/certs");

    /* A local provider over plain http on loopback. */
    assert_int_equal(
        google_parse_discovery(STR_LIT("{\"issuer\":\"http://127.0.0.1:4000\","
                                       "\"authorization_endpoint\":\"http://127.0.0.1:4000/auth\","
                                       "\"token_endpoint\":\"http://127.0.0.1:4000/token\","
                                       "\"jwks_uri\":\"http://127.0.0.1:4000/jwks\"}"),
                               "http://127.0.0.1:4000", &ep),
        0);
}

static void
test_discovery_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"issuer\":\"https://accounts.google.com\"}",
        /* Another issuer (mix-up), or the same with a trailing slash. */
        "{\"issuer\":\"https://evil.example\",\"authorization_endpoint\":\"https://a/\","
        "\"token_endpoint\":\"https://t/\",\"jwks_uri\":\"https://j/\"}",
        "{\"issuer\":\"https://accounts.google.com/\",\"authorization_endpoint\":\"https://a/\","
        "\"token_endpoint\":\"https://t/\",\"jwks_uri\":\"https://j/\"}",
        /* Plain http off loopback: codes and secrets would travel in clear. */
        "{\"issuer\":\"https://accounts.google.com\",\"authorization_endpoint\":\"https://a/\","
        "\"token_endpoint\":\"http://t.example/\",\"jwks_uri\":\"https://j/\"}",
        "{\"issuer\":\"https://accounts.google.com\",\"authorization_endpoint\":\"https://a/\","
        "\"token_endpoint\":\"https://t/\",\"jwks_uri\":\"file:///etc/passwd\"}",
        "{\"issuer\":\"https://accounts.google.com\",\"authorization_endpoint\":\"https://a/\","
        "\"token_endpoint\":1,\"jwks_uri\":\"https://j/\"}",
        /* A header split in the URL we redirect the browser to. */
        "{\"issuer\":\"https://accounts.google.com\","
        "\"authorization_endpoint\":\"https://a/\\r\\nSet-Cookie: x=1\","
        "\"token_endpoint\":\"https://t/\",\"jwks_uri\":\"https://j/\"}",
        "{\"issuer\":\"https://accounts.google.com\",\"authorization_endpoint\":\"https://a/ b\","
        "\"token_endpoint\":\"https://t/\",\"jwks_uri\":\"https://j/\"}",
    };
    struct google_endpoints ep;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(google_parse_discovery(str_from_cstr(bad[i]), GOOGLE_ISSUER, &ep),
                         E_INVALID);
        assert_string_equal(ep.token, "");
    }
}

/* Google's ID token claims, as its OpenID Connect guide shows them. */
static const char claims_json[] =
    "{\"iss\":\"https://accounts.google.com\",\"azp\":\"" CLIENT "\",\"aud\":\"" CLIENT "\","
    "\"sub\":\"110169484474386276334\",\"hd\":\"example.com\",\"email\":\"ana@example.com\","
    "\"email_verified\":true,\"at_hash\":\"HK6E_P6Dh8Y93mRNtsDB1Q\",\"nonce\":\"n-0S6_WzA2Mj\","
    "\"name\":\"Ana Souza\",\"picture\":\"https://lh3.googleusercontent.com/a/x\","
    "\"given_name\":\"Ana\",\"family_name\":\"Souza\",\"locale\":\"pt-BR\","
    "\"iat\":1700000000,\"exp\":1700003600}";

static void
parse_ok(const char *json, struct google_claims *c)
{
    assert_int_equal(google_parse_claims(str_from_cstr(json), c), 0);
}

static void
test_claims_parse(void **state)
{
    struct google_claims c;
    (void)state;

    parse_ok(claims_json, &c);
    assert_string_equal(c.iss, "https://accounts.google.com");
    assert_string_equal(c.sub, "110169484474386276334");
    assert_int_equal(c.naud, 1);
    assert_string_equal(c.aud[0], CLIENT);
    assert_string_equal(c.azp, CLIENT);
    assert_int_equal(c.exp, 1700003600);
    assert_int_equal(c.iat, 1700000000);
    assert_string_equal(c.nonce, "n-0S6_WzA2Mj");
    assert_string_equal(c.email, "ana@example.com");
    assert_true(c.email_verified);
    assert_string_equal(c.name, "Ana Souza");
    assert_string_equal(c.hd, "example.com");

    /* aud as an array; email_verified as a string; absent optional claims. */
    parse_ok("{\"iss\":\"i\",\"sub\":\"s\",\"aud\":[\"a\",\"b\"],\"exp\":2,\"iat\":1,"
             "\"email_verified\":\"true\"}",
             &c);
    assert_int_equal(c.naud, 2);
    assert_string_equal(c.aud[1], "b");
    assert_true(c.email_verified);
    assert_string_equal(c.azp, "");
    assert_string_equal(c.nonce, "");
    assert_string_equal(c.email, "");
    parse_ok("{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1,"
             "\"email_verified\":false}",
             &c);
    assert_false(c.email_verified);
    parse_ok("{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1,"
             "\"email_verified\":\"false\"}",
             &c);
    assert_false(c.email_verified);
    parse_ok("{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1}", &c);
    assert_false(c.email_verified);
}

static void
test_claims_parse_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1}",              /* no iss */
        "{\"iss\":\"i\",\"aud\":\"a\",\"exp\":2,\"iat\":1}",              /* no sub */
        "{\"iss\":\"i\",\"sub\":\"\",\"aud\":\"a\",\"exp\":2,\"iat\":1}", /* empty sub */
        "{\"iss\":\"i\",\"sub\":\"s\",\"exp\":2,\"iat\":1}",              /* no aud */
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":[],\"exp\":2,\"iat\":1}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":[1],\"exp\":2,\"iat\":1}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"iat\":1}", /* no exp */
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":\"2\",\"iat\":1}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2.5,\"iat\":1}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2}", /* no iat */
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1,\"nonce\":7}",
        "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1,\"email_verified\":1}",
        /* Duplicate claims could be read two ways: refused by the parser. */
        "{\"iss\":\"i\",\"sub\":\"s\",\"sub\":\"t\",\"aud\":\"a\",\"exp\":2,\"iat\":1}",
        "{\"iss\":\"i\",\"sub\":\"s\\u0000x\",\"aud\":\"a\",\"exp\":2,\"iat\":1}",
    };
    struct google_claims c;
    char big[600];
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (google_parse_claims(str_from_cstr(bad[i]), &c) != E_INVALID) {
            fail_msg("accepted %s", bad[i]);
        }
    }
    /* A subject over 255 characters. */
    (void)snprintf(big, sizeof(big),
                   "{\"iss\":\"i\",\"sub\":\"%0256d\",\"aud\":\"a\",\"exp\":2,\"iat\":1}", 7);
    assert_int_equal(google_parse_claims(str_from_cstr(big), &c), E_INVALID);
    /* A name too long is dropped, not fatal. */
    (void)snprintf(big, sizeof(big),
                   "{\"iss\":\"i\",\"sub\":\"s\",\"aud\":\"a\",\"exp\":2,\"iat\":1,"
                   "\"name\":\"%0450d\"}",
                   7);
    assert_int_equal(google_parse_claims(str_from_cstr(big), &c), 0);
    assert_string_equal(c.name, "");
}

static const struct google_expect expect = {GOOGLE_ISSUER, CLIENT, "n-0S6_WzA2Mj", NULL};

static int
check(const struct google_claims *c, const struct google_expect *x, int64_t now, const char *want)
{
    const char *why = NULL;
    int rc = google_check_claims(c, x, now, &why);
    if (want) {
        assert_non_null(why);
        assert_string_equal(why, want);
    } else {
        if (why) {
            fail_msg("failed check %s", why);
        }
    }
    return rc;
}

static void
test_claims_check(void **state)
{
    struct google_claims good;
    struct google_claims c;
    struct google_expect x = expect;
    (void)state;

    parse_ok(claims_json, &good);
    assert_int_equal(check(&good, &expect, NOW, NULL), 0);

    /* Google writes iss with or without the scheme; other issuers get no such slack. */
    c = good;
    (void)snprintf(c.iss, sizeof(c.iss), "accounts.google.com");
    assert_int_equal(check(&c, &expect, NOW, NULL), 0);
    x.issuer = "http://127.0.0.1:4000";
    (void)snprintf(c.iss, sizeof(c.iss), "127.0.0.1:4000");
    assert_int_equal(check(&c, &x, NOW, "iss"), E_UNAUTHENTICATED);
    (void)snprintf(c.iss, sizeof(c.iss), "http://127.0.0.1:4000");
    assert_int_equal(check(&c, &x, NOW, NULL), 0);
    x = expect;
    c = good;
    (void)snprintf(c.iss, sizeof(c.iss), "https://evil.example");
    assert_int_equal(check(&c, &expect, NOW, "iss"), E_UNAUTHENTICATED);
    (void)snprintf(c.iss, sizeof(c.iss), "https://accounts.google.com/");
    assert_int_equal(check(&c, &expect, NOW, "iss"), E_UNAUTHENTICATED);

    /* aud: another client's token. */
    c = good;
    (void)snprintf(c.aud[0], sizeof(c.aud[0]), "other-client");
    (void)snprintf(c.azp, sizeof(c.azp), "other-client");
    assert_int_equal(check(&c, &expect, NOW, "aud"), E_UNAUTHENTICATED);
    /* Several audiences need azp naming us. */
    c = good;
    c.naud = 2;
    (void)snprintf(c.aud[1], sizeof(c.aud[1]), "other-client");
    assert_int_equal(check(&c, &expect, NOW, NULL), 0);
    c.azp[0] = '\0';
    assert_int_equal(check(&c, &expect, NOW, "azp"), E_UNAUTHENTICATED);
    (void)snprintf(c.azp, sizeof(c.azp), "other-client");
    assert_int_equal(check(&c, &expect, NOW, "azp"), E_UNAUTHENTICATED);
    /* One audience and no azp is fine (OpenID Connect Core §2). */
    c = good;
    c.azp[0] = '\0';
    assert_int_equal(check(&c, &expect, NOW, NULL), 0);

    /* exp, with GOOGLE_CLOCK_SKEW_S of slack. */
    c = good;
    c.iat = c.exp - 600;
    assert_int_equal(check(&c, &expect, c.exp + GOOGLE_CLOCK_SKEW_S - 1, NULL), 0);
    assert_int_equal(check(&c, &expect, c.exp + GOOGLE_CLOCK_SKEW_S, "exp"), E_UNAUTHENTICATED);
    c.exp = NOW - 3600;
    c.iat = NOW - 7200;
    assert_int_equal(check(&c, &expect, NOW, "exp"), E_UNAUTHENTICATED);

    /* iat: from the future beyond the skew, too old, or after exp. */
    c = good;
    c.iat = NOW + GOOGLE_CLOCK_SKEW_S;
    assert_int_equal(check(&c, &expect, NOW, NULL), 0);
    c.iat = NOW + GOOGLE_CLOCK_SKEW_S + 1;
    c.exp = c.iat + 3600;
    assert_int_equal(check(&c, &expect, NOW, "iat"), E_UNAUTHENTICATED);
    c = good;
    c.exp = NOW + 86400;
    c.iat = NOW - GOOGLE_ID_TOKEN_MAX_AGE_S - 1;
    assert_int_equal(check(&c, &expect, NOW, "iat"), E_UNAUTHENTICATED);
    c = good;
    c.iat = c.exp + 1;
    assert_int_equal(check(&c, &expect, NOW, "iat"), E_UNAUTHENTICATED);

    /* nonce: another, none, or none expected. */
    c = good;
    (void)snprintf(c.nonce, sizeof(c.nonce), "n-0S6_WzA2Mk");
    assert_int_equal(check(&c, &expect, NOW, "nonce"), E_UNAUTHENTICATED);
    c.nonce[0] = '\0';
    assert_int_equal(check(&c, &expect, NOW, "nonce"), E_UNAUTHENTICATED);
    x.nonce = "";
    assert_int_equal(check(&c, &x, NOW, "nonce"), E_UNAUTHENTICATED);
    x = expect;

    /* hd: only checked when a Workspace domain is required; case-insensitive. */
    x.hosted_domain = "Example.COM";
    assert_int_equal(check(&good, &x, NOW, NULL), 0);
    x.hosted_domain = "other.example";
    assert_int_equal(check(&good, &x, NOW, "hd"), E_FORBIDDEN);
    c = good;
    c.hd[0] = '\0'; /* a consumer account */
    x.hosted_domain = "example.com";
    assert_int_equal(check(&c, &x, NOW, "hd"), E_FORBIDDEN);
}

static void
test_authorize_url(void **state)
{
    struct google_provider p = {GOOGLE_ISSUER, CLIENT, "secret",
                                "https://api.example.com/auth/google/callback", NULL};
    struct google_endpoints ep;
    struct buf url = BUF_INIT;
    (void)state;

    assert_int_equal(google_parse_discovery(str_from_cstr(discovery), GOOGLE_ISSUER, &ep), 0);
    /* RFC 7636 Appendix B. */
    assert_int_equal(google_authorize_url(&p, &ep, "st-1", "no+nce",
                                          "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", &url),
                     0);
    assert_string_equal(url.ptr,
                        "https://accounts.google.com/o/oauth2/v2/auth?response_type=code"
                        "&client_id=" CLIENT
                        "&redirect_uri=https%3A%2F%2Fapi.example.com%2Fauth%2Fgoogle%2Fcallback"
                        "&scope=openid%20email%20profile&state=st-1&nonce=no%2Bnce"
                        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                        "&code_challenge_method=S256");
    assert_null(strstr(url.ptr, "secret"));

    /* The hd hint when a domain is required; an endpoint with a query keeps it. */
    p.hosted_domain = "example.com";
    (void)snprintf(ep.authorization, sizeof(ep.authorization), "https://a.example/auth?x=1");
    assert_int_equal(google_authorize_url(&p, &ep, "s", "n", "v", &url), 0);
    assert_true(strncmp(url.ptr, "https://a.example/auth?x=1&response_type=code&", 46) == 0);
    assert_non_null(strstr(url.ptr, "&hd=example.com"));
    buf_release(&url);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_safe),
        cmocka_unit_test(test_next_unsafe),
        cmocka_unit_test(test_is_issuer),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_discovery_refused),
        cmocka_unit_test(test_claims_parse),
        cmocka_unit_test(test_claims_parse_refused),
        cmocka_unit_test(test_claims_check),
        cmocka_unit_test(test_authorize_url),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
