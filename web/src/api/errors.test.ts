import { describe, expect, it } from 'vitest';
import { t } from '@/i18n';
import { ApiError, NETWORK_ERROR } from './client';
import {
  errorMessage,
  fieldErrorMessage,
  fieldErrorsOf,
  formatWait,
  formErrorMessage,
} from './errors';

const err = (code: string, status = 400, extra: Partial<ConstructorParameters<typeof ApiError>[0]> = {}) =>
  new ApiError({ status, code, ...extra });

describe('errorMessage', () => {
  it.each([
    ['invalid_credentials', 401, 'E-mail ou senha incorretos.'],
    ['unauthenticated', 401, t.errors.unauthenticated],
    ['recent_auth_required', 403, t.errors.recentAuthRequired],
    ['forbidden', 403, t.errors.forbidden],
    ['csrf_failed', 403, t.errors.csrfFailed],
    ['origin_not_allowed', 403, t.errors.originNotAllowed],
    ['not_found', 404, t.errors.notFound],
    ['conflict', 409, t.errors.conflict],
    ['validation_failed', 422, t.errors.validation],
    ['malformed_json', 400, t.errors.badRequest],
    ['invalid_request', 400, t.errors.badRequest],
    ['payload_too_large', 413, t.errors.tooLarge],
    ['request_timeout', 408, t.errors.timeout],
    ['rate_limited', 429, t.errors.rateLimited],
    ['service_unavailable', 503, t.errors.unavailable],
    ['upstream_error', 502, t.errors.upstream],
    ['internal_error', 500, t.errors.internal],
    [NETWORK_ERROR, 0, t.errors.network],
  ])('maps %s to Portuguese', (code, status, expected) => {
    expect(errorMessage(err(code, status))).toBe(expected);
  });

  it('says how long to wait when the server said', () => {
    expect(errorMessage(err('rate_limited', 429, { retryAfter: 90 }))).toBe(
      'Muitas tentativas seguidas. Tente novamente em 2 minutos.',
    );
    expect(errorMessage(err('rate_limited', 429, { retryAfter: 1 }))).toBe(
      'Muitas tentativas seguidas. Tente novamente em 1 segundo.',
    );
  });

  it('never shows the server English title', () => {
    const e = new ApiError({ status: 418, code: 'teapot', title: 'I am a teapot' });
    expect(errorMessage(e)).toBe(t.errors.generic);
    expect(errorMessage(new ApiError({ status: 504, code: 'http_504' }))).toBe(t.errors.internal);
    expect(errorMessage(new Error('boom'))).toBe(t.errors.generic);
  });
});

describe('formatWait', () => {
  it('rounds up to seconds, minutes, hours', () => {
    expect(formatWait(30)).toBe('30 segundos');
    expect(formatWait(60)).toBe('1 minuto');
    expect(formatWait(61)).toBe('2 minutos');
    expect(formatWait(7200)).toBe('2 horas');
  });
});

describe('fieldErrorMessage', () => {
  it.each([
    ['email', 'taken', t.validation.emailTaken],
    ['email', 'invalid', t.validation.emailInvalid],
    ['email', 'required', t.validation.required],
    ['name', 'invalid', t.validation.nameInvalid],
    ['password', 'too_short', t.validation.passwordTooShort],
    ['password', 'too_long', t.validation.passwordTooLong],
    ['password', 'too_common', t.validation.passwordTooCommon],
    ['newPassword', 'too_common', t.validation.passwordTooCommon],
    ['newPassword', 'too_short', t.validation.passwordTooShort],
    ['currentPassword', 'incorrect', t.validation.currentPasswordIncorrect],
    ['password', 'incorrect', t.validation.passwordIncorrect],
    ['token', 'expired', t.validation.tokenInvalid],
    ['token', 'whatever', t.validation.tokenInvalid],
    ['name', 'something_new', t.validation.generic],
  ])('%s/%s', (field, code, expected) => {
    expect(fieldErrorMessage(field, code)).toBe(expected);
  });
});

describe('fieldErrorsOf / formErrorMessage', () => {
  const validation = err('validation_failed', 422, {
    fieldErrors: [
      { field: 'email', code: 'taken' },
      { field: 'password', code: 'too_common' },
      { field: 'password', code: 'too_short' },
    ],
  });

  it('keys messages by field, first one wins', () => {
    expect(fieldErrorsOf(validation)).toEqual({
      email: t.validation.emailTaken,
      password: t.validation.passwordTooCommon,
    });
  });

  it('renames API fields to form fields', () => {
    const e = err('validation_failed', 422, { fieldErrors: [{ field: 'password', code: 'incorrect' }] });
    expect(fieldErrorsOf(e, { password: 'currentPassword' })).toEqual({
      currentPassword: t.validation.passwordIncorrect,
    });
  });

  it('gives no form message when every field error is shown under its field', () => {
    expect(formErrorMessage(validation, ['email', 'password'])).toBeNull();
    expect(formErrorMessage(validation, ['email'])).toBe(t.errors.validation);
    expect(formErrorMessage(err('invalid_credentials', 401), ['email', 'password'])).toBe(
      t.errors.invalidCredentials,
    );
    expect(formErrorMessage(null, [])).toBeNull();
  });

  it('returns nothing for non-API errors', () => {
    expect(fieldErrorsOf(new Error('x'))).toEqual({});
  });
});
