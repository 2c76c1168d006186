/*
 * The CRM push (SPEC §8, §11): a workspace's endpoint, the lead events it
 * subscribes to, and the delivery log its owners and admins read and replay.
 *
 * An endpoint is a URL (https to a public address in production; in dev also
 * http(s) to loopback: httpc_check_url), the subscribed events, where the
 * CRM's answer carries its id for the lead, and a Standard Webhooks secret
 * whsec_... (integrations/stdwebhook.h) sealed at rest (crypto_seal under a
 * key derived from the server secret, bound to the workspace). The secret is
 * returned twice only: by the PUT that creates the endpoint and by a
 * rotation. After a rotation the previous secret signs too for
 * CRM_ROTATION_OVERLAP_S, so a CRM can switch without losing an event.
 *
 * Events: each lead change a subscribed event describes becomes one row of
 * crm_deliveries (its id is the event id, sent as webhook-id on every
 * attempt; its body fixed then) and one job of kind CRM_JOB, both in the
 * transaction of the change itself (crm_lead_stage_changed): the event
 * exists if and only if the change committed. crm/delivery.h sends it.
 *
 * The body (version 1, documented in docs/api.md):
 *   {"type": "lead.stage_changed", "version": 1, "id": "msg_...",
 *    "timestamp": "2026-12-01T15:04:05Z", "workspaceId": "...",
 *    "data": {"lead": {"id", "name", "phone", "stage", "previousStage",
 *             "owner": {"id", "name", "email"} | null, "crmId": ... | null,
 *             "agent": {"id", "name"} | null, "url": APP_URL/w/{wid}/leads/{id}}}}
 *
 * Every function binds the workspace id in every query. Changes write an
 * audit row (crm.updated, crm.rotated, crm.deleted, crm.test_sent,
 * crm.redelivered; crm.disabled by the delivery job). Errors are E_* as in
 * db.h, plus the ones named.
 */
#ifndef PILOTO_CRM_CRM_H
#define PILOTO_CRM_CRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "config/config.h"
#include "core/arena.h"
#include "core/common.h"
#include "core/str.h"
#include "db/db.h"
#include "integrations/httpc.h"
#include "integrations/stdwebhook.h"

/* The job kind that delivers one event (crm/delivery.h). */
#define CRM_JOB "crm.delivery"
/* The body's version: a change that could break a receiver makes a new one. */
#define CRM_BODY_VERSION 1
/* How long the previous secret keeps signing after a rotation. */
#define CRM_ROTATION_OVERLAP_S (24 * 3600)
/* Longest id field path (e.g. "data.id"), and most dots in it. */
#define CRM_ID_FIELD_MAX 64
/* Longest CRM id kept on a lead (a string, or an integer written out). */
#define CRM_ID_MAX 128
/* Event ids: "msg_" + 22 base64url characters, and room for the NUL. */
#define CRM_EVENT_ID_SIZE 32
/* Delivery log pages. */
#define CRM_LOG_PAGE     50
#define CRM_LOG_PAGE_MAX 200

/* The events an endpoint can subscribe to. */
enum crm_events {
    CRM_EV_QUALIFIED = 1 << 0,     /* "lead.qualified": a lead reached the qualified stage */
    CRM_EV_STAGE_CHANGED = 1 << 1, /* "lead.stage_changed": any stage change */
};
#define CRM_EV_ALL (CRM_EV_QUALIFIED | CRM_EV_STAGE_CHANGED)
/* The test event ("enviar teste"), sent whatever the subscription. */
#define CRM_EVENT_TEST "crm.test"

struct crm_endpoint {
    char url[HTTPC_URL_MAX + 1];
    unsigned events;
    char id_field[CRM_ID_FIELD_MAX + 1];
    bool enabled;
    char disabled_reason[16]; /* "" or "gone" */
    int64_t disabled_at;      /* 0 when enabled */
    int64_t previous_until;   /* 0 unless a rotation is under way */
    int64_t created_at;
    int64_t updated_at;
};

/* One row of the delivery log; strings live in the arena given. */
struct crm_delivery {
    char id[CRM_EVENT_ID_SIZE];
    const char *event;
    const char *lead_id; /* NULL when none (test) or the lead is gone */
    const char *status;  /* pending, delivered, failed, dead */
    int64_t attempts;
    int64_t last_status; /* HTTP status of the last answer, 0 when none */
    const char *last_error;
    int64_t last_attempt_at_ms; /* 0 when none */
    int64_t next_attempt_at_ms; /* 0 when none is planned */
    int64_t created_at_ms;
};

