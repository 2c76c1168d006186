#include "routes/documents.h"

#include <inttypes.h>

#include <string.h>

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strnum.h"
#include "crypto/crypto.h"
#include "knowledge/documents.h"
#include "knowledge/indexer.h"
#include "knowledge/retrieve.h"
#include "knowledge/storage.h"
#include "knowledge/upload_url.h"
#include "middleware/middleware.h"
#include "routes/routes.h"
#include "workspaces/workspaces.h"

struct index_payload {
    char wid[DOCUMENT_ID_MAX + 1];
    char id[DOCUMENT_ID_MAX + 1];
    int64_t version;
};

static int
read_payload(const struct job *job, struct index_payload *p)
{
    int err = jobs_payload_str(job, "workspaceId", p->wid, sizeof(p->wid));
    if (!err) {
        err = jobs_payload_str(job, "documentId", p->id, sizeof(p->id));
    }
    if (!err) {
        err = jobs_payload_int(job, "version", &p->version);
    }
    return err;
}

int
documents_index_job(struct job_ctx *ctx, const struct job *job)
{
    const struct app *app = jobs_ctx_env(ctx);
    struct index_payload p = {0};
    struct indexer_outcome out = {0};
    int err;

    if (read_payload(job, &p)) {
        return jobs_fail_for_good(ctx, "malformed payload");
    }
    err = indexer_run(jobs_ctx_db(ctx), app->storage, &extract_default_limits, p.wid, p.id,
                      p.version, &out);
    if (err) {
        return jobs_fail(ctx, err, "indexing document %s v%" PRId64 ": %s", p.id, p.version,
                         err_name(err));
    }
    return 0;
}

int
documents_index_dead(struct db_conn *conn, const struct job *job, const char *last_error)
{
    struct index_payload p = {0};
    int err;

    (void)last_error;
    if (read_payload(job, &p)) {
        return 0;
    }
    err = documents_fail(conn, p.wid, p.id, p.version, DOCFAIL_INTERNAL, clock_wall_s());
    /* Deleted or superseded meanwhile: nothing to say. */
    return err == E_NOT_FOUND || err == E_CONFLICT ? 0 : err;
}

/* Payload: {"workspaceId", "documentId", "version"}: versions 1..version go. */
int
documents_purge_job(struct job_ctx *ctx, const struct job *job)
{
    const struct app *app = jobs_ctx_env(ctx);
    struct index_payload p = {0};
    char key[STORAGE_KEY_MAX];

    if (read_payload(job, &p) || p.version < 1) {
        return jobs_fail_for_good(ctx, "malformed payload");
    }
    for (int64_t v = 1; v <= p.version; v++) {
        int err;
        storage_key(p.wid, p.id, v, key);
        if ((err = storage_delete(app->storage, key))) {
            /* Those removed already are gone for good: the retry finds them missing. */
            return jobs_fail(ctx, err, "removing document %s v%" PRId64 ": %s", p.id, v,
                             err_name(err));
        }
    }
    return 0;
}

/* --- Routes ------------------------------------------------------------- */

static json_t *
document_json(const struct document *d)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "id", d->id, "filename",
                          d->filename, "contentType", doctype_mime(d->type), "status",
                          document_status_name(d->status), "chunks", (json_int_t)d->chunks, "size",
                          (json_int_t)d->size, "version", (json_int_t)d->version);
    if (d->status == DOCUMENT_FAILED) {
        json_object_set_new(o, "reason", json_string(docfail_code(d->failure)));
        json_object_set_new(o, "reasonText", json_string(docfail_message(d->failure)));
    }
    return o;
}

/* A path id copied out: NULL when too long to name anything (answered 404). */
static const char *
doc_param(struct request *req, const char *name)
{
    struct str id = request_param(req, name);
    return id.len && id.len <= DOCUMENT_ID_MAX ? arena_strdup_str(req->arena, id) : NULL;
}

/* GET .../documents -> {"documents": [...]} */
int
documents_route_list(struct request *req)
{
    struct document *list = NULL;
    size_t n = 0;
    int err = documents_list(req->app->db, req->tenant->workspace_id, req->arena, &list, &n);
    json_t *arr;

    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, document_json(&list[i]));
    }
    routes_reply_json_take(req, 200, json_pack("{s:o}", "documents", arr));
    return 0;
}

