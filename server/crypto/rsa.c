#include "crypto/rsa.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/err.h"

struct rsa_key {
    EVP_PKEY *pkey;
};

int
rsa_key_from_pem(struct str pem, struct rsa_key **out)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int bits;
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
    bits = EVP_PKEY_get_bits(pkey);
    if (bits < RSA_KEY_MIN_BITS || bits > RSA_KEY_MAX_BITS) {
        goto out;
    }
    *out = xmalloc(sizeof(**out));
    (*out)->pkey = pkey;
    pkey = NULL;
    err = 0;
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
