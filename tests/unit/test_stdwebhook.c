/*
 * Unit tests for integrations/stdwebhook: the Standard Webhooks v1 vector
 * (tests/testdata/standard-webhooks, the case the specification's reference
 * libraries test), signatures during a rotation, secrets we generate, and
 * what the signer refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/stdwebhook.h"

#define VEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID     "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS     1614265330
#define VEC_BODY   "{\"test\": 2432232314}"
#define VEC_SIG    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static int
setup(void **state)
{
    (void)state;
    return crypto_init();
}

static void
test_vector(void **state)
{
    char sig[STDWEBHOOK_SIG_SIZE];
    (void)state;

    assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT(VEC_ID), VEC_TS,
                                     STR_LIT(VEC_BODY), sig, sizeof(sig)),
                     0);
    assert_string_equal(sig, VEC_SIG);
    /* One byte of the body, the id or the timestamp changes the signature. */
    assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT(VEC_ID), VEC_TS + 1,
                                     STR_LIT(VEC_BODY), sig, sizeof(sig)),
                     0);
    assert_string_not_equal(sig, VEC_SIG);
    assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT("msg_p5jXN8AQM9LWM0D4loKWxJeK"),
                                     VEC_TS, STR_LIT(VEC_BODY), sig, sizeof(sig)),
                     0);
    assert_string_not_equal(sig, VEC_SIG);
    assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT(VEC_ID), VEC_TS,
                                     STR_LIT("{\"test\": 2432232315}"), sig, sizeof(sig)),
                     0);
    assert_string_not_equal(sig, VEC_SIG);
}

static void
test_rotation_header(void **state)
{
    char fresh[STDWEBHOOK_SECRET_SIZE];
    char sig_new[STDWEBHOOK_SIG_SIZE];
    struct str secrets[2];
    struct buf h = BUF_INIT;
    struct buf want = BUF_INIT;
    (void)state;

    stdwebhook_secret_new(fresh, sizeof(fresh));
    secrets[0] = str_from_cstr(fresh);
    secrets[1] = STR_LIT(VEC_SECRET);
    assert_int_equal(stdwebhook_sign(secrets[0], STR_LIT(VEC_ID), VEC_TS, STR_LIT(VEC_BODY),
                                     sig_new, sizeof(sig_new)),
                     0);
    assert_int_equal(
        stdwebhook_signature_header(secrets, 2, STR_LIT(VEC_ID), VEC_TS, STR_LIT(VEC_BODY), &h), 0);
    /* The current secret's signature first, then the old one's, one space between. */
    assert_int_equal(buf_addf(&want, "%s %s", sig_new, VEC_SIG), 0);
    assert_string_equal(h.ptr, want.ptr);

    /* One secret: exactly one signature. */
    buf_reset(&h);
    assert_int_equal(
        stdwebhook_signature_header(secrets + 1, 1, STR_LIT(VEC_ID), VEC_TS, STR_LIT(VEC_BODY), &h),
        0);
    assert_string_equal(h.ptr, VEC_SIG);

    /* A bad secret among them leaves out as it was. */
    buf_reset(&h);
    assert_int_equal(buf_addstr(&h, "keep"), 0);
    secrets[1] = STR_LIT("whsec_!!");
    assert_int_equal(
        stdwebhook_signature_header(secrets, 2, STR_LIT(VEC_ID), VEC_TS, STR_LIT(VEC_BODY), &h),
        E_INVALID);
    assert_string_equal(h.ptr, "keep");
    assert_int_equal(
        stdwebhook_signature_header(secrets, 0, STR_LIT(VEC_ID), VEC_TS, STR_LIT(VEC_BODY), &h),
        E_INVALID);
    buf_release(&h);
    buf_release(&want);
}

static void
test_secret_new(void **state)
{
    char a[STDWEBHOOK_SECRET_SIZE];
    char b[STDWEBHOOK_SECRET_SIZE];
    (void)state;

    stdwebhook_secret_new(a, sizeof(a));
    stdwebhook_secret_new(b, sizeof(b));
    assert_int_equal(strlen(a), 6 + 32);
    assert_memory_equal(a, "whsec_", 6);
    assert_true(stdwebhook_secret_valid(str_from_cstr(a)));
    assert_string_not_equal(a, b);
}

static void
test_secret_valid(void **state)
{
    static const char *const bad[] = {
        "",
        "whsec_",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",       /* no prefix */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  /* not a multiple of 4 */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", /* not base64 */
        "whsec_MfKQ9r8G_YqrTwjUPD8ILPZIo2LaLaSw", /* base64url, not base64 */
        "whsec_AAAAAAAAAAAAAAAAAAAA",             /* 15 bytes: too short */
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ",
    };
    char sig[STDWEBHOOK_SIG_SIZE];
    (void)state;

    assert_true(stdwebhook_secret_valid(STR_LIT(VEC_SECRET)));
    assert_true(stdwebhook_secret_valid(STR_LIT("whsec_AAAAAAAAAAAAAAAAAAAAAA==")));
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        if (stdwebhook_secret_valid(str_from_cstr(bad[i]))) {
            fail_msg("accepted secret '%s'", bad[i]);
        }
        assert_int_equal(stdwebhook_sign(str_from_cstr(bad[i]), STR_LIT(VEC_ID), VEC_TS,
                                         STR_LIT(VEC_BODY), sig, sizeof(sig)),
                         E_INVALID);
    }
}

static void
test_id_and_timestamp(void **state)
{
    static const char *const bad[] = {
        "",
        "a.b",
        "a b",
        "a\r\nX-Evil: 1",
        "caf\xc3\xa9",
        "01234567890123456789012345678901234567890123456789012345678901234", /* 65 */
    };
    char sig[STDWEBHOOK_SIG_SIZE];
    (void)state;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), str_from_cstr(bad[i]), VEC_TS,
                                         STR_LIT(VEC_BODY), sig, sizeof(sig)),
                         E_INVALID);
    }
    assert_int_equal(stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT(VEC_ID), -1, STR_LIT(VEC_BODY),
                                     sig, sizeof(sig)),
                     E_INVALID);
    /* An empty body is signed as "id.ts." */
    assert_int_equal(
        stdwebhook_sign(STR_LIT(VEC_SECRET), STR_LIT(VEC_ID), 0, STR_NULL, sig, sizeof(sig)), 0);
    assert_int_equal(strlen(sig), 3 + 44);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector),           cmocka_unit_test(test_rotation_header),
        cmocka_unit_test(test_secret_new),       cmocka_unit_test(test_secret_valid),
        cmocka_unit_test(test_id_and_timestamp),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
