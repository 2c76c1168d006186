#include "session/csrf.h"

#include "crypto/crypto.h"

static void
mac_b64(const struct config *cfg, const char *kind, struct str value, char *out, size_t cap)
{
    uint8_t mac[CRYPTO_HMAC_LEN];
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "piloto-csrf:%s:%.*s", kind, (int)value.len, value.ptr);

    crypto_hmac_sha256(cfg->secret, cfg->secret_len, msg, n > 0 ? (size_t)n : 0, mac);
    crypto_b64url(mac, sizeof(mac), out, cap);
}

void
csrf_token_for_session(const struct config *cfg, const char *session_id, char *out)
{
    char mac[CRYPTO_B64URL_SIZE(CRYPTO_HMAC_LEN)];
    mac_b64(cfg, "s", str_from_cstr(session_id), mac, sizeof(mac));
    (void)snprintf(out, CSRF_TOKEN_SIZE, "s.%s", mac);
}

void
csrf_token_new(const struct config *cfg, char *out)
{
    char nonce[CRYPTO_B64URL_SIZE(16)];
    char mac[CRYPTO_B64URL_SIZE(CRYPTO_HMAC_LEN)];

    crypto_random_token(16, nonce, sizeof(nonce));
    mac_b64(cfg, "p", str_from_cstr(nonce), mac, sizeof(mac));
    (void)snprintf(out, CSRF_TOKEN_SIZE, "p.%s.%s", nonce, mac);
}

bool
csrf_token_check(const struct config *cfg, const char *session_id, struct str header,
                 struct str cookie)
{
    char expected[CSRF_TOKEN_SIZE];
    bool ok;

    if (header.len == 0 || header.len >= CSRF_TOKEN_SIZE || !crypto_equal_str(header, cookie)) {
        return false;
    }
    if (session_id) {
        csrf_token_for_session(cfg, session_id, expected);
        ok = crypto_equal_str(header, str_from_cstr(expected));
    } else {
        /* "p." nonce "." mac: recompute the MAC of the nonce it carries. */
        struct str rest = header;
        struct str kind = str_cut(&rest, '.');
        struct str nonce = str_cut(&rest, '.');
        char mac[CRYPTO_B64URL_SIZE(CRYPTO_HMAC_LEN)];
        if (!str_eq(kind, STR_LIT("p")) || nonce.len != 22) {
            return false;
        }
        mac_b64(cfg, "p", nonce, mac, sizeof(mac));
        ok = crypto_equal_str(rest, str_from_cstr(mac));
    }
    return ok;
}
