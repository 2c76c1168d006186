/*
 * Leads and their conversations (SPEC §8, §11): the people who wrote to a
 * workspace's numbers, the inbox that lists them, and their messages.
 *
 * Every function takes the workspace id and binds it in every query: a lead
 * of another workspace is E_NOT_FOUND.
 *
 * Pagination is by keyset, never by offset, so it stays right while
 * messages arrive: the inbox is ordered by (last message time, id)
 * descending and its cursor is the last row's pair; messages by id
 * descending (newest first) and their cursor is the last id. A page never
 * repeats a row of an earlier one, whatever arrived meanwhile; a lead that
 * moved to the top after its page was read shows on a fresh first page.
 * Cursors are opaque to clients (base64url) and parsed strictly.
 */
#ifndef PILOTO_LEADS_LEADS_H
#define PILOTO_LEADS_LEADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/common.h"
#include "config/config.h"
#include "core/str.h"
#include "db/db.h"

#define LEAD_ID_SIZE       32
#define LEADS_PAGE_MAX     100
#define LEADS_PAGE_DEFAULT 50
#define LEADS_NAME_MAX     200  /* characters */
#define LEADS_QUERY_MAX    100  /* characters of the text filter */
#define LEADS_CURSOR_MAX   96   /* characters of a cursor */
#define LEADS_REPLY_MAX    4096 /* characters of a person's reply (Meta's text limit) */

/*
 * A name shown to the team (a lead's, an agent's): trimmed, 1..max
 * characters, no controls and no layout tricks (bidi overrides, zero-width
 * characters, line separators). 0 and *trimmed, or E_VALIDATION.
 */
NODISCARD int leads_check_name(struct str name, size_t max, struct str *trimmed);

/* Stages, in pipeline order: new, engaged, qualified, won, lost. */
bool leads_is_stage(struct str s);

struct lead {
    char id[LEAD_ID_SIZE];
    const char *name; /* in the caller's arena */
    char phone[48];
    char stage[16];
    char owner_id[64];           /* "" = none */
    char agent_id[LEAD_ID_SIZE]; /* "" = none */
    const char *crm_id;          /* NULL = none */
    int64_t last_message_at_ms;
    bool taken_over;
    int64_t created_at;
};

/* A position in the inbox: the last row seen. */
struct leads_cursor {
    int64_t at_ms;
    char id[LEAD_ID_SIZE];
};

/* Parses an inbox cursor. 0 or E_INVALID. Pure. */
NODISCARD int leads_cursor_parse(struct str s, struct leads_cursor *out);
/* Renders an inbox cursor into out (LEADS_CURSOR_MAX + 1 bytes). */
void leads_cursor_render(const struct leads_cursor *c, char *out, size_t cap);
/* Parses a messages cursor (the last id seen). 0 or E_INVALID. Pure. */
NODISCARD int leads_msg_cursor_parse(struct str s, int64_t *before_id);
void leads_msg_cursor_render(int64_t id, char *out, size_t cap);

struct leads_filter {
    struct str stage;    /* empty = any */
    struct str owner_id; /* empty = any (see owner_none) */
    bool owner_none;     /* only leads without an owner (owner_id is then ignored) */
    bool has_taken_over; /* filter on taken_over */
    bool taken_over;
    struct str agent_id; /* empty = any */
    struct str q;        /* empty = any; else a substring of the name or the phone */
    bool has_cursor;
    struct leads_cursor cursor;
    size_t limit; /* 1..LEADS_PAGE_MAX */
};

/* One page of the inbox; *more when another page follows. */
NODISCARD int leads_list(struct db *db, const char *workspace_id, const struct leads_filter *f,
                         struct arena *a, struct lead **out, size_t *n, bool *more);
/* 0, E_NOT_FOUND, E_DB. */
NODISCARD int leads_get(struct db *db, const char *workspace_id, const char *id, struct arena *a,
                        struct lead *out);

/* Who changed a lead, for its history. */
enum lead_actor {
    LEAD_ACTOR_SYSTEM = 0,
    LEAD_ACTOR_PERSON,
    LEAD_ACTOR_AGENT,
};

struct lead_patch {
    bool has_stage, has_owner, has_name, has_taken_over;
    struct str stage;
    struct str owner_id; /* empty = no owner; else a member of the workspace */
    struct str name;
    bool taken_over;
    enum lead_actor actor;  /* who asks, for the history */
    const char *by_user_id; /* the person's id when actor is LEAD_ACTOR_PERSON, else NULL */
};

