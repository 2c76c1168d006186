/*
 * The one list of error codes. Each row: enum name, HTTP status, the stable
 * problem slug the SPA switches on (never change one), and the title.
 *
 * Operations return 0 or an E_* (all negative, so a count can share the
 * channel); handlers return one and the http layer renders it as
 * application/problem+json.
 */
#ifndef PILOTO_CORE_ERR_H
#define PILOTO_CORE_ERR_H

#define ERR_TABLE(X)                                                                               \
    X(E_INVALID, 400, "invalid_request", "Invalid request")                                        \
    X(E_BAD_JSON, 400, "malformed_json", "Malformed JSON body")                                    \
    X(E_VALIDATION, 422, "validation_failed", "Validation failed")                                 \
    X(E_UNAUTHENTICATED, 401, "unauthenticated", "Authentication required")                        \
    X(E_BAD_CREDENTIALS, 401, "invalid_credentials", "Invalid email or password")                  \
    X(E_REAUTH, 403, "recent_auth_required", "Recent authentication required")                     \
    X(E_FORBIDDEN, 403, "forbidden", "Forbidden")                                                  \
    X(E_CSRF, 403, "csrf_failed", "CSRF check failed")                                             \
    X(E_EXPIRED, 403, "link_expired", "Link expired")                                              \
    X(E_ORIGIN, 403, "origin_not_allowed", "Origin not allowed")                                   \
    X(E_NOT_FOUND, 404, "not_found", "Not found")                                                  \
    X(E_METHOD, 405, "method_not_allowed", "Method not allowed")                                   \
    X(E_TIMEOUT, 408, "request_timeout", "Request timeout")                                        \
    X(E_CONFLICT, 409, "conflict", "Conflict")                                                     \
    X(E_WINDOW_CLOSED, 409, "window_closed", "The 24-hour WhatsApp window is closed")              \
    X(E_LAST_OWNER, 409, "last_owner", "A workspace keeps at least one owner")                     \
    X(E_ALREADY_MEMBER, 409, "already_member", "Already a member of the workspace")                \
    X(E_INVITATION_PENDING, 409, "invitation_pending", "An invitation is already pending")         \
    X(E_INVITATION_INVALID, 404, "invitation_invalid", "Unknown or revoked invitation")            \
    X(E_INVITATION_EXPIRED, 410, "invitation_expired", "The invitation has expired")               \
    X(E_INVITATION_USED, 410, "invitation_used", "The invitation was already accepted")            \
    X(E_INVITATION_EMAIL, 403, "invitation_other_account",                                         \
      "The invitation is for another email address")                                               \
    X(E_TOO_LARGE, 413, "payload_too_large", "Payload too large")                                  \
    X(E_URI_TOO_LONG, 414, "uri_too_long", "URI too long")                                         \
    X(E_MEDIA_TYPE, 415, "unsupported_media_type", "Unsupported media type")                       \
    X(E_RATE_LIMITED, 429, "rate_limited", "Too many requests")                                    \
    X(E_TOO_MANY_STREAMS, 429, "too_many_streams", "Too many open event streams")                  \
    X(E_HEADERS_TOO_LARGE, 431, "headers_too_large", "Request header fields too large")            \
    X(E_INTERNAL, 500, "internal_error", "Internal server error")                                  \
    X(E_DB, 500, "internal_error", "Internal server error")                                        \
    X(E_UPSTREAM, 502, "upstream_error", "Upstream service failed")                                \
    X(E_UNAVAILABLE, 503, "service_unavailable", "Service unavailable")

#define ERR_ENUM_ROW(name, status, slug, title) name,
enum err { E__FIRST = -1000, ERR_TABLE(ERR_ENUM_ROW) E__LAST };
#undef ERR_ENUM_ROW

/* HTTP status for an E_* (500 for anything unknown). */
unsigned err_status(int err);
/* Stable slug for an E_* ("internal_error" for anything unknown). */
const char *err_slug(int err);
/* English title for an E_*. */
const char *err_title(int err);
/* Enum name ("E_DB"), for logs only. */
const char *err_name(int err);
/* true when err is one of the E_* values. */
static inline int
err_is_known(int err)
{
    return err > E__FIRST && err < E__LAST;
}

#endif