struct complete_tx {
    const char *wid;
    const char *id;
    struct document doc;
};

/* {"workspaceId","documentId","version"} of c's document into out. */
static void
document_payload(const struct complete_tx *c, char *out, size_t cap)
{
    (void)snprintf(out, cap, "{\"workspaceId\":\"%s\",\"documentId\":\"%s\",\"version\":%lld}",
                   c->wid, c->id, (long long)c->doc.version);
}

/* Runs fn in a transaction on the document the path names: 404 for an id that names nothing. */
static int
doc_tx(struct request *req, db_tx_fn fn, struct complete_tx *c)
{
    c->wid = req->tenant->workspace_id;
    c->id = doc_param(req, "id");
    return c->id ? db_tx(req->app->db, fn, c) : E_NOT_FOUND;
}

static int
complete_fn(struct db_conn *conn, void *arg)
{
    struct complete_tx *c = arg;
    char payload[256];
    char dedupe[DOCUMENT_ID_MAX + 32];
    struct job_options opt = {0};
    int err = documents_find(conn, c->wid, c->id, &c->doc);

    if (err) {
        return err;
    }
    if (c->doc.status == DOCUMENT_INDEXING) {
        return 0; /* completed twice: the job is already queued */
    }
    if (c->doc.status != DOCUMENT_UPLOADING) {
        return E_CONFLICT;
    }
    if ((err = documents_set_status(conn, c->wid, c->id, c->doc.version, DOCUMENT_INDEXING,
                                    DOCFAIL_NONE, clock_wall_s()))) {
        return err;
    }
    c->doc.status = DOCUMENT_INDEXING;
    document_payload(c, payload, sizeof(payload));
    (void)snprintf(dedupe, sizeof(dedupe), "%s:%lld", c->id, (long long)c->doc.version);
    opt.dedupe_key = dedupe;
    return jobs_enqueue(conn, DOCUMENTS_INDEX_JOB, payload, &opt, NULL);
}

/* POST .../documents/{id}/complete -> 202 {"document"}: indexing is queued. */
int
documents_route_complete(struct request *req)
{
    struct complete_tx c = {0};
    int err = doc_tx(req, complete_fn, &c);

    if (err) {
        if (err == E_CONFLICT) {
            response_problem(req, err, "the document is not waiting for its upload");
            return 0;
        }
        return err;
    }
    routes_reply_json_take(req, 202, json_pack("{s:o}", "document", document_json(&c.doc)));
    return 0;
}

static int
delete_fn(struct db_conn *conn, void *arg)
{
    struct complete_tx *c = arg;
    char payload[256];
    int err = documents_find(conn, c->wid, c->id, &c->doc);

    if (err || (err = documents_delete(conn, c->wid, c->id))) {
        return err;
    }
    /* The stored files go after the commit, retried while the store is down. */
    document_payload(c, payload, sizeof(payload));
    return jobs_enqueue(conn, DOCUMENTS_PURGE_JOB, payload, NULL, NULL);
}

/* DELETE .../documents/{id} -> 204: out of retrieval with the commit; the files by a job after. */
int
documents_route_delete(struct request *req)
{
    struct complete_tx c = {0};
    int err = doc_tx(req, delete_fn, &c);

    if (err) {
        return err;
    }
    response_empty(req, 204);
    return 0;
}

/* A non-negative integer query parameter, or def when absent: 0 or E_VALIDATION. */
static int
query_int(struct request *req, const char *name, int64_t def, int64_t min, int64_t max,
          int64_t *out)
{
    struct str v = request_query(req, name);
    *out = def;
    if (!v.len) {
        return 0;
    }
    if (strnum_parse(v, min, max, out)) {
        request_field_error(req, name, "out_of_range", "not an integer in range");
        return E_VALIDATION;
    }
    return 0;
}

