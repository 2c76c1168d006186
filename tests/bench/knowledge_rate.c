/*
 * Retrieval latency and indexing throughput (make bench):
 *
 *   knowledge_rate DATABASE_URL CHUNKS QUERIES [PDF]
 *
 * Fills one workspace of a fresh database with CHUNKS chunks of synthetic
 * Portuguese (50 documents; words drawn with a Zipf law from the retrieval
 * test set's vocabulary plus made-up rarer words, ~800 bytes a chunk), a
 * second workspace with a tenth of that (so the workspace filter has work),
 * then asks the test set's questions QUERIES times through retrieve_chunks
 * (a pooled connection acquired and released per question, as the agent
 * does) and prints p50/p99/max latency and this process's CPU per question.
 * BENCH_REUSE=1 reuses a database filled by an earlier run.
 * With PDF, also indexes it as the indexing job does (pdftotext, chunking,
 * one transaction storing the chunks) and prints MB/s per stage.
 */
#include <math.h>
#include <sys/resource.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/common.h"
#include "core/strnum.h"
#include "crypto/crypto.h"
#include "db/db.h"
#include "knowledge/chunk.h"
#include "knowledge/documents.h"
#include "knowledge/extract.h"
#include "knowledge/retrieve.h"

#define TESTSET   "tests/data/retrieval"
#define VOCAB_MAX 20000
#define DOCS      50

static char *vocab[VOCAB_MAX];
static size_t nvocab;
static uint64_t rng = 88172645463325252ull;

static uint64_t
next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct buf
slurp(const char *path)
{
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f) {
        fprintf(stderr, "cannot open '%s'\n", path);
        exit(1);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_add(&b, chunk, n)) {
            exit(1);
        }
    }
    fclose(f);
    return b;
}

/* The test set's words (as written, accents and all), then made-up ones up to VOCAB_MAX. */
static void
build_vocab(void)
{
    static const char *const files[] = {"entrega.md",   "trocas.md", "pagamento.md",
                                        "produtos.txt", "lojas.csv", "atendimento.md"};

    for (size_t f = 0; f < ARRAY_LEN(files); f++) {
        char path[256];
        struct buf b;
        struct str rest;

        (void)snprintf(path, sizeof(path), "%s/%s", TESTSET, files[f]);
        b = slurp(path);
        rest = buf_str(&b);
        while (rest.len && nvocab < VOCAB_MAX / 4) {
            struct str w = str_cut(&rest, ' ');
            bool seen = false;
            if (w.len < 2 || str_find(w, '\n') >= 0) {
                continue;
            }
            for (size_t i = 0; i < nvocab && !seen; i++) {
                seen = strlen(vocab[i]) == w.len && memcmp(vocab[i], w.ptr, w.len) == 0;
            }
            if (!seen) {
                vocab[nvocab++] = xstrndup(w.ptr, w.len);
            }
        }
        buf_release(&b);
    }
    while (nvocab < VOCAB_MAX) {
        /* Made-up words of alternating consonants and vowels, 4 to 11 letters. */
        static const char cons[] = "bcdfgjlmnprstvxz";
        static const char vow[] = "aeiou";
        char w[16];
        size_t n = 4 + next_rand() % 8;
        for (size_t i = 0; i < n; i++) {
            w[i] = i % 2 ? vow[next_rand() % 5] : cons[next_rand() % 16];
        }
        w[n] = '\0';
        vocab[nvocab++] = xstrdup(w);
    }
}

/*
 * Function words take the top ranks, as in any Portuguese text; the rest of
 * the vocabulary is shuffled, so which content words are common is left to
 * chance, not to file order.
 */
static const char *const function_words[] = {
    "de",     "a",     "o",   "que", "e",      "do",  "da",   "em",   "um",   "para",
    "com",    "não",   "uma", "os",  "no",     "se",  "na",   "por",  "mais", "as",
    "dos",    "como",  "mas", "ao",  "ele",    "das", "à",    "seu",  "sua",  "ou",
    "quando", "muito", "nos", "já",  "também", "só",  "pelo", "pela", "até",  "isso",
};

static void
shuffle_vocab(void)
{
    size_t f = ARRAY_LEN(function_words);

    /* Fisher-Yates over all, then the function words take the first places. */
    for (size_t i = nvocab - 1; i > 0; i--) {
        size_t j = (size_t)(next_rand() % (i + 1));
        char *t = vocab[i];
        vocab[i] = vocab[j];
        vocab[j] = t;
    }
    for (size_t i = 0; i < f; i++) {
        free(vocab[i]);
        vocab[i] = xstrdup(function_words[i]);
    }
}

/* A word index drawn from a Zipf law (s = 1) over the vocabulary. */
static size_t
zipf(void)
{
    double u = (double)(next_rand() % 1000000 + 1) / 1000001.0;
    double h = log((double)nvocab) + 0.5772;
    size_t i = (size_t)exp(u * h);
    return i >= 1 && i <= nvocab ? i - 1 : nvocab - 1;
}

