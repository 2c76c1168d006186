/*
 * RSA with SHA-256 and PKCS #1 v1.5 padding (RSASSA-PKCS1-v1_5, RFC 8017):
 * verifying RS256 ID tokens with an OpenID provider's public keys, and
 * signing Cloud Storage V4 URLs (GOOG4-RSA-SHA256) with a service
 * account's private key. Through OpenSSL, which only server/crypto/ may
 * include (libsodium has no RSA).
 *
 * A private key comes from a PEM "PRIVATE KEY" (PKCS #8, what a
 * service-account JSON file holds) or "RSA PRIVATE KEY" (PKCS #1); a public
 * one from its modulus and exponent. Keys never leave this module: callers
 * hold an opaque handle.
 */
#ifndef PILOTO_CRYPTO_RSA_H
#define PILOTO_CRYPTO_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"

/* Moduli we accept, bits (Google issues 2048-bit keys). */
#define RSA_KEY_MIN_BITS 2048
#define RSA_KEY_MAX_BITS 8192
/* Longest signature, bytes. */
#define RSA_SIG_MAX (RSA_KEY_MAX_BITS / 8)
/* Longest PEM text we read, bytes. */
#define RSA_PEM_MAX 16384

struct rsa_key;

/*
 * Reads an RSA private key from PEM text: 0 and *out (free with
 * rsa_key_free), or E_INVALID (not a PEM private key, not RSA, a modulus
 * outside RSA_KEY_MIN_BITS..RSA_KEY_MAX_BITS, longer than RSA_PEM_MAX).
 */
NODISCARD int rsa_key_from_pem(struct str pem, struct rsa_key **out);
/*
 * An RSA public key from its big-endian modulus n and exponent e (leading
 * zero bytes allowed): 0 and *out, or E_INVALID (a modulus outside
 * RSA_KEY_MIN_BITS..RSA_KEY_MAX_BITS, an even or tiny exponent).
 */
NODISCARD int rsa_public_key_new(struct str n, struct str e, struct rsa_key **out);
/* Wipes and frees. Accepts NULL. */
void rsa_key_free(struct rsa_key *k);
/* Modulus size in bits. */
unsigned rsa_key_bits(const struct rsa_key *k);

/*
 * Whether sig is k's signature of msg: 0, or E_UNAUTHENTICATED (it is not,
 * or has the wrong length), or E_INTERNAL.
 */
NODISCARD int rsa_verify_sha256(const struct rsa_key *k, const void *msg, size_t len,
                                const uint8_t *sig, size_t siglen);

/*
 * Signs msg with SHA-256 and PKCS #1 v1.5 padding into sig (cap bytes,
 * at least the modulus size): 0 and *siglen, or E_INTERNAL.
 */
NODISCARD int rsa_sign_sha256(const struct rsa_key *k, const void *msg, size_t len, uint8_t *sig,
                              size_t cap, size_t *siglen);

#endif
