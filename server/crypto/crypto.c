#include "crypto/crypto.h"

#include <sodium.h>

#include "core/err.h"

int
crypto_init(void)
{
    return sodium_init() < 0 ? E_INTERNAL : 0;
}

void
crypto_random(void *out, size_t n)
{
    randombytes_buf(out, n);
}

void
crypto_random_id(void *out, size_t n)
{
    static _Thread_local uint8_t pool[1024];
    static _Thread_local size_t pos = sizeof(pool);

    if (n > CRYPTO_RANDOM_ID_MAX) {
        BUG("crypto_random_id: %zu bytes", n);
    }
    if (sizeof(pool) - pos < n) {
        randombytes_buf(pool, sizeof(pool));
        pos = 0;
    }
    memcpy(out, pool + pos, n);
    pos += n;
}

void
crypto_sha256(const void *in, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    crypto_hash_sha256(out, in, len);
}

void
crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
                   uint8_t out[CRYPTO_HMAC_LEN])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

void
crypto_sha256_hex(const void *in, size_t len, char *out)
{
    uint8_t h[CRYPTO_SHA256_LEN];
    crypto_sha256(in, len, h);
    crypto_hex(h, sizeof(h), out);
}

bool
crypto_equal(const void *a, const void *b, size_t n)
{
    return n == 0 || sodium_memcmp(a, b, n) == 0;
}

bool
crypto_equal_str(struct str a, struct str b)
{
    return a.len == b.len && crypto_equal(a.ptr, b.ptr, a.len);
}

void
crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

void
crypto_hex(const uint8_t *in, size_t n, char *out)
{
    (void)sodium_bin2hex(out, n * 2 + 1, in, n);
}

void
crypto_b64url(const uint8_t *in, size_t n, char *out, size_t outcap)
{
    if (outcap < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
        BUG("base64 buffer too small");
    }
    (void)sodium_bin2base64(out, outcap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
crypto_b64url_decode(struct str in, uint8_t *out, size_t outcap, size_t *outlen)
{
    const char *end = NULL;
    const char *p = in.ptr ? in.ptr : "";

    if (sodium_base642bin(out, outcap, p, in.len, NULL, outlen, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        end != p + in.len) {
        return E_INVALID;
    }
    return 0;
}

void
crypto_random_token(size_t n, char *out, size_t outcap)
{
    uint8_t raw[64];

    if (n > sizeof(raw)) {
        BUG("token too long");
    }
    crypto_random(raw, n);
    crypto_b64url(raw, n, out, outcap);
    crypto_wipe(raw, sizeof(raw));
}
