#include "integrations/stdwebhook.h"

#include "core/err.h"
#include "crypto/crypto.h"

/* Shortest key we accept: 128 bits (the specification allows 24..64 bytes; Svix's are 24). */
#define KEY_MIN 16

/* Decodes the key of "whsec_<base64>" into key: 0 and *len, or E_INVALID. */
static int
decode_key(struct str secret, uint8_t key[STDWEBHOOK_KEY_MAX], size_t *len)
{
    struct str b64 = secret;

    if (!str_has_prefix(secret, STR_LIT(STDWEBHOOK_PREFIX))) {
        return E_INVALID;
    }
    b64.ptr += sizeof(STDWEBHOOK_PREFIX) - 1;
    b64.len -= sizeof(STDWEBHOOK_PREFIX) - 1;
    if (crypto_b64_decode(b64, key, STDWEBHOOK_KEY_MAX, len) || *len < KEY_MIN) {
        crypto_wipe(key, STDWEBHOOK_KEY_MAX);
        return E_INVALID;
    }
    return 0;
}

void
stdwebhook_secret_new(char *out, size_t cap)
{
    uint8_t key[STDWEBHOOK_KEY_LEN];

    if (cap < STDWEBHOOK_SECRET_SIZE) {
        BUG("stdwebhook secret buffer too small");
    }
    crypto_random(key, sizeof(key));
    (void)snprintf(out, cap, "%s", STDWEBHOOK_PREFIX);
    crypto_b64(key, sizeof(key), out + sizeof(STDWEBHOOK_PREFIX) - 1,
               cap - (sizeof(STDWEBHOOK_PREFIX) - 1));
    crypto_wipe(key, sizeof(key));
}

bool
stdwebhook_secret_valid(struct str secret)
{
    uint8_t key[STDWEBHOOK_KEY_MAX];
    size_t len = 0;
    bool ok = decode_key(secret, key, &len) == 0;

    crypto_wipe(key, sizeof(key));
    return ok;
}

/* The id is a header value and a field of the signed content: printable ASCII, no '.'. */
static bool
id_valid(struct str id)
{
    if (id.len == 0 || id.len > STDWEBHOOK_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < id.len; i++) {
        unsigned char c = (unsigned char)id.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '.') {
            return false;
        }
    }
    return true;
}

int
stdwebhook_sign(struct str secret, struct str id, int64_t timestamp, struct str body, char *out,
                size_t cap)
{
    uint8_t key[STDWEBHOOK_KEY_MAX];
    uint8_t mac[CRYPTO_HMAC_LEN];
    size_t keylen = 0;
    struct buf msg = BUF_INIT;
    int err;

    if (cap < STDWEBHOOK_SIG_SIZE) {
        BUG("stdwebhook signature buffer too small");
    }
    if (!id_valid(id) || timestamp < 0) {
        return E_INVALID;
    }
    if ((err = decode_key(secret, key, &keylen))) {
        return err;
    }
    /* The signed content: id "." timestamp "." body, byte for byte as sent. */
    err = buf_add(&msg, id.ptr, id.len);
    if (!err) {
        err = buf_addf(&msg, ".%lld.", (long long)timestamp);
    }
    if (!err && body.len) {
        err = buf_add(&msg, body.ptr, body.len);
    }
    if (!err) {
        crypto_hmac_sha256(key, keylen, msg.ptr, msg.len, mac);
        (void)snprintf(out, cap, "v1,");
        crypto_b64(mac, sizeof(mac), out + 3, cap - 3);
    }
    crypto_wipe(key, sizeof(key));
    crypto_wipe(mac, sizeof(mac));
    buf_release(&msg);
    return err;
}

int
stdwebhook_signature_header(const struct str *secrets, size_t n, struct str id, int64_t timestamp,
                            struct str body, struct buf *out)
{
    size_t before = out->len;
    int err = n ? 0 : E_INVALID;

    for (size_t i = 0; i < n && !err; i++) {
        char sig[STDWEBHOOK_SIG_SIZE];
        err = stdwebhook_sign(secrets[i], id, timestamp, body, sig, sizeof(sig));
        if (!err && i) {
            err = buf_addch(out, ' ');
        }
        if (!err) {
            err = buf_addstr(out, sig);
        }
    }
    if (err && out->cap) {
        out->len = before;
        out->ptr[before] = '\0';
    }
    return err;
}