struct fill {
    const char *wid;
    size_t chunks;
    size_t doc;
};

static int
fill_tx(struct db_conn *conn, void *arg)
{
    struct fill *f = arg;
    struct buf text = BUF_INIT;
    struct chunk_list l = CHUNK_LIST_INIT;
    struct document d;
    char name[32];
    int err;

    (void)snprintf(name, sizeof(name), "doc-%zu.txt", f->doc);
    for (size_t c = 0; c < f->chunks; c++) {
        size_t off = text.len;
        while (text.len - off < 800) {
            if (buf_addstr(&text, vocab[zipf()]) ||
                buf_addstr(&text, next_rand() % 12 == 0 ? ". " : " ")) {
                exit(1);
            }
        }
        text.ptr[--text.len] = '\0';
        if (l.n == l.cap) {
            l.cap = l.cap ? l.cap * 2 : 64;
            l.v = xrealloc(l.v, st_mult(l.cap, sizeof(*l.v)));
        }
        l.v[l.n++] = (struct chunk){off, text.len - off};
        if (buf_addstr(&text, "\n\n")) {
            exit(1);
        }
    }
    err = documents_begin_upload(conn, f->wid, str_from_cstr(name), DOCTYPE_TXT, (int64_t)text.len,
                                 NULL, clock_wall_s(), &d);
    err = err ? err
              : documents_store_chunks(conn, f->wid, d.id, d.version, buf_str(&text), &l,
                                       clock_wall_s());
    chunk_list_release(&l);
    buf_release(&text);
    return err;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double
cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

struct pdf_job {
    const char *wid;
    struct document *doc;
    struct str text;
    const struct chunk_list *chunks;
};

static int
pdf_tx(struct db_conn *conn, void *arg)
{
    struct pdf_job *j = arg;
    int err = documents_begin_upload(conn, j->wid, STR_LIT("big.pdf"), DOCTYPE_PDF, 1, NULL,
                                     clock_wall_s(), j->doc);
    return err ? err
               : documents_store_chunks(conn, j->wid, j->doc->id, j->doc->version, j->text,
                                        j->chunks, clock_wall_s());
}

static void
bench_pdf(struct db *db, const char *wid, const char *path)
{
    struct buf data = slurp(path);
    struct buf text = BUF_INIT;
    struct chunk_list l = CHUNK_LIST_INIT;
    struct document d;
    struct pdf_job job;
    enum docfail why;
    double mb = (double)data.len / 1048576.0;
    int64_t t0 = clock_mono_us();
    int64_t t1;
    int64_t t2;
    int64_t t3;

    if (extract_text(DOCTYPE_PDF, path, (const uint8_t *)data.ptr, data.len,
                     &extract_default_limits, &text, &why)) {
        fprintf(stderr, "pdf: %s\n", docfail_code(why));
        exit(1);
    }
    t1 = clock_mono_us();
    if (chunk_text(buf_str(&text), &l)) {
        exit(1);
    }
    t2 = clock_mono_us();
    job = (struct pdf_job){wid, &d, buf_str(&text), &l};
    if (db_tx(db, pdf_tx, &job)) {
        fprintf(stderr, "pdf: storing failed\n");
        exit(1);
    }
    t3 = clock_mono_us();
    printf("pdf %.1f MB -> %.1f MB text, %zu chunks: extract %.2f s, chunk %.3f s, store %.2f s, "
           "total %.2f s = %.2f MB/s\n",
           mb, (double)text.len / 1048576.0, l.n, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6,
           (double)(t3 - t2) / 1e6, (double)(t3 - t0) / 1e6, mb / ((double)(t3 - t0) / 1e6));
    chunk_list_release(&l);
    buf_release(&text);
    buf_release(&data);
}

/*
 * A database this program filled before with as many chunks (BENCH_REUSE=1:
 * tuning retrieval without filling again): true and the two workspaces.
 */
static bool
reuse(struct db *db, int64_t chunks, char wid[2][CRYPTO_B64URL_SIZE(16)])
{
    static const char *const names[2] = {"bench", "bench-other"};
    const char *env = getenv("BENCH_REUSE");

    if (!env || strcmp(env, "1") != 0) {
        return false;
    }
    for (int w = 0; w < 2; w++) {
        struct db_param p[1] = {DB_CSTR(names[w])};
        struct db_result *r = NULL;
        bool ok = db_run(db,
                         "SELECT w.id, (SELECT count(*) FROM document_chunks c"
                         " WHERE c.workspace_id = w.id) FROM workspaces w WHERE w.name = $1",
                         p, 1, &r) == 0 &&
                  db_result_rows(r) == 1 && db_int(r, 0, 1) >= (w ? chunks / 10 : chunks);
        if (ok) {
            db_text_copy(r, 0, 0, wid[w], sizeof(wid[w]));
        }
        db_result_free(r);
        if (!ok) {
            return false;
        }
    }
    return true;
}

int
main(int argc, char **argv)
{
    struct db *db = NULL;
    char wid[2][CRYPTO_B64URL_SIZE(16)];
    int64_t chunks = 0;
    int64_t queries = 0;
    int64_t *lat;
    char *questions[128];
    size_t nq = 0;
    struct buf qs;
    struct str rest;
    int64_t t0 = 0;
    double c0 = 0;
    int64_t slowest_us = 0;
    const char *slowest = "";

    if (argc < 4 || strnum_parse(str_from_cstr(argv[2]), DOCS, 10000000, &chunks) ||
        strnum_parse(str_from_cstr(argv[3]), 1, 1000000, &queries)) {
        fprintf(stderr, "usage: knowledge_rate DATABASE_URL CHUNKS QUERIES [PDF]\n");
        return 2;
    }
    if (crypto_init() || db_open(argv[1], 4, 10000, &db) || db_migrate(db)) {
        fprintf(stderr, "cannot open '%s'\n", argv[1]);
        return 1;
    }
    build_vocab();
    shuffle_vocab();
    if (reuse(db, chunks, wid)) {
        printf("reusing the %lld chunks (+%lld elsewhere) already there\n", (long long)chunks,
               (long long)chunks / 10);
    } else {
        for (int w = 0; w < 2; w++) {
            struct db_param p[2];
            crypto_random_token(16, wid[w], sizeof(wid[w]));
            p[0] = DB_CSTR(wid[w]);
            p[1] = DB_CSTR(w ? "bench-other" : "bench");
            if (db_run(db,
                       "INSERT INTO workspaces (id, name, created_at, updated_at) "
                       "VALUES ($1, $2, 0, 0)",
                       p, 2, NULL)) {
                fprintf(stderr, "cannot create the workspaces\n");
                return 1;
            }
        }
        t0 = clock_mono_ms();
        for (size_t d = 0; d < DOCS; d++) {
            struct fill f = {wid[0], (size_t)chunks / DOCS, d};
            struct fill g = {wid[1], (size_t)chunks / DOCS / 10, d};
            if (db_tx(db, fill_tx, &f) || db_tx(db, fill_tx, &g)) {
                fprintf(stderr, "filling failed\n");
                return 1;
            }
        }
        printf("filled %lld chunks (+%lld elsewhere) in %.1f s\n", (long long)chunks,
               (long long)chunks / 10, (double)(clock_mono_ms() - t0) / 1000.0);
    }

    qs = slurp(TESTSET "/questions.tsv");
    rest = buf_str(&qs);
    while (rest.len && nq < ARRAY_LEN(questions)) {
        struct str line = str_cut(&rest, '\n');
        struct str q = str_cut(&line, '\t');
        if (q.len && q.ptr[0] != '#') {
            questions[nq++] = xstrndup(q.ptr, q.len);
        }
    }
    lat = xcalloc((size_t)queries, sizeof(*lat));
    /* One warm-up pass over the questions, then the measured ones. */
    for (int64_t i = -(int64_t)nq; i < queries; i++) {
        struct db_conn *conn = NULL;
        struct str msg = str_from_cstr(questions[(size_t)(i + (int64_t)nq) % nq]);
        struct retrieve_query q = {wid[0], NULL, 0, &msg, 1, 5};
        struct retrieve_result r;
        int64_t s;

        if (i == 0) {
            c0 = cpu_s();
            t0 = clock_mono_us();
        }
        s = clock_mono_us();
        if (db_acquire(db, &conn) || retrieve_chunks(conn, &q, &r)) {
            fprintf(stderr, "retrieval failed\n");
            return 1;
        }
        db_release(conn);
        if (i >= 0) {
            lat[i] = clock_mono_us() - s;
            if (lat[i] > slowest_us) {
                slowest_us = lat[i];
                slowest = questions[(size_t)(i + (int64_t)nq) % nq];
            }
        }
        retrieve_result_release(&r);
    }
    {
        double wall = (double)(clock_mono_us() - t0) / 1e6;
        double cpu = cpu_s() - c0;
        qsort(lat, (size_t)queries, sizeof(*lat), cmp_i64);
        printf("retrieval over %lld chunks, %lld questions: p50 %.2f ms, p99 %.2f ms, max %.2f ms, "
               "%.0f q/s, client CPU %.0f us/q\n",
               (long long)chunks, (long long)queries, (double)lat[queries / 2] / 1000.0,
               (double)lat[queries * 99 / 100] / 1000.0, (double)lat[queries - 1] / 1000.0,
               (double)queries / wall, cpu / (double)queries * 1e6);
        printf("slowest question: \"%s\"\n", slowest);
    }
    if (argc > 4) {
        bench_pdf(db, wid[1], argv[4]);
    }
    for (size_t i = 0; i < nq; i++) {
        free(questions[i]);
    }
    for (size_t i = 0; i < nvocab; i++) {
        free(vocab[i]);
    }
    free(lat);
    buf_release(&qs);
    db_free(db);
    return 0;
}
