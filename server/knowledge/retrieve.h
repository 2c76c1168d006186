/*
 * Retrieval: the one function the agents call (SPEC §8). Given a workspace,
 * the documents an agent may use and the lead's recent messages, the best
 * chunks with their ids and scores, on both databases with the same
 * behaviour: the same terms (knowledge/search_terms), matched against an
 * index that folds accents the same way, ranked by relevance (SQLite:
 * FTS5's BM25; PostgreSQL: ts_rank_cd over the GIN-indexed tsvector). Scores
 * are positive, higher is better, and comparable within one backend only.
 *
 * Only chunks of the given workspace are ever read (the query binds it),
 * only of the given documents when any are named, and only of documents
 * whose current chunks they are (a document being re-indexed answers with
 * its previous version until the swap; a deleted one never).
 */
#ifndef PILOTO_KNOWLEDGE_RETRIEVE_H
#define PILOTO_KNOWLEDGE_RETRIEVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "core/str.h"
#include "db/db.h"

/* Most chunks one call returns, documents it filters by, and messages it reads. */
#define RETRIEVE_LIMIT_MAX 20
#define RETRIEVE_DOCS_MAX  200
#define RETRIEVE_MSGS_MAX  20
#define RETRIEVE_ID_MAX    64
/*
 * Chunks one question ranks at most, summed over its terms (rarest first;
 * see select_terms in retrieve.c): what bounds a question's cost on a big
 * collection.
 */
#define RETRIEVE_BUDGET 3000

struct retrieve_hit {
    int64_t chunk_id;
    char document_id[RETRIEVE_ID_MAX + 1];
    int64_t ord;  /* the chunk's position in its document */
    double score; /* > 0, higher is better */
    char *text;   /* owned by the result */
};

struct retrieve_result {
    struct retrieve_hit *v;
    size_t n;
};

#define RETRIEVE_RESULT_INIT                                                                       \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

struct retrieve_query {
    const char *workspace_id;
    const char *const *document_ids; /* NULL or ndocs ids: only these documents */
    size_t ndocs;
    const struct str *messages; /* oldest first; the newest weigh most */
    size_t nmessages;
    size_t limit; /* 1..RETRIEVE_LIMIT_MAX */
};

/*
 * Fills out with up to q->limit chunks, best first: 0 (no match is 0 with
 * out->n == 0), E_INVALID (limit, too many documents or messages), or a db
 * error. conn may be inside a transaction.
 */
NODISCARD int retrieve_chunks(struct db_conn *conn, const struct retrieve_query *q,
                              struct retrieve_result *out);
/* Frees the hits; back to RETRIEVE_RESULT_INIT. */
void retrieve_result_release(struct retrieve_result *r);

#endif
