/* The calling half of integrations/llm.h: llm_complete over httpc. */
#include "integrations/llm.h"

#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "crypto/crypto.h"
#include "integrations/httpc.h"

static void
sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* One attempt. 0 with *status set, or an httpc error (the transfer failed). */
static int
attempt(const struct llm_client *c, const struct buf *body, long timeout_ms,
        struct httpc_response *resp)
{
    char url[2048];
    char auth[1100] = "";
    const char *headers[3] = {"Content-Type: application/json", "Accept: application/json", auth};
    struct httpc_request rq = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .nheaders = 2,
        .body = body->ptr,
        .body_len = body->len,
        .timeout_ms = timeout_ms,
        .max_response = LLM_MAX_RESPONSE,
    };
    int n = snprintf(url, sizeof(url), "%s/chat/completions", c->base_url);
    int rc;

    if (n < 0 || (size_t)n >= sizeof(url)) {
        return E_INVALID;
    }
    if (c->api_key && c->api_key[0]) {
        n = snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->api_key);
        if (n < 0 || (size_t)n >= sizeof(auth)) {
            return E_INVALID;
        }
        rq.nheaders = 3;
    }
    rc = httpc_do(&rq, resp);
    crypto_wipe(auth, sizeof(auth));
    return rc;
}

int
llm_complete(const struct llm_client *c, const struct llm_request *rq, int64_t deadline_ms,
             struct llm_answer *out)
{
    struct buf body = BUF_INIT;
    struct httpc_response resp = HTTPC_RESPONSE_INIT;
    int rc;

    out->attempts = 0;
    out->status = 0;
    out->retry_after_ms = -1;
    out->detail[0] = '\0';
    if ((rc = llm_render_request(rq, &body))) {
        (void)snprintf(out->detail, sizeof(out->detail), "request cannot be rendered");
        goto out;
    }
    for (int retry = 0;; retry++) {
        int64_t left = deadline_ms - clock_mono_ms();
        int64_t wait;
        uint32_t rnd;

        if (left <= 0) {
            rc = E_UNAVAILABLE;
            (void)snprintf(out->detail, sizeof(out->detail), "time budget spent after %d attempts",
                           out->attempts);
            goto out;
        }
        httpc_response_release(&resp);
        out->attempts++;
        rc = attempt(c, &body, (long)left, &resp);
        out->status = rc ? 0 : resp.status;
        if (rc == E_INVALID || rc == E_TOO_LARGE) {
            (void)snprintf(out->detail, sizeof(out->detail), "%s",
                           rc == E_INVALID ? "LLM_API_URL not allowed" : "answer too large");
            goto out;
        }
        if (!rc && resp.status >= 200 && resp.status < 300) {
            if ((rc = llm_parse_answer(buf_str(&resp.body), out))) {
                (void)snprintf(out->detail, sizeof(out->detail), "unreadable answer (status %ld)",
                               resp.status);
            }
            goto out;
        }
        if (!rc && !llm_should_retry(resp.status, resp.should_retry)) {
            rc = E_UPSTREAM;
            (void)snprintf(out->detail, sizeof(out->detail), "status %ld", resp.status);
            goto out;
        }
        /* Retryable: an answer that asks for it, a timeout or a cut connection. */
        if (rc) {
            (void)snprintf(out->detail, sizeof(out->detail), "no answer (%s) on attempt %d",
                           err_slug(rc), out->attempts);
        } else {
            (void)snprintf(out->detail, sizeof(out->detail), "status %ld on attempt %d",
                           resp.status, out->attempts);
        }
        rc = E_UNAVAILABLE;
        crypto_random(&rnd, sizeof(rnd));
        wait = llm_retry_delay_ms(retry + 1, resp.retry_after_ms, rnd);
        out->retry_after_ms = resp.retry_after_ms > 0 ? resp.retry_after_ms : -1;
        if (retry >= c->max_retries || wait > LLM_INLINE_WAIT_MAX_MS ||
            wait >= deadline_ms - clock_mono_ms()) {
            goto out;
        }
        sleep_ms(wait);
    }
out:
    httpc_response_release(&resp);
    buf_release(&body);
    return rc;
}
