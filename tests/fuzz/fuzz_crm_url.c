/*
 * Fuzzes what a workspace admin types for the CRM push: the endpoint URL
 * through httpc_check_url under both guarded reaches (the input up to its
 * first NUL), and the same bytes as a retry schedule (crm_retry_parse).
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/err.h"
#include "crm/retry.h"
#include "integrations/httpc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = xstrndup((const char *)data, size);
    char why[128];
    struct crm_retry r;
    int rc;
    static bool inited;

    if (!inited) {
        FUZZ_CHECK(httpc_global_init() == 0);
        inited = true;
    }
    rc = httpc_check_url(url, HTTPC_REACH_PUBLIC, why, sizeof(why));
    FUZZ_CHECK(rc == 0 || (rc == E_INVALID && why[0] != '\0'));
    if (rc == 0) {
        /* Whatever production accepts, dev accepts too, and it is https. */
        FUZZ_CHECK(httpc_check_url(url, HTTPC_REACH_LOCAL_DEV, why, sizeof(why)) == 0);
        FUZZ_CHECK(strncasecmp(url, "https:", 6) == 0);
    }
    rc = httpc_check_url(url, HTTPC_REACH_LOCAL_DEV, why, sizeof(why));
    FUZZ_CHECK(rc == 0 || rc == E_INVALID);
    rc = crm_retry_parse(str_make((const char *)data, size), &r);
    FUZZ_CHECK(rc == 0 || rc == E_INVALID);
    if (rc == 0) {
        FUZZ_CHECK(r.nsteps >= 1 && r.nsteps <= CRM_RETRY_STEPS_MAX);
        for (size_t i = 0; i < r.nsteps; i++) {
            FUZZ_CHECK(r.step_ms[i] >= 1 && r.step_ms[i] <= CRM_RETRY_STEP_MAX_MS);
        }
    }
    free(url);
    return 0;
}
