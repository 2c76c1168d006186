#include "knowledge/upload_url.h"

#include "core/err.h"
#include "core/strnum.h"
#include "crypto/crypto.h"

static bool
is_id(struct str s)
{
    if (s.len == 0 || s.len > UPLOAD_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

static void
mac(const uint8_t *key, size_t keylen, const struct upload_grant *g, uint8_t out[CRYPTO_HMAC_LEN])
{
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "piloto-upload-v1\n%s\n%lld\n%lld\n%s\n%lld", g->document_id,
                     (long long)g->version, (long long)g->size, doctype_name(g->type),
                     (long long)g->expires_at);

    crypto_hmac_sha256(key, keylen, msg, n > 0 ? (size_t)n : 0, out);
}

int
upload_url_render(const uint8_t *key, size_t keylen, const struct upload_grant *g,
                  struct buf *query)
{
    uint8_t m[CRYPTO_HMAC_LEN];
    char sig[CRYPTO_B64URL_SIZE(CRYPTO_HMAC_LEN)];

    if (!is_id(str_from_cstr(g->document_id)) || g->version < 1 || g->size < 0 ||
        g->type == DOCTYPE_NONE) {
        return E_INVALID;
    }
    mac(key, keylen, g, m);
    crypto_b64url(m, sizeof(m), sig, sizeof(sig));
    return buf_addf(query, "v=%lld&size=%lld&type=%s&exp=%lld&sig=%s", (long long)g->version,
                    (long long)g->size, doctype_name(g->type), (long long)g->expires_at, sig)
               ? E_INTERNAL
               : 0;
}

int
upload_url_check(const uint8_t *key, size_t keylen, const struct upload_url_parts *p, int64_t now,
                 struct upload_grant *out)
{
    uint8_t want[CRYPTO_HMAC_LEN];
    uint8_t got[CRYPTO_HMAC_LEN + 1];
    size_t gotlen = 0;
    struct upload_grant g;

    memset(&g, 0, sizeof(g));
    if (!is_id(p->document_id) || strnum_parse(p->version, 1, INT32_MAX, &g.version) ||
        strnum_parse(p->size, 0, INT64_MAX / 2, &g.size) ||
        strnum_parse(p->expires, 0, INT64_MAX / 2, &g.expires_at) ||
        (g.type = doctype_from_name(p->type)) == DOCTYPE_NONE ||
        crypto_b64url_decode(p->sig, got, sizeof(got), &gotlen) || gotlen != CRYPTO_HMAC_LEN) {
        return E_FORBIDDEN;
    }
    str_copy_to(p->document_id, g.document_id, sizeof(g.document_id));
    mac(key, keylen, &g, want);
    if (!crypto_equal(want, got, sizeof(want))) {
        return E_FORBIDDEN;
    }
    if (now >= g.expires_at) {
        return E_EXPIRED;
    }
    *out = g;
    return 0;
}
