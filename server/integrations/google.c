#include "integrations/google.h"

#include <pthread.h>
#include <stdarg.h>

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/jwt.h"
#include "integrations/httpc.h"
#include "json/json.h"

/* base64url of an 8192-bit modulus is 1366 characters; exponents are a few. */
#define JWK_N_MAX 1400
#define JWK_E_MAX 16

struct cached_key {
    char kid[JWT_KID_MAX + 1];
    char n[JWK_N_MAX + 1];
    char e[JWK_E_MAX + 1];
};

/*
 * The process-wide cache of one provider's discovery document and JWK Set.
 * Fetches run without the lock (they block for up to GOOGLE_TIMEOUT_MS);
 * two threads may fetch at once, and the last one's answer stays.
 */
static struct {
    pthread_mutex_t lock;
    char issuer[GOOGLE_URL_MAX + 1]; /* the issuer both caches belong to */
    bool have_endpoints;
    int64_t endpoints_at_ms; /* monotonic */
    struct google_endpoints ep;
    bool have_keys;
    int64_t keys_at_ms;
    bool forced_once;
    int64_t forced_at_ms; /* last refetch an unknown kid caused (the floor) */
    char jwks_uri[GOOGLE_URL_MAX + 1];
    size_t nkeys;
    struct cached_key keys[GOOGLE_MAX_KEYS];
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void note(char *why, size_t whycap, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void
note(char *why, size_t whycap, const char *fmt, ...)
{
    va_list ap;

    if (!why || !whycap) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(why, whycap, fmt, ap);
    va_end(ap);
}

/* Copies a view into a fixed field: false when it does not fit. */
static bool
copy_str(char *dst, size_t cap, struct str s)
{
    if (s.len >= cap) {
        return false;
    }
    if (s.len) {
        memcpy(dst, s.ptr, s.len);
    }
    dst[s.len] = '\0';
    return true;
}

/* ------------------------------------------------------------ pure parts */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool
google_is_safe_next(struct str next)
{
    if (next.len == 0 || next.len > GOOGLE_NEXT_MAX || next.ptr[0] != '/') {
        return false;
    }
    /* "//host" and "/\host" are scheme-relative URLs to browsers: another site. */
    if (next.len > 1 && (next.ptr[1] == '/' || next.ptr[1] == '\\')) {
        return false;
    }
    for (size_t i = 0; i < next.len; i++) {
        unsigned char c = (unsigned char)next.ptr[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\') {
            return false;
        }
        /*
         * Encoded slashes, backslashes and controls: harmless after our
         * origin, but a router that decodes before navigating could turn
         * "/%2F%2Fevil.example" into "//evil.example". Nobody needs them.
         */
        if (c == '%') {
            int hi = i + 2 < next.len ? hexval(next.ptr[i + 1]) : -1;
            int lo = i + 2 < next.len ? hexval(next.ptr[i + 2]) : -1;
            int v = hi * 16 + lo;
            if (hi < 0 || lo < 0 || v < 0x20 || v == 0x7f || v == '/' || v == '\\') {
                return false;
            }
        }
    }
    return true;
}

/* A URL we may put in a Location header or hand to libcurl: visible ASCII, no spaces. */
static bool
is_url_text(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return false;
        }
    }
    return true;
}

static const struct json_field discovery_fields[] = {
    {"issuer", JSON_F_STRING, true, 1, GOOGLE_URL_MAX},
    {"authorization_endpoint", JSON_F_STRING, true, 1, GOOGLE_URL_MAX},
    {"token_endpoint", JSON_F_STRING, true, 1, GOOGLE_URL_MAX},
    {"jwks_uri", JSON_F_STRING, true, 1, GOOGLE_URL_MAX},
};