/* GET .../documents/{id}/chunks?after=&limit= -> {"chunks": [...], "nextAfter"} */
int
documents_route_chunks(struct request *req)
{
    const char *wid = req->tenant->workspace_id;
    const char *id = doc_param(req, "id");
    struct document d;
    struct document_chunk *v = NULL;
    size_t n = 0;
    int64_t after = 0;
    int64_t limit = 0;
    json_t *arr;
    int err;

    if (!id) {
        return E_NOT_FOUND;
    }
    if ((err = query_int(req, "after", -1, -1, INT64_MAX, &after)) ||
        (err = query_int(req, "limit", 20, 1, 100, &limit))) {
        return err;
    }
    {
        struct db_conn *conn = NULL;
        if ((err = db_acquire(req->app->db, &conn))) {
            return err;
        }
        err = documents_find(conn, wid, id, &d);
        db_release(conn);
        if (err) {
            return err;
        }
    }
    if ((err = documents_chunks(req->app->db, wid, id, after, (size_t)limit, req->arena, &v, &n))) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:I, s:I, s:s}", "id", (json_int_t)v[i].id, "ord",
                                             (json_int_t)v[i].ord, "text", v[i].text));
    }
    routes_reply_json_take(
        req, 200,
        json_pack("{s:o, s:o}", "chunks", arr, "nextAfter",
                  (size_t)limit == n ? json_integer(v[n - 1].ord) : json_null()));
    return 0;
}

/* GET .../documents/search?q= -> {"results": [...]}: what the agents would retrieve. */
int
documents_route_search(struct request *req)
{
    struct str q = request_query(req, "q");
    struct retrieve_result res = RETRIEVE_RESULT_INIT;
    struct retrieve_query rq = {req->tenant->workspace_id, NULL, 0, &q, 1, 10};
    struct db_conn *conn = NULL;
    json_t *arr;
    int err;

    if (q.len == 0 || q.len > 2000) {
        request_field_error(req, "q", "invalid", "1 to 2000 bytes");
        return E_VALIDATION;
    }
    if ((err = db_acquire(req->app->db, &conn))) {
        return err;
    }
    err = retrieve_chunks(conn, &rq, &res);
    db_release(conn);
    if (err) {
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < res.n; i++) {
        const struct retrieve_hit *h = &res.v[i];
        json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:f, s:s}", "chunkId",
                                             (json_int_t)h->chunk_id, "documentId", h->document_id,
                                             "ord", (json_int_t)h->ord, "score", h->score, "text",
                                             h->text));
    }
    retrieve_result_release(&res);
    routes_reply_json_take(req, 200, json_pack("{s:o}", "results", arr));
    return 0;
}

/* --- Uploads ------------------------------------------------------------ */

static const struct json_field upload_fields[] = {
    {"workspaceId", JSON_F_STRING, true, 1, 64},
    {"filename", JSON_F_STRING, true, 1, DOCUMENT_FILENAME_MAX},
    {"contentType", JSON_F_STRING, true, 1, 200},
    {"size", JSON_F_INT, true, 1, INT64_MAX},
};

/* A file name: no path separators and no control characters. */
static bool
filename_ok(struct str f)
{
    for (size_t i = 0; i < f.len; i++) {
        unsigned char c = (unsigned char)f.ptr[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') {
            return false;
        }
    }
    return f.len > 0 && f.len <= DOCUMENT_FILENAME_MAX;
}

struct begin_tx {
    const char *wid;
    const char *user_id;
    struct str filename;
    enum doctype type;
    int64_t size;
    struct document doc;
};

static int
begin_fn(struct db_conn *conn, void *arg)
{
    struct begin_tx *b = arg;
    int64_t used = 0;
    int err = documents_usage(conn, b->wid, &used);

    if (err) {
        return err;
    }
    if (used + b->size > DOCUMENT_WORKSPACE_MAX) {
        return E_TOO_LARGE;
    }
    return documents_begin_upload(conn, b->wid, b->filename, b->type, b->size, b->user_id,
                                  clock_wall_s(), &b->doc);
}

/*
 * POST /bff/uploads {"workspaceId","filename","contentType","size"} -> 201
 * {"document":{"id",...},"upload":{"url","method","headers"}}: owners and
 * admins of the workspace; a non-member learns nothing but 404.
 */
