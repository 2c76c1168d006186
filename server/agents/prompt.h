/*
 * The prompt of one agent reply (SPEC §8): the agent's instructions, the
 * sources it may rely on (chunks of its documents, each with its id, so the
 * answer can be traced to them), and the conversation, all within a token
 * budget, as chat-completions messages (integrations/llm.h).
 *
 * What goes in when the budget is short, in this order of priority: the
 * rules and the agent's name; the lead's newest message (cut if it must
 * be); the agent's instructions (cut at PROMPT_INSTRUCTIONS_SHARE of the
 * budget); sources best first, whole, while they fit in PROMPT_SOURCES_SHARE
 * of what is left; then earlier turns of the conversation, newest first,
 * whole. A source or a turn that does not fit is left out, never half sent.
 *
 * Tokens are estimated, not counted (the service does not ship every
 * model's tokenizer): prompt_estimate_tokens overestimates on purpose, so a
 * prompt within the budget is within the model's window.
 *
 * Pure: no I/O. The messages' text lives in the struct prompt (its buffer)
 * and in the caller's input: keep both until the request is sent.
 */
#ifndef PILOTO_AGENTS_PROMPT_H
#define PILOTO_AGENTS_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "integrations/llm.h"

/* Most sources and conversation turns one prompt takes. */
#define PROMPT_SOURCES_MAX 20
#define PROMPT_TURNS_MAX   40
/* Shares of the budget (percent) instructions and sources may take at most. */
#define PROMPT_INSTRUCTIONS_SHARE 30
#define PROMPT_SOURCES_SHARE      60
/* Tokens a chat message costs beyond its text, and the answer's priming. */
#define PROMPT_MESSAGE_OVERHEAD 4
#define PROMPT_REPLY_PRIMING    3
/* Smallest budget a prompt can be built in. */
#define PROMPT_BUDGET_MIN 1024

struct prompt_source {
    int64_t chunk_id;
    struct str document; /* its document's file name, for the model's citation */
    struct str text;
};

struct prompt_turn {
    bool from_lead; /* else the agent's or a person's answer */
    struct str text;
};

struct prompt_input {
    struct str agent_name;
    struct str instructions;             /* persona and instructions, as the workspace wrote them */
    const struct prompt_source *sources; /* best first */
    size_t nsources;
    const struct prompt_turn *turns; /* oldest first; the last is the lead's newest message */
    size_t nturns;
    size_t budget_tokens; /* >= PROMPT_BUDGET_MIN */
};

struct prompt {
    struct buf system; /* the system message's text */
    struct buf newest; /* the newest turn when it had to be cut */
    struct llm_message messages[PROMPT_TURNS_MAX + 1];
    size_t nmessages;
    int64_t source_ids[PROMPT_SOURCES_MAX]; /* the chunks that went in, best first */
    size_t nsource_ids;
    size_t turns_used;
    size_t tokens; /* the estimate of the whole prompt */
};

#define PROMPT_INIT                                                                                \
    {                                                                                              \
        .system = BUF_INIT, .newest = BUF_INIT                                                     \
    }

void prompt_release(struct prompt *p);

/*
 * Builds p from in. 0, or E_INVALID (budget below PROMPT_BUDGET_MIN, no
 * turns, the last turn not the lead's, too many sources or turns, text that
 * is not UTF-8), or E_INTERNAL.
 */
NODISCARD int prompt_build(const struct prompt_input *in, struct prompt *p);

/*
 * An upper estimate of the tokens of s for GPT-style BPE tokenizers: a run of
 * ASCII letters costs one token per 3 bytes (rounded up), a run of digits one
 * per digit, a letter run with accented or other non-ASCII letters one per 2
 * bytes, other non-ASCII characters (emoji) one per byte, punctuation one
 * each, spaces nothing more.
 */
size_t prompt_estimate_tokens(struct str s);

#endif
