/*
 * Fuzzes whatsapp_classify_answer (integrations/whatsapp.h) with the input
 * as the Graph API's answer to a send: the first two bytes pick the HTTP
 * status, the rest is the body. Any answer gets one outcome, and a wamid
 * only when it says the message was sent.
 */
#include "fuzz.h"

#include "core/common.h"
#include "integrations/whatsapp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct whatsapp_answer a;
    long status = 0;

    if (size >= 2) {
        status = (long)((data[0] << 8 | data[1]) % 600);
        data += 2;
        size -= 2;
    }
    whatsapp_classify_answer(status, str_make((const char *)data, size), &a);
    FUZZ_CHECK(a.outcome <= WA_OUT_REJECTED);
    FUZZ_CHECK(memchr(a.wamid, '\0', sizeof(a.wamid)) != NULL);
    FUZZ_CHECK(memchr(a.detail, '\0', sizeof(a.detail)) != NULL);
    FUZZ_CHECK((a.outcome == WA_OUT_SENT) == (a.wamid[0] != '\0'));
    FUZZ_CHECK(a.outcome != WA_OUT_SENT || (status >= 200 && status < 300));
    return 0;
}
