/*
 * JSON Web Tokens signed with RS256 (RFC 7515 compact serialisation, RFC
 * 7518 §3.3), as OpenID providers issue ID tokens, and RSA public keys from
 * a JWK Set (RFC 7517 §6.3.1). The RSA arithmetic is crypto/rsa's.
 *
 * Only RS256 is ever accepted: the algorithm is ours to choose, never the
 * token's ("none" and HS256-with-the-public-key are the classic attacks).
 * Parsing is pure and bounded (JWT_MAX_LEN); it checks the shape, not the
 * signature, so nothing a parsed token says may be trusted before
 * jwt_verify returns 0.
 */
#ifndef PILOTO_INTEGRATIONS_JWT_H
#define PILOTO_INTEGRATIONS_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "crypto/rsa.h"

/* Longest compact token we parse, bytes (Google's ID tokens are ~1 KiB). */
#define JWT_MAX_LEN 16384
/* Longest decoded header, bytes. */
#define JWT_HEADER_MAX 1024
#define JWT_ALG_MAX    15
#define JWT_KID_MAX    128
/* RSA moduli we accept: 2048 to 8192 bits (RFC 7518 §3.3 asks for 2048 or more). */
#define JWT_KEY_MIN_BITS RSA_KEY_MIN_BITS
#define JWT_KEY_MAX_BITS RSA_KEY_MAX_BITS
#define JWT_SIG_MAX      (JWT_KEY_MAX_BITS / 8)

/* An RSA public key from a JWK. Opaque; jwt_key_new/jwt_key_free. */
struct jwt_key;

/*
 * A parsed, not yet verified token. payload holds the decoded claims (a
 * JSON document, untrusted until verified); signing_input is a view into
 * the token passed to jwt_parse, which must outlive this struct's use.
 */
struct jwt {
    char alg[JWT_ALG_MAX + 1];
    char kid[JWT_KID_MAX + 1]; /* "" when the header names none */
    struct buf payload;
    struct str signing_input; /* BASE64URL(header) "." BASE64URL(payload) */
    uint8_t sig[JWT_SIG_MAX];
    size_t sig_len;
};

#define JWT_INIT                                                                                   \
    {                                                                                              \
        "", "", BUF_INIT, {NULL, 0}, {0}, 0                                                        \
    }

/*
 * Splits a compact JWS into its three parts and decodes them: 0, or
 * E_INVALID (not three non-empty base64url parts, a header that is not a
 * JSON object with a string "alg", a "crit" header we would have to
 * understand, a part over its limit). *out must be JWT_INIT or released; it
 * is filled even on error, so always jwt_release it.
 */
NODISCARD int jwt_parse(struct str token, struct jwt *out);
/* Frees the payload; back to JWT_INIT. */
void jwt_release(struct jwt *t);

/*
 * An RSA public key from a JWK's base64url "n" and "e": 0 and *out (free
 * with jwt_key_free), or E_INVALID (bad base64url, modulus outside
 * JWT_KEY_MIN_BITS..JWT_KEY_MAX_BITS, even or tiny exponent).
 */
NODISCARD int jwt_key_new(struct str n, struct str e, struct jwt_key **out);
/* Accepts NULL. */
void jwt_key_free(struct jwt_key *k);
/* Modulus size in bits. */
unsigned jwt_key_bits(const struct jwt_key *k);

/*
 * Checks t's signature with key: 0, E_INVALID (t->alg is not RS256), or
 * E_UNAUTHENTICATED (the signature does not verify).
 */
NODISCARD int jwt_verify(const struct jwt *t, const struct jwt_key *key);

#endif
