/*
 * Unit tests for knowledge/upload_url: a minted URL checks; any change to
 * the document, version, size, type, expiry or signature is refused as
 * tampered (403 forbidden); a genuine one past its expiry is expired (403
 * link_expired); another key never verifies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "knowledge/upload_url.h"

static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
static const uint8_t other_key[] = "0123456789abcdef0123456789abcdeF";

/* Splits "v=..&size=..&type=..&exp=..&sig=.." into parts (views into q). */
static struct upload_url_parts
parts_of(const char *id, const struct buf *q)
{
    struct upload_url_parts p = {str_from_cstr(id), STR_NULL, STR_NULL,
                                 STR_NULL,          STR_NULL, STR_NULL};
    struct str rest = buf_str(q);

    while (rest.len) {
        struct str pair = str_cut(&rest, '&');
        struct str name = str_cut(&pair, '=');
        if (str_eq_cstr(name, "v")) {
            p.version = pair;
        } else if (str_eq_cstr(name, "size")) {
            p.size = pair;
        } else if (str_eq_cstr(name, "type")) {
            p.type = pair;
        } else if (str_eq_cstr(name, "exp")) {
            p.expires = pair;
        } else if (str_eq_cstr(name, "sig")) {
            p.sig = pair;
        }
    }
    return p;
}

static void
test_round_trip_and_tampering(void **state)
{
    struct upload_grant g = {"doc_AbC-123", 3, 52428, DOCTYPE_PDF, 1700000900};
    struct upload_grant out;
    struct buf q = BUF_INIT;
    struct upload_url_parts p;
    struct upload_url_parts t;
    char sig[64];

    (void)state;
    assert_int_equal(upload_url_render(key, sizeof(key) - 1, &g, &q), 0);
    assert_true(strncmp(q.ptr, "v=3&size=52428&type=pdf&exp=1700000900&sig=", 43) == 0);
    p = parts_of(g.document_id, &q);
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &p, 1700000000, &out), 0);
    assert_string_equal(out.document_id, "doc_AbC-123");
    assert_int_equal(out.version, 3);
    assert_int_equal(out.size, 52428);
    assert_int_equal(out.type, DOCTYPE_PDF);

    /* Expired: the same URL one second past its end. */
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &p, 1700000900, &out), E_EXPIRED);
    /* Every bound part, changed. */
    t = p;
    t.document_id = STR_LIT("doc_AbC-124");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.version = STR_LIT("4");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.size = STR_LIT("52429");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.type = STR_LIT("docx");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.expires = STR_LIT("1800000000");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    /* A later expiry with a tampered signature is tampered, not expired, even when past. */
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1900000000, &out), E_FORBIDDEN);
    t = p;
    str_copy_to(p.sig, sig, sizeof(sig));
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    t.sig = str_from_cstr(sig);
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    /* Missing or malformed parts. */
    t = p;
    t.sig = STR_NULL;
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.size = STR_LIT("-1");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.type = STR_LIT("exe");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    t = p;
    t.document_id = STR_LIT("../../etc/passwd");
    assert_int_equal(upload_url_check(key, sizeof(key) - 1, &t, 1700000000, &out), E_FORBIDDEN);
    /* Another secret. */
    assert_int_equal(upload_url_check(other_key, sizeof(other_key) - 1, &p, 1700000000, &out),
                     E_FORBIDDEN);
    buf_release(&q);
}

static void
test_bad_grants(void **state)
{
    struct upload_grant g = {"", 1, 10, DOCTYPE_TXT, 1};
    struct buf q = BUF_INIT;

    (void)state;
    assert_int_equal(upload_url_render(key, sizeof(key) - 1, &g, &q), E_INVALID);
    memcpy(g.document_id, "a/b", 4);
    assert_int_equal(upload_url_render(key, sizeof(key) - 1, &g, &q), E_INVALID);
    memcpy(g.document_id, "ab", 3);
    g.type = DOCTYPE_NONE;
    assert_int_equal(upload_url_render(key, sizeof(key) - 1, &g, &q), E_INVALID);
    assert_int_equal(q.len, 0);
    buf_release(&q);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_tampering),
        cmocka_unit_test(test_bad_grants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
