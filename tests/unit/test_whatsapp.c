/*
 * Unit tests for integrations/whatsapp: the X-Hub-Signature-256 vector of
 * tests/testdata/whatsapp (Meta's shape, over the raw bytes), the hub.*
 * handshake, the webhook parser over a batch of every message type across
 * entries and changes, the forward-only status rule, the send request
 * builder and the classification of Meta's answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/whatsapp.h"

#define VECTOR_DIR    "tests/testdata/whatsapp/"
#define VECTOR_SECRET "test-app-secret"
#define VECTOR_SIG    "sha256=05dcfbd54e968793b65ce7b450f9096f08d7c2ce45eaf02b0101e1247abb6a1e"

/* The file's bytes exactly (no newline added); the test fails when it is missing. */
static void
read_file(const char *name, struct buf *out)
{
    char path[256];
    char chunk[4096];
    FILE *f;
    size_t n;

    (void)snprintf(path, sizeof(path), VECTOR_DIR "%s", name);
    f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open '%s' (run from the repository root)", path);
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        assert_int_equal(buf_add(out, chunk, n), 0);
    }
    (void)fclose(f);
}

static int
setup(void **state)
{
    (void)state;
    return crypto_init();
}

static void
test_signature_vector(void **state)
{
    struct buf body = BUF_INIT;
    struct str secret = STR_LIT(VECTOR_SECRET);
    (void)state;

    read_file("signed-message.json", &body);
    assert_int_equal(whatsapp_check_signature(secret, STR_LIT(VECTOR_SIG), buf_str(&body)), 0);
    /* Uppercase hex is the same digest. */
    char upper[sizeof(VECTOR_SIG)];
    memcpy(upper, VECTOR_SIG, sizeof(upper));
    for (size_t i = 7; upper[i]; i++) {
        if (upper[i] >= 'a' && upper[i] <= 'f') {
            upper[i] = (char)(upper[i] - 'a' + 'A');
        }
    }
    assert_int_equal(whatsapp_check_signature(secret, str_from_cstr(upper), buf_str(&body)), 0);

    /* One byte more (a trailing newline, as a re-serialiser would add) fails. */
    assert_int_equal(buf_addch(&body, '\n'), 0);
    assert_int_equal(whatsapp_check_signature(secret, STR_LIT(VECTOR_SIG), buf_str(&body)),
                     E_UNAUTHENTICATED);
    body.len--;
    body.ptr[body.len] = '\0';

    /* Wrong secret, wrong digest, truncated, no prefix, sha1, no secret configured. */
    assert_int_equal(
        whatsapp_check_signature(STR_LIT("other-secret"), STR_LIT(VECTOR_SIG), buf_str(&body)),
        E_UNAUTHENTICATED);
    assert_int_equal(
        whatsapp_check_signature(
            secret,
            STR_LIT("sha256=05dcfbd54e968793b65ce7b450f9096f08d7c2ce45eaf02b0101e1247abb6a1f"),
            buf_str(&body)),
        E_UNAUTHENTICATED);
    assert_int_equal(
        whatsapp_check_signature(secret, STR_LIT("sha256=05dcfbd54e96"), buf_str(&body)),
        E_UNAUTHENTICATED);
    assert_int_equal(
        whatsapp_check_signature(
            secret, STR_LIT("05dcfbd54e968793b65ce7b450f9096f08d7c2ce45eaf02b0101e1247abb6a1e"),
            buf_str(&body)),
        E_UNAUTHENTICATED);
    assert_int_equal(
        whatsapp_check_signature(
            secret,
            STR_LIT("sha256=05dcfbd54e968793b65ce7b450f9096f08d7c2ce45eaf02b0101e1247abb6azz"),
            buf_str(&body)),
        E_UNAUTHENTICATED);
    assert_int_equal(whatsapp_check_signature(secret, STR_LIT("sha1=abc"), buf_str(&body)),
                     E_UNAUTHENTICATED);
    assert_int_equal(whatsapp_check_signature(secret, STR_NULL, buf_str(&body)), E_UNAUTHENTICATED);
    assert_int_equal(whatsapp_check_signature(STR_NULL, STR_LIT(VECTOR_SIG), buf_str(&body)),
                     E_UNAUTHENTICATED);
    buf_release(&body);
}

