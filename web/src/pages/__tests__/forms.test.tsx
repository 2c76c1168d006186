import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import { t } from '@/i18n';
import { json, mockFetch, problem } from '@/test/fetchMock';
import { renderApp } from '@/test/render';

const user = {
  id: 'u1',
  email: 'ana@empresa.com.br',
  name: 'Ana Souza',
  emailVerified: true,
  hasPassword: true,
  createdAt: '2025-03-12T10:00:00Z',
};

/** The error text that a field's aria-describedby points to. */
function describedErrors(input: HTMLElement): string {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
  return ids
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

/** Every page probes the session and may need a CSRF token. */
const signedOut = {
  'GET /auth/me': problem(401, 'unauthenticated'),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
  'GET /api/v1/workspaces': json(200, { workspaces: [] }),
};
const signedIn = {
  'GET /auth/me': json(200, { user }),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
  'GET /api/v1/me': json(200, { user, identities: [] }),
  'GET /api/v1/workspaces': json(200, { workspaces: [] }),
};

beforeEach(() => {
  setCsrfToken('csrf-test');
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('login form', () => {
  it('shows required-field messages under the fields and focuses the first', async () => {
    const { calls } = mockFetch(signedOut);
    renderApp('/entrar');
    const ue = userEvent.setup();

    const submit = await screen.findByRole('button', { name: t.auth.login.submit });
    await ue.click(submit);

    const email = screen.getByLabelText(t.auth.email);
    const password = screen.getByLabelText(t.auth.password);
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(describedErrors(email)).toContain(t.validation.required);
    expect(describedErrors(password)).toContain(t.validation.required);
    await waitFor(() => expect(document.activeElement).toBe(email));
    // Nothing was sent.
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('says the e-mail is malformed', async () => {
    mockFetch(signedOut);
    renderApp('/entrar');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.email), 'ana@');
    await ue.type(screen.getByLabelText(t.auth.password), 'x');
    await ue.click(screen.getByRole('button', { name: t.auth.login.submit }));
    expect(describedErrors(screen.getByLabelText(t.auth.email))).toContain(t.validation.emailInvalid);
  });

  it('shows a wrong password as one friendly alert', async () => {
    mockFetch({
      ...signedOut,
      'POST /auth/login': problem(401, 'invalid_credentials'),
    });
    renderApp('/entrar');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'senha errada demais');
    await ue.click(screen.getByRole('button', { name: t.auth.login.submit }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('E-mail ou senha incorretos.');
  });

  it('logs in with "Lembrar de mim" and goes to ?next=', async () => {
    const { calls } = mockFetch({
      ...signedOut,
      'POST /auth/login': json(200, { user, csrfToken: 'new' }),
      'GET /api/v1/me/sessions': json(200, { sessions: [] }),
    });
    const { router } = renderApp('/entrar?next=%2Fconta%2Fsessoes');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.email), ' ana@empresa.com.br ');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByLabelText(t.auth.login.remember));
    await ue.click(screen.getByRole('button', { name: t.auth.login.submit }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/conta/sessoes'));
    const login = calls.find((c) => c.url === '/auth/login')!;
    expect(login.body).toEqual({
      email: 'ana@empresa.com.br',
      password: 'uma senha longa o bastante',
      remember: true,
    });
    expect(login.headers['X-CSRF-Token']).toBe('csrf-test');
  });

  it('has a Google button pointing at the API with the return path', async () => {
    mockFetch(signedOut);
    renderApp('/entrar?next=%2Fleads');
    const link = await screen.findByRole('link', { name: t.auth.login.google });
    expect(link.getAttribute('href')).toBe('/auth/google/start?next=%2Fleads');
  });
});

describe('sign-up form', () => {
  it('checks the password length before sending', async () => {
    const { calls } = mockFetch(signedOut);
    renderApp('/cadastro');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.name), 'Ana');
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'curta');
    await ue.click(screen.getByRole('button', { name: t.auth.signup.submit }));

    const password = screen.getByLabelText(t.auth.password);
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(describedErrors(password)).toContain(t.validation.passwordTooShort);
    // The hint stays described too.
    expect(describedErrors(password)).toContain(t.auth.passwordHint);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('puts the server field errors under their fields', async () => {
    mockFetch({
      ...signedOut,
      'POST /auth/signup': problem(422, 'validation_failed', {
        errors: [
          { field: 'email', code: 'taken', message: 'an account with this email already exists' },
          { field: 'password', code: 'too_common', message: 'does not meet the password policy' },
        ],
      }),
    });
    renderApp('/cadastro');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.name), 'Ana');
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'password1234');
    await ue.click(screen.getByRole('button', { name: t.auth.signup.submit }));

    const email = screen.getByLabelText(t.auth.email);
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(describedErrors(email)).toContain(t.validation.emailTaken);
    expect(describedErrors(screen.getByLabelText(t.auth.password))).toContain(
      t.validation.passwordTooCommon,
    );
    // No duplicate alert when every error sits under a field.
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(email));
  });
});

