/*
 * Agents: the AI sales agents of a workspace, each answering on one
 * WhatsApp business number (SPEC §8, §11): name, persona and instructions,
 * phone number id and access token, status, the model and its temperature,
 * the documents it may use (all of the workspace's, or a chosen set), the
 * debounce window of its replies and its hand-off words (replies/reply.h
 * uses them all).
 *
 * The phone number id is unique across the service: it routes every inbound
 * webhook to one agent (E_CONFLICT when another agent, in any workspace,
 * holds it). The number's access token is sealed at rest (crypto_seal under
 * a key derived from the server secret, bound to the agent's id): it is
 * never stored in clear, never returned and never logged; only the send job
 * opens it (agents_open_token).
 *
 * Every function takes the workspace id and binds it in every query: an
 * agent of another workspace is E_NOT_FOUND.
 */
#ifndef PILOTO_AGENTS_AGENTS_H
#define PILOTO_AGENTS_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "integrations/whatsapp.h"

#define AGENT_ID_SIZE              32
#define AGENTS_NAME_MAX            100   /* characters */
#define AGENTS_INSTRUCTIONS_MAX    20000 /* characters */
#define AGENTS_TOKEN_MAX           1024  /* bytes; Meta's tokens are a few hundred */
#define AGENTS_MAX_PER_WORKSPACE   100
#define AGENTS_PERSONA_MAX         2000 /* characters */
#define AGENTS_MODEL_MAX           128  /* bytes: [A-Za-z0-9._:/-] */
#define AGENTS_DOCUMENTS_MAX       200  /* chosen documents (RETRIEVE_DOCS_MAX) */
#define AGENTS_DEBOUNCE_MAX        300  /* seconds */
#define AGENTS_DEBOUNCE_DEFAULT    4
#define AGENTS_TEMPERATURE_DEFAULT 30 /* hundredths */

struct agent {
    char id[AGENT_ID_SIZE];
    char workspace_id[AGENT_ID_SIZE];
    const char *name;                /* in the caller's arena */
    const char *persona;             /* in the caller's arena; "" when none */
    const char *instructions;        /* in the caller's arena */
    const char *model;               /* in the caller's arena; "" = LLM_MODEL */
    int temperature_pct;             /* 0..200 hundredths */
    bool all_documents;              /* else only document_ids */
    const char *const *document_ids; /* in the caller's arena */
    size_t ndocuments;
    int debounce_s;
    const struct str *handoff_words; /* in the caller's arena */
    size_t nhandoff_words;
    char phone_number_id[WHATSAPP_ID_MAX + 1];
    bool active; /* status "active", else "paused" */
    bool has_token;
    int64_t created_at;
    int64_t updated_at;
};

/* What a create sets (all of it) or a patch changes (the has_* ones). */
struct agent_fields {
    bool has_name, has_instructions, has_phone_number_id, has_token, has_status;
    bool has_persona, has_model, has_temperature, has_documents, has_debounce, has_handoff;
    struct str name;
    struct str instructions;
    struct str phone_number_id; /* whatsapp_is_phone_number_id */
    struct str token;
    bool active;
    struct str persona;
    struct str model; /* empty = LLM_MODEL; else agents_is_model_name */
    int temperature_pct;
    bool all_documents;
    const struct str *document_ids; /* when !all_documents: documents of the workspace */
    size_t ndocuments;
    int debounce_s;
    const struct str *handoff_words; /* each handoff_check_word */
    size_t nhandoff_words;
};

/* true when s can name a model (1..AGENTS_MODEL_MAX of [A-Za-z0-9._:/-]). */
bool agents_is_model_name(struct str s);

/* The key tokens are sealed with, derived from the server secret. Wipe it after use. */
void agents_token_key(const struct config *cfg, uint8_t key[32]);

/* Creates an agent. 0, E_CONFLICT (phone number id taken), E_INVALID (too many agents), E_DB. */
NODISCARD int agents_create(struct db *db, const struct config *cfg, const char *workspace_id,
                            const struct agent_fields *f, struct arena *a, struct agent *out);
/* The workspace's agents, oldest first. */
NODISCARD int agents_list(struct db *db, const char *workspace_id, struct arena *a,
                          struct agent **out, size_t *n);
/* 0, E_NOT_FOUND, E_DB. */
NODISCARD int agents_get(struct db *db, const char *workspace_id, const char *id, struct arena *a,
                         struct agent *out);
/* Applies the has_* fields. 0, E_NOT_FOUND, E_CONFLICT, E_DB; *out is the agent after. */
NODISCARD int agents_update(struct db *db, const struct config *cfg, const char *workspace_id,
                            const char *id, const struct agent_fields *f, struct arena *a,
                            struct agent *out);
/* 0, E_NOT_FOUND, E_DB. Its leads and messages stay (their agent becomes none). */
NODISCARD int agents_delete(struct db *db, const char *workspace_id, const char *id);

/*
 * Opens the sealed token of agent id (read from its row on conn) into out;
 * wipe it with crypto_wipe_buf. 0, E_NOT_FOUND, E_INVALID (does not open:
 * the server secret changed), E_DB.
 */
NODISCARD int agents_open_token(struct db_conn *conn, const struct config *cfg, const char *id,
                                struct buf *out);

/* The reply job's kind (replies/reply.h runs it). */
#define AGENTS_REPLY_JOB "agent.reply"

/*
 * Enqueues (or moves later) the reply job of a conversation, in the caller's
 * transaction on conn: the inbound webhook calls it for each conversation
 * with new messages for an active agent. Dedupe key "agent.reply:<conversation
 * id>" with JOBS_DEDUPE_REPLACE and run_at now + debounce_s: a burst moves
 * the one queued job later. 0 or an E_* of jobs_enqueue.
 */
NODISCARD int agents_schedule_reply(struct db_conn *conn, const char *workspace_id,
                                    const char *agent_id, const char *conversation_id,
                                    int debounce_s, int64_t now_ms);

#endif
