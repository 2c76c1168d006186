/*
 * Knowledge documents on the wire (SPEC §8, §11): the upload grant under
 * /bff/uploads, the embedded store's signed PUT endpoint, the workspace
 * routes under /api/v1/workspaces/{wid}/documents, and the indexing job
 * that runs knowledge/indexer on a worker with the app's storage.
 */
#ifndef PILOTO_ROUTES_DOCUMENTS_H
#define PILOTO_ROUTES_DOCUMENTS_H

#include "db/db.h"
#include "jobs/queue.h"

/* Payload: {"workspaceId", "documentId", "version"}. */
#define DOCUMENTS_INDEX_JOB "documents.index"

int documents_index_job(struct job_ctx *ctx, const struct job *job);
/* Last attempt failed (storage or database down for minutes): the document fails, "internal". */
int documents_index_dead(struct db_conn *conn, const struct job *job, const char *last_error);

#endif