int
google_parse_discovery(struct str json, const char *issuer, struct google_endpoints *out)
{
    struct json_value v[ARRAY_LEN(discovery_fields)];
    struct json_doc *doc = NULL;
    int err = E_INVALID;

    memset(out, 0, sizeof(*out));
    if (json_doc_parse(json, &doc) ||
        json_pick(doc, discovery_fields, ARRAY_LEN(discovery_fields), v)) {
        goto out;
    }
    if (!copy_str(out->issuer, sizeof(out->issuer), v[0].s) ||
        !copy_str(out->authorization, sizeof(out->authorization), v[1].s) ||
        !copy_str(out->token, sizeof(out->token), v[2].s) ||
        !copy_str(out->jwks, sizeof(out->jwks), v[3].s)) {
        goto out;
    }
    /* Discovery §4.3: the document must name the issuer we asked (no mix-up). */
    if (strlen(out->issuer) != v[0].s.len || strcmp(out->issuer, issuer) != 0) {
        goto out;
    }
    /* Endpoints over https (or http on loopback), with nothing that could split a header. */
    if (!httpc_url_allowed(out->authorization) || !httpc_url_allowed(out->token) ||
        !httpc_url_allowed(out->jwks) || !is_url_text(out->authorization) ||
        !is_url_text(out->token) || !is_url_text(out->jwks) || strlen(out->token) != v[2].s.len ||
        strlen(out->jwks) != v[3].s.len || strlen(out->authorization) != v[1].s.len) {
        goto out;
    }
    err = 0;
out:
    json_doc_free(doc);
    if (err) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

/* Claims with a fixed place in struct google_claims; lengths are checked on copy. */
static const struct json_field claim_fields[] = {
    {"iss", JSON_F_STRING, true, 1, 0},      {"sub", JSON_F_STRING, true, 1, 0},
    {"azp", JSON_F_STRING, false, 0, 0},     {"exp", JSON_F_INT, true, 0, INT64_MAX},
    {"iat", JSON_F_INT, true, 0, INT64_MAX}, {"nonce", JSON_F_STRING, false, 0, 0},
    {"email", JSON_F_STRING, false, 0, 0},   {"name", JSON_F_STRING, false, 0, 0},
    {"hd", JSON_F_STRING, false, 0, 0},
};

enum { C_ISS, C_SUB, C_AZP, C_EXP, C_IAT, C_NONCE, C_EMAIL, C_NAME, C_HD };

/* email_verified: Google sends a boolean; some providers the string "true". */
static const struct json_field verified_bool[] = {{"email_verified", JSON_F_BOOL, false, 0, 0}};
static const struct json_field verified_text[] = {{"email_verified", JSON_F_STRING, false, 0, 8}};

int
google_parse_claims(struct str json, struct google_claims *out)
{
    struct json_value v[ARRAY_LEN(claim_fields)];
    struct json_value ev[1];
    struct str aud[GOOGLE_MAX_AUD];
    struct json_doc *doc = NULL;
    int err = E_INVALID;

    memset(out, 0, sizeof(*out));
    if (json_doc_parse(json, &doc) || json_pick(doc, claim_fields, ARRAY_LEN(claim_fields), v)) {
        goto out;
    }
    if (!copy_str(out->iss, sizeof(out->iss), v[C_ISS].s) ||
        !copy_str(out->sub, sizeof(out->sub), v[C_SUB].s) ||
        !copy_str(out->azp, sizeof(out->azp), v[C_AZP].s) ||
        !copy_str(out->nonce, sizeof(out->nonce), v[C_NONCE].s) ||
        !copy_str(out->email, sizeof(out->email), v[C_EMAIL].s) ||
        !copy_str(out->hd, sizeof(out->hd), v[C_HD].s)) {
        goto out;
    }
    /* A name that does not fit is dropped, not fatal: the account gets another. */
    if (!copy_str(out->name, sizeof(out->name), v[C_NAME].s)) {
        out->name[0] = '\0';
    }
    /* NUL inside a claim would make the copies above mean something else. */
    if (strlen(out->iss) != v[C_ISS].s.len || strlen(out->sub) != v[C_SUB].s.len ||
        strlen(out->nonce) != v[C_NONCE].s.len || strlen(out->email) != v[C_EMAIL].s.len ||
        strlen(out->azp) != v[C_AZP].s.len || strlen(out->hd) != v[C_HD].s.len) {
        goto out;
    }
    out->exp = v[C_EXP].i;
    out->iat = v[C_IAT].i;
    if (json_pick_strings(doc, "aud", aud, ARRAY_LEN(aud), &out->naud) || out->naud == 0) {
        goto out;
    }
    for (size_t i = 0; i < out->naud; i++) {
        if (!copy_str(out->aud[i], sizeof(out->aud[i]), aud[i]) ||
            strlen(out->aud[i]) != aud[i].len) {
            goto out;
        }
    }
    if (json_pick(doc, verified_bool, 1, ev) == 0) {
        out->email_verified = ev[0].present && ev[0].b;
    } else if (json_pick(doc, verified_text, 1, ev) == 0) {
        out->email_verified = ev[0].present && str_eq_cstr(ev[0].s, "true");
    } else {
        goto out;
    }
    err = 0;
out:
    json_doc_free(doc);
    if (err) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}

static bool
eq_nocase(const char *a, const char *b)
{
    return str_eq_nocase(str_from_cstr(a), str_from_cstr(b));
}

bool
google_is_issuer(const char *issuer, struct str iss)
{
    return str_eq_cstr(iss, issuer) ||
           (strcmp(issuer, GOOGLE_ISSUER) == 0 && str_eq_cstr(iss, "accounts.google.com"));
}

int
google_check_claims(const struct google_claims *c, const struct google_expect *x, int64_t now,
                    const char **why)
{
    bool aud_ok = false;

    *why = NULL;
    /* Google writes iss with or without the scheme (its OpenID Connect guide). */
    if (!google_is_issuer(x->issuer, str_from_cstr(c->iss))) {
        *why = "iss";
        return E_UNAUTHENTICATED;
    }
    for (size_t i = 0; i < c->naud; i++) {
        aud_ok |= strcmp(c->aud[i], x->client_id) == 0;
    }
    if (!aud_ok) {
        *why = "aud";
        return E_UNAUTHENTICATED;
    }
    /* Several audiences: the token must say it was issued to us (Core §3.1.3.7 items 4-5). */
    if ((c->naud > 1 && !c->azp[0]) || (c->azp[0] && strcmp(c->azp, x->client_id) != 0)) {
        *why = "azp";
        return E_UNAUTHENTICATED;
    }
    if (c->exp <= now - GOOGLE_CLOCK_SKEW_S) {
        *why = "exp";
        return E_UNAUTHENTICATED;
    }
    if (c->iat > now + GOOGLE_CLOCK_SKEW_S || c->iat < now - GOOGLE_ID_TOKEN_MAX_AGE_S ||
        c->iat > c->exp) {
        *why = "iat";
        return E_UNAUTHENTICATED;
    }
    if (!x->nonce || !x->nonce[0] ||
        !crypto_equal_str(str_from_cstr(c->nonce), str_from_cstr(x->nonce))) {
        *why = "nonce";
        return E_UNAUTHENTICATED;
    }
    if (x->hosted_domain && x->hosted_domain[0] && !eq_nocase(c->hd, x->hosted_domain)) {
        *why = "hd";
        return E_FORBIDDEN;
    }
    return 0;
}

/* Appends name=value, form-urlencoded (RFC 3986 unreserved characters kept). */
static int
add_param(struct buf *b, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    int err = 0;

    if (b->len && b->ptr[b->len - 1] != '?' && b->ptr[b->len - 1] != '&') {
        err |= buf_addch(b, '&');
    }
    err |= buf_addstr(b, name);
    err |= buf_addch(b, '=');
    for (const unsigned char *p = (const unsigned char *)value; *p && !err; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            err |= buf_addch(b, (char)*p);
        } else {
            err |= buf_addch(b, '%');
            err |= buf_addch(b, hex[*p >> 4]);
            err |= buf_addch(b, hex[*p & 15]);
        }
    }
    return err ? E_TOO_LARGE : 0;
}