/*
 * Applies the has_* fields: 0 and *out after, E_NOT_FOUND, E_VALIDATION
 * (ownerId is not a member of the workspace: *bad_field names it), E_DB.
 * A stage change queues the CRM's events in the same transaction
 * (crm_lead_stage_changed; cfg gives APP_URL for the lead's link), and a
 * stage or take-over change that changes something is written to the
 * lead's history in that transaction too (leads_history_record).
 */
NODISCARD int leads_update(struct db *db, const struct config *cfg, const char *workspace_id,
                           const char *id, const struct lead_patch *p, struct arena *a,
                           struct lead *out, const char **bad_field);

struct lead_message {
    int64_t id;
    const char *direction; /* "in" or "out" */
    const char *author;    /* "lead", "agent" or "person" */
    const char *type;      /* "text", "image", ... */
    const char *text;
    const char *status;
    const char *media_id;  /* NULL = none */
    const char *mime_type; /* NULL = none */
    const char *metadata;  /* JSON text of the type's object, NULL = none */
    int64_t error_code;    /* 0 = none */
    const char *error_title;
    int64_t created_at_ms;
};

/*
 * One page of a lead's messages, newest first, older than before_id when
 * has_before. 0, E_NOT_FOUND (no such lead in the workspace), E_DB.
 */
NODISCARD int leads_messages(struct db *db, const char *workspace_id, const char *lead_id,
                             bool has_before, int64_t before_id, size_t limit, struct arena *a,
                             struct lead_message **out, size_t *n, bool *more);

/* ---- History -------------------------------------------------------------------------------- */

#define LEADS_HISTORY_MAX 200 /* entries a lead's history answer holds, newest first */

/* What a history entry records: a stage change, or a take-over (to "true") or hand-back. */
enum lead_history_kind {
    LEAD_HISTORY_STAGE,
    LEAD_HISTORY_TAKEN_OVER,
};

/*
 * Writes one history entry in the caller's transaction. Every path that
 * changes a lead's stage or taken_over must call it in the change's own
 * transaction (leads_update does; the agent's tools must too): the history
 * and the home page's figures of the day read it. by_user_id is the
 * person's id for LEAD_ACTOR_PERSON, else NULL. 0 or E_DB.
 */
NODISCARD int leads_history_record(struct db_conn *conn, const char *workspace_id,
                                   const char *lead_id, enum lead_history_kind kind,
                                   const char *from, const char *to, enum lead_actor actor,
                                   const char *by_user_id, int64_t at_ms);

struct lead_history_entry {
    int64_t id;
    const char *kind; /* "stage" or "takenOver" */
    const char *from; /* a stage, or "true"/"false" */
    const char *to;
    const char *actor;   /* "person", "agent" or "system" */
    const char *user_id; /* NULL unless a person (and their account still exists) */
    const char *user_name;
    int64_t at_ms;
};

/* A lead's latest history entries, newest first. 0, E_NOT_FOUND, E_DB. */
NODISCARD int leads_history(struct db *db, const char *workspace_id, const char *lead_id,
                            struct arena *a, struct lead_history_entry **out, size_t *n);

/* ---- The home page's summary ---------------------------------------------------------------- */

/*
 * "Today" for the figures is the calendar day in America/Sao_Paulo, where
 * the teams work: UTC-03:00 all year (Brazil has had no daylight saving
 * time since 2019). The start of the day containing now_ms, in unix ms. Pure.
 */
int64_t leads_day_start_ms(int64_t now_ms);

struct leads_summary {
    /* The onboarding checklist. */
    bool number_connected;   /* an agent answers on a phone number id */
    bool agent_created;      /* the workspace has an agent */
    bool documents_ready;    /* a document is indexed (status ready) */
    bool first_conversation; /* a lead wrote to one of the numbers */
    /* Today's figures, [day_start_ms, day_start_ms + 1 day). */
    int64_t day_start_ms;
    int64_t new_leads; /* leads created */
    int64_t answered;  /* leads the agent sent a message to (not failed) */
    int64_t handoffs;  /* conversations taken over by a person */
    int64_t qualified; /* leads moved to the stage qualified */
};

/* The workspace's summary at now_ms. 0 or E_DB. */
NODISCARD int leads_summary(struct db *db, const char *workspace_id, int64_t now_ms,
                            struct leads_summary *out);

#endif
