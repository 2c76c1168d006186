#include "crm/retry.h"

#include "core/err.h"
#include "core/strnum.h"

int
crm_retry_parse(struct str text, struct crm_retry *out)
{
    struct crm_retry r;

    memset(&r, 0, sizeof(r));
    if (strnum_parse_durations(text, CRM_RETRY_STEP_MAX_MS, r.step_ms, CRM_RETRY_STEPS_MAX,
                               &r.nsteps)) {
        return E_INVALID;
    }
    *out = r;
    return 0;
}

bool
crm_retry_next(const struct crm_retry *r, int attempt, uint32_t rnd, int64_t *wait_ms)
{
    int64_t step;

    if (attempt < 1 || (size_t)attempt > r->nsteps) {
        return false;
    }
    step = r->step_ms[attempt - 1];
    /*
     * step * (0.8 + 0.4 * rnd / 2^32) in integers: a step is at most
     * CRM_RETRY_STEP_MAX_MS < 2^30, so (step / 5 * 2) * rnd < 2^62 fits.
     */
    *wait_ms = step - step / 5 + (int64_t)(((uint64_t)(step / 5 * 2) * rnd) >> 32);
    if (*wait_ms < 1) {
        *wait_ms = 1;
    }
    /* Jitter never takes a wait past the longest the job queue keeps a delay. */
    if (*wait_ms > CRM_RETRY_STEP_MAX_MS) {
        *wait_ms = CRM_RETRY_STEP_MAX_MS;
    }
    return true;
}

int64_t
crm_retry_span_ms(const struct crm_retry *r)
{
    int64_t sum = 0;

    for (size_t i = 0; i < r->nsteps; i++) {
        sum += r->step_ms[i];
    }
    return sum;
}

enum crm_outcome
crm_retry_classify(long status, int64_t retry_after_s, int64_t *wait_s)
{
    if (status >= 200 && status <= 299) {
        return CRM_DELIVERED;
    }
    if (status == 410) {
        return CRM_GONE;
    }
    if ((status == 429 || status == 503) && retry_after_s >= 0) {
        *wait_s = retry_after_s < 1                       ? 1
                  : retry_after_s > CRM_RETRY_AFTER_MAX_S ? CRM_RETRY_AFTER_MAX_S
                                                          : retry_after_s;
        return CRM_RETRY_AFTER;
    }
    return CRM_RETRY;
}
