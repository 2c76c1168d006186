/*
 * Indexing one uploaded document version (the "document indexing" job's
 * work): fetch the object, check it is what was declared (exact size, then
 * the format's signature), extract its text, chunk it, and swap its chunks
 * in one transaction. A file that cannot give text ends as failed with a
 * reason (knowledge/extract.h), never as a crash; a version superseded by a
 * newer upload, or a document deleted meanwhile, ends quietly.
 *
 * Blocking (storage download, pdftotext): run it on a job worker.
 */
#ifndef PILOTO_KNOWLEDGE_INDEXER_H
#define PILOTO_KNOWLEDGE_INDEXER_H

#include <stdint.h>

#include "core/common.h"
#include "db/db.h"
#include "knowledge/extract.h"
#include "knowledge/storage.h"

struct indexer_outcome {
    enum docfail failure; /* DOCFAIL_NONE when indexed (or nothing to do) */
    size_t chunks;
    bool skipped; /* superseded or deleted: nothing was done */
};

/*
 * Indexes version of document id in workspace wid: 0 when the outcome is
 * final (indexed, failed with a reason, or skipped; see *out), or an error
 * worth retrying (E_UNAVAILABLE: storage or database unreachable; E_DB).
 */
NODISCARD int indexer_run(struct db *db, const struct storage *st, const struct extract_limits *lim,
                          const char *wid, const char *id, int64_t version,
                          struct indexer_outcome *out);

#endif