static void
test_handshake(void **state)
{
    struct str vt = STR_LIT("verify-me");
    (void)state;

    assert_int_equal(whatsapp_check_handshake(vt, STR_LIT("subscribe"), STR_LIT("verify-me"),
                                              STR_LIT("1158201444")),
                     0);
    assert_int_equal(
        whatsapp_check_handshake(vt, STR_LIT("subscribe"), STR_LIT("verify-mE"), STR_LIT("1")),
        E_FORBIDDEN);
    assert_int_equal(
        whatsapp_check_handshake(vt, STR_LIT("unsubscribe"), STR_LIT("verify-me"), STR_LIT("1")),
        E_FORBIDDEN);
    assert_int_equal(
        whatsapp_check_handshake(vt, STR_LIT("subscribe"), STR_LIT("verify-me"), STR_NULL),
        E_FORBIDDEN);
    assert_int_equal(whatsapp_check_handshake(vt, STR_LIT("subscribe"), STR_LIT("verify-me"),
                                              STR_LIT("<script>")),
                     E_FORBIDDEN);
    /* No verify token configured: nothing matches, not even an empty token. */
    assert_int_equal(
        whatsapp_check_handshake(STR_NULL, STR_LIT("subscribe"), STR_NULL, STR_LIT("1")),
        E_FORBIDDEN);
}

static void
check_str(struct str s, const char *want)
{
    assert_non_null(s.ptr);
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.ptr, want, s.len);
    assert_int_equal(s.ptr[s.len], '\0');
}

static void
test_parse_batch(void **state)
{
    struct buf body = BUF_INIT;
    struct arena *a = arena_new();
    struct whatsapp_batch b;
    const struct whatsapp_message *m;
    const struct whatsapp_status_update *s;
    (void)state;

    read_file("batch.json", &body);
    assert_int_equal(whatsapp_parse_webhook(buf_str(&body), a, &b), 0);
    /* Every message of every change of every entry, in payload order. */
    assert_int_equal(b.n_messages, 12);
    assert_int_equal(b.n_statuses, 4);
    assert_int_equal(b.n_skipped, 1);
    assert_int_equal(b.n_ignored, 1);

    m = &b.messages[0];
    check_str(m->phone_number_id, "1001");
    check_str(m->id, "wamid.T1");
    check_str(m->from, "5511990000001");
    check_str(m->profile_name, "Ana Souza");
    assert_int_equal(m->timestamp, 1749416383);
    assert_int_equal(m->type, WA_TYPE_TEXT);
    check_str(m->text, "Olá, quanto custa?");
    check_str(m->metadata, "{\"body\":\"Olá, quanto custa?\"}");

    m = &b.messages[1];
    assert_int_equal(m->type, WA_TYPE_IMAGE);
    check_str(m->profile_name, "Bruno");
    check_str(m->text, "foto do produto");
    check_str(m->media_id, "MEDIA1");
    check_str(m->mime_type, "image/jpeg");
    check_str(m->context_id, "wamid.OUT1");

    m = &b.messages[2];
    assert_int_equal(m->type, WA_TYPE_AUDIO);
    check_str(m->text, "");
    check_str(m->mime_type, "audio/ogg; codecs=opus");
    assert_non_null(strstr(m->metadata.ptr, "\"voice\":true"));

    m = &b.messages[3];
    assert_int_equal(m->type, WA_TYPE_DOCUMENT);
    check_str(m->text, "proposta.pdf");
    check_str(m->media_id, "MEDIA3");

    assert_int_equal(b.messages[4].type, WA_TYPE_VIDEO);
    check_str(b.messages[4].text, "vídeo");
    assert_int_equal(b.messages[5].type, WA_TYPE_STICKER);
    check_str(b.messages[5].media_id, "MEDIA5");

    m = &b.messages[6];
    assert_int_equal(m->type, WA_TYPE_LOCATION);
    check_str(m->phone_number_id, "1002");
    check_str(m->profile_name, "Carla");
    check_str(m->text, "-23.550500,-46.633300");
    assert_non_null(strstr(m->metadata.ptr, "\"latitude\""));

    m = &b.messages[7];
    assert_int_equal(m->type, WA_TYPE_CONTACTS);
    check_str(m->text, "Diego Lima");
    assert_int_equal(m->metadata.ptr[0], '[');

    m = &b.messages[8];
    check_str(m->phone_number_id, "1003");
    assert_int_equal(m->type, WA_TYPE_INTERACTIVE);
    check_str(m->text, "Plano Pro");
    assert_non_null(strstr(m->metadata.ptr, "plan-pro"));

    m = &b.messages[9];
    assert_int_equal(m->type, WA_TYPE_BUTTON);
    check_str(m->text, "Sim, quero");
    check_str(m->context_id, "wamid.TPL1");

    m = &b.messages[10];
    assert_int_equal(m->type, WA_TYPE_REACTION);
    check_str(m->text, "👍");
    check_str(m->context_id, "wamid.OUT2");

    m = &b.messages[11];
    assert_int_equal(m->type, WA_TYPE_OTHER);
    check_str(m->type_name, "unsupported");
    assert_non_null(strstr(m->metadata.ptr, "131051"));

    s = &b.statuses[0];
    check_str(s->id, "wamid.OUT1");
    check_str(s->phone_number_id, "1001");
    assert_int_equal(s->status, WA_STATUS_READ);
    check_str(s->biz_opaque, "msg:42");
    assert_int_equal(s->timestamp, 1749416390);
    assert_int_equal(b.statuses[1].status, WA_STATUS_DELIVERED);
    s = &b.statuses[2];
    assert_int_equal(s->status, WA_STATUS_FAILED);
    assert_int_equal(s->error_code, 131047);
    check_str(s->error_title, "Re-engagement message");
    check_str(s->recipient_id, "5531970000004");
    assert_int_equal(b.statuses[3].status, WA_STATUS_SENT);
    assert_int_equal(b.statuses[3].error_code, 0);

    arena_free(a);
    buf_release(&body);
}

