/*
 * Unit tests for knowledge/doctype and knowledge/extract: every format gives
 * its text (PILOTO_TESTDOCS holds the files tests/support/mkdocs.py
 * writes), and every bad file ends with its reason: password-protected PDF
 * and Office package, truncated PDF, a ZIP that is no Word document, an
 * image-only PDF, files whose bytes lie about their type; pdftotext under a
 * tiny time or output limit is stopped, never waited for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/common.h"
#include "core/err.h"
#include "knowledge/doctype.h"
#include "knowledge/extract.h"

struct doc {
    struct buf path;
    struct buf data;
};

static void
load(const char *name, struct doc *d)
{
    const char *dir = getenv("PILOTO_TESTDOCS");
    char chunk[4096];
    size_t n;
    FILE *f;

    assert_non_null(dir);
    d->path = (struct buf)BUF_INIT;
    d->data = (struct buf)BUF_INIT;
    assert_int_equal(buf_addf(&d->path, "%s/%s", dir, name), 0);
    f = fopen(d->path.ptr, "rb");
    if (!f) {
        fail_msg("cannot open '%s' (run tests/support/mkdocs.py)", d->path.ptr);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        assert_int_equal(buf_add(&d->data, chunk, n), 0);
    }
    fclose(f);
}

static void
release(struct doc *d)
{
    buf_release(&d->path);
    buf_release(&d->data);
}

/* Extracts name as t with lim: the error, *why, and the text in out. */
static int
run(const char *name, enum doctype t, const struct extract_limits *lim, struct buf *out,
    enum docfail *why)
{
    struct doc d;
    int err;

    load(name, &d);
    err = extract_text(t, d.path.ptr, (const uint8_t *)d.data.ptr, d.data.len, lim, out, why);
    release(&d);
    return err;
}

static void
expect_text(const char *name, enum doctype t)
{
    struct buf text = BUF_INIT;
    enum docfail why = DOCFAIL_INTERNAL;

    if (run(name, t, &extract_default_limits, &text, &why) != 0) {
        fail_msg("%s: %s", name, docfail_code(why));
    }
    assert_int_equal(why, DOCFAIL_NONE);
    assert_true(str_is_utf8(buf_str(&text)));
    assert_null(strchr(text.ptr, '\r'));
    assert_non_null(strstr(text.ptr, "Política de trocas"));
    assert_non_null(strstr(text.ptr, "São Paulo"));
    assert_non_null(strstr(text.ptr, "Não entregamos"));
    assert_non_null(strstr(text.ptr, "cartão de crédito"));
    buf_release(&text);
}

static void
test_formats(void **state)
{
    (void)state;
    expect_text("sample.txt", DOCTYPE_TXT);
    expect_text("sample_cp1252.txt", DOCTYPE_TXT);
    expect_text("sample.md", DOCTYPE_MD);
    expect_text("sample.csv", DOCTYPE_CSV);
    expect_text("sample.pdf", DOCTYPE_PDF);
    expect_text("sample.docx", DOCTYPE_DOCX);
}

static void
test_docx_structure(void **state)
{
    struct buf text = BUF_INIT;
    enum docfail why;

    (void)state;
    assert_int_equal(run("sample.docx", DOCTYPE_DOCX, &extract_default_limits, &text, &why), 0);
    /* Runs of one paragraph join; paragraphs are blank-line separated; table cells tab-separated.
     */
    assert_non_null(strstr(text.ptr, "Política de trocas da Loja Exemplo\n\nAceitamos"));
    assert_non_null(strstr(text.ptr, "Prazo\n\n\t30 dias"));
    buf_release(&text);
}

static void
expect_failure(const char *name, enum doctype t, enum docfail expected)
{
    struct buf text = BUF_INIT;
    enum docfail why = DOCFAIL_NONE;

    assert_int_equal(run(name, t, &extract_default_limits, &text, &why), E_INVALID);
    if (why != expected) {
        fail_msg("%s: got %s, want %s", name, docfail_code(why), docfail_code(expected));
    }
    assert_int_equal(text.len, 0);
    assert_true(strlen(docfail_message(why)) > 10);
    buf_release(&text);
}

static void
test_bad_files(void **state)
{
    (void)state;
    expect_failure("encrypted.pdf", DOCTYPE_PDF, DOCFAIL_ENCRYPTED);
    expect_failure("encrypted.docx", DOCTYPE_DOCX, DOCFAIL_ENCRYPTED);
    expect_failure("truncated.pdf", DOCTYPE_PDF, DOCFAIL_MALFORMED);
    expect_failure("not_word.docx", DOCTYPE_DOCX, DOCFAIL_MALFORMED);
    expect_failure("scanned.pdf", DOCTYPE_PDF, DOCFAIL_EMPTY);
    expect_failure("empty.txt", DOCTYPE_TXT, DOCFAIL_EMPTY);
    expect_failure("lying_text.pdf", DOCTYPE_PDF, DOCFAIL_TYPE);
    expect_failure("lying_pdf.txt", DOCTYPE_TXT, DOCFAIL_TYPE);
    expect_failure("sample.pdf", DOCTYPE_DOCX, DOCFAIL_TYPE);
    expect_failure("sample.docx", DOCTYPE_PDF, DOCFAIL_TYPE);
    expect_failure("sample.docx", DOCTYPE_CSV, DOCFAIL_TYPE);
}

