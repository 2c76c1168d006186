#include "knowledge/documents.h"

#include "core/err.h"
#include "crypto/crypto.h"

static const char *const status_names[] = {"uploading", "indexing", "ready", "failed"};

const char *
document_status_name(enum document_status s)
{
    return (size_t)s < ARRAY_LEN(status_names) ? status_names[s] : "failed";
}

static enum document_status
parse_status(const char *s)
{
    for (size_t i = 0; i < ARRAY_LEN(status_names); i++) {
        if (strcmp(s, status_names[i]) == 0) {
            return (enum document_status)i;
        }
    }
    return DOCUMENT_FAILED;
}

#define DOCUMENT_COLUMNS                                                                           \
    "id, workspace_id, filename, doctype, size, version, status, error_code, chunk_count, "        \
    "created_at, updated_at"

static void
read_row(const struct db_result *r, size_t row, struct document *d)
{
    db_text_copy(r, row, 0, d->id, sizeof(d->id));
    db_text_copy(r, row, 1, d->workspace_id, sizeof(d->workspace_id));
    db_text_copy(r, row, 2, d->filename, sizeof(d->filename));
    d->type = doctype_from_name(str_from_cstr(db_text(r, row, 3)));
    d->size = db_int(r, row, 4);
    d->version = db_int(r, row, 5);
    d->status = parse_status(db_text(r, row, 6));
    d->failure = docfail_from_code(str_from_cstr(db_text(r, row, 7)));
    d->chunks = db_int(r, row, 8);
    d->created_at = db_int(r, row, 9);
    d->updated_at = db_int(r, row, 10);
}

/* The one row of r into out (and frees r): 0, E_NOT_FOUND, or err as it came. */
static int
take_one(int err, struct db_result *r, struct document *out)
{
    if (!err && db_result_rows(r) == 0) {
        err = E_NOT_FOUND;
    }
    if (!err) {
        read_row(r, 0, out);
    }
    db_result_free(r);
    return err;
}

int
documents_find(struct db_conn *conn, const char *wid, const char *id, struct document *out)
{
    struct db_param p[] = {DB_CSTR(id), DB_CSTR(wid)};
    struct db_result *r = NULL;
    int err = db_exec(
        conn, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = $1 AND workspace_id = $2", p,
        ARRAY_LEN(p), &r);

    return take_one(err, r, out);
}

int
documents_begin_upload(struct db_conn *conn, const char *wid, struct str filename,
                       enum doctype type, int64_t size, const char *user_id, int64_t now,
                       struct document *out)
{
    char id[CRYPTO_B64URL_SIZE(16)];
    struct db_result *r = NULL;
    int err;

    crypto_random_token(16, id, sizeof(id));
    struct db_param p[] = {
        DB_CSTR(id),
        DB_CSTR(wid),
        DB_TEXT(filename.ptr, filename.len),
        DB_CSTR(doctype_name(type)),
        DB_INT(size),
        user_id ? DB_CSTR(user_id) : DB_NULL,
        DB_INT(now),
    };
    /* A new name inserts; a known one starts its next version (the id stays). */
    err = db_exec(conn,
                  "INSERT INTO documents (id, workspace_id, filename, doctype, size, version, "
                  "status, created_by, created_at, updated_at) "
                  "VALUES ($1, $2, $3, $4, $5, 1, 'uploading', $6, $7, $7) "
                  "ON CONFLICT (workspace_id, filename) DO UPDATE SET doctype = excluded.doctype, "
                  "size = excluded.size, version = documents.version + 1, status = 'uploading', "
                  "error_code = NULL, created_by = excluded.created_by, "
                  "updated_at = excluded.updated_at "
                  "RETURNING " DOCUMENT_COLUMNS,
                  p, ARRAY_LEN(p), &r);
    if (!err && db_result_rows(r) != 1) {
        err = E_DB;
    }
    if (!err) {
        read_row(r, 0, out);
    }
    db_result_free(r);
    return err;
}

/* Locks the document's row for the rest of the transaction and checks its version. */
static int
check_version(struct db_conn *conn, const char *wid, const char *id, int64_t version)
{
    struct db_param p[] = {DB_CSTR(id), DB_CSTR(wid)};
    struct db_result *r = NULL;
    bool pg = db_conn_get_kind(conn) == DB_POSTGRES;
    int err = db_exec(conn,
                      pg ? "SELECT version FROM documents WHERE id = $1 AND workspace_id = $2 "
                           "FOR UPDATE"
                         : "SELECT version FROM documents WHERE id = $1 AND workspace_id = $2",
                      p, ARRAY_LEN(p), &r);

    if (!err) {
        err = db_result_rows(r) == 0 ? E_NOT_FOUND : db_int(r, 0, 0) != version ? E_CONFLICT : 0;
    }
    db_result_free(r);
    return err;
}

int
documents_set_status(struct db_conn *conn, const char *wid, const char *id, int64_t version,
                     enum document_status status, enum docfail failure, int64_t now)
{
    struct db_param p[] = {
        DB_CSTR(id),
        DB_CSTR(wid),
        DB_INT(version),
        DB_CSTR(document_status_name(status)),
        failure == DOCFAIL_NONE ? DB_NULL : DB_CSTR(docfail_code(failure)),
        DB_INT(now),
    };
    struct db_result *r = NULL;
    int err = db_exec(conn,
                      "UPDATE documents SET status = $4, error_code = $5, updated_at = $6 "
                      "WHERE id = $1 AND workspace_id = $2 AND version = $3",
                      p, ARRAY_LEN(p), &r);

