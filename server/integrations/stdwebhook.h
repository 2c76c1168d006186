/*
 * Standard Webhooks v1 (https://www.standardwebhooks.com), the signing side:
 * how piloto signs what it pushes to a workspace's CRM so that the receiver
 * can check it with any Standard Webhooks or Svix library.
 *
 * A secret is "whsec_" + standard base64 of STDWEBHOOK_KEY_LEN random bytes.
 * Each request carries three headers:
 *   webhook-id         the event's id, the same on every attempt (receivers
 *                      dedupe on it)
 *   webhook-timestamp  Unix seconds of this attempt (receivers refuse more
 *                      than 5 minutes of skew, so a retry is signed afresh)
 *   webhook-signature  "v1," + base64(HMAC-SHA256(key, id "." timestamp "." body)),
 *                      key = the base64-decoded part of the secret; several
 *                      signatures separated by spaces while a secret is being
 *                      rotated (the receiver accepts any one that verifies)
 *
 * Pure functions over (ptr, len) and caller buffers; keys are wiped.
 */
#ifndef PILOTO_INTEGRATIONS_STDWEBHOOK_H
#define PILOTO_INTEGRATIONS_STDWEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

#define STDWEBHOOK_PREFIX "whsec_"
/* Random bytes of a secret we generate (Svix's size: 32 base64 characters). */
#define STDWEBHOOK_KEY_LEN 24
/* Longest key we accept in a secret (a receiver-made secret may be longer than ours). */
#define STDWEBHOOK_KEY_MAX 64
/* Bytes of a secret's text plus its NUL: "whsec_" + base64 of up to STDWEBHOOK_KEY_MAX bytes. */
#define STDWEBHOOK_SECRET_SIZE (6 + ((STDWEBHOOK_KEY_MAX + 2) / 3) * 4 + 1)
/* Bytes of one signature "v1,<44 base64 characters>" plus its NUL. */
#define STDWEBHOOK_SIG_SIZE (3 + 44 + 1)
/* Longest webhook-id (the specification's receivers cap ids; ours are ~30 characters). */
#define STDWEBHOOK_ID_MAX 64

/* A fresh secret "whsec_..." into out (STDWEBHOOK_SECRET_SIZE bytes), from the OS CSPRNG. */
void stdwebhook_secret_new(char *out, size_t cap);

/* true when secret is "whsec_" + standard base64 of 16..STDWEBHOOK_KEY_MAX bytes. */
bool stdwebhook_secret_valid(struct str secret);

/*
 * The signature "v1,..." of one message under one secret into out
 * (STDWEBHOOK_SIG_SIZE bytes). 0, or E_INVALID: a malformed secret, or an id
 * empty, over STDWEBHOOK_ID_MAX, or holding a '.' or a byte outside
 * printable ASCII (it is a header value and part of the signed content).
 */
NODISCARD int stdwebhook_sign(struct str secret, struct str id, int64_t timestamp, struct str body,
                              char *out, size_t cap);

/*
 * The whole webhook-signature value for n secrets (n >= 1; the current one
 * first, then the one being rotated out), appended to out: the signatures
 * separated by single spaces. 0, E_INVALID as stdwebhook_sign, or
 * E_TOO_LARGE (out's cap); out is unchanged on failure.
 */
NODISCARD int stdwebhook_signature_header(const struct str *secrets, size_t n, struct str id,
                                          int64_t timestamp, struct str body, struct buf *out);

#endif