int
google_authorize_url(const struct google_provider *p, const struct google_endpoints *ep,
                     const char *state, const char *nonce, const char *verifier, struct buf *out)
{
    uint8_t digest[CRYPTO_SHA256_LEN];
    char challenge[CRYPTO_B64URL_SIZE(CRYPTO_SHA256_LEN)];
    int err = 0;

    /* RFC 7636 §4.2: S256 challenge = BASE64URL(SHA256(ASCII(verifier))). */
    crypto_sha256(verifier, strlen(verifier), digest);
    crypto_b64url(digest, sizeof(digest), challenge, sizeof(challenge));
    buf_reset(out);
    err |= buf_addstr(out, ep->authorization);
    err |= buf_addch(out, strchr(ep->authorization, '?') ? '&' : '?');
    err |= add_param(out, "response_type", "code");
    err |= add_param(out, "client_id", p->client_id);
    err |= add_param(out, "redirect_uri", p->redirect_uri);
    err |= add_param(out, "scope", "openid email profile");
    err |= add_param(out, "state", state);
    err |= add_param(out, "nonce", nonce);
    err |= add_param(out, "code_challenge", challenge);
    err |= add_param(out, "code_challenge_method", "S256");
    if (p->hosted_domain && p->hosted_domain[0]) {
        /* Only a hint to Google's account chooser: the hd claim is what we check. */
        err |= add_param(out, "hd", p->hosted_domain);
    }
    return err ? E_TOO_LARGE : 0;
}

