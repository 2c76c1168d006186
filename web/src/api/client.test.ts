import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, mockFetch, noContent, problem } from '@/test/fetchMock';
import {
  api,
  ApiError,
  apiExchange,
  getCsrfToken,
  NETWORK_ERROR,
  setApiBaseUrl,
  setCsrfToken,
  setUnauthorizedHandler,
} from './client';

beforeEach(() => {
  setCsrfToken(null);
  setApiBaseUrl('');
  window.history.replaceState(null, '', '/conta/sessoes?aba=1');
});

afterEach(() => {
  setUnauthorizedHandler(null);
  vi.unstubAllGlobals();
});

describe('requests', () => {
  it('sends credentials, JSON and the CSRF token fetched at first need', async () => {
    const { calls } = mockFetch({
      'GET /auth/csrf': json(200, { csrfToken: 'tok-1' }),
      'PATCH /api/v1/me': json(200, { user: { id: 'u1', name: 'Ana' } }),
    });

    const res = await api.patch<{ user: { name: string } }>('/api/v1/me', { name: 'Ana' });

    expect(res.user.name).toBe('Ana');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /auth/csrf',
      'PATCH /api/v1/me',
    ]);
    const patch = calls[1]!;
    expect(patch.credentials).toBe('include');
    expect(patch.headers['Content-Type']).toBe('application/json');
    expect(patch.headers['X-CSRF-Token']).toBe('tok-1');
    expect(patch.body).toEqual({ name: 'Ana' });
    expect(calls[0]!.credentials).toBe('include');
  });

  it('sends no CSRF token and no Content-Type on a GET', async () => {
    setCsrfToken('tok');
    const { calls } = mockFetch({ 'GET /auth/me': json(200, { user: {} }) });
    await api.get('/auth/me');
    expect(calls[0]!.headers['X-CSRF-Token']).toBeUndefined();
    expect(calls[0]!.headers['Content-Type']).toBeUndefined();
  });

  it('prefixes the configured API base URL', async () => {
    setApiBaseUrl('https://api.example.com/');
    const { calls } = mockFetch({ 'GET /auth/me': json(200, {}) });
    await api.get('/auth/me');
    expect(calls[0]!.url).toBe('https://api.example.com/auth/me');
  });

  it('keeps the csrfToken of a login answer for the next requests', async () => {
    setCsrfToken('pre-session');
    const { calls } = mockFetch({
      'POST /auth/login': json(200, { user: { id: 'u1' }, csrfToken: 'session-bound' }),
      'POST /auth/logout': noContent(),
    });
    await api.post('/auth/login', { email: 'a@b.co', password: 'x', remember: false });
    expect(getCsrfToken()).toBe('session-bound');
    const out = await api.post('/auth/logout');
    expect(out).toBeUndefined();
    expect(calls[1]!.headers['X-CSRF-Token']).toBe('session-bound');
  });
});

describe('apiExchange', () => {
  it('tells 202 from 204', async () => {
    setCsrfToken('t');
    mockFetch({
      'POST /auth/verify-email/resend': [
        new Response(null, { status: 202 }),
        new Response(null, { status: 204 }),
      ],
    });
    expect((await apiExchange('/auth/verify-email/resend', { method: 'POST' })).status).toBe(202);
    expect((await apiExchange('/auth/verify-email/resend', { method: 'POST' })).status).toBe(204);
  });
});

