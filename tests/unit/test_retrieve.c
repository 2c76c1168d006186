/*
 * Unit tests for knowledge/search_terms, knowledge/documents and
 * knowledge/retrieve, on SQLite (a temporary file) and again on PostgreSQL
 * when PILOTO_TEST_PG_URL is set (make unit-pg):
 *   - the retrieval test set (tests/data/retrieval): every document goes
 *     through extraction, chunking and storage; every question, written as
 *     leads write, must find its answer in the top 3 for the hit rate to
 *     count it; the rate is printed and must stay above RETRIEVAL_FLOOR;
 *   - tenancy: a copy of the documents in another workspace never answers;
 *   - the document filter, a re-upload swapping chunks, a superseded
 *     version refused, and a delete leaving retrieval in the same
 *     transaction (rolled back: the chunks answer again).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "knowledge/chunk.h"
#include "knowledge/documents.h"
#include "knowledge/extract.h"
#include "knowledge/retrieve.h"
#include "knowledge/search_terms.h"

/* Top-3 hit rate the test set must reach on each backend. */
#define RETRIEVAL_FLOOR 0.90
#define TESTSET_DIR     "tests/data/retrieval"
#define MAX_DOCS        16

struct fixture {
    enum db_kind kind;
    char dir[64];
    char url[512];
    struct db *db;
    char wid[2][CRYPTO_B64URL_SIZE(16)]; /* the workspace asked, and a distractor tenant */
    size_t ndocs;
    char doc_ids[2][MAX_DOCS][DOCUMENT_ID_MAX + 1];
    char doc_names[MAX_DOCS][256];
};

static struct buf
read_file(const char *path)
{
    struct buf out = BUF_INIT;
    char chunk[4096];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f) {
        fail_msg("cannot open '%s'", path);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        assert_int_equal(buf_add(&out, chunk, n), 0);
    }
    fclose(f);
    return out;
}

/* What documents_store_chunks needs, run by db_tx. */
struct index_job {
    const char *wid;
    const struct document *doc;
    struct str text;
    const struct chunk_list *chunks;
};

static int
index_tx(struct db_conn *conn, void *arg)
{
    struct index_job *j = arg;
    return documents_store_chunks(conn, j->wid, j->doc->id, j->doc->version, j->text, j->chunks,
                                  1700000000);
}

/* Uploads text as filename into wid the way the indexing job will: 0 and the document. */
static void
index_text(struct fixture *f, const char *wid, const char *filename, enum doctype t,
           const char *path, struct document *doc)
{
    struct buf data = read_file(path);
    struct buf text = BUF_INIT;
    struct chunk_list chunks = CHUNK_LIST_INIT;
    struct db_conn *conn = NULL;
    enum docfail why;
    struct index_job job;

    if (extract_text(t, path, (const uint8_t *)data.ptr, data.len, &extract_default_limits, &text,
                     &why)) {
        fail_msg("%s: %s", path, docfail_code(why));
    }
    assert_int_equal(chunk_text(buf_str(&text), &chunks), 0);
    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(documents_begin_upload(conn, wid, str_from_cstr(filename), t,
                                            (int64_t)data.len, NULL, 1700000000, doc),
                     0);
    db_release(conn);
    job = (struct index_job){wid, doc, buf_str(&text), &chunks};
    assert_int_equal(db_tx(f->db, index_tx, &job), 0);
    chunk_list_release(&chunks);
    buf_release(&text);
    buf_release(&data);
}

static enum doctype
type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? doctype_from_name(str_from_cstr(dot + 1)) : DOCTYPE_NONE;
}