/* --------------------------------------------------------- fetches, cache */

/* GET or POST url, expecting 200 and a JSON body (bounded). */
static int
fetch(const char *method, const char *url, const char *const *headers, size_t nheaders,
      const struct buf *body, struct httpc_response *resp, const char *what, char *why,
      size_t whycap)
{
    struct httpc_request rq = {method,
                               url,
                               headers,
                               nheaders,
                               body ? body->ptr : NULL,
                               body ? body->len : 0,
                               GOOGLE_TIMEOUT_MS,
                               GOOGLE_DOC_MAX,
                               HTTPC_REACH_CONFIGURED};
    int err = httpc_do(&rq, resp);

    if (err == E_UNAVAILABLE) {
        note(why, whycap, "%s unreachable", what);
        return E_UNAVAILABLE;
    }
    if (err) {
        note(why, whycap, "%s failed: %s", what, err_name(err));
        return E_UPSTREAM;
    }
    return 0;
}

/* Resets the cache when the configured issuer changes (tests; production has one). */
static void
cache_select(const char *issuer)
{
    if (strcmp(cache.issuer, issuer) != 0) {
        memset(&cache.ep, 0, sizeof(cache.ep));
        cache.have_endpoints = false;
        cache.have_keys = false;
        cache.forced_once = false;
        cache.nkeys = 0;
        (void)snprintf(cache.issuer, sizeof(cache.issuer), "%s", issuer);
    }
}

