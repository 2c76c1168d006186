/*
 * Google Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256), signed locally
 * with a service account's private key: what lets the browser PUT a
 * document straight into the bucket without ever holding a credential.
 * https://cloud.google.com/storage/docs/access-control/signing-urls-manually
 *
 * Checked against Google's own conformance vectors
 * (../shared/testdata/gcs-v4, tests/unit/test_gcs_sign.c): a URL signed here
 * is the URL Google's client libraries sign.
 *
 * The signer is pure apart from the RSA signature: no clock (the caller
 * passes the time), no I/O, no logging.
 */
#ifndef PILOTO_INTEGRATIONS_GCS_SIGN_H
#define PILOTO_INTEGRATIONS_GCS_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/* Extra signed headers and query parameters a request may carry. */
#define GCS_MAX_HEADERS 16
#define GCS_MAX_QUERY   16
/* A V4 signature is valid for at most 7 days (Google's limit). */
#define GCS_MAX_EXPIRES_S (7 * 24 * 3600)
#define GCS_EMAIL_MAX     256
/* Longest service-account JSON file we read, bytes. */
#define GCS_CREDENTIALS_MAX (64 * 1024)

/* A service account: its email and RSA key. Opaque. */
struct gcs_credentials;

/*
 * Reads a service-account key file's JSON (GOOGLE_APPLICATION_CREDENTIALS):
 * 0 and *out (free with gcs_credentials_free), or E_INVALID (not JSON, not
 * "type": "service_account", no usable client_email or RSA private_key).
 */
NODISCARD int gcs_credentials_parse(struct str json, struct gcs_credentials **out);
/* Accepts NULL; the key is wiped. */
void gcs_credentials_free(struct gcs_credentials *c);
/* The account's email (the credential's identity in every URL). */
const char *gcs_credentials_email(const struct gcs_credentials *c);

/* One header or query parameter: a name and a value, views. */
struct gcs_kv {
    struct str name;
    struct str value;
};

/*
 * What to sign.
 *   method     "GET", "PUT", "POST", ...
 *   endpoint   scheme and authority, no path: "https://storage.googleapis.com"
 *              (GCS_API_URL), "https://bucket.storage.googleapis.com" for
 *              virtual-hosted style, or a bucket-bound hostname
 *   host       the Host header to sign; NULL signs the endpoint's authority,
 *              as a client sends it
 *   path       the resource path, not yet encoded: "/bucket/object" in path
 *              style, "/object" on a virtual-hosted or bucket-bound endpoint
 *   headers    more headers the request must carry exactly (content-type,
 *              x-goog-content-length-range, ...); names any case
 *   query      more query parameters to sign
 *   timestamp  signing time, unix seconds; expires: seconds of validity,
 *              1..GCS_MAX_EXPIRES_S
 * An x-goog-content-sha256 header is the payload's hash; without one the
 * payload is UNSIGNED-PAYLOAD.
 */
struct gcs_sign_req {
    const char *method;
    const char *endpoint;
    const char *host;
    struct str path;
    const struct gcs_kv *headers;
    size_t nheaders;
    const struct gcs_kv *query;
    size_t nquery;
    int64_t timestamp;
    int64_t expires;
};

/*
 * Signs req: 0 with the full URL appended to url, or E_INVALID (bad
 * endpoint, too many or duplicate headers, a header value with a control
 * character, expiry out of range) or E_INTERNAL. When canonical or sts are
 * not NULL the canonical request and the string to sign are appended to
 * them too (for tests and for a stand-in server's diagnostics).
 */
NODISCARD int gcs_sign_url(const struct gcs_credentials *cred, const struct gcs_sign_req *req,
                           struct buf *url, struct buf *canonical, struct buf *sts);

/* Percent-encodes s as V4 signing does (RFC 3986 unreserved kept; '/' kept when keep_slash). */
NODISCARD int gcs_uri_encode(struct buf *out, struct str s, bool keep_slash);

#endif