static int
upload_begin(struct request *req)
{
    struct json_value v[ARRAY_LEN(upload_fields)];
    struct tenant t;
    struct begin_tx b = {0};
    struct upload_grant g = {0};
    struct storage_upload up = {0};
    json_t *headers;
    int64_t now = clock_wall_s();
    int err = routes_decode(req, upload_fields, ARRAY_LEN(upload_fields), v);

    if (err) {
        return err;
    }
    if ((err = workspaces_resolve(req->app->db, req->session->user_id, v[0].s, &t))) {
        return err;
    }
    if (t.role < WS_ADMIN) {
        response_problem(req, E_FORBIDDEN, "only owners and admins upload documents");
        return 0;
    }
    if (!filename_ok(v[1].s)) {
        request_field_error(req, "filename", "invalid", "no slashes or control characters");
        return E_VALIDATION;
    }
    if (doctype_from_declared(v[2].s, v[1].s, &b.type)) {
        request_field_error(req, "contentType", "unsupported",
                            "txt, md, csv, pdf or docx, matching the file name");
        return E_VALIDATION;
    }
    if (v[3].i > DOCUMENT_FILE_MAX) {
        request_field_error(req, "size", "too_large", "at most 20 MiB per file");
        return E_VALIDATION;
    }
    b.wid = t.workspace_id;
    b.user_id = req->session->user_id;
    b.filename = v[1].s;
    b.size = v[3].i;
    if ((err = db_tx(req->app->db, begin_fn, &b))) {
        if (err == E_TOO_LARGE) {
            response_problem(req, err, "the workspace's documents would pass 500 MiB");
            return 0;
        }
        return err;
    }
    (void)snprintf(g.document_id, sizeof(g.document_id), "%s", b.doc.id);
    g.version = b.doc.version;
    g.size = b.doc.size;
    g.type = b.doc.type;
    g.expires_at = now + UPLOAD_URL_TTL_S;
    if (storage_sign_upload(req->app->storage, req->app->cfg, t.workspace_id, &g, now, &up)) {
        storage_upload_release(&up);
        return E_INTERNAL;
    }
    headers = json_object();
    for (size_t i = 0; i < up.nheaders; i++) {
        json_object_set_new(headers, up.header_names[i], json_string(up.header_values[i]));
    }
    routes_reply_json_take(req, 201,
                           json_pack("{s:o, s:{s:s%, s:s, s:o}}", "document", document_json(&b.doc),
                                     "upload", "url", up.url.ptr, up.url.len, "method", "PUT",
                                     "headers", headers));
    storage_upload_release(&up);
    return 0;
}

/* The media type without parameters ("text/plain; charset=utf-8" -> "text/plain"). */
static struct str
media_type(struct str v)
{
    size_t n = 0;
    while (n < v.len && v.ptr[n] != ';' && v.ptr[n] != ' ') {
        n++;
    }
    return (struct str){v.ptr, n};
}

/* An upload to the embedded store between its two handler calls. */
struct upload_put {
    struct request *req;
    struct upload_grant g;
    struct storage_writer *w;
};

static void
upload_put_free(void *p)
{
    struct upload_put *u = p;
    storage_writer_free(u->w);
}

static int
size_mismatch(struct request *req)
{
    request_field_error(req, "body", "size_mismatch", "must be exactly the declared size");
    return E_VALIDATION;
}

/* Each piece of the body as it arrives: to the file, never past the declared size. */
/* A refused upload's file goes before the answer does. */
static int
upload_drop(struct upload_put *u, int err)
{
    storage_writer_free(u->w);
    u->w = NULL;
    return err;
}

static int
upload_sink(void *ctx, const void *data, size_t n)
{
    struct upload_put *u = ctx;
    int err = storage_writer_add(u->w, data, n);
    if (err) {
        return upload_drop(u, err == E_TOO_LARGE ? size_mismatch(u->req) : err);
    }
    return 0;
}

/* The document still waits for this version's bytes: 0, or answered 409 (1). */
static int
still_waiting(struct request *req, const struct upload_grant *g, struct document *d)
{
    int err = documents_locate(req->app->db, g->document_id, d);

    if (err) {
        return err;
    }
    if (d->version != g->version || d->status != DOCUMENT_UPLOADING) {
        response_problem(req, E_CONFLICT, "this upload was superseded or already completed");
        return 1;
    }
    return 0;
}

/*
 * The headers are in: the signature, then the expiry, then the exact type
 * and size (Content-Length when sent), then the document still waiting for
 * that version. Only then does the body start, straight into a file.
 */
