/**
 * The one way the dashboard talks to piloto.
 *
 * - Every request is credentialed (the session cookie belongs to the API
 *   host, which may be api.<domain> while the SPA lives on app.<domain>).
 * - The CSRF token lives in memory only: the SPA cannot read a cookie of
 *   another host. It comes from GET /auth/csrf at start and from the
 *   `csrfToken` of sign-up, login and password-change answers, and goes out
 *   as X-CSRF-Token on every non-GET request.
 * - A 403 csrf_failed refreshes the token once and retries once.
 * - A 401 (other than a wrong password at login) sends the user to the login
 *   page with a return path.
 * - Every failure is an ApiError carrying the problem+json `code`.
 */
import { loginPath } from '@/lib/paths';
import type { FieldError, Problem } from './types';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const SAFE_METHODS: ReadonlySet<Method> = new Set<Method>(['GET', 'HEAD']);

export const CSRF_HEADER = 'X-CSRF-Token';

/** Codes the client itself produces (never sent by the server). */
export const NETWORK_ERROR = 'network_error';
export const BAD_RESPONSE = 'bad_response';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly requestId?: string;
  readonly fieldErrors: FieldError[];
  /** Seconds from Retry-After (429/503), when the server said. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    title?: string;
    detail?: string;
    requestId?: string;
    fieldErrors?: FieldError[];
    retryAfter?: number | null;
  }) {
    super(init.title ?? init.code);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.fieldErrors = init.fieldErrors ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/* ------------------------------------------------------------------ */
/* Base URL                                                            */
/* ------------------------------------------------------------------ */

function normalizeBase(raw: string | undefined): string {
  return (raw ?? '').trim().replace(/\/+$/, '');
}

let baseUrl = normalizeBase(import.meta.env.VITE_API_URL);

/** Absolute (or same-origin) URL of an API path such as "/auth/me". */
export function apiUrl(path: string): string {
  return baseUrl + path;
}

/** For tests. */
export function setApiBaseUrl(url: string | undefined): void {
  baseUrl = normalizeBase(url);
}

/* ------------------------------------------------------------------ */
/* CSRF token, in memory                                               */
/* ------------------------------------------------------------------ */

let csrfToken: string | null = null;
let csrfInflight: Promise<string> | null = null;

export function getCsrfToken(): string | null {
  return csrfToken;
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** GET /auth/csrf; concurrent callers share one request. */
export function refreshCsrfToken(): Promise<string> {
  if (!csrfInflight) {
    csrfInflight = (async () => {
      const res = await send('/auth/csrf', 'GET', undefined, undefined);
      if (!res.ok) throw await toApiError(res);
      const body = (await readJson(res)) as { csrfToken?: unknown } | undefined;
      if (!body || typeof body.csrfToken !== 'string' || !body.csrfToken) {
        throw new ApiError({ status: res.status, code: BAD_RESPONSE });
      }
      csrfToken = body.csrfToken;
      return body.csrfToken;
    })().finally(() => {
      csrfInflight = null;
    });
  }
  return csrfInflight;
}

/* ------------------------------------------------------------------ */
/* 401 handling                                                        */
/* ------------------------------------------------------------------ */

export type UnauthorizedHandler = (returnPath: string) => void;

const defaultUnauthorized: UnauthorizedHandler = (returnPath) => {
  window.location.assign(loginPath(returnPath));
};

let unauthorizedHandler: UnauthorizedHandler = defaultUnauthorized;

/** The app installs a router-aware handler; null restores the full-page redirect. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  unauthorizedHandler = handler ?? defaultUnauthorized;
}

function currentPath(): string {
  return window.location.pathname + window.location.search;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

export interface RequestOptions {
  method?: Method;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
  /** Leave a 401 to the caller (the session probe, login, re-auth). */
  skipAuthRedirect?: boolean;
}

async function send(
  path: string,
  method: Method,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, credentials: 'include', headers, signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (!SAFE_METHODS.has(method) && csrfToken) {
    headers[CSRF_HEADER] = csrfToken;
  }
  try {
    return await fetch(apiUrl(path), init);
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: NETWORK_ERROR });
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function slugFromType(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  const slug = type.split('/').pop();
  return slug && slug !== 'about:blank' ? slug : undefined;
}

/** Builds the ApiError of a failed response (problem+json or not). */
export async function toApiError(res: Response): Promise<ApiError> {
  const raw = await readJson(res);
  const body: Problem = raw && typeof raw === 'object' ? (raw as Problem) : {};
  const fieldErrors = Array.isArray(body.errors)
    ? body.errors.filter(
        (e): e is FieldError =>
          !!e && typeof e === 'object' && typeof e.field === 'string' && typeof e.code === 'string',
      )
    : [];
  return new ApiError({
    status: res.status,
    code:
      (typeof body.code === 'string' && body.code) || slugFromType(body.type) || `http_${res.status}`,
    title: typeof body.title === 'string' ? body.title : undefined,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    requestId:
      (typeof body.requestId === 'string' && body.requestId) ||
      res.headers.get('X-Request-Id') ||
      undefined,
    fieldErrors,
    retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
  });
}

/**
 * Sends one API request and returns its JSON answer (undefined for 204).
 * Throws ApiError.
 */
export async function apiRequest<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await apiExchange<T>(path, options)).body;
}

/** As apiRequest, with the status too (for routes whose 202 and 204 mean different things). */
export async function apiExchange<T = unknown>(
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: T }> {
  const method = options.method ?? 'GET';
  const unsafe = !SAFE_METHODS.has(method);

  for (let attempt = 0; ; attempt++) {
    if (unsafe && !csrfToken) {
      await refreshCsrfToken();
    }
    const res = await send(path, method, options.body, options.signal);
    if (res.ok) {
      const body = await readJson(res);
      if (body && typeof body === 'object') {
        const token = (body as { csrfToken?: unknown }).csrfToken;
        if (typeof token === 'string' && token) csrfToken = token;
      }
      return { status: res.status, body: body as T };
    }
    const err = await toApiError(res);
    if (unsafe && err.status === 403 && err.code === 'csrf_failed' && attempt === 0) {
      csrfToken = null;
      await refreshCsrfToken();
      continue;
    }
    if (err.status === 401 && err.code !== 'invalid_credentials') {
      // No live session: whatever token we hold may be dead (and the server
      // clears the CSRF cookie); the next unsafe request fetches a new one.
      csrfToken = null;
      if (!options.skipAuthRedirect) unauthorizedHandler(currentPath());
    }
    throw err;
  }
}

export const api = {
  get: <T>(path: string, opts?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...opts, method: 'GET' }),
  post: <T>(path: string, body?: unknown, opts?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...opts, method: 'POST', body }),
  patch: <T>(path: string, body?: unknown, opts?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...opts, method: 'PATCH', body }),
  put: <T>(path: string, body?: unknown, opts?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...opts, method: 'PUT', body }),
  delete: <T>(path: string, opts?: Omit<RequestOptions, 'method' | 'body'>) =>
    apiRequest<T>(path, { ...opts, method: 'DELETE' }),
};
