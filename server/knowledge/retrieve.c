#include "knowledge/retrieve.h"

#include "core/buf.h"
#include "core/err.h"
#include "knowledge/search_terms.h"

/*
 * One query per backend, the same shape: the match expression ($1), the
 * workspace ($2, always bound), the documents as a JSON array of ids or
 * NULL for all ($3), and the limit ($4). Both rank ids first and read the
 * text of the winners only.
 *
 * SQLite ranks by FTS5's BM25. CROSS JOIN keeps the full-text index the
 * outer loop (given the choice, the planner would walk the workspace's
 * chunks and run the MATCH once per chunk), and each match is checked
 * against the workspace and the documents through document_chunks_cover
 * (migration 0015), a few hot pages, instead of the chunk's row with its
 * text somewhere in the file.
 */
static const char sql_sqlite[] =
    "SELECT c.id, c.document_id, c.ord, r.score, c.text FROM"
    " (SELECT document_chunks_fts.rowid AS id, -bm25(document_chunks_fts) AS score"
    "  FROM document_chunks_fts CROSS JOIN document_chunks c INDEXED BY document_chunks_cover"
    "  ON c.id = document_chunks_fts.rowid"
    "  WHERE document_chunks_fts MATCH $1 AND c.workspace_id = $2"
    "  AND ($3 IS NULL OR c.document_id IN (SELECT value FROM json_each($3)))"
    "  ORDER BY bm25(document_chunks_fts), c.id LIMIT $4) r"
    " JOIN document_chunks c ON c.id = r.id ORDER BY r.score DESC, c.id";

/*
 * PostgreSQL's ts_rank knows no inverse document frequency, so a word that
 * is everywhere ("não") would outweigh the one that matters ("devolver").
 * We rank by BM25 as FTS5 does, with term frequency capped at one: each
 * term's idf over the workspace's chunks ($2), counted among the chunks
 * that match any term (a chunk holding the term matches), length-normalised
 * by the chunk's lexeme count. $1 holds the terms one per space.
 *
 * Each term's matches come from the (workspace, tsv) GIN index on their own
 * (h): the index answers exactly which of the workspace's chunks hold the
 * lexeme, so no tsvector is read (they are TOASTed: reading one per match
 * and term was most of the cost), and the lexeme count is a column of its
 * own (migration 0015). Arithmetic in float8, not numeric.
 */
static const char sql_postgres[] =
    "WITH t AS (SELECT u.i, to_tsquery('piloto_pt', u.w) AS q"
    "   FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS u(w, i)),"
    " h AS (SELECT m.id, m.lexemes::float8 AS dl, t.i FROM t CROSS JOIN LATERAL"
    "   (SELECT c.id, c.lexemes FROM document_chunks c"
    "    WHERE c.workspace_id = $2 AND c.tsv @@ t.q"
    "    AND ($3::text IS NULL OR c.document_id IN (SELECT jsonb_array_elements_text($3::jsonb)))) "
    "m),"
    " d AS (SELECT DISTINCT id, dl FROM h),"
    " df AS (SELECT i, count(*)::float8 AS n FROM h GROUP BY i),"
    " s AS (SELECT greatest((SELECT sum(chunk_count) FROM documents WHERE workspace_id = $2),"
    "   (SELECT count(*) FROM d))::float8 AS n, greatest((SELECT avg(dl) FROM d), 1) AS avgdl),"
    " r AS (SELECT h.id, sum(ln(1 + (s.n - df.n + 0.5) / (df.n + 0.5))"
    "   * 2.2 / (1 + 1.2 * (0.25 + 0.75 * h.dl / s.avgdl))) AS score"
    "   FROM h JOIN df ON df.i = h.i CROSS JOIN s GROUP BY h.id ORDER BY score DESC, h.id LIMIT $4)"
    " SELECT c.id, c.document_id, c.ord, r.score, c.text"
    " FROM r JOIN document_chunks c ON c.id = r.id"
    " ORDER BY r.score DESC, c.id";