describe('CSRF retry', () => {
  it('refreshes the token once and retries once on 403 csrf_failed', async () => {
    setCsrfToken('stale');
    const { calls } = mockFetch({
      'GET /auth/csrf': json(200, { csrfToken: 'fresh' }),
      'DELETE /api/v1/me/sessions': [problem(403, 'csrf_failed'), json(200, { revoked: 2 })],
    });

    const res = await api.delete<{ revoked: number }>('/api/v1/me/sessions');

    expect(res.revoked).toBe(2);
    expect(calls.map((c) => `${c.method} ${c.url} ${c.headers['X-CSRF-Token'] ?? ''}`)).toEqual([
      'DELETE /api/v1/me/sessions stale',
      'GET /auth/csrf ',
      'DELETE /api/v1/me/sessions fresh',
    ]);
  });

  it('gives up after one retry', async () => {
    setCsrfToken('stale');
    const { calls } = mockFetch({
      'GET /auth/csrf': json(200, { csrfToken: 'fresh' }),
      'POST /api/v1/me/password': problem(403, 'csrf_failed'),
    });

    const err = await api
      .post('/api/v1/me/password', { currentPassword: 'a', newPassword: 'b' })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('csrf_failed');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2);
    expect(calls.filter((c) => c.url === '/auth/csrf')).toHaveLength(1);
  });

  it('does not retry other 403s', async () => {
    setCsrfToken('tok');
    const { calls } = mockFetch({ 'POST /auth/reauth': problem(403, 'forbidden') });
    await expect(api.post('/auth/reauth', { password: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(calls).toHaveLength(1);
  });

  it('shares one /auth/csrf request between concurrent callers', async () => {
    const { calls } = mockFetch({
      'GET /auth/csrf': json(200, { csrfToken: 't' }),
      'POST /a': json(200, {}),
      'POST /b': json(200, {}),
    });
    await Promise.all([api.post('/a'), api.post('/b')]);
    expect(calls.filter((c) => c.url === '/auth/csrf')).toHaveLength(1);
  });
});

describe('401', () => {
  it('calls the unauthorized handler with the current path', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    mockFetch({ 'GET /api/v1/me/sessions': problem(401, 'unauthenticated') });

    await expect(api.get('/api/v1/me/sessions')).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    expect(handler).toHaveBeenCalledWith('/conta/sessoes?aba=1');
  });

  it('redirects to the login page with ?next= by default', async () => {
    const assign = vi.fn();
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
    mockFetch({ 'GET /api/v1/me': problem(401, 'unauthenticated') });

    await expect(api.get('/api/v1/me')).rejects.toBeInstanceOf(ApiError);
    expect(assign).toHaveBeenCalledWith('/entrar?next=%2Fconta%2Fsessoes%3Faba%3D1');
  });

  it('forgets the CSRF token of the dead session', async () => {
    setUnauthorizedHandler(() => undefined);
    setCsrfToken('old');
    mockFetch({ 'PATCH /api/v1/me': problem(401, 'unauthenticated') });
    await api.patch('/api/v1/me', { name: 'x' }).catch(() => undefined);
    expect(getCsrfToken()).toBeNull();
  });

  it('leaves a wrong password at login to the form', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    setCsrfToken('t');
    mockFetch({ 'POST /auth/login': problem(401, 'invalid_credentials') });
    await expect(
      api.post('/auth/login', { email: 'a@b.co', password: 'x', remember: true }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('honours skipAuthRedirect (and still drops the token)', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    setCsrfToken('maybe-dead');
    mockFetch({ 'GET /auth/me': problem(401, 'unauthenticated') });
    await expect(api.get('/auth/me', { skipAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).not.toHaveBeenCalled();
    expect(getCsrfToken()).toBeNull();
  });
});

describe('errors', () => {
  it('turns problem+json into an ApiError with field errors', async () => {
    setCsrfToken('t');
    mockFetch({
      'POST /auth/signup': problem(422, 'validation_failed', {
        requestId: 'req-9',
        errors: [
          { field: 'email', code: 'taken', message: 'an account with this email already exists' },
          { field: 'password', code: 'too_common', message: 'does not meet the password policy' },
        ],
      }),
    });
    const err = (await api.post('/auth/signup', {}).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('validation_failed');
    expect(err.requestId).toBe('req-9');
    expect(err.fieldErrors).toEqual([
      { field: 'email', code: 'taken', message: 'an account with this email already exists' },
      { field: 'password', code: 'too_common', message: 'does not meet the password policy' },
    ]);
  });

  it('reads Retry-After on 429', async () => {
    setCsrfToken('t');
    mockFetch({ 'POST /auth/login': problem(429, 'rate_limited', {}, { 'Retry-After': '120' }) });
    const err = (await api.post('/auth/login', {}).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfter).toBe(120);
  });

  it('falls back to the type slug, then the status, for the code', async () => {
    mockFetch({
      'GET /a': json(404, { type: 'https://piloto.app/problems/not_found' }),
      'GET /b': new Response('<html>bad gateway</html>', { status: 502 }),
    });
    await expect(api.get('/a')).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.get('/b')).rejects.toMatchObject({ code: 'http_502', status: 502 });
  });

  it('reports a network failure as network_error', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    await expect(api.get('/auth/me')).rejects.toMatchObject({ status: 0, code: NETWORK_ERROR });
  });
});
