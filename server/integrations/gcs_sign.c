#include "integrations/gcs_sign.h"

#include <time.h>

#include "core/err.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"
#include "json/json.h"

struct gcs_credentials {
    char email[GCS_EMAIL_MAX + 1];
    struct rsa_key *key;
};

static const struct json_field credential_fields[] = {
    {"type", JSON_F_STRING, true, 1, 64},
    {"client_email", JSON_F_STRING, true, 3, GCS_EMAIL_MAX},
    {"private_key", JSON_F_STRING, true, 64, RSA_PEM_MAX},
};

int
gcs_credentials_parse(struct str json, struct gcs_credentials **out)
{
    struct json_value v[ARRAY_LEN(credential_fields)];
    struct json_doc *doc = NULL;
    struct rsa_key *key = NULL;
    int err = E_INVALID;

    *out = NULL;
    if (json.len > GCS_CREDENTIALS_MAX || json_doc_parse(json, &doc) ||
        json_pick(doc, credential_fields, ARRAY_LEN(credential_fields), v)) {
        goto out;
    }
    if (!str_eq_cstr(v[0].s, "service_account") || v[1].s.len > GCS_EMAIL_MAX ||
        !str_is_visible(v[1].s) || str_find(v[1].s, '@') < 1) {
        goto out;
    }
    err = rsa_key_from_pem(v[2].s, &key);
    if (err) {
        goto out;
    }
    *out = xcalloc(1, sizeof(**out));
    str_copy_to(v[1].s, (*out)->email, sizeof((*out)->email));
    (*out)->key = key;
    key = NULL;
out:
    rsa_key_free(key);
    json_doc_free(doc);
    return err;
}

void
gcs_credentials_free(struct gcs_credentials *c)
{
    if (!c) {
        return;
    }
    rsa_key_free(c->key);
    free(c);
}

const char *
gcs_credentials_email(const struct gcs_credentials *c)
{
    return c->email;
}

static bool
is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int
gcs_uri_encode(struct buf *out, struct str s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int err = (is_unreserved(c) || (keep_slash && c == '/')) ? buf_addch(out, (char)c)
                                                                 : buf_add(out, esc, 3);
        if (err) {
            return err;
        }
    }
    return 0;
}

/* A header ready to sign: lowercase name, value trimmed with inner whitespace collapsed. */
struct canon_header {
    char name[128];
    struct buf value;
};

/*
 * Canonical header value (V4: "remove leading and trailing whitespace,
 * replace sequential spaces with a single space"). Tabs count as spaces, as
 * Google's vectors show. Control characters are refused: they would let a
 * value forge another header line.
 */
static int
canon_value(struct str v, struct buf *out)
{
    bool space = false;

    v = str_trim(v);
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            return E_INVALID;
        }
        if ((space && buf_addch(out, ' ')) || buf_addch(out, (char)c)) {
            return E_INTERNAL;
        }
        space = false;
    }
    return 0;
}

static int
add_header(struct canon_header *h, size_t *n, struct str name, struct str value)
{
    struct canon_header *c;

    if (*n >= GCS_MAX_HEADERS + 1 || name.len == 0 || name.len >= sizeof(h->name) ||
        !str_is_visible(name) || str_find(name, ':') >= 0 || str_find(name, ' ') >= 0 ||
        str_find(name, '\t') >= 0) {
        return E_INVALID;
    }
    c = &h[*n];
    for (size_t i = 0; i < name.len; i++) {
        char ch = name.ptr[i];
        c->name[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    c->name[name.len] = '\0';
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(h[i].name, c->name) == 0) {
            return E_INVALID;
        }
    }
    c->value = (struct buf)BUF_INIT;
    (*n)++;
    return canon_value(value, &c->value);
}

static int
cmp_header(const void *a, const void *b)
{
    return strcmp(((const struct canon_header *)a)->name, ((const struct canon_header *)b)->name);
}