describe('sign-up outcomes', () => {
  async function fillAndSubmit() {
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.name), 'Ana');
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: t.auth.signup.submit }));
  }

  it('signs in and, with no workspace yet, asks for the company name', async () => {
    mockFetch({
      ...signedOut,
      'GET /auth/me': [problem(401, 'unauthenticated'), json(200, { user })],
      'POST /auth/signup': json(201, { user, csrfToken: 's.x' }),
    });
    const { router } = renderApp('/cadastro');
    await fillAndSubmit();
    await screen.findByRole('heading', { name: t.home.greeting('Ana') });
    expect(router.state.location.pathname).toBe('/');
    expect(await screen.findByLabelText(t.workspace.name)).toBeTruthy();
  });

  it('without a session (address taken) shows the login page and says a mail went out', async () => {
    mockFetch({
      ...signedOut,
      'POST /auth/signup': json(201, { user: { ...user, id: 'decoy' }, csrfToken: 'p.x' }),
    });
    const { router } = renderApp('/cadastro');
    await fillAndSubmit();
    await waitFor(() => expect(router.state.location.pathname).toBe('/entrar'));
    expect((await screen.findByRole('status')).textContent).toContain(
      t.auth.signup.checkEmail('ana@empresa.com.br'),
    );
    expect((screen.getByLabelText(t.auth.email) as HTMLInputElement).value).toBe('ana@empresa.com.br');
  });
});

describe('Google sign-in', () => {
  it('shows a generic message for an unknown ?erro=, even a hostile one', async () => {
    mockFetch(signedOut);
    renderApp('/entrar?erro=constructor');
    expect((await screen.findByRole('alert')).textContent).toContain(t.errors.googleFailed);
  });

  it('shows the callback error of ?erro=', async () => {
    mockFetch(signedOut);
    renderApp('/entrar?erro=google_denied');
    expect((await screen.findByRole('alert')).textContent).toContain(t.errors.google.google_denied);
  });

  it('carries "Lembrar de mim" to the start URL', async () => {
    mockFetch(signedOut);
    renderApp('/entrar');
    const ue = userEvent.setup();
    await ue.click(await screen.findByLabelText(t.auth.login.remember));
    expect(screen.getByRole('link', { name: t.auth.login.google }).getAttribute('href')).toBe(
      '/auth/google/start?next=%2F&remember=1',
    );
  });
});

describe('verify email page', () => {
  it('posts the token once and confirms', async () => {
    const { calls } = mockFetch({
      ...signedOut,
      'POST /auth/verify-email': json(200, { user: { ...user, emailVerified: true } }),
    });
    renderApp('/verificar-email?token=tok123');
    await screen.findByRole('heading', { name: t.auth.verify.doneTitle });
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({ token: 'tok123' });
  });

  it('says when the link is bad', async () => {
    mockFetch({
      ...signedOut,
      'POST /auth/verify-email': problem(422, 'validation_failed', {
        errors: [{ field: 'token', code: 'invalid' }],
      }),
    });
    renderApp('/verificar-email?token=nope');
    expect((await screen.findByRole('alert')).textContent).toContain(t.auth.verify.invalidToken);
  });
});