static void
test_parse_vector(void **state)
{
    struct buf body = BUF_INIT;
    struct arena *a = arena_new();
    struct whatsapp_batch b;
    (void)state;

    read_file("signed-message.json", &body);
    assert_int_equal(whatsapp_parse_webhook(buf_str(&body), a, &b), 0);
    assert_int_equal(b.n_messages, 1);
    assert_int_equal(b.n_statuses, 0);
    check_str(b.messages[0].phone_number_id, "106540352242922");
    check_str(b.messages[0].profile_name, "Sheena Nelson");
    check_str(b.messages[0].text, "Does it come in another color?");
    arena_free(a);
    buf_release(&body);
}

static int
parse(const char *body)
{
    struct arena *a = arena_new();
    struct whatsapp_batch b;
    int rc = whatsapp_parse_webhook(str_from_cstr(body), a, &b);
    if (rc) {
        assert_int_equal(b.n_messages + b.n_statuses, 0);
    }
    arena_free(a);
    return rc;
}

static void
test_parse_refusals(void **state)
{
    struct buf big = BUF_INIT;
    (void)state;

    assert_int_equal(parse(""), E_BAD_JSON);
    assert_int_equal(parse("{"), E_BAD_JSON);
    assert_int_equal(parse("{\"object\":\"page\",\"entry\":[{}]}"), E_INVALID);
    assert_int_equal(parse("{\"object\":\"whatsapp_business_account\"}"), E_INVALID);
    assert_int_equal(parse("{\"object\":\"whatsapp_business_account\",\"entry\":{}}"), E_INVALID);
    assert_int_equal(parse("[1,2]"), E_INVALID);
    assert_int_equal(parse("{\"object\":\"whatsapp_business_account\",\"entry\":[{}]} x"),
                     E_BAD_JSON);
    assert_int_equal(parse("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":"
                           "[{\"field\":\"messages\",\"value\":{\"messages\":[1,\"x\",null]}}]}]}"),
                     0);

    /* One more item than a batch may hold is refused whole. */
    assert_int_equal(buf_addstr(&big, "{\"object\":\"whatsapp_business_account\",\"entry\":[{"
                                      "\"changes\":[{\"field\":\"messages\",\"value\":{"
                                      "\"metadata\":{\"phone_number_id\":\"1\"},\"statuses\":["),
                     0);
    for (int i = 0; i <= WHATSAPP_MAX_EVENTS; i++) {
        assert_int_equal(buf_addf(&big, "%s{\"id\":\"w%d\",\"status\":\"sent\"}", i ? "," : "", i),
                         0);
    }
    assert_int_equal(buf_addstr(&big, "]}}]}]}"), 0);
    assert_int_equal(parse(big.ptr), E_TOO_LARGE);
    buf_release(&big);
}

