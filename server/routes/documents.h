/*
 * Knowledge documents on the wire (SPEC §8, §11): the upload grant under
 * /bff/uploads, the embedded store's signed PUT endpoint, the workspace
 * routes under /api/v1/workspaces/{wid}/documents, and the indexing job
 * that runs knowledge/indexer on a worker with the app's storage.
 */
#ifndef PILOTO_ROUTES_DOCUMENTS_H
#define PILOTO_ROUTES_DOCUMENTS_H

#include "db/db.h"
#include "http/request.h"
#include "jobs/queue.h"

/* Payload: {"workspaceId", "documentId", "version"}. */
#define DOCUMENTS_INDEX_JOB "documents.index"

int documents_index_job(struct job_ctx *ctx, const struct job *job);
/* Last attempt failed (storage or database down for minutes): the document fails, "internal". */
int documents_index_dead(struct db_conn *conn, const struct job *job, const char *last_error);

/*
 * Removes a deleted document's stored files (versions 1..version), queued
 * in the delete's transaction; retried while the store is unreachable.
 * Payload as the index job's.
 */
#define DOCUMENTS_PURGE_JOB "documents.purge"

int documents_purge_job(struct job_ctx *ctx, const struct job *job);

/* Largest file, and the most bytes of documents a workspace keeps. */
#define DOCUMENT_FILE_MAX      (20 * 1024 * 1024)
#define DOCUMENT_WORKSPACE_MAX (500LL * 1024 * 1024)

/* /api/v1/workspaces/{wid}/documents... handlers (rows of the tenant table). */
int documents_route_list(struct request *req);
int documents_route_complete(struct request *req);
int documents_route_delete(struct request *req);
int documents_route_chunks(struct request *req);
int documents_route_search(struct request *req);

#endif
