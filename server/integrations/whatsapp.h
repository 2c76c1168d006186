/*
 * The WhatsApp Cloud API, as bytes: what Meta sends us and what we send Meta,
 * with no I/O, no database and no logging here (the webhook route and the
 * send job do those). Everything is a pure function over (ptr, len), so each
 * has unit tests and the webhook parser a fuzzer.
 *
 * Inbound: Meta signs every webhook with X-Hub-Signature-256, the
 * HMAC-SHA-256 of the raw body under the app secret, and batches updates:
 * one payload may carry several entries (business accounts), each with
 * several changes (phone numbers), each with several messages and statuses.
 * whatsapp_parse_webhook yields every one of them.
 *
 * Outbound: POST {WHATSAPP_API_URL}/{phone-number-id}/messages with the
 * number's token; whatsapp_classify_answer turns Meta's answer (or its
 * error code) into what the send job does next.
 */
#ifndef PILOTO_INTEGRATIONS_WHATSAPP_H
#define PILOTO_INTEGRATIONS_WHATSAPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/*
 * Limits on a webhook. Meta batches at most 1000 updates per payload, each
 * well under 2 KiB; a body or a batch above these is refused (413) rather
 * than half-read.
 */
#define WHATSAPP_MAX_BODY    (2 * 1024 * 1024)
#define WHATSAPP_MAX_EVENTS  1000 /* messages + statuses in one payload */
#define WHATSAPP_MAX_CHANGES 1000 /* entries x changes in one payload */
/* A message's type object rendered as JSON (its metadata) is dropped beyond this. */
#define WHATSAPP_MAX_METADATA (32 * 1024)
/* Longest id (wamid, phone number id, wa_id) we accept; Meta's wamids are ~60 bytes. */
#define WHATSAPP_ID_MAX 256
/* Longest hub.challenge echoed back. */
#define WHATSAPP_CHALLENGE_MAX 128
/* Meta caps a text message's body at 4096 characters. */
#define WHATSAPP_TEXT_MAX 4096
/* biz_opaque_callback_data: Meta allows 512 characters. */
#define WHATSAPP_OPAQUE_MAX 512

/* ---- Signature and handshake --------------------------------------------------------------- */

/*
 * Checks "sha256=<64 hex>" (header) against HMAC-SHA-256(app_secret, body),
 * over the bytes exactly as received, comparing in constant time. 0, or
 * E_UNAUTHENTICATED (missing, malformed or wrong signature, or no secret).
 */
NODISCARD int whatsapp_check_signature(struct str app_secret, struct str header, struct str body);

/*
 * The subscription handshake (GET with hub.mode, hub.verify_token,
 * hub.challenge): 0 when mode is "subscribe", token equals verify_token
 * (constant time; an empty verify_token never matches) and challenge is
 * 1..WHATSAPP_CHALLENGE_MAX characters of [A-Za-z0-9._-]; else E_FORBIDDEN.
 */
NODISCARD int whatsapp_check_handshake(struct str verify_token, struct str mode, struct str token,
                                       struct str challenge);

/* ---- Inbound payload ----------------------------------------------------------------------- */

enum whatsapp_type {
    WA_TYPE_TEXT,
    WA_TYPE_IMAGE,
    WA_TYPE_AUDIO,
    WA_TYPE_DOCUMENT,
    WA_TYPE_VIDEO,
    WA_TYPE_STICKER,
    WA_TYPE_LOCATION,
    WA_TYPE_CONTACTS,
    WA_TYPE_INTERACTIVE,
    WA_TYPE_BUTTON,
    WA_TYPE_REACTION,
    WA_TYPE_OTHER, /* unsupported, system, order, ...: kept with its type name */
};

/* "text", "image", ..., "other". */
const char *whatsapp_type_name(enum whatsapp_type t);
/* The type named s, or WA_TYPE_OTHER. */
enum whatsapp_type whatsapp_type_parse(struct str s);

/*
 * One inbound message. Strings are NUL-terminated copies in the caller's
 * arena (empty when absent), valid UTF-8.
 */
struct whatsapp_message {
    struct str phone_number_id; /* the business number it was sent to */
    struct str id;              /* Meta's message id (wamid), never empty */
    struct str from;            /* sender's wa_id, never empty */
    struct str profile_name;    /* sender's profile name from the change's contacts */
    int64_t timestamp;          /* unix seconds; 0 when Meta sent none or junk */
    enum whatsapp_type type;
    struct str type_name; /* as Meta wrote it ("unsupported" for WA_TYPE_OTHER, say) */
    /*
     * What a person reads in the inbox: the text's body; a media caption; a
     * document's file name; a location's name or address; a contact's
     * formatted name; an interactive reply's or a button's title; a
     * reaction's emoji. Empty when the message has none.
     */
    struct str text;
    struct str media_id;   /* image/audio/document/video/sticker */
    struct str mime_type;  /* image/audio/document/video/sticker */
    struct str context_id; /* the message this one quotes or reacts to */
    /* The type's own object as compact JSON ({"id":..,"mime_type":..}), or empty. */
    struct str metadata;
};

/* Delivery states of a message we sent, in their forward order. */
enum whatsapp_status {
    WA_STATUS_NONE,      /* unknown to us (Meta's "deleted", "warning", ...) */
    WA_STATUS_PENDING,   /* stored, not yet accepted by Meta */
    WA_STATUS_SENT,      /* Meta accepted it (we hold its wamid) */
    WA_STATUS_DELIVERED, /* on the person's phone */
    WA_STATUS_READ,      /* read by the person */
    WA_STATUS_FAILED,    /* final for that send; the error code says why */
};