describe('sign-in methods', () => {
  it('unlinks Google after re-authentication when the server asks for it', async () => {
    const identity = {
      id: 'g1',
      provider: 'google',
      email: 'ana@gmail.com',
      createdAt: '2026-01-02T03:04:05.000Z',
    };
    const { calls } = mockFetch({
      ...signedIn,
      'GET /api/v1/me': [
        json(200, { user, identities: [identity] }),
        json(200, { user, identities: [] }),
      ],
      'DELETE /api/v1/me/identities/g1': [
        problem(403, 'recent_auth_required'),
        new Response(null, { status: 204 }),
      ],
      'POST /auth/reauth': new Response(null, { status: 204 }),
    });
    renderApp('/conta/seguranca');
    const ue = userEvent.setup();

    await ue.click(
      await screen.findByRole('button', { name: t.account.methods.unlinkLabel('ana@gmail.com') }),
    );
    const confirm = await screen.findByRole('dialog', { name: t.account.methods.unlinkTitle });
    await ue.click(within(confirm).getByRole('button', { name: t.account.methods.unlink }));

    const reauth = await screen.findByRole('dialog', { name: t.account.reauth.title });
    await ue.type(within(reauth).getByLabelText(t.account.reauth.password), 'minha senha atual');
    await ue.click(within(reauth).getByRole('button', { name: t.account.reauth.submit }));

    expect(await screen.findByText(t.account.methods.unlinked)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(2);
    expect(calls.find((c) => c.url === '/auth/reauth')!.body).toEqual({
      password: 'minha senha atual',
    });
  });
});

describe('connecting Google', () => {
  it('re-authenticates when asked, then leaves for the provider', async () => {
    const assign = vi.fn();
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
    const url = 'https://accounts.google.com/o/oauth2/v2/auth?state=s';
    const { calls } = mockFetch({
      ...signedIn,
      'POST /api/v1/me/identities/google': [
        problem(403, 'recent_auth_required'),
        json(200, { redirectUrl: url }),
      ],
      'POST /auth/reauth': new Response(null, { status: 204 }),
    });
    renderApp('/conta/seguranca');
    const ue = userEvent.setup();

    await ue.click(await screen.findByRole('button', { name: t.account.methods.connectLabel }));
    const reauth = await screen.findByRole('dialog', { name: t.account.reauth.title });
    await ue.type(within(reauth).getByLabelText(t.account.reauth.password), 'minha senha atual');
    await ue.click(within(reauth).getByRole('button', { name: t.account.reauth.submit }));

    await waitFor(() => expect(assign).toHaveBeenCalledWith(url));
    const posts = calls.filter((c) => c.url === '/api/v1/me/identities/google');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.headers['X-CSRF-Token']).toBe('csrf-test');
  });

  it('says what the callback said, once, and cleans the URL', async () => {
    mockFetch(signedIn);
    const { router } = renderApp('/conta/seguranca?erro=google_in_use');
    expect(await screen.findByText(t.account.methods.connectErrors.google_in_use!)).toBeTruthy();
    await waitFor(() => expect(router.state.location.search).toBe(''));
  });

  it('takes an unknown or hostile ?erro= for a generic failure', async () => {
    mockFetch(signedIn);
    renderApp('/conta/seguranca?erro=__proto__');
    expect(await screen.findByText(t.account.methods.connectFailed)).toBeTruthy();
  });

  it('confirms a connected account', async () => {
    mockFetch(signedIn);
    renderApp('/conta/seguranca?google=conectado');
    expect(await screen.findByText(t.account.methods.connectDone)).toBeTruthy();
  });

  it('asks a Google-only account to confirm with Google, not a password', async () => {
    const googleOnly = { ...user, hasPassword: false };
    mockFetch({
      ...signedIn,
      'GET /auth/me': json(200, { user: googleOnly }),
      'GET /api/v1/me': json(200, { user: googleOnly, identities: [] }),
      'POST /api/v1/me/identities/google': problem(403, 'recent_auth_required'),
    });
    renderApp('/conta/seguranca');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.account.methods.connectLabel }));
    const dialog = await screen.findByRole('dialog', { name: t.account.reauth.googleTitle });
    expect(within(dialog).queryByLabelText(t.account.reauth.password)).toBeNull();
    const link = within(dialog).getByRole('link', { name: t.auth.login.google });
    expect(link.getAttribute('href')).toBe('/auth/google/start?next=%2Fconta%2Fseguranca');
  });
});

