/*
 * Unit tests for knowledge/indexer and knowledge/storage (the embedded
 * store) on SQLite: a stored upload is indexed and answers; a file of
 * another size, a missing one, a lying one and an encrypted one end failed
 * with their reason and answer nothing; a version superseded by a newer
 * upload, or a deleted document, is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "knowledge/documents.h"
#include "knowledge/indexer.h"
#include "knowledge/retrieve.h"
#include "knowledge/storage.h"

struct fixture {
    char dir[64];
    struct db *db;
    struct storage *st;
    struct config cfg;
};

static int
setup(void **state)
{
    static struct fixture f;
    char url[128];
    char store[128];
    char err[256];

    (void)snprintf(f.dir, sizeof(f.dir), "/tmp/piloto-indexer-XXXXXX");
    if (!mkdtemp(f.dir)) {
        return -1;
    }
    (void)snprintf(url, sizeof(url), "sqlite:%s/t.db", f.dir);
    memset(&f.cfg, 0, sizeof(f.cfg));
    (void)snprintf(store, sizeof(store), "file:%s/up", f.dir);
    f.cfg.storage_url = store;
    if (db_open(url, 2, 5000, &f.db) || db_migrate(f.db) ||
        storage_open(&f.cfg, &f.st, err, sizeof(err)) ||
        db_run(f.db,
               "INSERT INTO workspaces (id, name, created_at, updated_at) "
               "VALUES ('ws1', 'Loja', 0, 0)",
               NULL, 0, NULL)) {
        return -1;
    }
    f.cfg.storage_url = NULL;
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    storage_free(f->st);
    db_free(f->db);
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Starts an upload of name declaring size; stores body (if any) as its object. */
static void
upload(struct fixture *f, const char *name, enum doctype t, int64_t size, const char *body,
       size_t len, struct document *d)
{
    struct db_conn *conn = NULL;
    char key[STORAGE_KEY_MAX];

    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(
        documents_begin_upload(conn, "ws1", str_from_cstr(name), t, size, NULL, 1700000000, d), 0);
    assert_int_equal(documents_set_status(conn, "ws1", d->id, d->version, DOCUMENT_INDEXING,
                                          DOCFAIL_NONE, 1700000001),
                     0);
    db_release(conn);
    if (body) {
        storage_key("ws1", d->id, d->version, key);
        assert_int_equal(storage_put_local(f->st, key, body, len), 0);
    }
}

static void
expect(struct fixture *f, const struct document *d, enum document_status status, enum docfail why)
{
    struct db_conn *conn = NULL;
    struct document now;

    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(documents_find(conn, "ws1", d->id, &now), 0);
    db_release(conn);
    assert_int_equal(now.status, status);
    assert_int_equal(now.failure, why);
}

static size_t
answers(struct fixture *f, const char *question)
{
    struct db_conn *conn = NULL;
    struct str msg = str_from_cstr(question);
    struct retrieve_query q = {"ws1", NULL, 0, &msg, 1, 5};
    struct retrieve_result r;
    size_t n;

    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(retrieve_chunks(conn, &q, &r), 0);
    db_release(conn);
    n = r.n;
    retrieve_result_release(&r);
    return n;
}

