/**
 * Client-side checks that mirror the server's rules, so most mistakes are
 * caught before a round trip. The server stays the authority: its field
 * errors are shown the same way.
 */
import { t } from '@/i18n';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
export const NAME_MAX = 100;

/** Unicode code points, as the server counts them. */
export function codePoints(s: string): number {
  return Array.from(s).length;
}

export function validateRequired(value: string): string | null {
  return value.trim() ? null : t.validation.required;
}

export function validateEmail(value: string): string | null {
  const v = value.trim();
  if (!v) return t.validation.required;
  if (v.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return t.validation.emailInvalid;
  return null;
}

export function validateName(value: string): string | null {
  const v = value.trim();
  if (!v) return t.validation.required;
  if (codePoints(v) > NAME_MAX) return t.validation.nameInvalid;
  return null;
}

/** A password being chosen (sign-up, reset, change): length only; the server checks the rest. */
export function validateNewPassword(value: string): string | null {
  if (!value) return t.validation.required;
  const n = codePoints(value);
  if (n < PASSWORD_MIN) return t.validation.passwordTooShort;
  if (n > PASSWORD_MAX) return t.validation.passwordTooLong;
  return null;
}

export function validateConfirmation(password: string, confirmation: string): string | null {
  if (!confirmation) return t.validation.required;
  return password === confirmation ? null : t.validation.passwordMismatch;
}

export type Errors<F extends string> = Partial<Record<F, string | null>>;

export function hasErrors<F extends string>(errors: Errors<F>): boolean {
  return Object.values(errors).some(Boolean);
}

/** A workspace (company) name; the server's limit (docs/api.md). */
export const WORKSPACE_NAME_MAX = 200;

export function validateWorkspaceName(value: string): string | null {
  const v = value.trim();
  if (!v) return t.validation.required;
  // eslint-disable-next-line no-control-regex
  if (codePoints(v) > WORKSPACE_NAME_MAX || /[\u0000-\u001f\u007f]/.test(v)) {
    return t.workspace.nameInvalid;
  }
  return null;
}
