/*
 * Unit tests for crypto/crypto: known-answer tests for SHA-256 (FIPS 180-2)
 * and HMAC-SHA-256 (RFC 4231), base64url without padding, and comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"

static int
setup(void **state)
{
    (void)state;
    return crypto_init();
}

static void
check_hex(const uint8_t *bin, size_t n, const char *want)
{
    char hex[2 * 64 + 1];

    assert_true(n <= 64);
    crypto_hex(bin, n, hex);
    assert_string_equal(hex, want);
}

static void
test_sha256(void **state)
{
    uint8_t out[CRYPTO_SHA256_LEN];
    (void)state;

    crypto_sha256("abc", 3, out);
    check_hex(out, sizeof(out), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256("", 0, out);
    check_hex(out, sizeof(out), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    crypto_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
    check_hex(out, sizeof(out), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_hmac_rfc4231(void **state)
{
    uint8_t key[131];
    uint8_t out[CRYPTO_HMAC_LEN];
    static const char msg6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    (void)state;

    /* Test case 1: 20-byte key of 0x0b, "Hi There". */
    memset(key, 0x0b, 20);
    crypto_hmac_sha256(key, 20, "Hi There", 8, out);
    check_hex(out, sizeof(out), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    /* Test case 2: a key shorter than the output, "Jefe". */
    crypto_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, out);
    check_hex(out, sizeof(out), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* Test case 6: a key longer than the block, hashed first. */
    memset(key, 0xaa, sizeof(key));
    crypto_hmac_sha256(key, sizeof(key), msg6, sizeof(msg6) - 1, out);
    check_hex(out, sizeof(out), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void
test_hex(void **state)
{
    static const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    char out[2 * sizeof(in) + 1];
    (void)state;

    crypto_hex(in, sizeof(in), out);
    assert_string_equal(out, "0001abff");
    crypto_hex(in, 0, out);
    assert_string_equal(out, "");
}

static void
check_b64(const char *bin, size_t n, const char *want)
{
    char text[CRYPTO_B64URL_SIZE(64)];
    uint8_t back[64];
    size_t len = 999;

    assert_true(n <= 64);
    crypto_b64url((const uint8_t *)bin, n, text, CRYPTO_B64URL_SIZE(n));
    assert_string_equal(text, want);
    assert_int_equal(strlen(text) + 1, CRYPTO_B64URL_SIZE(n));
    assert_int_equal(crypto_b64url_decode(str_from_cstr(text), back, sizeof(back), &len), 0);
    assert_int_equal(len, n);
    if (n) {
        assert_memory_equal(back, bin, n);
    }
}

static void
test_b64url(void **state)
{
    (void)state;

    /* RFC 4648 §10 vectors, padding removed. */
    check_b64("", 0, "");
    check_b64("f", 1, "Zg");
    check_b64("fo", 2, "Zm8");
    check_b64("foo", 3, "Zm9v");
    check_b64("foob", 4, "Zm9vYg");
    check_b64("fooba", 5, "Zm9vYmE");
    check_b64("foobar", 6, "Zm9vYmFy");
    /* The URL-safe alphabet: '-' and '_' where standard base64 has '+' and '/'. */
    check_b64("\xfb\xff", 2, "-_8");
    check_b64("\xfb\xef\xbe", 3, "----");
    check_b64("\xff\xff\xff", 3, "____");
}

static void
test_b64url_round_trip(void **state)
{
    uint8_t in[64];
    uint8_t back[64];
    char text[CRYPTO_B64URL_SIZE(64)];
    size_t len;
    (void)state;

    for (size_t n = 0; n <= sizeof(in); n++) {
        crypto_random(in, n);
        crypto_b64url(in, n, text, sizeof(text));
        assert_int_equal(strlen(text), (n * 4 + 2) / 3);
        assert_null(strpbrk(text, "+/="));
        len = 999;
        assert_int_equal(crypto_b64url_decode(str_from_cstr(text), back, sizeof(back), &len), 0);
        assert_int_equal(len, n);
        if (n) {
            assert_memory_equal(back, in, n);
        }
    }
}

static void
test_b64url_rejects(void **state)
{
    static const char *const bad[] = {
        "Zg==",  "Zg=",   "Zm9vYg==", "Zm8=",                                       /* padding */
        "Zm9v+", "Zm9v/", "+/8",      "Zm 9v", "Zm9v\n", " Zm9v", "Zm9v.", "Zm9v!", /* bad chars */
        "Z",     "Zm9vY", /* a lone 6-bit group is no byte */
        "Zh",    "Zm9",   /* non-zero leftover bits: not canonical */
    };
    uint8_t out[64];
    size_t len;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (crypto_b64url_decode(str_from_cstr(bad[i]), out, sizeof(out), &len) != E_INVALID) {
            fail_msg("crypto_b64url_decode accepted '%s'", bad[i]);
        }
    }
    assert_int_equal(crypto_b64url_decode(STR_LIT("Zm\0v"), out, sizeof(out), &len), E_INVALID);
    /* More bytes than fit. */
    assert_int_equal(crypto_b64url_decode(STR_LIT("Zm9vYmFy"), out, 5, &len), E_INVALID);
    assert_int_equal(crypto_b64url_decode(STR_LIT("Zm9vYmFy"), out, 6, &len), 0);
    assert_int_equal(len, 6);
    /* Empty input is zero bytes. */
    len = 999;
    assert_int_equal(crypto_b64url_decode(STR_LIT(""), out, sizeof(out), &len), 0);
    assert_int_equal(len, 0);
    /* An empty view with no pointer decodes like "": to nothing, successfully or not, never a
     * crash. */
    assert_int_equal(crypto_b64url_decode(STR_NULL, out, sizeof(out), &len), 0);
    assert_int_equal(len, 0);
}

/* Standard base64 with padding (RFC 4648 §10 vectors): Standard Webhooks secrets and signatures. */
static void
test_b64(void **state)
{
    static const char *const vec[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    static const char *const bad[] = {"Zg", "Zg=", "Zm9v!", "-_8=", "Zm9vYg==Zg==", "Zm9 v"};
    static const uint8_t hi[] = {0xfb, 0xff};
    char text[CRYPTO_B64_SIZE(8)];
    uint8_t back[8];
    size_t len = 0;
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(vec); i++) {
        size_t n = strlen(vec[i][0]);
        crypto_b64((const uint8_t *)vec[i][0], n, text, CRYPTO_B64_SIZE(n));
        assert_string_equal(text, vec[i][1]);
        assert_int_equal(crypto_b64_decode(str_from_cstr(text), back, sizeof(back), &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(back, vec[i][0], n);
    }
    crypto_b64(hi, sizeof(hi), text, sizeof(text));
    assert_string_equal(text, "+/8=");
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (crypto_b64_decode(str_from_cstr(bad[i]), back, sizeof(back), &len) != E_INVALID) {
            fail_msg("crypto_b64_decode accepted '%s'", bad[i]);
        }
    }
    /* Longer than the output buffer. */
    assert_int_equal(crypto_b64_decode(STR_LIT("Zm9vYmFyZm9vYmFy"), back, 4, &len), E_INVALID);
}

static void
test_equal(void **state)
{
    uint8_t a[32];
    uint8_t b[32];
    (void)state;

    memset(a, 0x5c, sizeof(a));
    memcpy(b, a, sizeof(b));
    assert_true(crypto_equal(a, b, sizeof(a)));
    b[31] ^= 1;
    assert_false(crypto_equal(a, b, sizeof(a)));
    assert_true(crypto_equal(a, b, 31));
    b[31] ^= 1;
    b[0] ^= 0x80;
    assert_false(crypto_equal(a, b, sizeof(a)));
    assert_true(crypto_equal(a, b, 0));

    assert_true(crypto_equal_str(STR_LIT("token"), STR_LIT("token")));
    assert_false(crypto_equal_str(STR_LIT("token"), STR_LIT("tokem")));
    assert_false(crypto_equal_str(STR_LIT("token"), STR_LIT("token2")));
    assert_false(crypto_equal_str(STR_LIT("token"), STR_LIT("")));
    assert_true(crypto_equal_str(STR_NULL, STR_LIT("")));
    assert_true(crypto_equal_str(STR_NULL, STR_NULL));
}

static void
test_random(void **state)
{
    uint8_t a[32];
    uint8_t b[32];
    uint8_t zero[32] = {0};
    char tok[CRYPTO_B64URL_SIZE(32)];
    char tok2[CRYPTO_B64URL_SIZE(32)];
    uint8_t back[32];
    size_t len;
    (void)state;

    crypto_random(a, sizeof(a));
    crypto_random(b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));

    crypto_random_token(32, tok, sizeof(tok));
    crypto_random_token(32, tok2, sizeof(tok2));
    assert_int_equal(strlen(tok), 43);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(crypto_b64url_decode(str_from_cstr(tok), back, sizeof(back), &len), 0);
    assert_int_equal(len, 32);
}

/* Ids from the per-thread buffer: never repeated, also across its refills. */
static void
test_random_id(void **state)
{
    enum { N = 300 };
    static uint8_t ids[N][12];
    uint8_t zero[12] = {0};
    (void)state;

    for (size_t i = 0; i < N; i++) {
        crypto_random_id(ids[i], sizeof(ids[i]));
        assert_memory_not_equal(ids[i], zero, sizeof(zero));
        for (size_t j = 0; j < i; j++) {
            assert_memory_not_equal(ids[i], ids[j], sizeof(ids[i]));
        }
    }
}

static void
test_wipe(void **state)
{
    uint8_t secret[48];
    uint8_t zero[48] = {0};
    (void)state;

    memset(secret, 0xa5, sizeof(secret));
    crypto_wipe(secret, sizeof(secret));
    assert_memory_equal(secret, zero, sizeof(secret));
    crypto_wipe(secret, 0);
}

static void
test_derive_key(void **state)
{
    static const uint8_t secret[] = "a-server-secret-of-at-least-32-characters";
    uint8_t k1[CRYPTO_KEY_LEN];
    uint8_t k2[CRYPTO_KEY_LEN];
    uint8_t k3[CRYPTO_KEY_LEN];
    (void)state;

    crypto_derive_key(secret, sizeof(secret) - 1, "token-encryption", k1);
    crypto_derive_key(secret, sizeof(secret) - 1, "token-encryption", k2);
    crypto_derive_key(secret, sizeof(secret) - 1, "csrf", k3);
    assert_memory_equal(k1, k2, sizeof(k1));
    assert_memory_not_equal(k1, k3, sizeof(k1));
    /* HMAC-SHA-256(secret, "piloto/" purpose): the derivation is fixed, keys must not drift. */
    crypto_hmac_sha256(secret, sizeof(secret) - 1, "piloto/token-encryption", 23, k2);
    assert_memory_equal(k1, k2, sizeof(k1));
}

static void
test_seal_open(void **state)
{
    uint8_t key[CRYPTO_KEY_LEN];
    uint8_t other[CRYPTO_KEY_LEN];
    struct buf sealed = BUF_INIT;
    struct buf sealed2 = BUF_INIT;
    struct buf plain = BUF_INIT;
    struct str token = STR_LIT("EAAG-an-access-token-\xc3\xa9");
    (void)state;

    crypto_derive_key((const uint8_t *)"k", 1, "token-encryption", key);
    crypto_derive_key((const uint8_t *)"k2", 2, "token-encryption", other);
    assert_int_equal(crypto_seal(key, token, STR_LIT("agent:A1"), &sealed), 0);
    assert_true(str_has_prefix(buf_str(&sealed), STR_LIT("v1.")));
    assert_int_equal(sealed.len, CRYPTO_SEAL_SIZE(token.len) - 1);
    /* The token never shows in what is stored. */
    assert_null(strstr(sealed.ptr, "EAAG"));
    /* A fresh nonce each time. */
    assert_int_equal(crypto_seal(key, token, STR_LIT("agent:A1"), &sealed2), 0);
    assert_string_not_equal(sealed.ptr, sealed2.ptr);

    assert_int_equal(crypto_open(key, buf_str(&sealed), STR_LIT("agent:A1"), &plain), 0);
    assert_int_equal(plain.len, token.len);
    assert_memory_equal(plain.ptr, token.ptr, token.len);
    crypto_wipe_buf(&plain);

    /* Another row, another key, an altered byte, junk: nothing opens, nothing appended. */
    assert_int_equal(crypto_open(key, buf_str(&sealed), STR_LIT("agent:A2"), &plain), E_INVALID);
    assert_int_equal(crypto_open(other, buf_str(&sealed), STR_LIT("agent:A1"), &plain), E_INVALID);
    sealed.ptr[10] = sealed.ptr[10] == 'A' ? 'B' : 'A';
    assert_int_equal(crypto_open(key, buf_str(&sealed), STR_LIT("agent:A1"), &plain), E_INVALID);
    assert_int_equal(crypto_open(key, STR_LIT("v1."), STR_LIT("agent:A1"), &plain), E_INVALID);
    assert_int_equal(crypto_open(key, STR_LIT("v2.AAAA"), STR_LIT("agent:A1"), &plain), E_INVALID);
    assert_int_equal(crypto_open(key, STR_LIT("plain-token"), STR_NULL, &plain), E_INVALID);
    assert_int_equal(plain.len, 0);

    /* Empty plaintext round-trips; too long is refused. */
    buf_reset(&sealed);
    assert_int_equal(crypto_seal(key, STR_NULL, STR_NULL, &sealed), 0);
    assert_int_equal(crypto_open(key, buf_str(&sealed), STR_NULL, &plain), 0);
    assert_int_equal(plain.len, 0);
    char *big = xcalloc(1, CRYPTO_SEAL_MAX + 1);
    assert_int_equal(crypto_seal(key, str_make(big, CRYPTO_SEAL_MAX + 1), STR_NULL, &sealed2),
                     E_TOO_LARGE);
    free(big);

    crypto_wipe(key, sizeof(key));
    buf_release(&sealed);
    buf_release(&sealed2);
    crypto_wipe_buf(&plain);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_b64url_round_trip),
        cmocka_unit_test(test_b64url_rejects),
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_random_id),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_derive_key),
        cmocka_unit_test(test_seal_open),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