static void
test_status_rule(void **state)
{
    (void)state;
    /* Forward only. */
    assert_int_equal(whatsapp_status_advance(WA_STATUS_PENDING, WA_STATUS_SENT), WA_STATUS_SENT);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_SENT, WA_STATUS_DELIVERED),
                     WA_STATUS_DELIVERED);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_DELIVERED, WA_STATUS_READ), WA_STATUS_READ);
    /* Out of order: read first, then the late delivered and sent change nothing. */
    assert_int_equal(whatsapp_status_advance(WA_STATUS_SENT, WA_STATUS_READ), WA_STATUS_READ);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_READ, WA_STATUS_DELIVERED), WA_STATUS_READ);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_READ, WA_STATUS_SENT), WA_STATUS_READ);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_DELIVERED, WA_STATUS_SENT),
                     WA_STATUS_DELIVERED);
    /* A status for a send whose accept answer we lost (crash) still lands. */
    assert_int_equal(whatsapp_status_advance(WA_STATUS_PENDING, WA_STATUS_DELIVERED),
                     WA_STATUS_DELIVERED);
    /* Failed is final. */
    assert_int_equal(whatsapp_status_advance(WA_STATUS_SENT, WA_STATUS_FAILED), WA_STATUS_FAILED);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_DELIVERED, WA_STATUS_FAILED),
                     WA_STATUS_FAILED);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_FAILED, WA_STATUS_READ), WA_STATUS_FAILED);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_FAILED, WA_STATUS_SENT), WA_STATUS_FAILED);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_READ, WA_STATUS_FAILED), WA_STATUS_READ);
    /* Unknown statuses and our own pending never move anything. */
    assert_int_equal(whatsapp_status_advance(WA_STATUS_SENT, WA_STATUS_NONE), WA_STATUS_SENT);
    assert_int_equal(whatsapp_status_advance(WA_STATUS_READ, WA_STATUS_PENDING), WA_STATUS_READ);

    assert_int_equal(whatsapp_status_parse(STR_LIT("delivered")), WA_STATUS_DELIVERED);
    assert_int_equal(whatsapp_status_parse(STR_LIT("deleted")), WA_STATUS_NONE);
    assert_string_equal(whatsapp_status_name(WA_STATUS_READ), "read");
    assert_int_equal(whatsapp_type_parse(STR_LIT("sticker")), WA_TYPE_STICKER);
    assert_int_equal(whatsapp_type_parse(STR_LIT("order")), WA_TYPE_OTHER);
}