describe('creating a first password', () => {
  it('sends the reset link to a Google-only account', async () => {
    const googleOnly = { ...user, hasPassword: false };
    const { calls } = mockFetch({
      ...signedIn,
      'GET /auth/me': json(200, { user: googleOnly }),
      'GET /api/v1/me': json(200, { user: googleOnly, identities: [] }),
      'POST /auth/password/forgot': new Response(null, { status: 202 }),
    });
    renderApp('/conta/seguranca');
    const ue = userEvent.setup();
    expect(screen.queryByLabelText(t.account.password.current)).toBeNull();
    await ue.click(
      await screen.findByRole('button', { name: t.account.password.createSubmit }),
    );
    expect(await screen.findByText(t.account.password.createSent(user.email))).toBeTruthy();
    expect(calls.find((c) => c.url === '/auth/password/forgot')!.body).toEqual({
      email: user.email,
    });
  });
});

describe('change password form', () => {
  it('validates the confirmation and maps a wrong current password', async () => {
    const { calls } = mockFetch({
      ...signedIn,
      'POST /api/v1/me/password': problem(422, 'validation_failed', {
        errors: [{ field: 'currentPassword', code: 'incorrect', message: 'incorrect' }],
      }),
    });
    renderApp('/conta/seguranca');
    const ue = userEvent.setup();
    const current = await screen.findByLabelText(t.account.password.current);
    await ue.type(current, 'senha atual qualquer');
    await ue.type(screen.getByLabelText(t.account.password.next), 'nova senha bem longa');
    await ue.type(screen.getByLabelText(t.account.password.confirm), 'outra coisa');
    await ue.click(screen.getByRole('button', { name: t.account.password.submit }));

    const confirm = screen.getByLabelText(t.account.password.confirm);
    expect(describedErrors(confirm)).toContain(t.validation.passwordMismatch);
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await ue.clear(confirm);
    await ue.type(confirm, 'nova senha bem longa');
    await ue.click(screen.getByRole('button', { name: t.account.password.submit }));

    await waitFor(() =>
      expect(describedErrors(screen.getByLabelText(t.account.password.current))).toContain(
        t.validation.currentPasswordIncorrect,
      ),
    );
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      currentPassword: 'senha atual qualquer',
      newPassword: 'nova senha bem longa',
    });
  });

  it('lists the sign-in methods', async () => {
    mockFetch(signedIn);
    renderApp('/conta/seguranca');
    expect(await screen.findByText(t.account.methods.emailPassword)).toBeTruthy();
    expect(screen.getByText(t.account.methods.connected)).toBeTruthy();
  });
});

describe('reset password page', () => {
  it('says when the link is bad', async () => {
    mockFetch({
      ...signedOut,
      'POST /auth/password/reset': problem(422, 'validation_failed', {
        errors: [{ field: 'token', code: 'invalid', message: 'invalid or expired' }],
      }),
    });
    renderApp('/redefinir-senha?token=abc');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.reset.newPassword), 'nova senha bem longa');
    await ue.type(screen.getByLabelText(t.auth.reset.confirm), 'nova senha bem longa');
    await ue.click(screen.getByRole('button', { name: t.auth.reset.submit }));
    expect((await screen.findByRole('alert')).textContent).toContain(t.auth.reset.invalidToken);
    expect(screen.getByRole('link', { name: t.auth.reset.requestNew })).toBeTruthy();
  });
});

describe('signed-out visitor', () => {
  it('is sent to the login page with a return path', async () => {
    mockFetch(signedOut);
    const { router } = renderApp('/conta/sessoes');
    await waitFor(() => expect(router.state.location.pathname).toBe('/entrar'));
    expect(router.state.location.search).toBe('?next=%2Fconta%2Fsessoes');
  });
});
