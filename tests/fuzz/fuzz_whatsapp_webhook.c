/*
 * Fuzzes whatsapp_parse_webhook (integrations/whatsapp.h) with the input as
 * a webhook body that passed its signature check: whatever Meta (or a
 * leaked app secret) sends must parse into bounded, well-formed items or be
 * refused whole, never crash or leak.
 */
#include "fuzz.h"

#include "core/arena.h"
#include "core/common.h"
#include "core/err.h"
#include "integrations/whatsapp.h"

static void
check_text(struct str s)
{
    FUZZ_CHECK(s.ptr != NULL);
    FUZZ_CHECK(s.ptr[s.len] == '\0');
    FUZZ_CHECK(str_is_utf8(s));
}

static void
check_id(struct str s)
{
    check_text(s);
    FUZZ_CHECK(s.len > 0 && s.len <= WHATSAPP_ID_MAX);
    FUZZ_CHECK(str_is_visible(s));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new();
    struct whatsapp_batch b;
    int rc = whatsapp_parse_webhook(str_make((const char *)data, size), a, &b);

    FUZZ_CHECK(rc == 0 || rc == E_BAD_JSON || rc == E_INVALID || rc == E_TOO_LARGE);
    if (rc) {
        FUZZ_CHECK(b.n_messages == 0 && b.n_statuses == 0);
        goto out;
    }
    FUZZ_CHECK(b.n_messages + b.n_statuses <= WHATSAPP_MAX_EVENTS);
    for (size_t i = 0; i < b.n_messages; i++) {
        const struct whatsapp_message *m = &b.messages[i];
        check_id(m->id);
        check_id(m->from);
        check_id(m->phone_number_id);
        check_text(m->profile_name);
        check_text(m->type_name);
        check_text(m->text);
        check_text(m->media_id);
        check_text(m->mime_type);
        check_text(m->context_id);
        check_text(m->metadata);
        FUZZ_CHECK(m->metadata.len <= WHATSAPP_MAX_METADATA);
        FUZZ_CHECK(m->type <= WA_TYPE_OTHER);
        FUZZ_CHECK(m->timestamp >= 0);
    }
    for (size_t i = 0; i < b.n_statuses; i++) {
        const struct whatsapp_status_update *s = &b.statuses[i];
        check_id(s->id);
        check_id(s->phone_number_id);
        check_text(s->recipient_id);
        check_text(s->status_name);
        check_text(s->error_title);
        check_text(s->biz_opaque);
        FUZZ_CHECK(s->status != WA_STATUS_PENDING);
        FUZZ_CHECK(whatsapp_status_advance(WA_STATUS_FAILED, s->status) == WA_STATUS_FAILED);
    }
out:
    arena_free(a);
    return 0;
}