static void
test_render(void **state)
{
    struct buf b = BUF_INIT;
    struct whatsapp_text_send s = {STR_LIT("5511990000001"), STR_LIT("Olá \"você\"\n"),
                                   STR_LIT("wamid.IN1"), STR_LIT("msg:42")};
    (void)state;

    assert_int_equal(whatsapp_render_text(&s, &b), 0);
    assert_string_equal(
        b.ptr, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
               "\"to\":\"5511990000001\",\"type\":\"text\",\"text\":{\"preview_url\":false,"
               "\"body\":\"Olá \\\"você\\\"\\n\"},\"context\":{\"message_id\":\"wamid.IN1\"},"
               "\"biz_opaque_callback_data\":\"msg:42\"}");
    buf_reset(&b);
    s.reply_to = STR_NULL;
    s.biz_opaque = STR_NULL;
    assert_int_equal(whatsapp_render_text(&s, &b), 0);
    assert_null(strstr(b.ptr, "context"));
    assert_null(strstr(b.ptr, "biz_opaque"));
    buf_reset(&b);

    s.body = STR_NULL;
    assert_int_equal(whatsapp_render_text(&s, &b), E_INVALID);
    s.body = STR_LIT("oi");
    s.to = STR_LIT("55\n11");
    assert_int_equal(whatsapp_render_text(&s, &b), E_INVALID);
    assert_int_equal(b.len, 0);

    assert_int_equal(whatsapp_render_read(STR_LIT("wamid.IN1"), &b), 0);
    assert_string_equal(
        b.ptr,
        "{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":\"wamid.IN1\"}");
    buf_reset(&b);

    assert_int_equal(whatsapp_render_url("http://127.0.0.1:9/v23.0", STR_LIT("1001"), &b), 0);
    assert_string_equal(b.ptr, "http://127.0.0.1:9/v23.0/1001/messages");
    buf_reset(&b);
    assert_int_equal(whatsapp_render_url("http://x", STR_LIT("10/../01"), &b), E_INVALID);
    assert_int_equal(whatsapp_render_url("http://x", STR_NULL, &b), E_INVALID);
    buf_release(&b);
}

static void
classify(long status, const char *body, struct whatsapp_answer *a)
{
    whatsapp_classify_answer(status, str_from_cstr(body), a);
}

static void
test_classify(void **state)
{
    struct whatsapp_answer a;
    (void)state;

    classify(
        200,
        "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"55\",\"wa_id\":\"55\"}],"
        "\"messages\":[{\"id\":\"wamid.OK1\"}]}",
        &a);
    assert_int_equal(a.outcome, WA_OUT_SENT);
    assert_string_equal(a.wamid, "wamid.OK1");

    classify(200, "{}", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);

    classify(
        400,
        "{\"error\":{\"message\":\"(#131047) Re-engagement message\",\"type\":\"OAuthException\","
        "\"code\":131047,\"fbtrace_id\":\"x\"}}",
        &a);
    assert_int_equal(a.outcome, WA_OUT_WINDOW_CLOSED);
    assert_int_equal(a.code, 131047);
    assert_string_equal(a.detail, "(#131047) Re-engagement message");

    classify(400, "{\"error\":{\"message\":\"pair\",\"code\":131056}}", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);
    assert_int_equal(a.code, 131056);
    assert_true(a.retry_floor_s >= 60);

    classify(429, "{\"error\":{\"message\":\"throughput\",\"code\":130429}}", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);
    assert_int_equal(a.code, 130429);

    classify(401, "{\"error\":{\"message\":\"token expired\",\"code\":190}}", &a);
    assert_int_equal(a.outcome, WA_OUT_AUTH);

    classify(400, "{\"error\":{\"message\":\"bad param\",\"code\":100}}", &a);
    assert_int_equal(a.outcome, WA_OUT_REJECTED);
    assert_int_equal(a.code, 100);

    classify(500, "<html>oops</html>", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);
    assert_int_equal(a.code, 500);
    classify(503, "", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);
    classify(0, "", &a);
    assert_int_equal(a.outcome, WA_OUT_RETRY);
    classify(404, "not json", &a);
    assert_int_equal(a.outcome, WA_OUT_REJECTED);
    classify(401, "", &a);
    assert_int_equal(a.outcome, WA_OUT_AUTH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature_vector), cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_parse_batch),      cmocka_unit_test(test_parse_vector),
        cmocka_unit_test(test_parse_refusals),   cmocka_unit_test(test_status_rule),
        cmocka_unit_test(test_render),           cmocka_unit_test(test_classify),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
