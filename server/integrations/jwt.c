#include "integrations/jwt.h"

#include "core/err.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "json/json.h"

struct jwt_key {
    struct rsa_key *rsa;
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

int
jwt_key_new(struct str n_b64, struct str e_b64, struct jwt_key **out)
{
    uint8_t nraw[JWT_KEY_MAX_BITS / 8 + 1];
    uint8_t eraw[8];
    size_t nlen = 0;
    size_t elen = 0;
    struct rsa_key *rsa = NULL;

    *out = NULL;
    if (crypto_b64url_decode(n_b64, nraw, sizeof(nraw), &nlen) ||
        crypto_b64url_decode(e_b64, eraw, sizeof(eraw), &elen) ||
        rsa_public_key_new(str_make((const char *)nraw, nlen), str_make((const char *)eraw, elen),
                           &rsa)) {
        return E_INVALID;
    }
    *out = xmalloc(sizeof(**out));
    (*out)->rsa = rsa;
    return 0;
}

void
jwt_key_free(struct jwt_key *k)
{
    if (!k) {
        return;
    }
    rsa_key_free(k->rsa);
    free(k);
}

unsigned
jwt_key_bits(const struct jwt_key *k)
{
    return rsa_key_bits(k->rsa);
}

int
jwt_verify(const struct jwt *t, const struct jwt_key *key)
{
    if (strcmp(t->alg, "RS256") != 0) {
        return E_INVALID;
    }
    return rsa_verify_sha256(key->rsa, t->signing_input.ptr, t->signing_input.len, t->sig,
                             t->sig_len);
}