static int
setup(void **state)
{
    struct fixture *f = *state;
    const char *pg = getenv("PILOTO_TEST_PG_URL");
    DIR *d;
    struct dirent *e;

    f->db = NULL;
    f->ndocs = 0;
    if (f->kind == DB_SQLITE) {
        (void)snprintf(f->dir, sizeof(f->dir), "/tmp/piloto-retrieve-XXXXXX");
        if (!mkdtemp(f->dir)) {
            return -1;
        }
        (void)snprintf(f->url, sizeof(f->url), "sqlite:%s/test.db", f->dir);
    } else {
        static bool created;
        const char *slash = pg ? strrchr(pg, '/') : NULL;
        if (!pg || !*pg || !slash) {
            return 0;
        }
        /* A database of our own beside the one given (test_db leaves that one half-migrated). */
        if (!created) {
            struct db *admin = NULL;
            if (db_open(pg, 1, 5000, &admin) ||
                db_run(admin, "DROP DATABASE IF EXISTS piloto_retrieve", NULL, 0, NULL) ||
                db_run(admin, "CREATE DATABASE piloto_retrieve", NULL, 0, NULL)) {
                db_free(admin);
                return -1;
            }
            db_free(admin);
            created = true;
        }
        (void)snprintf(f->url, sizeof(f->url), "%.*s/piloto_retrieve", (int)(slash - pg), pg);
    }
    if (db_open(f->url, 4, 5000, &f->db) || db_migrate(f->db)) {
        return -1;
    }
    for (int w = 0; w < 2; w++) {
        struct db_param p[1];
        crypto_random_token(16, f->wid[w], sizeof(f->wid[w]));
        p[0] = DB_CSTR(f->wid[w]);
        if (db_run(f->db,
                   "INSERT INTO workspaces (id, name, created_at, updated_at) "
                   "VALUES ($1, 'Casa Verde', 0, 0)",
                   p, 1, NULL)) {
            return -1;
        }
    }
    d = opendir(TESTSET_DIR);
    if (!d) {
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char path[600];
        struct document doc;
        enum doctype t = type_of(e->d_name);

        if (t == DOCTYPE_NONE || strcmp(e->d_name, "README.md") == 0 || f->ndocs == MAX_DOCS) {
            continue;
        }
        (void)snprintf(path, sizeof(path), "%s/%s", TESTSET_DIR, e->d_name);
        (void)snprintf(f->doc_names[f->ndocs], sizeof(f->doc_names[0]), "%s", e->d_name);
        for (int w = 0; w < 2; w++) {
            index_text(f, f->wid[w], e->d_name, t, path, &doc);
            memcpy(f->doc_ids[w][f->ndocs], doc.id, sizeof(doc.id));
        }
        f->ndocs++;
    }
    closedir(d);
    return f->ndocs >= 5 ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    db_free(f->db);
    f->db = NULL;
    if (f->kind == DB_SQLITE && f->dir[0]) {
        char path[128];
        static const char *const names[] = {"test.db", "test.db-wal", "test.db-shm"};
        for (size_t i = 0; i < ARRAY_LEN(names); i++) {
            (void)snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
            (void)unlink(path);
        }
        (void)rmdir(f->dir);
    }
    return 0;
}

static const char *
kind_name(const struct fixture *f)
{
    return f->kind == DB_SQLITE ? "sqlite" : "postgres";
}

/* Retrieves for one message in workspace w (optionally only document ids). */
static void
ask(struct fixture *f, int w, const char *question, const char *const *ids, size_t nids,
    size_t limit, struct retrieve_result *out)
{
    struct db_conn *conn = NULL;
    struct str msg = str_from_cstr(question);
    struct retrieve_query q = {f->wid[w], ids, nids, &msg, 1, limit};

    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(retrieve_chunks(conn, &q, out), 0);
    db_release(conn);
}

static bool
from_workspace(const struct fixture *f, int w, const struct retrieve_hit *h)
{
    for (size_t i = 0; i < f->ndocs; i++) {
        if (strcmp(h->document_id, f->doc_ids[w][i]) == 0) {
            return true;
        }
    }
    return false;
}

static void
test_hit_rate(void **state)
{
    struct fixture *f = *state;
    struct buf qs = BUF_INIT;
    struct str rest;
    size_t asked = 0;
    size_t hits = 0;
    double rate;

    if (!f->db) {
        skip();
    }
    qs = read_file(TESTSET_DIR "/questions.tsv");
    rest = buf_str(&qs);
    while (rest.len) {
        struct str line = str_cut(&rest, '\n');
        struct str question = str_cut(&line, '\t');
        char qbuf[256];
        char expect[256];
        struct retrieve_result r;
        bool hit = false;

        if (question.len == 0 || question.ptr[0] == '#') {
            continue;
        }
        str_copy_to(question, qbuf, sizeof(qbuf));
        str_copy_to(line, expect, sizeof(expect));
        ask(f, 0, qbuf, NULL, 0, 3, &r);
        for (size_t i = 0; i < r.n; i++) {
            assert_true(from_workspace(f, 0, &r.v[i]));
            assert_true(r.v[i].score > 0);
            assert_true(i == 0 || r.v[i].score <= r.v[i - 1].score);
            hit = hit || strstr(r.v[i].text, expect) != NULL;
        }
        if (!hit) {
            print_message("  miss (%s): \"%s\" -> wanted \"%s\", got: %.60s\n", kind_name(f), qbuf,
                          expect, r.n ? r.v[0].text : "(nothing)");
        }
        hits += hit;
        asked++;
        retrieve_result_release(&r);
    }
    rate = asked ? (double)hits / (double)asked : 0;
    print_message("retrieval top-3 hit rate (%s): %zu/%zu = %.1f%%\n", kind_name(f), hits, asked,
                  rate * 100);
    assert_true(asked >= 40);
    assert_true(rate >= RETRIEVAL_FLOOR);
    buf_release(&qs);
}