int
google_discover(const struct google_provider *p, struct google_endpoints *out, char *why,
                size_t whycap)
{
    static const char *const headers[] = {"Accept: application/json"};
    struct httpc_response resp;
    struct buf url = BUF_INIT;
    int64_t now = clock_mono_ms();
    bool hit;
    int err;

    if (!p->issuer || strlen(p->issuer) > GOOGLE_URL_MAX) {
        note(why, whycap, "issuer not set");
        return E_INVALID;
    }
    pthread_mutex_lock(&cache.lock);
    cache_select(p->issuer);
    hit = cache.have_endpoints && now - cache.endpoints_at_ms < GOOGLE_DISCOVERY_TTL_S * 1000;
    if (hit) {
        *out = cache.ep;
    }
    pthread_mutex_unlock(&cache.lock);
    if (hit) {
        return 0;
    }
    if (buf_addf(&url, "%s/.well-known/openid-configuration", p->issuer)) {
        buf_release(&url);
        return E_INVALID;
    }
    err = fetch("GET", url.ptr, headers, ARRAY_LEN(headers), NULL, &resp, "discovery", why, whycap);
    if (!err && resp.status != 200) {
        note(why, whycap, "discovery answered %ld", resp.status);
        err = E_UPSTREAM;
    }
    if (!err && google_parse_discovery(buf_str(&resp.body), p->issuer, out)) {
        note(why, whycap, "bad discovery document");
        err = E_UPSTREAM;
    }
    httpc_response_release(&resp);
    buf_release(&url);
    if (err) {
        return err;
    }
    pthread_mutex_lock(&cache.lock);
    cache_select(p->issuer);
    cache.ep = *out;
    cache.have_endpoints = true;
    cache.endpoints_at_ms = now;
    pthread_mutex_unlock(&cache.lock);
    return 0;
}

static const struct json_field jwk_fields[] = {
    {"kty", JSON_F_STRING, true, 1, 16},       {"use", JSON_F_STRING, false, 0, 16},
    {"alg", JSON_F_STRING, false, 0, 16},      {"kid", JSON_F_STRING, false, 0, JWT_KID_MAX},
    {"n", JSON_F_STRING, false, 0, JWK_N_MAX}, {"e", JSON_F_STRING, false, 0, JWK_E_MAX},
};

/* The RS256 signing keys of a JWK Set, into keys (other kinds are skipped). */
static int
parse_jwks(struct str json, struct cached_key *keys, size_t cap, size_t *n)
{
    struct json_doc *doc = NULL;
    size_t count;
    int err = E_INVALID;

    *n = 0;
    if (json_doc_parse(json, &doc)) {
        goto out;
    }
    count = json_pick_count(doc, "keys");
    for (size_t i = 0; i < count && *n < cap; i++) {
        struct json_value v[ARRAY_LEN(jwk_fields)];
        struct cached_key *k = &keys[*n];
        if (json_pick_element(doc, "keys", i, jwk_fields, ARRAY_LEN(jwk_fields), v)) {
            continue; /* a key we cannot read is one we will not use */
        }
        if (!str_eq_cstr(v[0].s, "RSA") || (v[1].present && !str_eq_cstr(v[1].s, "sig")) ||
            (v[2].present && !str_eq_cstr(v[2].s, "RS256")) || !v[4].present || !v[5].present) {
            continue;
        }
        if (copy_str(k->kid, sizeof(k->kid), v[3].s) && copy_str(k->n, sizeof(k->n), v[4].s) &&
            copy_str(k->e, sizeof(k->e), v[5].s)) {
            (*n)++;
        }
    }
    err = *n ? 0 : E_INVALID;
out:
    json_doc_free(doc);
    return err;
}

static int
fetch_jwks(const char *uri, struct cached_key *keys, size_t *n, char *why, size_t whycap)
{
    static const char *const headers[] = {"Accept: application/json"};
    struct httpc_response resp;
    int err = fetch("GET", uri, headers, ARRAY_LEN(headers), NULL, &resp, "jwks", why, whycap);

    if (!err && resp.status != 200) {
        note(why, whycap, "jwks answered %ld", resp.status);
        err = E_UPSTREAM;
    }
    if (!err && parse_jwks(buf_str(&resp.body), keys, GOOGLE_MAX_KEYS, n)) {
        note(why, whycap, "bad jwks document");
        err = E_UPSTREAM;
    }
    httpc_response_release(&resp);
    return err;
}

/*
 * The keys that may have signed a token with kid ("" = any), copied out of
 * the cache into keys (GOOGLE_MAX_KEYS). Fetches the set when it is missing,
 * stale or, once per floor, when no key has that kid (rotation).
 */
