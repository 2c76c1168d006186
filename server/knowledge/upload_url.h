/*
 * The embedded store's signed upload URLs (SPEC §8, §11): in the default
 * topology the browser PUTs a document straight to piloto at
 * /bff/uploads/{documentId}?v=..&size=..&type=..&exp=..&sig=.., a capability
 * like a GCS signed URL: no cookie, no CSRF token, only the signature.
 *
 * sig is base64url(HMAC-SHA-256(PILOTO_SECRET, "piloto-upload-v1\n" id "\n"
 * version "\n" size "\n" type "\n" exp)): it binds the document, the
 * version being uploaded (a URL minted for an older upload cannot overwrite
 * a newer one), the exact byte count, the declared format and the expiry.
 * Checked in constant time; the expiry only after the signature, so a
 * forged URL learns nothing. Pure: the key and the time come in.
 */
#ifndef PILOTO_KNOWLEDGE_UPLOAD_URL_H
#define PILOTO_KNOWLEDGE_UPLOAD_URL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "knowledge/doctype.h"

#define UPLOAD_ID_MAX 64
/* How long a minted URL lasts, seconds. */
#define UPLOAD_URL_TTL_S 900

struct upload_grant {
    char document_id[UPLOAD_ID_MAX + 1];
    int64_t version;
    int64_t size;
    enum doctype type;
    int64_t expires_at; /* unix seconds */
};

/* The query string's parts as they arrived (views). */
struct upload_url_parts {
    struct str document_id; /* from the path */
    struct str version;
    struct str size;
    struct str type;
    struct str expires;
    struct str sig;
};

/* Appends "v=..&size=..&type=..&exp=..&sig=.." for g to query. 0 or E_INVALID (bad grant). */
NODISCARD int upload_url_render(const uint8_t *key, size_t keylen, const struct upload_grant *g,
                                struct buf *query);

/*
 * Checks an upload URL: 0 and *out, E_FORBIDDEN (a part missing or
 * malformed, or a signature that does not match: tampered), or E_EXPIRED
 * (a genuine URL past its expiry at now).
 */
NODISCARD int upload_url_check(const uint8_t *key, size_t keylen, const struct upload_url_parts *p,
                               int64_t now, struct upload_grant *out);

#endif