static void
test_filters_and_nothing(void **state)
{
    struct fixture *f = *state;
    struct retrieve_result r;
    const char *only[1];
    size_t pay = 0;

    if (!f->db) {
        skip();
    }
    for (size_t i = 0; i < f->ndocs; i++) {
        if (strcmp(f->doc_names[i], "pagamento.md") == 0) {
            pay = i;
        }
    }
    /* Only the named document answers, even about what another one holds best. */
    only[0] = f->doc_ids[0][pay];
    ask(f, 0, "entregam em sao paulo no mesmo dia", only, 1, 5, &r);
    for (size_t i = 0; i < r.n; i++) {
        assert_string_equal(r.v[i].document_id, only[0]);
    }
    retrieve_result_release(&r);
    /* Another workspace's document named in the filter gives nothing. */
    only[0] = f->doc_ids[1][pay];
    ask(f, 0, "desconto no pix", only, 1, 5, &r);
    assert_int_equal(r.n, 0);
    retrieve_result_release(&r);
    /* Only function words, or nothing at all: no query, no error. */
    ask(f, 0, "oi, tudo bem? voce pode me ajudar?", NULL, 0, 5, &r);
    assert_int_equal(r.n, 0);
    ask(f, 0, "", NULL, 0, 5, &r);
    assert_int_equal(r.n, 0);
    /* Words nothing holds. */
    ask(f, 0, "xilofone zeppelin", NULL, 0, 5, &r);
    assert_int_equal(r.n, 0);
}

static void
test_invalid_queries(void **state)
{
    struct fixture *f = *state;
    struct db_conn *conn = NULL;
    struct retrieve_result r;
    struct str msg = STR_LIT("frete");
    const char *bad_id[] = {"x' OR 1=1 --"};
    struct retrieve_query q = {f ? f->wid[0] : "", NULL, 0, &msg, 1, 3};

    if (!f->db) {
        skip();
    }
    assert_int_equal(db_acquire(f->db, &conn), 0);
    q.limit = 0;
    assert_int_equal(retrieve_chunks(conn, &q, &r), E_INVALID);
    q.limit = RETRIEVE_LIMIT_MAX + 1;
    assert_int_equal(retrieve_chunks(conn, &q, &r), E_INVALID);
    q.limit = 3;
    q.document_ids = bad_id;
    q.ndocs = 1;
    assert_int_equal(retrieve_chunks(conn, &q, &r), E_INVALID);
    q.document_ids = NULL;
    q.workspace_id = "";
    assert_int_equal(retrieve_chunks(conn, &q, &r), E_INVALID);
    db_release(conn);
}

struct delete_check {
    struct fixture *f;
    const char *id;
    size_t before;
    size_t after;
};

/* Deletes inside a transaction, asks inside it, then fails so db_tx rolls back. */
static int
delete_tx(struct db_conn *conn, void *arg)
{
    struct delete_check *c = arg;
    struct str msg = STR_LIT("garantia colchao molas");
    struct retrieve_query q = {c->f->wid[0], &c->id, 1, &msg, 1, 5};
    struct retrieve_result r;

    assert_int_equal(retrieve_chunks(conn, &q, &r), 0);
    c->before = r.n;
    retrieve_result_release(&r);
    assert_int_equal(documents_delete(conn, c->f->wid[0], c->id), 0);
    assert_int_equal(retrieve_chunks(conn, &q, &r), 0);
    c->after = r.n;
    retrieve_result_release(&r);
    return E_CONFLICT;
}