/*
 * How many chunks of the workspace one term matches, counted up to a cap
 * ($3): the cost of a count is bounded whatever the term.
 */
static const char count_sqlite[] =
    "SELECT count(*) FROM (SELECT 1 FROM document_chunks_fts"
    " CROSS JOIN document_chunks c INDEXED BY document_chunks_cover"
    " ON c.id = document_chunks_fts.rowid"
    " WHERE document_chunks_fts MATCH $1 AND c.workspace_id = $2 LIMIT $3)";
/*
 * PostgreSQL counts every term in one statement ($1: the words one per
 * space; a row per term, in order): planning costs more there than a
 * count, and each statement is planned anew.
 */
static const char count_postgres[] =
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM document_chunks c"
    "  WHERE c.workspace_id = $2 AND c.tsv @@ to_tsquery('piloto_pt', u.w) LIMIT $3) x)"
    " FROM unnest(string_to_array($1, ' ')) WITH ORDINALITY AS u(w, i) ORDER BY u.i";

/* Ids are ours ([A-Za-z0-9_-]); anything else cannot name a document. */
static bool
is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RETRIEVE_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

static int
render_ids(const struct retrieve_query *q, struct buf *out)
{
    if (buf_addch(out, '[')) {
        return E_INTERNAL;
    }
    for (size_t i = 0; i < q->ndocs; i++) {
        if (!is_id(q->document_ids[i])) {
            return E_INVALID;
        }
        if (buf_addf(out, "%s\"%s\"", i ? "," : "", q->document_ids[i])) {
            return E_INTERNAL;
        }
    }
    return buf_addch(out, ']') ? E_INTERNAL : 0;
}

struct term_count {
    size_t i;
    int64_t n;
};

static int
cmp_count(const void *a, const void *b)
{
    const struct term_count *x = a;
    const struct term_count *y = b;
    if (x->n != y->n) {
        return x->n < y->n ? -1 : 1;
    }
    return x->i < y->i ? -1 : (x->i > y->i);
}

/* The terms to rank by from their counts (see select_terms). */
static int
keep_rarest(struct term_count *counts, const struct search_terms *all, struct search_terms *kept)
{
    int64_t total = 0;

    qsort(counts, all->n, sizeof(counts[0]), cmp_count);
    *kept = (struct search_terms)SEARCH_TERMS_INIT;
    for (size_t k = 0; k < all->n; k++) {
        size_t i = counts[k].i;
        if (counts[k].n == 0) {
            continue;
        }
        if (kept->n > 0 && total + counts[k].n > RETRIEVE_BUDGET) {
            break;
        }
        total += counts[k].n;
        memcpy(kept->term[kept->n], all->term[i], sizeof(kept->term[0]));
        memcpy(kept->word[kept->n], all->word[i], sizeof(kept->word[0]));
        kept->prefix[kept->n] = all->prefix[i];
        kept->n++;
    }
    return 0;
}

/*
 * Keeps the terms worth ranking by, rarest first, while the chunks they
 * match add up to RETRIEVE_BUDGET (the rarest always stays): ranking costs
 * a score per matching chunk, and a word that is in thousands of chunks
 * ("loja" in a store's documents) adds cost, not information (its idf is
 * near zero). Small collections keep every term. Terms nothing matches go.
 */
static int
select_terms(struct db_conn *conn, bool pg, const char *wid, const struct search_terms *all,
             struct search_terms *kept)
{
    struct term_count counts[SEARCH_TERMS_MAX] = {{0, 0}};
    int err = 0;

