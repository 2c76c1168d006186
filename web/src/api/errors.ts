/**
 * problem+json codes (server/core/err.h) and field error codes turned into
 * friendly Portuguese. The server's English `title`/`message` never reach
 * the user.
 */
import { t } from '@/i18n';
import { ApiError, BAD_RESPONSE, NETWORK_ERROR } from './client';

/** "2 minutos", "45 segundos", "1 hora". */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return t.duration.seconds(s);
  if (s < 3600) return t.duration.minutes(Math.ceil(s / 60));
  return t.duration.hours(Math.ceil(s / 3600));
}

/** One sentence for the user about any error thrown by the API client (or anything else). */
export function errorMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return t.errors.generic;
  switch (err.code) {
    case NETWORK_ERROR:
      return t.errors.network;
    case 'invalid_credentials':
      return t.errors.invalidCredentials;
    case 'unauthenticated':
      return t.errors.unauthenticated;
    case 'recent_auth_required':
      return t.errors.recentAuthRequired;
    case 'forbidden':
      return t.errors.forbidden;
    case 'csrf_failed':
      return t.errors.csrfFailed;
    case 'origin_not_allowed':
      return t.errors.originNotAllowed;
    case 'not_found':
      return t.errors.notFound;
    case 'window_closed':
      return t.inbox.windowClosed;
    case 'conflict':
      return t.errors.conflict;
    case 'validation_failed':
      return t.errors.validation;
    case 'invalid_request':
    case 'malformed_json':
    case 'unsupported_media_type':
    case 'method_not_allowed':
    case 'uri_too_long':
    case 'headers_too_large':
    case BAD_RESPONSE:
      return t.errors.badRequest;
    case 'payload_too_large':
      return t.errors.tooLarge;
    case 'request_timeout':
      return t.errors.timeout;
    case 'rate_limited':
      return err.retryAfter ? t.errors.rateLimitedFor(formatWait(err.retryAfter)) : t.errors.rateLimited;
    case 'service_unavailable':
      return t.errors.unavailable;
    case 'upstream_error':
      return t.errors.upstream;
    case 'internal_error':
      return t.errors.internal;
    default:
      if (err.status >= 500) return t.errors.internal;
      return t.errors.generic;
  }
}

/** The message for one field error, e.g. ("password", "too_common"). */
export function fieldErrorMessage(field: string, code: string): string {
  const isPassword = /password$/i.test(field);
  switch (code) {
    case 'required':
      return t.validation.required;
    case 'taken':
      return field === 'email' ? t.validation.emailTaken : t.validation.generic;
    case 'incorrect':
      return field === 'currentPassword'
        ? t.validation.currentPasswordIncorrect
        : t.validation.passwordIncorrect;
    case 'too_short':
      return isPassword ? t.validation.passwordTooShort : t.validation.required;
    case 'too_long':
      return isPassword ? t.validation.passwordTooLong : t.validation.tooLong;
    case 'too_common':
      return t.validation.passwordTooCommon;
    case 'mismatch':
      return t.validation.passwordMismatch;
    case 'expired':
      return t.validation.tokenInvalid;
    case 'unknown_field':
      return t.validation.unknownField;
    case 'invalid':
      if (field === 'email') return t.validation.emailInvalid;
      if (field === 'name') return t.validation.nameInvalid;
      if (field === 'token') return t.validation.tokenInvalid;
      if (isPassword) return t.validation.passwordInvalid;
      return t.validation.generic;
    default:
      if (field === 'token') return t.validation.tokenInvalid;
      return t.validation.generic;
  }
}

export type FieldMessages = Partial<Record<string, string>>;

/**
 * Field messages of a 422 answer, keyed by the API's field name. `rename`
 * maps an API field to the form's own field name when they differ.
 */
export function fieldErrorsOf(
  err: unknown,
  rename: Record<string, string> = {},
  /** A form's own wording for some (field, code) pairs; undefined falls back to the common one. */
  message?: (field: string, code: string) => string | undefined,
): FieldMessages {
  const out: FieldMessages = {};
  if (!(err instanceof ApiError)) return out;
  for (const fe of err.fieldErrors) {
    const key = rename[fe.field] ?? fe.field;
    if (!out[key]) out[key] = message?.(fe.field, fe.code) ?? fieldErrorMessage(fe.field, fe.code);
  }
  return out;
}

/**
 * The form-level message for an error: none when the field messages already
 * say everything that is wrong with the fields the form shows.
 */
export function formErrorMessage(err: unknown, shownFields: readonly string[]): string | null {
  if (!err) return null;
  if (err instanceof ApiError && err.code === 'validation_failed' && err.fieldErrors.length > 0) {
    const allShown = err.fieldErrors.every((fe) => shownFields.includes(fe.field));
    if (allShown) return null;
  }
  return errorMessage(err);
}
