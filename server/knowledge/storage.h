/*
 * Where uploaded documents are kept (STORAGE_URL), behind one interface:
 *   file:PATH   the embedded default: a directory on this machine; the
 *               browser PUTs to piloto itself at a URL signed with the
 *               server secret (knowledge/upload_url), and the indexer reads
 *               the file in place;
 *   gs://BUCKET Google Cloud Storage: the browser PUTs to a V4 signed URL
 *               (integrations/gcs_sign, GOOG4-RSA-SHA256 with the service
 *               account of GOOGLE_APPLICATION_CREDENTIALS) on GCS_API_URL,
 *               and the indexer downloads with a signed GET, so piloto
 *               needs no OAuth token at all.
 * Every signed upload binds the exact size and content type: the store
 * itself refuses other bytes (GCS checks x-goog-content-length-range and
 * Content-Type; our PUT handler checks the same).
 *
 * Object names: "<workspace>/<document>/v<version>" (ids are base64url, so
 * no path can be smuggled in).
 */
#ifndef PILOTO_KNOWLEDGE_STORAGE_H
#define PILOTO_KNOWLEDGE_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/common.h"
#include "knowledge/upload_url.h"

/* Longest object name, and the longest a download may be (bytes). */
#define STORAGE_KEY_MAX 256
/* How long a signed download URL lasts (the indexer uses it at once). */
#define STORAGE_GET_TTL_S  300
#define STORAGE_TIMEOUT_MS 60000

struct storage;

/*
 * Opens the store cfg names: 0 and *out, or E_INVALID with one line in err
 * (the directory cannot be created, the credentials file is unreadable or
 * not a service-account key).
 */
NODISCARD int storage_open(const struct config *cfg, struct storage **out, char *err,
                           size_t errlen);
void storage_free(struct storage *s);
/* true for file: (uploads come to piloto's own PUT endpoint). */
bool storage_is_embedded(const struct storage *s);

/* The object name of a document version into out (STORAGE_KEY_MAX bytes). */
void storage_key(const char *wid, const char *document_id, int64_t version, char *out);

/*
 * What the browser needs to upload g's bytes: the URL, the method (PUT) and
 * the headers it must send (names and values, nheaders set, at most 2).
 * wid is the document's workspace; now the time of signing.
 */
struct storage_upload {
    struct buf url;
    const char *header_names[2];
    char header_values[2][128];
    size_t nheaders;
};
NODISCARD int storage_sign_upload(const struct storage *s, const struct config *cfg,
                                  const char *wid, const struct upload_grant *g, int64_t now,
                                  struct storage_upload *out);
void storage_upload_release(struct storage_upload *u);

/*
 * Embedded store: writes an object as its bytes arrive, in constant memory.
 * They go to a temporary file of its own beside the object (concurrent
 * writers never share one), counted against the declared size and hashed
 * on the way; commit makes the object durable (fsync) and puts it in place
 * atomically (rename: readers see the old copy or the new one); a writer
 * freed without a commit removes its temporary file.
 *
 * open: 0 and *out, E_INVALID (gs:, or a size below 1), E_INTERNAL (the
 * file cannot be created).
 */
struct storage_writer;
NODISCARD int storage_writer_open(const struct storage *s, const char *key, int64_t size,
                                  struct storage_writer **out);
/* 0, E_TOO_LARGE (past the declared size: nothing more is written), E_INTERNAL (disk). */
NODISCARD int storage_writer_add(struct storage_writer *w, const void *data, size_t n);
/* Bytes taken so far. */
int64_t storage_writer_count(const struct storage_writer *w);
/*
 * Exactly the declared size arrived: fsync and rename into place; sha256
 * (CRYPTO_SHA256_HEX_SIZE bytes, may be NULL) gets the bytes' SHA-256 in
 * hex. 0, E_INVALID (fewer bytes than declared), E_INTERNAL. Free the writer
 * after, either way.
 */
NODISCARD int storage_writer_commit(struct storage_writer *w, char *sha256);
/* Closes it, removing the temporary file unless committed. Accepts NULL. */
void storage_writer_free(struct storage_writer *w);

/* Embedded store: writes data (n bytes, at least 1) as object key with a writer. 0 or an E_*. */
NODISCARD int storage_put_local(const struct storage *s, const char *key, const void *data,
                                size_t n);

/*
 * Reads object key (at most max bytes) into data and, for tools that read
 * files, leaves it at a local path (path, STORAGE_KEY_MAX + 64 bytes): the
 * file itself in the embedded store, else a temporary copy the caller
 * removes with storage_fetch_done. 0, E_NOT_FOUND (no such object),
 * E_TOO_LARGE (over max), E_UNAVAILABLE/E_UPSTREAM (GCS failed).
 */
NODISCARD int storage_fetch(const struct storage *s, const char *key, size_t max, struct buf *data,
                            char *path, size_t pathcap);
void storage_fetch_done(const struct storage *s, const char *path);

/*
 * Removes object key: 0, also when it was already gone; E_INTERNAL (the
 * file could not be unlinked), E_UNAVAILABLE (GCS down, 5xx, 429) or
 * E_UPSTREAM (GCS refused: another 4xx).
 */
NODISCARD int storage_delete(const struct storage *s, const char *key);

#endif