static int
upload_open(struct request *req)
{
    struct upload_url_parts parts = {
        request_param(req, "id"),   request_query(req, "v"),   request_query(req, "size"),
        request_query(req, "type"), request_query(req, "exp"), request_query(req, "sig"),
    };
    struct upload_put *u;
    struct document d;
    char key[STORAGE_KEY_MAX];
    struct str ct = media_type(request_header(req, "Content-Type"));
    struct str clen = request_header(req, "Content-Length");
    int64_t declared = 0;
    const char *mime;
    int err;

    if (!storage_is_embedded(req->app->storage)) {
        return E_NOT_FOUND;
    }
    u = arena_alloc(req->arena, sizeof(*u));
    memset(u, 0, sizeof(*u));
    u->req = req;
    err = upload_url_check(req->app->cfg->secret, req->app->cfg->secret_len, &parts, clock_wall_s(),
                           &u->g);
    if (err == E_EXPIRED) {
        response_problem(req, err, "the upload link expired: start the upload again");
        return 0;
    }
    if (err) {
        response_problem(req, E_FORBIDDEN, "the upload link is not valid");
        return 0;
    }
    mime = doctype_mime(u->g.type);
    if (ct.len != strlen(mime) || strncasecmp(ct.ptr, mime, ct.len) != 0) {
        request_field_error(req, "Content-Type", "invalid", "must be the declared type");
        return E_VALIDATION;
    }
    if (clen.ptr && (strnum_parse(clen, 0, INT64_MAX, &declared) || declared != u->g.size)) {
        return size_mismatch(req);
    }
    if ((err = still_waiting(req, &u->g, &d))) {
        return err > 0 ? 0 : err;
    }
    storage_key(d.workspace_id, d.id, d.version, key);
    if ((err = storage_writer_open(req->app->storage, key, u->g.size, &u->w))) {
        return err;
    }
    request_on_free(req, upload_put_free, u);
    request_set_body_sink(req, upload_sink, u);
    req->ctx = u;
    return 0;
}

/*
 * PUT /bff/uploads/{id}?v=&size=&type=&exp=&sig= (the embedded store): a
 * capability URL, no cookie, no CSRF. The body never sits in memory: it is
 * written to a temporary file as it arrives (upload_open), which goes into
 * place once exactly the declared size arrived for a document still waiting
 * for it; on any failure, or a client that leaves, the file is removed.
 */
static int
upload_put(struct request *req)
{
    struct upload_put *u = req->ctx;
    struct document d;
    char sha[CRYPTO_SHA256_HEX_SIZE];
    int err;

    if (req->body_pending) {
        return upload_open(req);
    }
    if (!u || !u->w) {
        return E_INTERNAL;
    }
    if (storage_writer_count(u->w) != u->g.size) {
        return upload_drop(u, size_mismatch(req));
    }
    /* Deleted or superseded while the bytes came: they are not kept. */
    if ((err = still_waiting(req, &u->g, &d))) {
        return upload_drop(u, err > 0 ? 0 : err);
    }
    if ((err = storage_writer_commit(u->w, sha))) {
        return upload_drop(u, err == E_INVALID ? size_mismatch(req) : err);
    }
    request_note(req, "stored %s v%lld sha256 %s", d.id, (long long)d.version, sha);
    response_empty(req, 204);
    return 0;
}

/* clang-format off */
static const struct route upload_routes[] = {
    {HTTP_PUT, "/bff/uploads/{id}", upload_put, DOCUMENT_FILE_MAX, ROUTE_BODY_STREAM},
};
static const struct route grant_routes[] = {
    {HTTP_POST, "/bff/uploads", upload_begin, 4096, ROUTE_JSON | ROUTE_AUTH | ROUTE_STRICT_RATE},
};
/* clang-format on */

/* The capability URL: no session, no CSRF (the signature is the credential). */
static const struct middleware *const upload_chain[] = {
    &mw_ratelimit,
    &mw_cors,
    &mw_sec_headers_api,
    NULL,
};
static const struct middleware *const grant_chain[] = {
    &mw_ratelimit, &mw_cors, &mw_sec_headers_api, &mw_session, &mw_csrf, &mw_json_body, NULL,
};

const struct route_group routes_uploads = {
    "uploads",    "/bff/uploads", GROUP_CLAIM_BY_ROUTE,
    upload_chain, upload_routes,  ARRAY_LEN(upload_routes),
    NULL,
};
const struct route_group routes_upload_grants = {
    "bff", "/bff/uploads", GROUP_CLAIM_BY_ROUTE, grant_chain, grant_routes, ARRAY_LEN(grant_routes),
    NULL,
};
