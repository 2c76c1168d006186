/*
 * An OpenAI-compatible chat-completions client: what the agents' reply job
 * sends a language model and what it reads back (SPEC §8, §11). The service
 * POSTs $LLM_API_URL/chat/completions with `Authorization: Bearer
 * $LLM_API_KEY` (when set); any server speaking that API works (OpenAI,
 * Azure's compatible endpoint, vLLM, Ollama, tests/support/llm_standin.py).
 *
 * Three layers, each testable alone:
 *   - llm_render_request / llm_parse_answer: pure, bytes in and out. The
 *     request declares the agents' two tools (qualify_lead,
 *     handoff_to_human); the answer's text, tool calls and token usage are
 *     read leniently (unknown members ignored) but bounded.
 *   - llm_should_retry / llm_retry_delay_ms: the retry policy of the official
 *     OpenAI clients (openai-python's _should_retry and
 *     _calculate_retry_timeout): `x-should-retry` decides when present, else
 *     408, 409, 429 and 5xx answers, timeouts and cut connections are
 *     retried; the wait is the server's `retry-after-ms`/`Retry-After` when
 *     it asks for 0 < wait <= 60 s, else 0.5 s * 2^n capped at 8 s, less a
 *     random 0-25 %.
 *   - llm_complete: the loop, blocking, within a time budget: every attempt's
 *     timeout is what is left of it, and a wait that does not fit (or one
 *     longer than LLM_INLINE_WAIT_MAX_MS, which would pin a job worker) ends
 *     the call with E_UNAVAILABLE and the wait in out->retry_after_ms, for
 *     the job queue to schedule (jobs_retry_after).
 *
 * Calls block: job workers only, never a request thread (httpc.h).
 * llm.c holds the pure layers, llm_call.c the call (so fuzz targets link
 * the parsers alone).
 */
#ifndef PILOTO_INTEGRATIONS_LLM_H
#define PILOTO_INTEGRATIONS_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/* Retries after the first attempt (openai-python's DEFAULT_MAX_RETRIES). */
#define LLM_MAX_RETRIES 2
/* Back-off of openai-python: INITIAL_RETRY_DELAY, MAX_RETRY_DELAY; server waits honoured up to. */
#define LLM_RETRY_INITIAL_MS   500
#define LLM_RETRY_MAX_MS       8000
#define LLM_RETRY_AFTER_MAX_MS 60000
/* Longest wait llm_complete sleeps through itself; longer ones go back to the job queue. */
#define LLM_INLINE_WAIT_MAX_MS 10000
/* Largest answer read (a chat completion with a few tool calls is a few KiB). */
#define LLM_MAX_RESPONSE (256 * 1024)
/* Longest answer text kept, and longest tool-call reason, in bytes. */
#define LLM_CONTENT_MAX (16 * 1024)
#define LLM_REASON_MAX  500
/* Tool calls read from one answer (the rest are ignored). */
#define LLM_MAX_TOOL_CALLS 4
#define LLM_TOOL_ID_MAX    64
/* Most messages in one request. */
#define LLM_MAX_MESSAGES 128

enum llm_role {
    LLM_ROLE_SYSTEM,
    LLM_ROLE_USER,
    LLM_ROLE_ASSISTANT,
    /*
     * The assistant's previous turn that called tools: content is the
     * `tool_calls` array exactly as llm_parse_answer kept it (tool_calls_json),
     * sent back before the tools' results.
     */
    LLM_ROLE_ASSISTANT_TOOLS,
    LLM_ROLE_TOOL, /* a tool's result: content, for tool_call_id */
};

struct llm_message {
    enum llm_role role;
    struct str content;       /* valid UTF-8 */
    const char *tool_call_id; /* LLM_ROLE_TOOL only */
};

struct llm_request {
    const char *model;
    double temperature; /* 0..2 */
    const struct llm_message *messages;
    size_t nmessages;    /* 1..LLM_MAX_MESSAGES */
    bool tools;          /* declare qualify_lead and handoff_to_human */
    unsigned max_tokens; /* 0 = the server's default */
};