/* Writes an executable script at path (a mkstemp template). */
static void
script(char *path, const char *body)
{
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    assert_int_equal(fchmod(fd, 0700), 0);
    close(fd);
}

static void
test_limits(void **state)
{
    struct extract_limits tiny = extract_default_limits;
    struct extract_limits slow = extract_default_limits;
    struct extract_limits missing = extract_default_limits;
    struct buf text = BUF_INIT;
    enum docfail why;
    char hang[] = "/tmp/piloto-hang-XXXXXX";
    char flood[] = "/tmp/piloto-flood-XXXXXX";
    int64_t t0;

    (void)state;
    script(hang, "#!/bin/sh\nexec sleep 30\n");
    script(flood, "#!/bin/sh\nexec yes\n");
    tiny.text_max = 40;
    assert_int_equal(run("sample.pdf", DOCTYPE_PDF, &tiny, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_TOO_MUCH);
    assert_int_equal(run("sample.txt", DOCTYPE_TXT, &tiny, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_TOO_MUCH);
    assert_int_equal(run("sample.docx", DOCTYPE_DOCX, &tiny, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_TOO_MUCH);
    /* A "pdftotext" that never answers is killed at the deadline... */
    slow.pdftotext = hang;
    slow.timeout_ms = 300;
    t0 = clock_mono_ms();
    assert_int_equal(run("sample.pdf", DOCTYPE_PDF, &slow, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_TIMEOUT);
    assert_true(clock_mono_ms() - t0 < 5000);
    /* ...and one that never stops writing, at the output cap. */
    slow.pdftotext = flood;
    slow.timeout_ms = 10000;
    assert_int_equal(run("sample.pdf", DOCTYPE_PDF, &slow, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_TOO_MUCH);
    unlink(hang);
    unlink(flood);
    missing.pdftotext = "/nonexistent/pdftotext";
    assert_int_equal(run("sample.pdf", DOCTYPE_PDF, &missing, &text, &why), E_INVALID);
    assert_int_equal(why, DOCFAIL_INTERNAL);
    assert_int_equal(text.len, 0);
    buf_release(&text);
}

static void
test_declared(void **state)
{
    enum doctype t;

    (void)state;
    assert_int_equal(doctype_from_declared(STR_LIT("application/pdf"), STR_LIT("a.PDF"), &t), 0);
    assert_int_equal(t, DOCTYPE_PDF);
    assert_int_equal(
        doctype_from_declared(STR_LIT("text/plain; charset=utf-8"), STR_LIT("a.txt"), &t), 0);
    assert_int_equal(t, DOCTYPE_TXT);
    assert_int_equal(
        doctype_from_declared(STR_LIT("application/vnd.ms-excel"), STR_LIT("x.csv"), &t), 0);
    assert_int_equal(t, DOCTYPE_CSV);
    assert_int_equal(
        doctype_from_declared(
            STR_LIT("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            STR_LIT("contrato.docx"), &t),
        0);
    assert_int_equal(t, DOCTYPE_DOCX);
    assert_int_equal(doctype_from_declared(STR_LIT("application/pdf"), STR_LIT("a.exe"), &t),
                     E_MEDIA_TYPE);
    assert_int_equal(doctype_from_declared(STR_LIT("application/pdf;x=1"), STR_LIT("a.pdf"), &t),
                     E_MEDIA_TYPE);
    assert_int_equal(doctype_from_declared(STR_LIT("image/png"), STR_LIT("a.png"), &t),
                     E_MEDIA_TYPE);
    assert_int_equal(doctype_from_declared(STR_LIT("text/plain"), STR_LIT(".txt"), &t),
                     E_MEDIA_TYPE);
    assert_int_equal(doctype_from_name(STR_LIT("docx")), DOCTYPE_DOCX);
    assert_int_equal(doctype_from_name(STR_LIT("exe")), DOCTYPE_NONE);
    assert_string_equal(doctype_name(DOCTYPE_MD), "md");
    assert_int_equal(docfail_from_code(STR_LIT("encrypted")), DOCFAIL_ENCRYPTED);
    assert_int_equal(docfail_from_code(STR_LIT("")), DOCFAIL_NONE);
}

static void
test_normalize(void **state)
{
    static const char in[] = "a\r\nb\rc\fd\x01"
                             "e\xc2\x85"
                             "f\xef\xbb\xbfg\xff h\xc2\xad"
                             "i";
    struct buf out = BUF_INIT;

    (void)state;
    assert_int_equal(extract_normalize(in, sizeof(in) - 1, 1000, &out), 0);
    assert_string_equal(out.ptr, "a\nb\nc\n\ndefg hi");
    buf_reset(&out);
    assert_int_equal(extract_normalize(in, sizeof(in) - 1, 3, &out), E_TOO_LARGE);
    buf_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),   cmocka_unit_test(test_docx_structure),
        cmocka_unit_test(test_bad_files), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_declared),  cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
