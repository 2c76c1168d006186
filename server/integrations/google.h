/*
 * Sign in with Google: the OpenID Connect authorization-code flow as a
 * confidential client (OpenID Connect Core §3.1), against Google or any
 * OpenID provider named by its issuer (the tests run a real one on
 * loopback). The provider's endpoints come from its discovery document
 * (OpenID Connect Discovery §4), its signing keys from its JWK Set; both are
 * cached for the process (a mutex guards the cache, so any thread may call).
 *
 * What this module checks, so callers do not have to:
 *   - the discovery document's issuer is exactly the configured one (§4.3)
 *     and every endpoint is https (or http on loopback: httpc's rule);
 *   - the ID token is RS256, signed by a key of the JWK Set (found by kid;
 *     an unknown kid refetches the set, at most once per
 *     GOOGLE_JWKS_REFETCH_FLOOR_S, so rotation works and junk kids cannot
 *     make us hammer the provider);
 *   - iss, aud, azp, exp, iat (GOOGLE_CLOCK_SKEW_S of skew), nonce, and hd
 *     when a Workspace domain is required (OpenID Connect Core §3.1.3.7).
 * What the caller still owns: state (compare before calling), the PKCE
 * verifier and nonce (generate, keep, pass in), and what to do with the
 * identity.
 *
 * Outbound calls go through httpc (timeouts, size caps, TLS verification):
 * they block, so run them on the worker pool. Nothing here logs; failures
 * come back as an E_* plus a short note for the access log (why), which
 * never holds a code, token or secret.
 *
 * Errors: E_UNAVAILABLE (the provider cannot be reached, or timed out),
 * E_UPSTREAM (it answered, but not as a provider should: bad discovery
 * document or JWK Set, the token endpoint refused the code), E_UNAUTHENTICATED
 * (the ID token failed a check), E_FORBIDDEN (the account is outside the
 * required Workspace domain), E_INVALID (bad input from our side).
 */
#ifndef PILOTO_INTEGRATIONS_GOOGLE_H
#define PILOTO_INTEGRATIONS_GOOGLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/common.h"
#include "core/str.h"

/* Google's issuer; its ID tokens say iss "accounts.google.com" or this. */
#define GOOGLE_ISSUER  "https://accounts.google.com"
#define GOOGLE_URL_MAX 512
/* Discovery documents, JWK Sets and token answers: bytes, and a total timeout. */
#define GOOGLE_DOC_MAX         (64 * 1024)
#define GOOGLE_TIMEOUT_MS      5000
#define GOOGLE_DISCOVERY_TTL_S 3600
#define GOOGLE_JWKS_TTL_S      3600
/* An unknown kid refetches the JWK Set at most this often. */
#define GOOGLE_JWKS_REFETCH_FLOOR_S 60
#define GOOGLE_MAX_KEYS             16
/* Clock skew allowed on exp and iat, and the oldest iat accepted. */
#define GOOGLE_CLOCK_SKEW_S       120
#define GOOGLE_ID_TOKEN_MAX_AGE_S 3600
#define GOOGLE_MAX_AUD            8
#define GOOGLE_CLIENT_ID_MAX      255
#define GOOGLE_SUBJECT_MAX        255 /* OpenID Connect Core §2: at most 255 ASCII characters */
#define GOOGLE_EMAIL_MAX          254
#define GOOGLE_NAME_MAX           400 /* bytes */
#define GOOGLE_HD_MAX             253
#define GOOGLE_NONCE_MAX          128
/* Longest post-login path (google_is_safe_next). */
#define GOOGLE_NEXT_MAX 512
/* Room for a failure note (why). */
#define GOOGLE_WHY_MAX 128

/* The client's settings; borrowed, they must outlive the call. */
struct google_provider {
    const char *issuer; /* GOOGLE_ISSUER, no trailing slash */
    const char *client_id;
    const char *client_secret;
    const char *redirect_uri;  /* PUBLIC_URL + "/auth/google/callback" */
    const char *hosted_domain; /* a Workspace domain every account must be in, or NULL */
};