enum llm_tool {
    LLM_TOOL_OTHER, /* a name we did not declare: ignored */
    LLM_TOOL_QUALIFY_LEAD,
    LLM_TOOL_HANDOFF,
};

struct llm_tool_call {
    enum llm_tool tool;
    char id[LLM_TOOL_ID_MAX + 1];
    char reason[LLM_REASON_MAX + 1]; /* the "reason" argument, cut on a UTF-8 boundary; may be "" */
};

/* An answer. Release with llm_answer_release (safe on a zeroed or LLM_ANSWER_INIT one). */
struct llm_answer {
    struct buf content;         /* the text (may be empty when the model only called tools) */
    struct buf tool_calls_json; /* the raw `tool_calls` array, for a follow-up round; "" if none */
    struct llm_tool_call calls[LLM_MAX_TOOL_CALLS];
    size_t ncalls;
    char finish_reason[32];
    int64_t prompt_tokens; /* usage; 0 when the server sent none */
    int64_t completion_tokens;
    /* Filled by llm_complete. */
    int attempts;           /* requests made */
    long status;            /* HTTP status of the last answer, 0 when none came */
    int64_t retry_after_ms; /* on E_UNAVAILABLE: when to try again (-1: the queue's back-off) */
    char detail[160];       /* on failure: what went wrong, for the log (no secrets) */
};

#define LLM_ANSWER_INIT                                                                            \
    {                                                                                              \
        .content = BUF_INIT, .tool_calls_json = BUF_INIT, .retry_after_ms = -1                     \
    }

void llm_answer_release(struct llm_answer *a);

/*
 * The JSON body of a chat-completions request. 0, E_INVALID (no messages,
 * too many, a temperature out of 0..2, an empty model) or E_INTERNAL.
 */
NODISCARD int llm_render_request(const struct llm_request *rq, struct buf *out);

/*
 * Reads a 200 answer's body into out (content, tool calls, usage,
 * finish_reason). 0, or E_UPSTREAM (not JSON, no choices, neither text nor
 * a tool call). Text beyond LLM_CONTENT_MAX is cut on a UTF-8 boundary.
 */
NODISCARD int llm_parse_answer(struct str body, struct llm_answer *out);

/*
 * Whether an answer with this status is worth another attempt:
 * should_retry is the `x-should-retry` header (1, 0, or -1 when absent).
 */
bool llm_should_retry(long status, int should_retry);

/*
 * The wait before retry number n (1 = the first retry): retry_after_ms as
 * the server asked (-1 none; honoured when 0 < it <= LLM_RETRY_AFTER_MAX_MS),
 * else LLM_RETRY_INITIAL_MS * 2^(n-1) capped at LLM_RETRY_MAX_MS, times
 * (1 - 0.25 * rnd / 2^32).
 */
int64_t llm_retry_delay_ms(int n, int64_t retry_after_ms, uint32_t rnd);

struct llm_client {
    const char *base_url; /* LLM_API_URL, no trailing slash */
    const char *api_key;  /* NULL: no Authorization header */
    int max_retries;      /* 0..; LLM_MAX_RETRIES is the usual */
};

/*
 * Sends rq and reads the answer, retrying as above until deadline_ms
 * (clock_mono_ms). 0 and out filled; E_UNAVAILABLE (retryable failures
 * used up the retries or the budget: out->retry_after_ms says when to try
 * again); E_UPSTREAM (an answer retrying cannot fix: 400, 401, 404, or one we
 * cannot read); E_INVALID (a request we cannot render, a URL not allowed);
 * E_TOO_LARGE (answer over LLM_MAX_RESPONSE). out->detail says why.
 */
NODISCARD int llm_complete(const struct llm_client *c, const struct llm_request *rq,
                           int64_t deadline_ms, struct llm_answer *out);

#endif