/* "lead.qualified" or "lead.stage_changed" for one flag, NULL otherwise. */
const char *crm_event_name(unsigned flag);
/* Parses event names into flags: 0, or E_VALIDATION (an unknown name, or none). */
NODISCARD int crm_parse_events(const struct str *names, size_t n, unsigned *out);
/* An id field path: 1..CRM_ID_FIELD_MAX of [A-Za-z0-9_-] in up to 4 dot-separated parts. */
bool crm_id_field_valid(struct str s);
/* The reach a CRM URL is held to in this mode (production: public https only). */
enum httpc_reach crm_reach(const struct config *cfg);

/* The workspace's endpoint: 0, E_NOT_FOUND (none). */
NODISCARD int crm_get(struct db *db, const char *workspace_id, struct crm_endpoint *out);

/*
 * Creates or changes the endpoint (url checked by the caller with
 * httpc_check_url; events non-zero; id_field valid or NULL for "id"), and
 * enables it again if a 410 had disabled it. A creation makes a secret:
 * secret_out (STDWEBHOOK_SECRET_SIZE bytes) gets it, else "". Audited as
 * crm.updated (user_id, client).
 */
NODISCARD int crm_put(struct db *db, const struct config *cfg, const char *workspace_id,
                      const char *user_id, const struct auth_client *client, const char *url,
                      unsigned events, const char *id_field, struct crm_endpoint *out,
                      char *secret_out);
/*
 * A new secret into secret_out (STDWEBHOOK_SECRET_SIZE bytes); the current
 * one keeps signing beside it for CRM_ROTATION_OVERLAP_S (a rotation during
 * a rotation ends the older one at once). E_NOT_FOUND without an endpoint.
 */
NODISCARD int crm_rotate(struct db *db, const struct config *cfg, const char *workspace_id,
                         const char *user_id, const struct auth_client *client,
                         struct crm_endpoint *out, char *secret_out);
/* Removes the endpoint; queued deliveries then fail when their turn comes. E_NOT_FOUND. */
NODISCARD int crm_delete(struct db *db, const char *workspace_id, const char *user_id,
                         const struct auth_client *client);
/*
 * "Enviar teste": one CRM_EVENT_TEST delivery, queued like any other
 * (E_NOT_FOUND without an endpoint, E_CONFLICT when it is disabled).
 */
NODISCARD int crm_send_test(struct db *db, const struct config *cfg, const char *workspace_id,
                            const char *user_id, const struct auth_client *client, struct arena *a,
                            struct crm_delivery *out);
/*
 * The delivery log, newest first: at most limit rows older than the cursor
 * (before_ms, before_id; 0 and "" for the first page). *more when another
 * page follows.
 */
NODISCARD int crm_deliveries(struct db *db, const char *workspace_id, int64_t before_ms,
                             const char *before_id, size_t limit, struct arena *a,
                             struct crm_delivery **out, size_t *n, bool *more);
/*
 * "Reenviar": a failed or dead delivery goes back to pending with a fresh
 * job and the retry schedule from its start; its id and body are the same
 * (the CRM can tell it is the same event). E_NOT_FOUND, E_CONFLICT (it is
 * pending or delivered, or the endpoint is gone or disabled).
 */
NODISCARD int crm_redeliver(struct db *db, const char *workspace_id, const char *delivery_id,
                            const char *user_id, const struct auth_client *client, struct arena *a,
                            struct crm_delivery *out);

/*
 * Inside the caller's transaction on conn, after a lead of the workspace
 * moved from stage `from` to stage `to` (different): queues
 * lead.stage_changed, and lead.qualified when `to` is qualified, each if the
 * workspace's enabled endpoint subscribes to it. Nothing without one.
 */
NODISCARD int crm_lead_stage_changed(struct db_conn *conn, const struct config *cfg,
                                     const char *workspace_id, const char *lead_id,
                                     const char *from, const char *to);

/* For crm/delivery.c: the key that seals a workspace's secrets (wipe it after use). */
void crm_secret_key(const struct config *cfg, uint8_t key[32]);

#endif