    if (!err && db_result_affected(r) == 0) {
        struct document d;
        err = documents_find(conn, wid, id, &d);
        err = err ? err : E_CONFLICT;
    }
    db_result_free(r);
    return err;
}

int
documents_store_chunks(struct db_conn *conn, const char *wid, const char *id, int64_t version,
                       struct str text, const struct chunk_list *chunks, int64_t now)
{
    struct db_param del[] = {DB_CSTR(id), DB_CSTR(wid)};
    struct db_param done[] = {DB_CSTR(id), DB_CSTR(wid), DB_INT((int64_t)chunks->n), DB_INT(now)};
    int err = check_version(conn, wid, id, version);

    err = err ? err
              : db_exec(conn,
                        "DELETE FROM document_chunks WHERE document_id = $1 AND workspace_id = $2",
                        del, ARRAY_LEN(del), NULL);
    for (size_t i = 0; !err && i < chunks->n; i++) {
        struct db_param p[] = {
            DB_CSTR(wid),
            DB_CSTR(id),
            DB_INT((int64_t)i),
            DB_TEXT(text.ptr + chunks->v[i].off, chunks->v[i].len),
        };
        err = db_exec(conn,
                      "INSERT INTO document_chunks (workspace_id, document_id, ord, text) "
                      "VALUES ($1, $2, $3, $4)",
                      p, ARRAY_LEN(p), NULL);
    }
    return err ? err
               : db_exec(conn,
                         "UPDATE documents SET status = 'ready', error_code = NULL, "
                         "chunk_count = $3, indexed_at = $4, updated_at = $4 "
                         "WHERE id = $1 AND workspace_id = $2",
                         done, ARRAY_LEN(done), NULL);
}

int
documents_fail(struct db_conn *conn, const char *wid, const char *id, int64_t version,
               enum docfail why, int64_t now)
{
    struct db_param del[] = {DB_CSTR(id), DB_CSTR(wid)};
    int err = check_version(conn, wid, id, version);

    err = err ? err
              : db_exec(conn,
                        "DELETE FROM document_chunks WHERE document_id = $1 AND workspace_id = $2",
                        del, ARRAY_LEN(del), NULL);
    if (!err) {
        struct db_param p[] = {DB_CSTR(id), DB_CSTR(wid), DB_CSTR(docfail_code(why)), DB_INT(now)};
        err = db_exec(conn,
                      "UPDATE documents SET status = 'failed', error_code = $3, chunk_count = 0, "
                      "updated_at = $4 WHERE id = $1 AND workspace_id = $2",
                      p, ARRAY_LEN(p), NULL);
    }
    return err;
}

int
documents_delete(struct db_conn *conn, const char *wid, const char *id)
{
    struct db_param p[] = {DB_CSTR(id), DB_CSTR(wid)};
    struct db_result *r = NULL;
    /* The chunks go by the foreign key's cascade (and, on SQLite, out of FTS by trigger). */
    int err = db_exec(conn, "DELETE FROM documents WHERE id = $1 AND workspace_id = $2", p,
                      ARRAY_LEN(p), &r);

    if (!err && db_result_affected(r) == 0) {
        err = E_NOT_FOUND;
    }
    db_result_free(r);
    return err;
}

int
documents_list(struct db *db, const char *wid, struct arena *a, struct document **out, size_t *n)
{
    struct db_param p[] = {DB_CSTR(wid)};
    struct db_result *r = NULL;
    int err = db_run(db,
                     "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE workspace_id = $1 "
                     "ORDER BY created_at DESC, id",
                     p, ARRAY_LEN(p), &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, sizeof(**out) * (rows ? rows : 1));
        for (size_t i = 0; i < rows; i++) {
            read_row(r, i, &(*out)[i]);
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}

int
documents_usage(struct db_conn *conn, const char *wid, int64_t *bytes)
{
    struct db_param p[] = {DB_CSTR(wid)};
    struct db_result *r = NULL;
    int err = db_exec(conn,
                      "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM documents "
                      "WHERE workspace_id = $1",
                      p, ARRAY_LEN(p), &r);

    *bytes = err ? 0 : db_int(r, 0, 0);
    db_result_free(r);
    return err;
}

int
documents_locate(struct db *db, const char *id, struct document *out)
{
    struct db_param p[] = {DB_CSTR(id)};
    struct db_result *r = NULL;
    int err =
        db_run(db, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = $1", p, ARRAY_LEN(p), &r);

    return take_one(err, r, out);
}

int
documents_chunks(struct db *db, const char *wid, const char *id, int64_t after, size_t limit,
                 struct arena *a, struct document_chunk **out, size_t *n)
{
    struct db_param p[] = {DB_CSTR(id), DB_CSTR(wid), DB_INT(after), DB_INT((int64_t)limit)};
    struct db_result *r = NULL;
    int err = db_run(db,
                     "SELECT id, ord, text FROM document_chunks WHERE document_id = $1 "
                     "AND workspace_id = $2 AND ord > $3 ORDER BY ord LIMIT $4",
                     p, ARRAY_LEN(p), &r);

    *out = NULL;
    *n = 0;
    if (!err) {
        size_t rows = db_result_rows(r);
        *out = arena_alloc(a, sizeof(**out) * (rows ? rows : 1));
        for (size_t i = 0; i < rows; i++) {
            (*out)[i].id = db_int(r, i, 0);
            (*out)[i].ord = db_int(r, i, 1);
            (*out)[i].text = arena_strdup(a, db_text(r, i, 2));
        }
        *n = rows;
    }
    db_result_free(r);
    return err;
}
