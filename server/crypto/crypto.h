/*
 * Cryptography, all through libsodium (the only module that includes
 * <sodium.h>): OS CSPRNG, SHA-256, HMAC-SHA-256, constant-time compare,
 * wiping, and the encodings tokens travel in.
 */
#ifndef PILOTO_CRYPTO_CRYPTO_H
#define PILOTO_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_HMAC_LEN   32
/* Characters of base64url (no padding) for n bytes, plus the NUL. */
#define CRYPTO_B64URL_SIZE(n) ((((n)*4) + 2) / 3 + 1)

/* Initialises libsodium; 0 or E_INTERNAL. Call once at start-up. */
NODISCARD int crypto_init(void);
/* n bytes from the OS CSPRNG. */
void crypto_random(void *out, size_t n);
/*
 * n bytes (at most CRYPTO_RANDOM_ID_MAX) for identifiers that must be
 * unique but are not secrets, such as request ids: taken from a per-thread
 * buffer filled from the OS CSPRNG, so one system call serves many ids.
 * Never for tokens, keys or anything an attacker must not guess.
 */
#define CRYPTO_RANDOM_ID_MAX 64
void crypto_random_id(void *out, size_t n);
void crypto_sha256(const void *in, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);
/* Lowercase hex SHA-256 into out (CRYPTO_SHA256_HEX_SIZE bytes): how tokens are kept at rest. */
#define CRYPTO_SHA256_HEX_SIZE (2 * CRYPTO_SHA256_LEN + 1)
void crypto_sha256_hex(const void *in, size_t len, char *out);
void crypto_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
                        uint8_t out[CRYPTO_HMAC_LEN]);
/*
 * SHA-256 of bytes that arrive in pieces: begin, update as they come, then
 * end (lowercase hex into out, CRYPTO_SHA256_HEX_SIZE bytes) or free.
 */
struct crypto_sha256_stream;
struct crypto_sha256_stream *crypto_sha256_begin(void);
void crypto_sha256_update(struct crypto_sha256_stream *h, const void *in, size_t len);
void crypto_sha256_end_hex(struct crypto_sha256_stream *h, char *out);
/* Accepts NULL. */
void crypto_sha256_free(struct crypto_sha256_stream *h);
/* Constant-time equality of two n-byte buffers. */
bool crypto_equal(const void *a, const void *b, size_t n);
/* Constant-time equality of two views (lengths are not secret). */
bool crypto_equal_str(struct str a, struct str b);
/* Wipes n bytes so the compiler cannot elide it. */
void crypto_wipe(void *p, size_t n);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void crypto_hex(const uint8_t *in, size_t n, char *out);
/* base64url without padding into out (CRYPTO_B64URL_SIZE(n) bytes). */
void crypto_b64url(const uint8_t *in, size_t n, char *out, size_t outcap);
/*
 * Decodes base64url without padding into out: 0 and *outlen, or E_INVALID
 * (bad character, padding, or more than outcap bytes).
 */
NODISCARD int crypto_b64url_decode(struct str in, uint8_t *out, size_t outcap, size_t *outlen);
/* Characters of standard base64 (with padding) for n bytes, plus the NUL. */
#define CRYPTO_B64_SIZE(n) ((((n) + 2) / 3) * 4 + 1)
/* Standard base64 with padding (RFC 4648 §4) into out (CRYPTO_B64_SIZE(n) bytes). */
void crypto_b64(const uint8_t *in, size_t n, char *out, size_t outcap);
/* Decodes standard base64 with padding: 0 and *outlen, or E_INVALID (as crypto_b64url_decode). */
NODISCARD int crypto_b64_decode(struct str in, uint8_t *out, size_t outcap, size_t *outlen);
/* A random token of n bytes as base64url (n <= 64), for ids and secrets. */
void crypto_random_token(size_t n, char *out, size_t outcap);

/*
 * Passwords: Argon2id (libsodium) at OWASP's parameters or stronger
 * (m = 19 MiB, t = 2, p = 1), stored as PHC strings
 * ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash"). Hashing costs ~tens of ms
 * and 19 MiB: call it on the worker pool only.
 */
#define CRYPTO_PASSWORD_HASH_MAX 128
#define CRYPTO_ARGON2_OPS        2
#define CRYPTO_ARGON2_MEM        (19u * 1024u * 1024u)

/* PHC string into out (CRYPTO_PASSWORD_HASH_MAX bytes). 0 or E_INTERNAL (out of memory). */
NODISCARD int crypto_password_hash(struct str password, char *out);
/* true when password matches the PHC string hash (constant time inside libsodium). */
bool crypto_password_verify(const char *hash, struct str password);
/* true when hash was made with other parameters than today's (rehash on login). */
bool crypto_password_needs_rehash(const char *hash);
/*
 * Burns the time of one verification against a fixed dummy hash, so an
 * unknown email costs what a wrong password costs (account enumeration).
 */
void crypto_password_dummy_verify(struct str password);

/*
 * Secrets at rest (integration access tokens): sealed with
 * XChaCha20-Poly1305 (libsodium's IETF AEAD, a fresh random 192-bit nonce
 * each time) under a key derived from the server secret for one purpose.
 *
 * crypto_derive_key gives the 32-byte key of one purpose
 * (HMAC-SHA-256(secret, "piloto/" purpose)): keys of different purposes are
 * unrelated, and none of them is the secret the CSRF HMACs use directly.
 * Wipe it with crypto_wipe when done.
 *
 * The sealed text is "v1." followed by base64url(nonce || ciphertext || tag):
 * printable, so it fits a TEXT column, and versioned for a later key
 * rotation. ad (associated data, not secret, not stored) binds the value to
 * where it lives, e.g. "agent:<id>": copied into another row it no longer
 * opens.
 */
#define CRYPTO_KEY_LEN      32
#define CRYPTO_SEAL_MAX     4096 /* longest plaintext crypto_seal accepts */
#define CRYPTO_SEAL_SIZE(n) (3 + CRYPTO_B64URL_SIZE((n) + 24 + 16))

void crypto_derive_key(const uint8_t *secret, size_t secret_len, const char *purpose,
                       uint8_t out[CRYPTO_KEY_LEN]);
/* Appends the sealed text of plain to out. 0, E_TOO_LARGE (plain over CRYPTO_SEAL_MAX or out's
 * cap). */
NODISCARD int crypto_seal(const uint8_t key[CRYPTO_KEY_LEN], struct str plain, struct str ad,
                          struct buf *out);
/*
 * Opens sealed text into out (appended; wipe it with crypto_wipe_buf). 0, or
 * E_INVALID: not sealed text, another key, another ad, or altered bytes
 * (nothing is appended then).
 */
NODISCARD int crypto_open(const uint8_t key[CRYPTO_KEY_LEN], struct str sealed, struct str ad,
                          struct buf *out);
/* Wipes the bytes a buffer holds, then releases it. */
void crypto_wipe_buf(struct buf *b);

#endif