/* A query parameter, both halves already encoded. */
struct canon_param {
    struct buf name;
    struct buf value;
};

static int
cmp_param(const void *a, const void *b)
{
    const struct canon_param *x = a;
    const struct canon_param *y = b;
    size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
    int c = memcmp(x->name.ptr, y->name.ptr, n);

    if (c) {
        return c;
    }
    if (x->name.len != y->name.len) {
        return x->name.len < y->name.len ? -1 : 1;
    }
    c = strcmp(x->value.ptr, y->value.ptr);
    return c;
}

static int
add_param(struct canon_param *p, size_t *n, struct str name, struct str value)
{
    struct canon_param *c = &p[(*n)++];

    c->name = (struct buf)BUF_INIT;
    c->value = (struct buf)BUF_INIT;
    if (gcs_uri_encode(&c->name, name, false) || gcs_uri_encode(&c->value, value, false)) {
        return E_INTERNAL;
    }
    return 0;
}

/* The authority of "scheme://authority": a view into endpoint. */
static int
endpoint_authority(const char *endpoint, struct str *out)
{
    struct str e = str_from_cstr(endpoint);
    struct str scheme = str_cut(&e, ':');

    if (!(str_eq_cstr(scheme, "https") || str_eq_cstr(scheme, "http")) ||
        !str_has_prefix(e, STR_LIT("//"))) {
        return E_INVALID;
    }
    e.ptr += 2;
    e.len -= 2;
    if (e.len == 0 || str_find(e, '/') >= 0 || str_find(e, '?') >= 0 || str_find(e, '#') >= 0 ||
        str_find(e, '@') >= 0 || !str_is_visible(e) || str_find(e, ' ') >= 0) {
        return E_INVALID;
    }
    *out = e;
    return 0;
}

int
gcs_sign_url(const struct gcs_credentials *cred, const struct gcs_sign_req *req, struct buf *url,
             struct buf *canonical, struct buf *sts_out)
{
    struct canon_header headers[GCS_MAX_HEADERS + 1];
    struct canon_param params[GCS_MAX_QUERY + 5];
    size_t nh = 0;
    size_t np = 0;
    struct buf signed_headers = BUF_INIT;
    struct buf credential = BUF_INIT;
    struct buf query = BUF_INIT;
    struct buf creq = BUF_INIT;
    struct buf sts = BUF_INIT;
    struct str authority;
    struct str payload = STR_LIT("UNSIGNED-PAYLOAD");
    char date[9];
    char stamp[17];
    char expires[24];
    char hash[CRYPTO_SHA256_HEX_SIZE];
    uint8_t sig[RSA_SIG_MAX];
    char sighex[2 * RSA_SIG_MAX + 1];
    size_t siglen = 0;
    time_t t = (time_t)req->timestamp;
    struct tm tm;
    bool has_host = false;
    int err = E_INVALID;

    if (req->expires < 1 || req->expires > GCS_MAX_EXPIRES_S || req->nheaders > GCS_MAX_HEADERS ||
        req->nquery > GCS_MAX_QUERY || endpoint_authority(req->endpoint, &authority) ||
        !gmtime_r(&t, &tm) || strftime(date, sizeof(date), "%Y%m%d", &tm) != 8 ||
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != 16) {
        goto out;
    }
    for (size_t i = 0; i < req->nheaders; i++) {
        has_host = has_host || str_eq_nocase(req->headers[i].name, STR_LIT("host"));
        err = add_header(headers, &nh, req->headers[i].name, req->headers[i].value);
        if (err) {
            goto out;
        }
    }
    if (!has_host) {
        err = add_header(headers, &nh, STR_LIT("host"),
                         req->host ? str_from_cstr(req->host) : authority);
        if (err) {
            goto out;
        }
    }
    qsort(headers, nh, sizeof(headers[0]), cmp_header);
    for (size_t i = 0; i < nh; i++) {
        if ((i && buf_addch(&signed_headers, ';')) ||
            buf_addstr(&signed_headers, headers[i].name)) {
            err = E_INTERNAL;
            goto out;
        }
        if (strcmp(headers[i].name, "x-goog-content-sha256") == 0) {
            payload = buf_str(&headers[i].value);
        }
    }