    if (pg) {
        struct buf m = BUF_INIT;
        struct db_result *r = NULL;
        err = search_terms_render_tsquery(all, " ", &m);
        if (!err) {
            struct db_param p[] = {DB_TEXT(m.ptr, m.len), DB_CSTR(wid),
                                   DB_INT(RETRIEVE_BUDGET + 1)};
            err = db_exec(conn, count_postgres, p, ARRAY_LEN(p), &r);
        }
        for (size_t i = 0; i < all->n && !err; i++) {
            counts[i] = (struct term_count){i, i < db_result_rows(r) ? db_int(r, i, 0) : 0};
        }
        db_result_free(r);
        buf_release(&m);
        return err ? err : keep_rarest(counts, all, kept);
    }
    for (size_t i = 0; i < all->n && !err; i++) {
        struct search_terms one = SEARCH_TERMS_INIT;
        struct buf m = BUF_INIT;
        struct db_result *r = NULL;

        one.n = 1;
        memcpy(one.term[0], all->term[i], sizeof(one.term[0]));
        memcpy(one.word[0], all->word[i], sizeof(one.word[0]));
        one.prefix[0] = all->prefix[i];
        err = search_terms_render_fts5(&one, &m);
        if (!err) {
            struct db_param p[] = {DB_TEXT(m.ptr, m.len), DB_CSTR(wid),
                                   DB_INT(RETRIEVE_BUDGET + 1)};
            err = db_exec(conn, count_sqlite, p, ARRAY_LEN(p), &r);
        }
        counts[i] = (struct term_count){i, err ? 0 : db_int(r, 0, 0)};
        db_result_free(r);
        buf_release(&m);
    }
    return err ? err : keep_rarest(counts, all, kept);
}

int
retrieve_chunks(struct db_conn *conn, const struct retrieve_query *q, struct retrieve_result *out)
{
    struct search_terms all = SEARCH_TERMS_INIT;
    struct search_terms terms;
    struct buf match = BUF_INIT;
    struct buf ids = BUF_INIT;
    struct db_result *res = NULL;
    bool pg = db_conn_get_kind(conn) == DB_POSTGRES;
    int err = E_INVALID;

    *out = (struct retrieve_result)RETRIEVE_RESULT_INIT;
    if (q->limit < 1 || q->limit > RETRIEVE_LIMIT_MAX || q->ndocs > RETRIEVE_DOCS_MAX ||
        q->nmessages > RETRIEVE_MSGS_MAX || !is_id(q->workspace_id) ||
        (q->ndocs && !q->document_ids)) {
        goto out;
    }
    /* Newest message first: past SEARCH_TERMS_MAX, the oldest words are dropped. */
    for (size_t i = q->nmessages; i-- > 0;) {
        search_terms_add(&all, q->messages[i]);
    }
    err = select_terms(conn, pg, q->workspace_id, &all, &terms);
    if (err || terms.n == 0) {
        goto out;
    }
    err = pg ? search_terms_render_tsquery(&terms, " ", &match)
             : search_terms_render_fts5(&terms, &match);
    if (!err && q->document_ids) {
        err = render_ids(q, &ids);
    }
    if (err) {
        goto out;
    }
    {
        struct db_param params[] = {
            DB_TEXT(match.ptr, match.len),
            DB_CSTR(q->workspace_id),
            q->document_ids ? DB_TEXT(ids.ptr, ids.len) : DB_NULL,
            DB_INT(q->limit),
        };
        err = db_exec(conn, pg ? sql_postgres : sql_sqlite, params, ARRAY_LEN(params), &res);
    }
    if (err) {
        goto out;
    }
    out->n = db_result_rows(res);
    out->v = out->n ? xcalloc(out->n, sizeof(*out->v)) : NULL;
    for (size_t i = 0; i < out->n; i++) {
        struct retrieve_hit *h = &out->v[i];
        h->chunk_id = db_int(res, i, 0);
        db_text_copy(res, i, 1, h->document_id, sizeof(h->document_id));
        h->ord = db_int(res, i, 2);
        h->score = strtod(db_text(res, i, 3), NULL);
        h->text = xstrndup(db_text(res, i, 4), db_text_len(res, i, 4));
    }
out:
    db_result_free(res);
    buf_release(&match);
    buf_release(&ids);
    return err;
}

void
retrieve_result_release(struct retrieve_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].text);
    }
    free(r->v);
    *r = (struct retrieve_result)RETRIEVE_RESULT_INIT;
}