/* "pending", "sent", "delivered", "read", "failed" ("" for NONE). */
const char *whatsapp_status_name(enum whatsapp_status s);
/* The status named s, or WA_STATUS_NONE. */
enum whatsapp_status whatsapp_status_parse(struct str s);

/*
 * The forward-only rule: the status a sent message has once incoming
 * arrives while it is current. sent < delivered < read, so a late
 * "delivered" after "read" changes nothing; failed is final for that send
 * (nothing moves it, and it overrides any state short of read); NONE never
 * changes anything. Returns current when nothing changes. Read implies
 * delivered: whoever stores a READ also records delivery if it was missing.
 */
enum whatsapp_status whatsapp_status_advance(enum whatsapp_status current,
                                             enum whatsapp_status incoming);

/* One status update about a message we sent. */
struct whatsapp_status_update {
    struct str phone_number_id;
    struct str id;           /* wamid of our message, never empty */
    struct str recipient_id; /* wa_id it went to */
    enum whatsapp_status status;
    struct str status_name; /* as Meta wrote it */
    int64_t timestamp;
    int64_t error_code;     /* errors[0].code; 0 when none */
    struct str error_title; /* errors[0].title (or message) */
    struct str biz_opaque;  /* the biz_opaque_callback_data we sent with it */
};

struct whatsapp_batch {
    struct whatsapp_message *messages;
    size_t n_messages;
    struct whatsapp_status_update *statuses;
    size_t n_statuses;
    /* Items without what we need (id, sender, phone number id), or over the id limit. */
    size_t n_skipped;
    /* Changes of another field than "messages" (account updates, templates, ...). */
    size_t n_ignored;
};

/*
 * Parses Meta's webhook payload into every message and status of every
 * entry and change, in payload order. Pure: reads body, allocates from a
 * only. 0, or E_TOO_LARGE (body over WHATSAPP_MAX_BODY, more than
 * WHATSAPP_MAX_EVENTS items or WHATSAPP_MAX_CHANGES changes), E_BAD_JSON
 * (not one JSON document within json/'s limits), E_INVALID (not a
 * "whatsapp_business_account" object with an entry array). A single item
 * missing its id is counted in n_skipped, not fatal: the rest of the batch
 * is still good, and Meta would resend a refused payload forever.
 */
NODISCARD int whatsapp_parse_webhook(struct str body, struct arena *a, struct whatsapp_batch *out);

/* ---- Outbound ------------------------------------------------------------------------------ */

/* true for a phone number id as Meta issues them: 1..32 digits. */
bool whatsapp_is_phone_number_id(struct str s);

/* Appends "{base}/{phone_number_id}/messages" (base without trailing slash). 0 or E_INVALID. */
NODISCARD int whatsapp_render_url(const char *base, struct str phone_number_id, struct buf *out);

struct whatsapp_text_send {
    struct str to;         /* the person's wa_id */
    struct str body;       /* 1..WHATSAPP_TEXT_MAX characters */
    struct str reply_to;   /* quoted message (context.message_id), may be empty */
    struct str biz_opaque; /* echoed back in its statuses, may be empty */
};

/*
 * Appends the body of a text send:
 * {"messaging_product":"whatsapp","recipient_type":"individual","to":..,
 *  "type":"text","text":{"body":..},"context":{..},"biz_opaque_callback_data":..}.
 * 0, or E_INVALID (empty or over-long body, bad recipient or opaque data).
 */
NODISCARD int whatsapp_render_text(const struct whatsapp_text_send *s, struct buf *out);

/* Appends {"messaging_product":"whatsapp","status":"read","message_id":..}. 0 or E_INVALID. */
NODISCARD int whatsapp_render_read(struct str message_id, struct buf *out);

/* What the send job does with Meta's answer. */
enum whatsapp_outcome {
    WA_OUT_SENT,          /* accepted: wamid holds Meta's message id */
    WA_OUT_RETRY,         /* rate limit, throughput, 5xx, timeouts: try again later */
    WA_OUT_WINDOW_CLOSED, /* 131047: outside the 24-hour window, free text refused */
    WA_OUT_AUTH,          /* the number's token is expired or wrong: fix the agent */
    WA_OUT_REJECTED,      /* any other refusal: final for this send */
};

struct whatsapp_answer {
    enum whatsapp_outcome outcome;
    int64_t code; /* Meta's error code, or the HTTP status when Meta gave none; 0 when sent */
    char wamid[WHATSAPP_ID_MAX + 1];
    /* Back-off floor for a retry, seconds (longer for the per-pair limit). */
    unsigned retry_floor_s;
    char detail[160]; /* Meta's short message or ours, for last_error: never a token */
};

/*
 * Classifies Meta's answer to a send (http_status and body; status 0 for
 * no answer at all: connection refused, reset or timed out). Meta's codes:
 *   131047 re-engagement (24-hour window closed)  -> WINDOW_CLOSED
 *   131056 pair rate limit                        -> RETRY, floor 60 s
 *   130429 throughput limit, 80007/4/613 limits   -> RETRY, floors of 2-30 s
 *   131000/131016/1/2 transient, 429              -> RETRY, floors of 5-30 s
 *   any 5xx, no answer                            -> RETRY, no floor (the job's back-off)
 *   190 or HTTP 401/403 without a known code      -> AUTH
 *   anything else 4xx                             -> REJECTED
 * A 2xx without messages[0].id is retried (we cannot tell it was sent).
 */
void whatsapp_classify_answer(long http_status, struct str body, struct whatsapp_answer *out);

#endif
