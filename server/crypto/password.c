/* Argon2id password hashing through libsodium's crypto_pwhash_str_alg. */
#include "crypto/crypto.h"

#include <pthread.h>
#include <sodium.h>

#include "core/err.h"

int
crypto_password_hash(struct str password, char *out)
{
    if (crypto_pwhash_str_alg(out, password.ptr ? password.ptr : "", password.len,
                              CRYPTO_ARGON2_OPS, CRYPTO_ARGON2_MEM,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return E_INTERNAL;
    }
    return 0;
}

bool
crypto_password_verify(const char *hash, struct str password)
{
    /* libsodium wants a NUL-terminated PHC string no longer than STRBYTES. */
    if (!hash || strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES) {
        return false;
    }
    return crypto_pwhash_str_verify(hash, password.ptr ? password.ptr : "", password.len) == 0;
}

bool
crypto_password_needs_rehash(const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, CRYPTO_ARGON2_OPS, CRYPTO_ARGON2_MEM) != 0;
}

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
    char pw[32];
    crypto_random_token(16, pw, sizeof(pw));
    if (crypto_password_hash(str_from_cstr(pw), dummy_hash)) {
        dummy_hash[0] = '\0';
    }
}

void
crypto_password_dummy_verify(struct str password)
{
    pthread_once(&dummy_once, make_dummy);
    (void)crypto_password_verify(dummy_hash, password);
}
