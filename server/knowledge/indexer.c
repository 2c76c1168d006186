#include "knowledge/indexer.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "knowledge/chunk.h"
#include "knowledge/documents.h"

struct store_args {
    const char *wid;
    const char *id;
    int64_t version;
    struct str text;
    const struct chunk_list *chunks;
    enum docfail failure;
};

static int
store_tx(struct db_conn *conn, void *arg)
{
    struct store_args *a = arg;
    if (a->failure != DOCFAIL_NONE) {
        return documents_fail(conn, a->wid, a->id, a->version, a->failure, clock_wall_s());
    }
    return documents_store_chunks(conn, a->wid, a->id, a->version, a->text, a->chunks,
                                  clock_wall_s());
}

static int
find_tx(struct db_conn *conn, void *arg)
{
    struct document *d = arg;
    return documents_find(conn, d->workspace_id, d->id, d);
}

int
indexer_run(struct db *db, const struct storage *st, const struct extract_limits *lim,
            const char *wid, const char *id, int64_t version, struct indexer_outcome *out)
{
    struct document doc;
    struct buf data = BUF_INIT;
    struct buf text = BUF_INIT;
    struct chunk_list chunks = CHUNK_LIST_INIT;
    struct store_args args = {wid, id, version, STR_NULL, &chunks, DOCFAIL_NONE};
    char key[STORAGE_KEY_MAX];
    char path[4096 + STORAGE_KEY_MAX + 64] = "";
    bool fetched = false;
    int err;

    *out = (struct indexer_outcome){DOCFAIL_NONE, 0, false};
    memset(&doc, 0, sizeof(doc));
    str_copy_to(str_from_cstr(wid), doc.workspace_id, sizeof(doc.workspace_id));
    str_copy_to(str_from_cstr(id), doc.id, sizeof(doc.id));
    err = db_tx(db, find_tx, &doc);
    if (err == E_NOT_FOUND || (!err && doc.version != version)) {
        out->skipped = true;
        err = 0;
        goto out;
    }
    if (err) {
        goto out;
    }
    storage_key(wid, id, version, key);
    /* One byte more than declared is enough to know it lies. */
    err = storage_fetch(st, key, (size_t)doc.size, &data, path, sizeof(path));
    fetched = err == 0;
    if (err == E_NOT_FOUND) {
        args.failure = DOCFAIL_MISSING;
    } else if (err == E_TOO_LARGE) {
        args.failure = DOCFAIL_SIZE;
    } else if (err) {
        goto out; /* storage unreachable: worth retrying */
    } else if ((int64_t)data.len != doc.size) {
        args.failure = DOCFAIL_SIZE;
    } else if (extract_text(doc.type, path, (const uint8_t *)data.ptr, data.len, lim, &text,
                            &args.failure) == 0 &&
               chunk_text(buf_str(&text), &chunks) != 0) {
        args.failure = DOCFAIL_TOO_MUCH;
    }
    args.text = buf_str(&text);
    err = db_tx(db, store_tx, &args);
    if (err == E_CONFLICT || err == E_NOT_FOUND) {
        out->skipped = true;
        err = 0;
    }
    out->failure = args.failure;
    out->chunks = args.failure == DOCFAIL_NONE ? chunks.n : 0;
out:
    if (fetched) {
        storage_fetch_done(st, path);
    }
    chunk_list_release(&chunks);
    buf_release(&text);
    buf_release(&data);
    return err;
}
