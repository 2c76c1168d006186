#include "integrations/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "core/err.h"
#include "crypto/crypto.h"
#include "json/json.h"

struct jwt_key {
    EVP_PKEY *pkey;
    unsigned bits;
};

/* Header members we read; any other is ignored except "crit" (RFC 7515 §4.1.11). */
static const struct json_field header_fields[] = {
    {"alg", JSON_F_STRING, true, 1, JWT_ALG_MAX},
    {"kid", JSON_F_STRING, false, 1, JWT_KID_MAX},
};

static int
parse_header(struct str b64, struct jwt *out)
{
    uint8_t raw[JWT_HEADER_MAX];
    struct json_value v[ARRAY_LEN(header_fields)];
    struct json_doc *doc = NULL;
    struct str crit[1];
    size_t n = 0;
    int err;

    if (crypto_b64url_decode(b64, raw, sizeof(raw), &n)) {
        return E_INVALID;
    }
    if (json_doc_parse(str_make((const char *)raw, n), &doc)) {
        return E_INVALID;
    }
    err = json_pick(doc, header_fields, ARRAY_LEN(header_fields), v) ? E_INVALID : 0;
    /* "crit" names extensions the recipient must understand; we understand none. */
    if (!err && json_pick_strings(doc, "crit", crit, ARRAY_LEN(crit), &n) != E_NOT_FOUND) {
        err = E_INVALID;
    }
    if (!err && (v[0].s.len > JWT_ALG_MAX || v[1].s.len > JWT_KID_MAX)) {
        err = E_INVALID;
    }
    if (!err) {
        memcpy(out->alg, v[0].s.ptr, v[0].s.len);
        out->alg[v[0].s.len] = '\0';
        if (v[1].s.len) {
            memcpy(out->kid, v[1].s.ptr, v[1].s.len);
        }
        out->kid[v[1].s.len] = '\0';
    }
    json_doc_free(doc);
    return err;
}

int
jwt_parse(struct str token, struct jwt *out)
{
    struct str rest = token;
    struct str header;
    struct str payload;
    struct str sig;
    size_t n = 0;

    if (token.len == 0 || token.len > JWT_MAX_LEN) {
        return E_INVALID;
    }
    header = str_cut(&rest, '.');
    payload = str_cut(&rest, '.');
    sig = rest;
    /* Exactly three non-empty parts: a fourth '.' lands in sig and fails to decode. */
    if (header.len == 0 || payload.len == 0 || sig.len == 0) {
        return E_INVALID;
    }
    out->signing_input = str_make(token.ptr, header.len + 1 + payload.len);
    if (crypto_b64url_decode(sig, out->sig, sizeof(out->sig), &out->sig_len)) {
        return E_INVALID;
    }
    if (parse_header(header, out)) {
        return E_INVALID;
    }
    /* Every 4 base64 characters carry 3 bytes. */
    buf_reset(&out->payload);
    if (buf_grow(&out->payload, payload.len / 4 * 3 + 3)) {
        return E_INVALID;
    }
    if (crypto_b64url_decode(payload, (uint8_t *)out->payload.ptr, payload.len / 4 * 3 + 3, &n)) {
        return E_INVALID;
    }
    out->payload.len = n;
    out->payload.ptr[n] = '\0';
    return 0;
}

void
jwt_release(struct jwt *t)
{
    buf_release(&t->payload);
    *t = (struct jwt)JWT_INIT;
}

/* Big-endian bytes without their leading zeros. */
static struct str
strip_zeros(const uint8_t *p, size_t n)
{
    while (n && *p == 0) {
        p++;
        n--;
    }
    return str_make((const char *)p, n);
}

int
jwt_key_new(struct str n_b64, struct str e_b64, struct jwt_key **out)
{
    uint8_t nraw[JWT_KEY_MAX_BITS / 8 + 1];
    uint8_t eraw[8];
    size_t nlen = 0;
    size_t elen = 0;
    struct str nbytes;
    struct str ebytes;
    BIGNUM *n = NULL;
    BIGNUM *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    int bits;
    int err = E_INVALID;

    *out = NULL;
    if (crypto_b64url_decode(n_b64, nraw, sizeof(nraw), &nlen) ||
        crypto_b64url_decode(e_b64, eraw, sizeof(eraw), &elen)) {
        goto out;
    }
    nbytes = strip_zeros(nraw, nlen);
    ebytes = strip_zeros(eraw, elen);
    if (nbytes.len * 8 < JWT_KEY_MIN_BITS || nbytes.len * 8 > JWT_KEY_MAX_BITS || ebytes.len == 0 ||
        (ebytes.ptr[ebytes.len - 1] & 1) == 0 || (ebytes.len == 1 && (uint8_t)ebytes.ptr[0] < 3)) {
        goto out;
    }
    n = BN_bin2bn((const unsigned char *)nbytes.ptr, (int)nbytes.len, NULL);
    e = BN_bin2bn((const unsigned char *)ebytes.ptr, (int)ebytes.len, NULL);
    bld = OSSL_PARAM_BLD_new();
    if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)) {
        err = E_INTERNAL;
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        goto out;
    }
    bits = EVP_PKEY_get_bits(pkey);
    if (bits < JWT_KEY_MIN_BITS || bits > JWT_KEY_MAX_BITS) {
        goto out;
    }
    *out = xmalloc(sizeof(**out));
    (*out)->pkey = pkey;
    (*out)->bits = (unsigned)bits;
    pkey = NULL;
    err = 0;
out:
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(e);
    BN_free(n);
    /* Failures leave entries on this thread's OpenSSL error queue: drop them. */
    ERR_clear_error();
    return err;
}

void
jwt_key_free(struct jwt_key *k)
{
    if (!k) {
        return;
    }
    EVP_PKEY_free(k->pkey);
    free(k);
}

unsigned
jwt_key_bits(const struct jwt_key *k)
{
    return k->bits;
}

int
jwt_verify(const struct jwt *t, const struct jwt_key *key)
{
    EVP_MD_CTX *md = NULL;
    int err = E_UNAUTHENTICATED;

    if (strcmp(t->alg, "RS256") != 0) {
        return E_INVALID;
    }
    /* RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus. */
    if (t->sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
        return E_UNAUTHENTICATED;
    }
    md = EVP_MD_CTX_new();
    if (!md) {
        return E_INTERNAL;
    }
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
        EVP_DigestVerify(md, t->sig, t->sig_len, (const unsigned char *)t->signing_input.ptr,
                         t->signing_input.len) == 1) {
        err = 0;
    }
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return err;
}
