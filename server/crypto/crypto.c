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

struct crypto_sha256_stream {
    crypto_hash_sha256_state st;
};

struct crypto_sha256_stream *
crypto_sha256_begin(void)
{
    struct crypto_sha256_stream *h = xmalloc(sizeof(*h));
    crypto_hash_sha256_init(&h->st);
    return h;
}

void
crypto_sha256_update(struct crypto_sha256_stream *h, const void *in, size_t len)
{
    crypto_hash_sha256_update(&h->st, in, len);
}

void
crypto_sha256_end_hex(struct crypto_sha256_stream *h, char *out)
{
    uint8_t d[CRYPTO_SHA256_LEN];

    crypto_hash_sha256_final(&h->st, d);
    crypto_hex(d, sizeof(d), out);
}

void
crypto_sha256_free(struct crypto_sha256_stream *h)
{
    free(h);
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
crypto_b64(const uint8_t *in, size_t n, char *out, size_t outcap)
{
    if (outcap < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)) {
        BUG("base64 buffer too small");
    }
    (void)sodium_bin2base64(out, outcap, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int
crypto_b64_decode(struct str in, uint8_t *out, size_t outcap, size_t *outlen)
{
    const char *end = NULL;
    const char *p = in.ptr ? in.ptr : "";

    if (sodium_base642bin(out, outcap, p, in.len, NULL, outlen, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
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

void
crypto_derive_key(const uint8_t *secret, size_t secret_len, const char *purpose,
                  uint8_t out[CRYPTO_KEY_LEN])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"piloto/", 7);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

#define SEAL_PREFIX  "v1."
#define SEAL_NONCE   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG     crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_RAW_MAX (SEAL_NONCE + CRYPTO_SEAL_MAX + SEAL_TAG)

int
crypto_seal(const uint8_t key[CRYPTO_KEY_LEN], struct str plain, struct str ad, struct buf *out)
{
    uint8_t raw[SEAL_RAW_MAX];
    char text[CRYPTO_B64URL_SIZE(SEAL_RAW_MAX)];
    unsigned long long clen = 0;
    size_t before = out->len;
    int rc;

    if (plain.len > CRYPTO_SEAL_MAX) {
        return E_TOO_LARGE;
    }
    randombytes_buf(raw, SEAL_NONCE);
    (void)crypto_aead_xchacha20poly1305_ietf_encrypt(
        raw + SEAL_NONCE, &clen, (const unsigned char *)plain.ptr, plain.len,
        (const unsigned char *)ad.ptr, ad.len, NULL, raw, key);
    crypto_b64url(raw, SEAL_NONCE + (size_t)clen, text, sizeof(text));
    rc = buf_addstr(out, SEAL_PREFIX);
    if (!rc) {
        rc = buf_addstr(out, text);
    }
    if (rc) {
        out->len = before;
        out->ptr[before] = '\0';
    }
    return rc;
}

int
crypto_open(const uint8_t key[CRYPTO_KEY_LEN], struct str sealed, struct str ad, struct buf *out)
{
    uint8_t raw[SEAL_RAW_MAX];
    uint8_t plain[CRYPTO_SEAL_MAX];
    unsigned long long plen = 0;
    size_t rawlen = 0;
    int rc = E_INVALID;

    if (!str_has_prefix(sealed, STR_LIT(SEAL_PREFIX))) {
        return E_INVALID;
    }
    sealed.ptr += 3;
    sealed.len -= 3;
    if (crypto_b64url_decode(sealed, raw, sizeof(raw), &rawlen) || rawlen < SEAL_NONCE + SEAL_TAG) {
        return E_INVALID;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plain, &plen, NULL, raw + SEAL_NONCE, rawlen - SEAL_NONCE,
            (const unsigned char *)ad.ptr, ad.len, raw, key) == 0) {
        rc = buf_add(out, plain, (size_t)plen);
    }
    sodium_memzero(plain, sizeof(plain));
    return rc;
}

void
crypto_wipe_buf(struct buf *b)
{
    if (b->cap) {
        sodium_memzero(b->ptr, b->cap);
    }
    buf_release(b);
}