static int
find_keys(const char *jwks_uri, const char *kid, struct cached_key *keys, size_t *n, char *why,
          size_t whycap)
{
    int64_t now = clock_mono_ms();
    bool fresh;
    bool forced = false;
    int err;

    for (int round = 0; round < 2; round++) {
        pthread_mutex_lock(&cache.lock);
        fresh = cache.have_keys && strcmp(cache.jwks_uri, jwks_uri) == 0 &&
                now - cache.keys_at_ms < GOOGLE_JWKS_TTL_S * 1000;
        *n = 0;
        if (fresh) {
            for (size_t i = 0; i < cache.nkeys; i++) {
                if (!kid[0] || strcmp(cache.keys[i].kid, kid) == 0) {
                    keys[(*n)++] = cache.keys[i];
                }
            }
        }
        if (fresh && *n == 0 && round == 0) {
            /* Unknown kid: the provider may have rotated. The floor bounds junk kids. */
            forced = !cache.forced_once ||
                     now - cache.forced_at_ms >= GOOGLE_JWKS_REFETCH_FLOOR_S * 1000;
            if (forced) {
                cache.forced_once = true;
                cache.forced_at_ms = now;
            }
        }
        pthread_mutex_unlock(&cache.lock);
        if (*n || (fresh && !forced)) {
            break;
        }
        if (round == 1) {
            break;
        }
        {
            struct cached_key *fetched = xcalloc(GOOGLE_MAX_KEYS, sizeof(*fetched));
            size_t nf = 0;
            err = fetch_jwks(jwks_uri, fetched, &nf, why, whycap);
            if (!err) {
                pthread_mutex_lock(&cache.lock);
                memcpy(cache.keys, fetched, nf * sizeof(*fetched));
                cache.nkeys = nf;
                cache.have_keys = true;
                cache.keys_at_ms = now;
                (void)snprintf(cache.jwks_uri, sizeof(cache.jwks_uri), "%s", jwks_uri);
                pthread_mutex_unlock(&cache.lock);
            }
            free(fetched);
            if (err) {
                return err;
            }
        }
    }
    if (*n == 0) {
        note(why, whycap, "no signing key with that kid");
        return E_UNAUTHENTICATED;
    }
    return 0;
}

/* Checks t's signature against the provider's keys for its kid. */
static int
verify_signature(const struct google_endpoints *ep, const struct jwt *t, char *why, size_t whycap)
{
    struct cached_key *keys = xcalloc(GOOGLE_MAX_KEYS, sizeof(*keys));
    size_t n = 0;
    int err;

    if (strcmp(t->alg, "RS256") != 0) {
        note(why, whycap, "id token alg is not RS256");
        err = E_UNAUTHENTICATED;
        goto out;
    }
    if ((err = find_keys(ep->jwks, t->kid, keys, &n, why, whycap))) {
        goto out;
    }
    err = E_UNAUTHENTICATED;
    for (size_t i = 0; i < n && err; i++) {
        struct jwt_key *k = NULL;
        if (jwt_key_new(str_from_cstr(keys[i].n), str_from_cstr(keys[i].e), &k) == 0) {
            err = jwt_verify(t, k) == 0 ? 0 : E_UNAUTHENTICATED;
        }
        jwt_key_free(k);
    }
    if (err) {
        note(why, whycap, "id token signature does not verify");
    }
out:
    free(keys);
    return err;
}

static const struct json_field token_fields[] = {
    {"id_token", JSON_F_STRING, true, 1, JWT_MAX_LEN},
};
static const struct json_field token_error_fields[] = {
    {"error", JSON_F_STRING, false, 0, 64},
};

