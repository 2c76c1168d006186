/*
 * Agent replies (SPEC §8): what happens between a lead's message and the
 * agent's answer, for WhatsApp (the reply job) and for the dashboard's
 * playground, through the same pipeline:
 *
 *   1. hand-off words: a lead's new message holding one of the agent's
 *      words hands the conversation to a person, without the model;
 *   2. retrieval: the best chunks of the agent's documents (all of the
 *      workspace's, or its chosen set) for the lead's recent messages
 *      (knowledge/retrieve.h);
 *   3. the prompt: persona and instructions, the chunks as sources with their
 *      ids, the conversation within REPLY_PROMPT_BUDGET (agents/prompt.h);
 *   4. the answer: the model through LLM_API_URL (integrations/llm.h, tools
 *      qualify_lead and handoff_to_human declared), or, with no LLM_API_URL,
 *      the extractive answer from the best chunk (agents/extractive.h).
 *
 * The reply job (REPLY_JOB) is enqueued by the inbound webhook's
 * transaction (agents_schedule_reply, agents/agents.h: the webhook's module
 * lies below this one) for each conversation that got new messages, with the dedupe
 * key "agent.reply:<conversation id>" and run_at = now + the agent's
 * debounce: a burst moves the one queued job later (JOBS_DEDUPE_REPLACE),
 * so it gets one answer; the window is a row in the jobs table, so it
 * survives a restart and any instance may run it. The job:
 *   - does nothing when the agent is paused or gone, the conversation is
 *     taken over by a person, or the newest message is not the lead's;
 *   - takes one of the workspace's LLM_WORKSPACE_CONCURRENCY slots
 *     (llm_slots, shared by every instance; waits when none is free) for
 *     the model call, never holding a transaction across it;
 *   - then, in ONE transaction with the job's completion (jobs_complete):
 *     checks the conversation was not taken over meanwhile, stores the
 *     answer with the chunk ids it was given and the token usage, enqueues
 *     its send (whatsapp_send_text), moves the lead to qualified and/or
 *     marks it taken over, and writes the workspace audit events. A run
 *     killed before that commit runs again and answers once; after it, the
 *     job is done: one answer, never zero, never two.
 * Model failures: retried inside the call (llm_complete), then by the queue
 * (its back-off, or the server's Retry-After); a reply that stays dead is
 * in the jobs table with its error.
 */
#ifndef PILOTO_REPLIES_REPLY_H
#define PILOTO_REPLIES_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agents/agents.h"
#include "agents/prompt.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "integrations/llm.h"
#include "jobs/queue.h"
#include "knowledge/retrieve.h"

/* The job kind (AGENTS_REPLY_JOB, enqueued by agents_schedule_reply). */
#define REPLY_JOB AGENTS_REPLY_JOB
/* Tokens a prompt may take (well inside every current model's window). */
#define REPLY_PROMPT_BUDGET 6000
/* Tokens an answer may take (a WhatsApp message, not an essay). */
#define REPLY_MAX_TOKENS 500
/* Chunks retrieved, and messages of the conversation read, per reply. */
#define REPLY_SOURCES 5
#define REPLY_HISTORY 20
/*
 * How long a model slot is held at most (a dead holder's slot frees after
 * it): the reply's time budget and this slack, and never less than the floor.
 */
#define REPLY_SLOT_LEASE_MS       120000
#define REPLY_SLOT_LEASE_SLACK_MS 30000
/* How long a reply waits before looking for a free slot again. */
#define REPLY_SLOT_WAIT_MS 1500

/* What the pipeline says to a lead who asked for a person (no model involved). */
#define REPLY_HANDOFF_TEXT                                                                         \
    "Certo! Vou chamar uma pessoa da nossa equipe para continuar o atendimento. "                  \
    "Só um instante."

/* One source an answer was given, for the playground and the logs. */
struct reply_source {
    int64_t chunk_id;
    char document_id[RETRIEVE_ID_MAX + 1];
    char *filename; /* owned by the result */
    char *text;     /* owned by the result */
};

struct reply_result {
    struct buf text; /* the answer for the lead (may be empty: nothing to send) */
    struct reply_source sources[PROMPT_SOURCES_MAX]; /* those that went into the prompt */
    size_t nsources;
    int64_t prompt_tokens; /* the model's usage; 0 for extractive answers */
    int64_t completion_tokens;
    bool extractive;                 /* no model configured: answered from the best chunk */
    bool handoff;                    /* a hand-off word or the model's handoff_to_human */
    bool handoff_by_word;            /* the word, not the model */
    bool qualify;                    /* the model's qualify_lead */
    char reason[LLM_REASON_MAX + 1]; /* the model's reason for either tool, or "" */
    int64_t retry_after_ms;          /* on E_UNAVAILABLE from the model: its wait, or -1 */
    char detail[160];                /* on failure: for the log */
};

#define REPLY_RESULT_INIT                                                                          \
    {                                                                                              \
        .text = BUF_INIT, .retry_after_ms = -1                                                     \
    }

void reply_result_release(struct reply_result *r);

/*
 * Runs the pipeline for agent a on turns[0..n) (oldest first; the last is
 * the lead's newest message; new_from is the index of the first turn the
 * agent has not answered yet, the ones hand-off words are looked for in).
 * Reads the chunks on conn (outside a transaction: the model call comes
 * after), or, with conn NULL, on a connection of db held for those reads
 * only; then calls the model until deadline_ms. 0 and *out; E_INVALID (no turn,
 * or the last is not the lead's), E_UNAVAILABLE / E_UPSTREAM / E_TOO_LARGE
 * from the model (out->detail, out->retry_after_ms), or a db error.
 */
NODISCARD int reply_run(struct db *db, struct db_conn *conn, const struct config *cfg,
                        const struct agent *a, const struct prompt_turn *turns, size_t n,
                        size_t new_from, int64_t deadline_ms, struct reply_result *out);

/*
 * Takes a free model slot of workspace_id (cap slots; holder names the
 * taker, uniquely): 0 and *slot, or E_UNAVAILABLE (all taken), or a db
 * error. Give it back with reply_slot_release; a slot whose holder died
 * frees itself lease_ms after it was taken (reply_slot_lease_ms).
 */
int64_t reply_slot_lease_ms(const struct config *cfg);
NODISCARD int reply_slot_acquire(struct db *db, const char *workspace_id, unsigned cap,
                                 const char *holder, int64_t now_ms, int64_t lease_ms, int *slot);
void reply_slot_release(struct db *db, const char *workspace_id, int slot, const char *holder);

/* The job kind's handler (jobs/kinds.c). */
int reply_job(struct job_ctx *ctx, const struct job *job);

#endif
