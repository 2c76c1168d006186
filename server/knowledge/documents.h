/*
 * Knowledge documents in the database (migration 0009): one row per file
 * name in a workspace, with its current version and status, and the chunks
 * of its last indexed version. Every function takes the workspace id and
 * binds it in every statement: a document id from another workspace is
 * simply not found.
 *
 * Lifecycle: documents_begin_upload (status uploading, a new version) ->
 * documents_set_status(indexing) when the upload is complete ->
 * documents_store_chunks (ready) or documents_set_status(failed). A newer
 * upload of the same name supersedes an older version still in flight: the
 * older one's chunks are refused (E_CONFLICT) so they never replace newer ones.
 *
 * All functions run on a connection the caller holds, usually inside
 * db_tx, so a chunk swap or a delete is one transaction: retrieval sees
 * the old chunks or the new ones, never a mix, and never a deleted
 * document's.
 */
#ifndef PILOTO_KNOWLEDGE_DOCUMENTS_H
#define PILOTO_KNOWLEDGE_DOCUMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "knowledge/chunk.h"
#include "knowledge/doctype.h"
#include "knowledge/extract.h"

#define DOCUMENT_ID_MAX       64
#define DOCUMENT_FILENAME_MAX 255

enum document_status {
    DOCUMENT_UPLOADING,
    DOCUMENT_INDEXING,
    DOCUMENT_READY,
    DOCUMENT_FAILED,
};

struct document {
    char id[DOCUMENT_ID_MAX + 1];
    char workspace_id[DOCUMENT_ID_MAX + 1];
    char filename[DOCUMENT_FILENAME_MAX * 4 + 1];
    enum doctype type;
    int64_t size;
    int64_t version;
    enum document_status status;
    enum docfail failure; /* DOCFAIL_NONE unless failed */
    int64_t chunks;
    int64_t created_at;
    int64_t updated_at;
};

/* "uploading", "indexing", "ready", "failed" (the API's words). */
const char *document_status_name(enum document_status s);

/*
 * Starts an upload of filename into workspace wid: a new document, or a new
 * version of the one with that name (its chunks keep answering until the
 * new version is indexed). 0 and *out, or a db error.
 */
NODISCARD int documents_begin_upload(struct db_conn *conn, const char *wid, struct str filename,
                                     enum doctype type, int64_t size, const char *user_id,
                                     int64_t now, struct document *out);
/* 0 and *out, E_NOT_FOUND (no such document in wid), or a db error. */
NODISCARD int documents_find(struct db_conn *conn, const char *wid, const char *id,
                             struct document *out);
/*
 * Moves version of the document to status (with failure when failed): 0,
 * E_NOT_FOUND, or E_CONFLICT when version is no longer the current one.
 */
NODISCARD int documents_set_status(struct db_conn *conn, const char *wid, const char *id,
                                   int64_t version, enum document_status status,
                                   enum docfail failure, int64_t now);
/*
 * Replaces the document's chunks with chunks of text and marks version
 * ready: 0, E_NOT_FOUND, E_CONFLICT (version superseded), or a db error.
 * Run it inside a transaction.
 */
NODISCARD int documents_store_chunks(struct db_conn *conn, const char *wid, const char *id,
                                     int64_t version, struct str text,
                                     const struct chunk_list *chunks, int64_t now);
/*
 * Marks version failed with why and drops the document's chunks (a failed
 * document does not answer, even with an older version's text): 0,
 * E_NOT_FOUND, E_CONFLICT (version superseded), or a db error.
 */
NODISCARD int documents_fail(struct db_conn *conn, const char *wid, const char *id, int64_t version,
                             enum docfail why, int64_t now);
/*
 * Every document of wid, newest first, into an array of *n allocated in a
 * (freed with it): 0 or a db error.
 */
NODISCARD int documents_list(struct db *db, const char *wid, struct arena *a, struct document **out,
                             size_t *n);
/* The sum of the declared sizes of wid's documents (the per-workspace limit), on conn. */
NODISCARD int documents_usage(struct db_conn *conn, const char *wid, int64_t *bytes);
/*
 * The workspace and current version of document id, for the embedded
 * store's upload endpoint only: its signed URL names the document, not the
 * workspace (the signature is what authorises it). 0 or E_NOT_FOUND.
 */
NODISCARD int documents_locate(struct db *db, const char *id, struct document *out);

struct document_chunk {
    int64_t id;
    int64_t ord;
    const char *text; /* in the arena */
};
/*
 * Up to limit chunks of document id in wid after position after (-1: from
 * the start), in order, into the arena: 0 or a db error.
 */
NODISCARD int documents_chunks(struct db *db, const char *wid, const char *id, int64_t after,
                               size_t limit, struct arena *a, struct document_chunk **out,
                               size_t *n);
/* Deletes the document and its chunks: 0, E_NOT_FOUND, or a db error. */
NODISCARD int documents_delete(struct db_conn *conn, const char *wid, const char *id);

#endif