/* The provider's error code of a refused token request, if it is a plain word. */
static void
note_token_error(const struct httpc_response *resp, char *why, size_t whycap)
{
    struct json_doc *doc = NULL;
    struct json_value v[1];
    const char *code = "?";
    char word[65];

    if (json_doc_parse(buf_str(&resp->body), &doc) == 0 &&
        json_pick(doc, token_error_fields, 1, v) == 0 && v[0].present &&
        copy_str(word, sizeof(word), v[0].s)) {
        bool plain = true;
        for (const char *c = word; *c; c++) {
            plain &= (*c >= 'a' && *c <= 'z') || *c == '_';
        }
        code = plain ? word : "?";
    }
    note(why, whycap, "token endpoint answered %ld (%s)", resp->status, code);
    json_doc_free(doc);
}

int
google_exchange(const struct google_provider *p, const struct google_endpoints *ep, struct str code,
                const char *verifier, const char *nonce, struct google_claims *out, char *why,
                size_t whycap)
{
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded",
        "Accept: application/json",
    };
    struct buf form = BUF_INIT;
    struct httpc_response resp;
    struct json_doc *doc = NULL;
    struct json_value v[ARRAY_LEN(token_fields)];
    struct jwt t = JWT_INIT;
    struct google_expect x = {ep->issuer, p->client_id, nonce, p->hosted_domain};
    char *code_text = NULL;
    const char *failed = NULL;
    int err = 0;

    memset(out, 0, sizeof(*out));
    memset(&resp, 0, sizeof(resp));
    buf_init(&resp.body, 0);
    if (code.len == 0 || code.len > 2048 || !verifier || strlen(verifier) < 43) {
        note(why, whycap, "no code or verifier");
        err = E_INVALID;
        goto out;
    }
    code_text = xstrndup(code.ptr, code.len);
    /* client_secret_post (RFC 6749 §2.3.1); Google takes it as well as basic. */
    err |= add_param(&form, "grant_type", "authorization_code");
    err |= add_param(&form, "code", code_text);
    err |= add_param(&form, "redirect_uri", p->redirect_uri);
    err |= add_param(&form, "client_id", p->client_id);
    err |= add_param(&form, "client_secret", p->client_secret ? p->client_secret : "");
    err |= add_param(&form, "code_verifier", verifier);
    if (err) {
        err = E_INVALID;
        goto out;
    }
    if ((err = fetch("POST", ep->token, headers, ARRAY_LEN(headers), &form, &resp, "token endpoint",
                     why, whycap))) {
        goto out;
    }
    if (resp.status != 200) {
        note_token_error(&resp, why, whycap);
        err = E_UPSTREAM;
        goto out;
    }
    if (json_doc_parse(buf_str(&resp.body), &doc) ||
        json_pick(doc, token_fields, ARRAY_LEN(token_fields), v)) {
        note(why, whycap, "token answer has no id_token");
        err = E_UPSTREAM;
        goto out;
    }
    if (jwt_parse(v[0].s, &t)) {
        note(why, whycap, "malformed id token");
        err = E_UNAUTHENTICATED;
        goto out;
    }
    if ((err = verify_signature(ep, &t, why, whycap))) {
        goto out;
    }
    if (google_parse_claims(buf_str(&t.payload), out)) {
        note(why, whycap, "malformed id token claims");
        err = E_UNAUTHENTICATED;
        goto out;
    }
    if ((err = google_check_claims(out, &x, clock_wall_s(), &failed))) {
        note(why, whycap, "id token %s check failed", failed);
        goto out;
    }
out:
    jwt_release(&t);
    json_doc_free(doc);
    if (resp.body.len) {
        crypto_wipe(resp.body.ptr, resp.body.len); /* access and ID tokens */
    }
    httpc_response_release(&resp);
    if (form.len) {
        crypto_wipe(form.ptr, form.len); /* the code, the verifier and our secret */
    }
    buf_release(&form);
    if (code_text) {
        crypto_wipe(code_text, code.len);
        free(code_text);
    }
    if (err) {
        memset(out, 0, sizeof(*out));
    }
    return err;
}