/* What the discovery document says. */
struct google_endpoints {
    char issuer[GOOGLE_URL_MAX + 1];
    char authorization[GOOGLE_URL_MAX + 1];
    char token[GOOGLE_URL_MAX + 1];
    char jwks[GOOGLE_URL_MAX + 1];
};

/* An ID token's claims (OpenID Connect Core §2, §5.1; Google's hd). "" when absent. */
struct google_claims {
    char iss[GOOGLE_URL_MAX + 1];
    char sub[GOOGLE_SUBJECT_MAX + 1];
    char aud[GOOGLE_MAX_AUD][GOOGLE_CLIENT_ID_MAX + 1];
    size_t naud;
    char azp[GOOGLE_CLIENT_ID_MAX + 1];
    int64_t exp;
    int64_t iat;
    char nonce[GOOGLE_NONCE_MAX + 1];
    char email[GOOGLE_EMAIL_MAX + 1];
    bool email_verified;
    char name[GOOGLE_NAME_MAX + 1]; /* "" when absent or too long */
    char hd[GOOGLE_HD_MAX + 1];
};

/* What an ID token must match. */
struct google_expect {
    const char *issuer;        /* the discovery document's (equal to the configured one) */
    const char *client_id;     /* must be in aud; azp, when present, must equal it */
    const char *nonce;         /* the one sent in the authorization request */
    const char *hosted_domain; /* NULL = any */
};

/*
 * true when next may follow APP_URL in a redirect: a path ("/..."), at most
 * GOOGLE_NEXT_MAX bytes of visible ASCII, not a scheme-relative URL ("//",
 * "/\"), no backslash anywhere, and no percent-encoded slash, backslash or
 * control character. Pure.
 */
bool google_is_safe_next(struct str next);

/*
 * true when iss (an ID token's iss claim, or the iss parameter of an
 * authorization response, RFC 9207) names issuer: the same string, or
 * "accounts.google.com" when issuer is GOOGLE_ISSUER (Google writes it both
 * ways). Pure.
 */
bool google_is_issuer(const char *issuer, struct str iss);

/*
 * Parses a discovery document: 0 and *out, or E_INVALID (not JSON, a
 * member missing or too long, an issuer other than issuer, an endpoint that
 * is neither https nor http on loopback). Pure.
 */
NODISCARD int google_parse_discovery(struct str json, const char *issuer,
                                     struct google_endpoints *out);
/*
 * Parses an ID token's payload: 0 and *out, or E_INVALID (not a JSON
 * object; iss, sub, aud, exp or iat missing or mistyped; a value too long
 * for its field). Checks nothing else. Pure.
 */
NODISCARD int google_parse_claims(struct str json, struct google_claims *out);
/*
 * Checks parsed claims against x at time now (unix seconds): 0,
 * E_UNAUTHENTICATED, or E_FORBIDDEN (hd); *why names the failed check
 * ("iss", "aud", "azp", "exp", "iat", "nonce", "hd"). Pure.
 */
NODISCARD int google_check_claims(const struct google_claims *c, const struct google_expect *x,
                                  int64_t now, const char **why);
/*
 * The authorization request URL (response_type=code, scope "openid email
 * profile", state, nonce, the S256 challenge of verifier, hd when required)
 * into out. 0 or E_TOO_LARGE. Pure.
 */
NODISCARD int google_authorize_url(const struct google_provider *p,
                                   const struct google_endpoints *ep, const char *state,
                                   const char *nonce, const char *verifier, struct buf *out);

/*
 * The provider's endpoints, from the cache or its discovery document
 * (fetched when missing or older than GOOGLE_DISCOVERY_TTL_S). Blocks.
 */
NODISCARD int google_discover(const struct google_provider *p, struct google_endpoints *out,
                              char *why, size_t whycap);
/*
 * Redeems an authorization code (client_secret_post, with the PKCE
 * verifier), verifies the ID token's signature against the JWK Set and its
 * claims against p and nonce: 0 and the claims in *out. Blocks.
 */
NODISCARD int google_exchange(const struct google_provider *p, const struct google_endpoints *ep,
                              struct str code, const char *verifier, const char *nonce,
                              struct google_claims *out, char *why, size_t whycap);

#endif