static void
test_index_and_failures(void **state)
{
    static const char text[] = "A garantia dos colchões é de cinco anos.\n";
    static const char pdfish[] = "%PDF-1.4 not really";
    struct fixture *f = *state;
    struct indexer_outcome o;
    struct document d;
    struct document e;

    upload(f, "garantia.txt", DOCTYPE_TXT, sizeof(text) - 1, text, sizeof(text) - 1, &d);
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    assert_int_equal(o.failure, DOCFAIL_NONE);
    assert_int_equal(o.chunks, 1);
    expect(f, &d, DOCUMENT_READY, DOCFAIL_NONE);
    assert_int_equal(answers(f, "garantia colchao"), 1);

    /* Re-upload declaring one byte less than what arrives: failed, and it stops answering. */
    upload(f, "garantia.txt", DOCTYPE_TXT, sizeof(text) - 2, text, sizeof(text) - 1, &e);
    assert_string_equal(e.id, d.id);
    assert_int_equal(answers(f, "garantia colchao"), 1);
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", e.id, e.version, &o),
                     0);
    assert_int_equal(o.failure, DOCFAIL_SIZE);
    expect(f, &e, DOCUMENT_FAILED, DOCFAIL_SIZE);
    assert_int_equal(answers(f, "garantia colchao"), 0);
    /* The older version's job, run late, is skipped. */
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    assert_true(o.skipped);

    /* Never uploaded. */
    upload(f, "nada.txt", DOCTYPE_TXT, 10, NULL, 0, &d);
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    expect(f, &d, DOCUMENT_FAILED, DOCFAIL_MISSING);

    /* A PDF declared as text. */
    upload(f, "mentira.txt", DOCTYPE_TXT, sizeof(pdfish) - 1, pdfish, sizeof(pdfish) - 1, &d);
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    expect(f, &d, DOCUMENT_FAILED, DOCFAIL_TYPE);

    /* A text declared as PDF: pdftotext never even runs. */
    upload(f, "mentira.pdf", DOCTYPE_PDF, sizeof(text) - 1, text, sizeof(text) - 1, &d);
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    expect(f, &d, DOCUMENT_FAILED, DOCFAIL_TYPE);

    /* Deleted before its job ran. */
    upload(f, "apagado.txt", DOCTYPE_TXT, sizeof(text) - 1, text, sizeof(text) - 1, &d);
    {
        struct db_conn *conn = NULL;
        assert_int_equal(db_acquire(f->db, &conn), 0);
        assert_int_equal(documents_delete(conn, "ws1", d.id), 0);
        db_release(conn);
    }
    assert_int_equal(indexer_run(f->db, f->st, &extract_default_limits, "ws1", d.id, d.version, &o),
                     0);
    assert_true(o.skipped);
}

/* Files under dir/up/ws1/dw whose name ends with suffix. */
static int
count_files(const struct fixture *f, const char *suffix)
{
    char dir[128];
    DIR *d;
    const struct dirent *e;
    size_t sl = strlen(suffix);
    int n = 0;

    (void)snprintf(dir, sizeof(dir), "%s/up/ws1/dw", f->dir);
    d = opendir(dir);
    if (!d) {
        return 0;
    }
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        n += l >= sl && strcmp(e->d_name + l - sl, suffix) == 0;
    }
    closedir(d);
    return n;
}

static void
test_storage_writer(void **state)
{
    struct fixture *f = *state;
    struct storage_writer *a = NULL;
    struct storage_writer *b = NULL;
    char sha[CRYPTO_SHA256_HEX_SIZE];
    char want[CRYPTO_SHA256_HEX_SIZE];
    struct buf got = BUF_INIT;
    char path[256];

    assert_int_equal(storage_writer_open(f->st, "ws1/dw/v1", 0, &a), E_INVALID);
    /* Two writers of one object never share a file; each counts against its size. */
    assert_int_equal(storage_writer_open(f->st, "ws1/dw/v1", 10, &a), 0);
    assert_int_equal(storage_writer_open(f->st, "ws1/dw/v1", 10, &b), 0);
    assert_int_equal(count_files(f, ".tmp"), 2);
    assert_int_equal(storage_writer_add(a, "01234", 5), 0);
    assert_int_equal(storage_writer_add(a, "567890", 6), E_TOO_LARGE);
    assert_int_equal(storage_writer_count(a), 5);
    /* Short of the size: not committed. */
    assert_int_equal(storage_writer_commit(a, sha), E_INVALID);
    assert_int_equal(storage_writer_add(b, "abcde", 5), 0);
    assert_int_equal(storage_writer_add(b, "fghij", 5), 0);
    assert_int_equal(storage_writer_commit(b, sha), 0);
    crypto_sha256_hex("abcdefghij", 10, want);
    assert_string_equal(sha, want);
    storage_writer_free(b);
    /* Freed uncommitted: its file is gone; the committed object stays. */
    storage_writer_free(a);
    assert_int_equal(count_files(f, ".tmp"), 0);
    (void)snprintf(path, sizeof(path), "%s/up/ws1/dw/v1", f->dir);
    assert_int_equal(storage_fetch(f->st, "ws1/dw/v1", 100, &got, path, sizeof(path)), 0);
    assert_int_equal(got.len, 10);
    assert_memory_equal(got.ptr, "abcdefghij", 10);
    buf_release(&got);
    storage_writer_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_and_failures),
        cmocka_unit_test(test_storage_writer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
