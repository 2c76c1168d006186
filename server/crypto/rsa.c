#include "crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "core/err.h"

struct rsa_key {
    EVP_PKEY *pkey;
    unsigned bits;
};

/* Takes pkey when its size is one we accept: 0 and *out, or E_INVALID. */
static int
wrap(EVP_PKEY *pkey, struct rsa_key **out)
{
    int bits = EVP_PKEY_get_bits(pkey);

    if (bits < RSA_KEY_MIN_BITS || bits > RSA_KEY_MAX_BITS) {
        return E_INVALID;
    }
    *out = xmalloc(sizeof(**out));
    (*out)->pkey = pkey;
    (*out)->bits = (unsigned)bits;
    return 0;
}

/* Big-endian bytes without their leading zeros. */
static struct str
strip_zeros(struct str s)
{
    while (s.len && *s.ptr == 0) {
        s.ptr++;
        s.len--;
    }
    return s;
}

int
rsa_public_key_new(struct str nb, struct str eb, struct rsa_key **out)
{
    BIGNUM *n = NULL;
    BIGNUM *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    int err = E_INVALID;

    *out = NULL;
    nb = strip_zeros(nb);
    eb = strip_zeros(eb);
    if (nb.len * 8 < RSA_KEY_MIN_BITS || nb.len * 8 > RSA_KEY_MAX_BITS || eb.len == 0 ||
        eb.len > 8 || (eb.ptr[eb.len - 1] & 1) == 0 || (eb.len == 1 && (uint8_t)eb.ptr[0] < 3)) {
        goto out;
    }
    n = BN_bin2bn((const unsigned char *)nb.ptr, (int)nb.len, NULL);
    e = BN_bin2bn((const unsigned char *)eb.ptr, (int)eb.len, NULL);
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
    err = wrap(pkey, out);
    if (!err) {
        pkey = NULL;
    }
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

unsigned
rsa_key_bits(const struct rsa_key *k)
{
    return k->bits;
}

int
rsa_verify_sha256(const struct rsa_key *k, const void *msg, size_t len, const uint8_t *sig,
                  size_t siglen)
{
    EVP_MD_CTX *md = NULL;
    int err = E_UNAUTHENTICATED;

    /* RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus. */
    if (siglen != (size_t)EVP_PKEY_get_size(k->pkey)) {
        return E_UNAUTHENTICATED;
    }
    md = EVP_MD_CTX_new();
    if (!md) {
        return E_INTERNAL;
    }
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
        EVP_DigestVerify(md, sig, siglen, msg, len) == 1) {
        err = 0;
    }
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return err;
}

int
rsa_key_from_pem(struct str pem, struct rsa_key **out)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int err = E_INVALID;

    *out = NULL;
    if (pem.len == 0 || pem.len > RSA_PEM_MAX) {
        goto out;
    }
    bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    if (!bio) {
        err = E_INTERNAL;
        goto out;
    }
    /* No passphrase callback: an encrypted key fails instead of prompting. */
    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (!pkey || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        goto out;
    }
    err = wrap(pkey, out);
    if (!err) {
        pkey = NULL;
    }
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    /* Failures leave entries on this thread's OpenSSL error queue: drop them. */
    ERR_clear_error();
    return err;
}

void
rsa_key_free(struct rsa_key *k)
{
    if (!k) {
        return;
    }
    /* OpenSSL clears private key material when it frees it. */
    EVP_PKEY_free(k->pkey);
    free(k);
}

int
rsa_sign_sha256(const struct rsa_key *k, const void *msg, size_t len, uint8_t *sig, size_t cap,
                size_t *siglen)
{
    EVP_MD_CTX *md = NULL;
    size_t n = cap;
    int err = E_INTERNAL;

    *siglen = 0;
    if (cap < (size_t)EVP_PKEY_get_size(k->pkey)) {
        return E_INTERNAL;
    }
    md = EVP_MD_CTX_new();
    if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
        EVP_DigestSign(md, sig, &n, msg, len) == 1) {
        *siglen = n;
        err = 0;
    }
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return err;
}