    (void)snprintf(expires, sizeof(expires), "%lld", (long long)req->expires);
    if (buf_addf(&credential, "%s/%s/auto/storage/goog4_request", cred->email, date)) {
        err = E_INTERNAL;
        goto out;
    }
    err = add_param(params, &np, STR_LIT("X-Goog-Algorithm"), STR_LIT("GOOG4-RSA-SHA256"));
    err = err ? err : add_param(params, &np, STR_LIT("X-Goog-Credential"), buf_str(&credential));
    err = err ? err : add_param(params, &np, STR_LIT("X-Goog-Date"), str_from_cstr(stamp));
    err = err ? err : add_param(params, &np, STR_LIT("X-Goog-Expires"), str_from_cstr(expires));
    err = err ? err
              : add_param(params, &np, STR_LIT("X-Goog-SignedHeaders"), buf_str(&signed_headers));
    for (size_t i = 0; !err && i < req->nquery; i++) {
        err = add_param(params, &np, req->query[i].name, req->query[i].value);
    }
    if (err) {
        goto out;
    }
    qsort(params, np, sizeof(params[0]), cmp_param);
    for (size_t i = 0; i < np; i++) {
        if ((i && buf_addch(&query, '&')) ||
            buf_add(&query, params[i].name.ptr, params[i].name.len) || buf_addch(&query, '=') ||
            buf_add(&query, params[i].value.ptr, params[i].value.len)) {
            err = E_INTERNAL;
            goto out;
        }
    }

    /* The canonical request: method, path, query, headers, signed headers, payload. */
    err = E_INTERNAL;
    if (buf_addstr(&creq, req->method) || buf_addch(&creq, '\n') ||
        gcs_uri_encode(&creq, req->path, true) || buf_addch(&creq, '\n') ||
        buf_add(&creq, query.ptr, query.len) || buf_addch(&creq, '\n')) {
        goto out;
    }
    for (size_t i = 0; i < nh; i++) {
        if (buf_addf(&creq, "%s:%s\n", headers[i].name, headers[i].value.ptr)) {
            goto out;
        }
    }
    if (buf_addch(&creq, '\n') || buf_add(&creq, signed_headers.ptr, signed_headers.len) ||
        buf_addch(&creq, '\n') || buf_add(&creq, payload.ptr, payload.len)) {
        goto out;
    }
    crypto_sha256_hex(creq.ptr, creq.len, hash);
    if (buf_addf(&sts, "GOOG4-RSA-SHA256\n%s\n%s/auto/storage/goog4_request\n%s", stamp, date,
                 hash)) {
        goto out;
    }
    err = rsa_sign_sha256(cred->key, sts.ptr, sts.len, sig, sizeof(sig), &siglen);
    if (err) {
        goto out;
    }
    crypto_hex(sig, siglen, sighex);
    err = E_INTERNAL;
    if (buf_addstr(url, req->endpoint) || gcs_uri_encode(url, req->path, true) ||
        buf_addch(url, '?') || buf_add(url, query.ptr, query.len) ||
        buf_addf(url, "&X-Goog-Signature=%s", sighex)) {
        goto out;
    }
    if ((canonical && buf_add(canonical, creq.ptr, creq.len)) ||
        (sts_out && buf_add(sts_out, sts.ptr, sts.len))) {
        goto out;
    }
    err = 0;
out:
    for (size_t i = 0; i < nh; i++) {
        buf_release(&headers[i].value);
    }
    for (size_t i = 0; i < np; i++) {
        buf_release(&params[i].name);
        buf_release(&params[i].value);
    }
    buf_release(&signed_headers);
    buf_release(&credential);
    buf_release(&query);
    buf_release(&creq);
    buf_release(&sts);
    return err;
}