static void
test_reupload_and_delete(void **state)
{
    struct fixture *f = *state;
    struct retrieve_result r;
    struct db_conn *conn = NULL;
    struct document doc;
    struct document older;
    struct chunk_list chunks = CHUNK_LIST_INIT;
    struct str text = STR_LIT("Nova política: a garantia dos colchões passou para 7 anos.");
    const char *only[1];
    struct delete_check c = {f, NULL, 0, 0};
    size_t trocas = 0;

    if (!f->db) {
        skip();
    }
    for (size_t i = 0; i < f->ndocs; i++) {
        if (strcmp(f->doc_names[i], "trocas.md") == 0) {
            trocas = i;
        }
    }
    only[0] = f->doc_ids[0][trocas];
    c.id = only[0];
    /* Delete in a transaction: gone for that transaction at once; the rollback brings it back. */
    assert_int_equal(db_tx(f->db, delete_tx, &c), E_CONFLICT);
    assert_true(c.before > 0);
    assert_int_equal(c.after, 0);
    ask(f, 0, "garantia colchao molas", only, 1, 5, &r);
    assert_true(r.n > 0);
    retrieve_result_release(&r);

    /* A re-upload of the same name is a new version of the same document... */
    assert_int_equal(db_acquire(f->db, &conn), 0);
    assert_int_equal(documents_find(conn, f->wid[0], only[0], &older), 0);
    assert_int_equal(documents_begin_upload(conn, f->wid[0], STR_LIT("trocas.md"), DOCTYPE_MD,
                                            (int64_t)text.len, NULL, 1700000100, &doc),
                     0);
    assert_string_equal(doc.id, only[0]);
    assert_int_equal(doc.version, older.version + 1);
    assert_int_equal(doc.status, DOCUMENT_UPLOADING);
    /* ...whose old chunks answer until the new ones are in. */
    db_release(conn);
    ask(f, 0, "garantia colchao molas", only, 1, 5, &r);
    assert_true(r.n > 0);
    retrieve_result_release(&r);

    assert_int_equal(chunk_text(text, &chunks), 0);
    assert_int_equal(db_acquire(f->db, &conn), 0);
    /* The superseded version cannot write its chunks over the new one. */
    assert_int_equal(
        documents_store_chunks(conn, f->wid[0], doc.id, older.version, text, &chunks, 1700000200),
        E_CONFLICT);
    assert_int_equal(
        documents_store_chunks(conn, f->wid[0], doc.id, doc.version, text, &chunks, 1700000200), 0);
    assert_int_equal(documents_find(conn, f->wid[0], doc.id, &doc), 0);
    assert_int_equal(doc.status, DOCUMENT_READY);
    assert_int_equal(doc.chunks, 1);
    /* Another workspace cannot see, change or delete it. */
    assert_int_equal(documents_find(conn, f->wid[1], doc.id, &older), E_NOT_FOUND);
    assert_int_equal(documents_delete(conn, f->wid[1], doc.id), E_NOT_FOUND);
    assert_int_equal(documents_set_status(conn, f->wid[1], doc.id, doc.version, DOCUMENT_FAILED,
                                          DOCFAIL_MALFORMED, 1700000300),
                     E_NOT_FOUND);
    db_release(conn);
    ask(f, 0, "garantia colchao molas", only, 1, 5, &r);
    assert_int_equal(r.n, 1);
    assert_non_null(strstr(r.v[0].text, "7 anos"));
    retrieve_result_release(&r);
    ask(f, 0, "produto com defeito avaria", only, 1, 5, &r);
    assert_int_equal(r.n, 0);
    retrieve_result_release(&r);
    /* The other tenant's copy is untouched. */
    only[0] = f->doc_ids[1][trocas];
    ask(f, 1, "produto com defeito avaria", only, 1, 5, &r);
    assert_true(r.n > 0);
    retrieve_result_release(&r);
    chunk_list_release(&chunks);
}

static void
test_terms(void **state)
{
    struct search_terms t = SEARCH_TERMS_INIT;
    struct buf b = BUF_INIT;
    char w[32];

    (void)state;
    assert_int_equal(search_terms_fold_word(STR_LIT("Ação-SÃO"), w, sizeof(w)), 7);
    assert_string_equal(w, "acaosao");
    search_terms_add(&t, STR_LIT("Vcs entregam em SP? Qual o pgto, informações e promoções!"));
    assert_int_equal(search_terms_render_fts5(&t, &b), 0);
    assert_string_equal(b.ptr, "\"entreg\"* OR \"sao\" OR \"paul\"* OR \"pagament\"* OR "
                               "\"informac\"* OR \"promoc\"*");
    buf_reset(&b);
    assert_int_equal(search_terms_render_tsquery(&t, " | ", &b), 0);
    assert_string_equal(b.ptr, "entregam | sao | paulo | pagamento | informacoes | promocoes");
    /* "não" and "são" stay; digits stay exact; one term per word. */
    t = (struct search_terms)SEARCH_TERMS_INIT;
    search_terms_add(&t, STR_LIT("não não 14h R$ 1.500 \xff\xfe 😀 São"));
    buf_reset(&b);
    assert_int_equal(search_terms_render_fts5(&t, &b), 0);
    assert_string_equal(b.ptr, "\"nao\" OR \"14h\" OR \"1\" OR \"500\" OR \"sao\"");
    buf_release(&b);
}

int
main(void)
{
    static struct fixture sqlite = {.kind = DB_SQLITE};
    static struct fixture pg = {.kind = DB_POSTGRES};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),
        cmocka_unit_test_prestate_setup_teardown(test_hit_rate, setup, teardown, &sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_filters_and_nothing, setup, teardown,
                                                 &sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_invalid_queries, setup, teardown, &sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_reupload_and_delete, setup, teardown,
                                                 &sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_hit_rate, setup, teardown, &pg),
        cmocka_unit_test_prestate_setup_teardown(test_filters_and_nothing, setup, teardown, &pg),
        cmocka_unit_test_prestate_setup_teardown(test_invalid_queries, setup, teardown, &pg),
        cmocka_unit_test_prestate_setup_teardown(test_reupload_and_delete, setup, teardown, &pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
