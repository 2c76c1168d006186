import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import { t } from '@/i18n';
import { json, mockFetch, noContent, problem, type Call } from '@/test/fetchMock';
import { renderApp } from '@/test/render';

const user = {
  id: 'u1',
  email: 'ana@empresa.com.br',
  name: 'Ana Souza',
  emailVerified: true,
  hasPassword: true,
  createdAt: '2025-03-12T10:00:00Z',
};

const acme = { id: 'w-acme', name: 'Acme Ltda', role: 'owner' };
const beta = { id: 'w-beta', name: 'Beta Comércio', role: 'member' };

const summary = {
  checklist: { numberConnected: false, agentCreated: false, documentsReady: false, firstConversation: false },
  today: { date: '2026-12-01', timeZone: 'America/Sao_Paulo', since: '2026-12-01T03:00:00Z', newLeads: 0, answeredByAgent: 0, handoffs: 0, qualified: 0 },
};
const base = {
  'GET /auth/me': json(200, { user }),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
  // The home page of each workspace (pipeline.test.tsx tests it).
  'GET /api/v1/workspaces/w-acme/summary': json(200, summary),
  'GET /api/v1/workspaces/w-beta/summary': json(200, summary),
};

const acmeMembers = [
  { userId: 'u1', email: user.email, name: user.name, role: 'owner' },
  { userId: 'u2', email: 'bruno@empresa.com.br', name: 'Bruno Lima', role: 'admin' },
  { userId: 'u3', email: 'carla@empresa.com.br', name: 'Carla Dias', role: 'member' },
];
const betaMembers = [
  { userId: 'u9', email: 'dono@beta.com.br', name: 'Dono Beta', role: 'owner' },
  { userId: 'u1', email: user.email, name: user.name, role: 'member' },
];

function describedErrors(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('first step', () => {
  it('asks for the company name, creates the workspace and opens it', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': [json(200, { workspaces: [] }), json(200, { workspaces: [acme] })],
      'POST /api/v1/workspaces': json(201, { workspace: acme }),
    });
    const { router } = renderApp('/');
    const ue = userEvent.setup();
    await screen.findByRole('heading', { name: t.home.greeting('Ana') });

    await ue.click(await screen.findByRole('button', { name: t.workspace.submit }));
    const name = screen.getByLabelText(t.workspace.name);
    expect(describedErrors(name)).toContain(t.validation.required);
    await waitFor(() => expect(document.activeElement).toBe(name));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await ue.type(name, '  Acme Ltda ');
    await ue.click(screen.getByRole('button', { name: t.workspace.submit }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-acme'));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ name: 'Acme Ltda' });
    expect(calls.find((c) => c.method === 'POST')!.headers['X-CSRF-Token']).toBe('csrf-test');
    expect(await screen.findByText(/Você está em “Acme Ltda” como proprietário/)).toBeTruthy();
  });

  it('shows the server field error for a bad name', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [] }),
      'POST /api/v1/workspaces': problem(422, 'validation_failed', {
        errors: [{ field: 'name', code: 'too_long' }],
      }),
    });
    renderApp('/');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.workspace.name), 'Acme');
    await ue.click(screen.getByRole('button', { name: t.workspace.submit }));
    const name = screen.getByLabelText(t.workspace.name);
    await waitFor(() => expect(describedErrors(name)).toContain(t.validation.tooLong));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens the last workspace used in this browser', async () => {
    window.localStorage.setItem('piloto.workspace', 'w-beta');
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [acme, beta] }),
    });
    const { router } = renderApp('/');
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-beta'));
  });

  it('takes an old address to the same page of the workspace', async () => {
    mockFetch({ ...base, 'GET /api/v1/workspaces': json(200, { workspaces: [acme] }) });
    const { router } = renderApp('/agentes');
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-acme/agentes'));
  });
});

describe('workspace in the URL', () => {
  it('says a workspace the user is not in is unavailable', async () => {
    mockFetch({ ...base, 'GET /api/v1/workspaces': json(200, { workspaces: [acme] }) });
    renderApp('/w/w-other/configuracoes/membros');
    expect(await screen.findByText(t.workspace.noAccessTitle)).toBeTruthy();
  });

  it('switching shows the same page of the other workspace, never the first one’s data', async () => {
    let releaseBeta: () => void = () => undefined;
    const betaGate = new Promise<void>((resolve) => {
      releaseBeta = resolve;
    });
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [acme, beta] }),
      'GET /api/v1/workspaces/w-acme/members': json(200, { members: acmeMembers }),
      'GET /api/v1/workspaces/w-beta/members': json(200, { members: betaMembers }),
    });
    // Beta's members arrive late: until then, nobody of Acme may show.
    const fetchFn = globalThis.fetch as unknown as (...a: unknown[]) => Promise<Response>;
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      if (String(input).includes('w-beta/members')) await betaGate;
      return fetchFn(input, init);
    });
    const { router } = renderApp('/w/w-acme/configuracoes/membros');
    const ue = userEvent.setup();
    expect(await screen.findByText('Bruno Lima')).toBeTruthy();

    await ue.click(screen.getByRole('button', { name: t.workspace.switcher('Acme Ltda') }));
    await ue.click(screen.getByRole('menuitem', { name: /Beta Comércio/ }));
    await waitFor(() =>
      expect(router.state.location.pathname).toBe('/w/w-beta/configuracoes/membros'),
    );
    expect(screen.queryByText('Bruno Lima')).toBeNull();
    releaseBeta();
    expect(await screen.findByText('Dono Beta')).toBeTruthy();
    expect(screen.queryByText('Bruno Lima')).toBeNull();
    expect(calls.map((c) => c.url)).toContain('/api/v1/workspaces/w-beta/members');
  });

  it('leaves an admin-only page for the home page when switching to a workspace where one is a member', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [acme, beta] }),
      'GET /api/v1/workspaces/w-acme/invitations': json(200, { invitations: [] }),
    });
    const { router } = renderApp('/w/w-acme/configuracoes/convites');
    const ue = userEvent.setup();
    await screen.findByText(t.invitations.empty);
    await ue.click(screen.getByRole('button', { name: t.workspace.switcher('Acme Ltda') }));
    await ue.click(screen.getByRole('menuitem', { name: /Beta Comércio/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-beta'));
  });
});

describe('roles', () => {
  it('hides the admin pages from a member, and refuses them by URL', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [beta] }),
      'GET /api/v1/workspaces/w-beta/members': json(200, { members: betaMembers }),
    });
    renderApp('/w/w-beta/configuracoes/membros');
    await screen.findByText('Dono Beta');
    const tabs = screen.getByRole('navigation', { name: t.settings.tabsLabel });
    expect(within(tabs).getByRole('link', { name: t.settings.tabs.members })).toBeTruthy();
    expect(within(tabs).queryByRole('link', { name: t.settings.tabs.invitations })).toBeNull();
    expect(within(tabs).queryByRole('link', { name: t.settings.tabs.audit })).toBeNull();
    // A member changes nobody's role.
    expect(screen.queryByRole('button', { name: t.members.changeRoleLabel('Dono Beta') })).toBeNull();
    expect(screen.getByRole('button', { name: t.members.leave })).toBeTruthy();
  });

  it('a member opening the audit URL is told it is restricted, and nothing is requested', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [beta] }),
    });
    renderApp('/w/w-beta/configuracoes/auditoria');
    expect(await screen.findByText(t.workspace.forbiddenTitle)).toBeTruthy();
    expect(calls.some((c) => c.url.includes('/audit'))).toBe(false);
  });

  it('a 403 on admin data refreshes the roles, and the page becomes restricted', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': [
        json(200, { workspaces: [{ ...acme, role: 'admin' }] }),
        json(200, { workspaces: [{ ...acme, role: 'member' }] }),
      ],
      'GET /api/v1/workspaces/w-acme/audit': problem(403, 'forbidden'),
    });
    renderApp('/w/w-acme/configuracoes/auditoria');
    expect(await screen.findByText(t.workspace.forbiddenTitle)).toBeTruthy();
  });

  it('a 404 on the workspace data (removed) ends access', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': [json(200, { workspaces: [acme] }), json(200, { workspaces: [] })],
      'GET /api/v1/workspaces/w-acme/members': problem(404, 'not_found'),
    });
    renderApp('/w/w-acme/configuracoes/membros');
    expect(await screen.findByText(t.workspace.noAccessTitle)).toBeTruthy();
  });
});

describe('members page', () => {
  const routes = {
    ...base,
    'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
    'GET /api/v1/workspaces/w-acme/members': json(200, { members: acmeMembers }),
  };

  it('changes a role after re-authenticating when the server asks', async () => {
    const { calls } = mockFetch({
      ...routes,
      'PATCH /api/v1/workspaces/w-acme/members/u3': [
        problem(403, 'recent_auth_required'),
        json(200, { member: { ...acmeMembers[2], role: 'admin' } }),
      ],
      'POST /auth/reauth': noContent(),
    });
    renderApp('/w/w-acme/configuracoes/membros');
    const ue = userEvent.setup();
    await ue.click(
      await screen.findByRole('button', { name: t.members.changeRoleLabel('Carla Dias') }),
    );
    const dialog = await screen.findByRole('dialog', { name: t.members.changeRoleTitle('Carla Dias') });
    await ue.click(within(dialog).getByLabelText(new RegExp(t.roles.admin!)));
    await ue.click(within(dialog).getByRole('button', { name: t.members.saveRole }));

    const reauth = await screen.findByRole('dialog', { name: t.account.reauth.title });
    await ue.type(within(reauth).getByLabelText(t.account.reauth.password), 'minha senha atual');
    await ue.click(within(reauth).getByRole('button', { name: t.account.reauth.submit }));

    expect(await screen.findByText(t.members.roleChanged('Carla Dias', 'administrador'))).toBeTruthy();
    const patches = calls.filter((c) => c.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(patches[1]!.body).toEqual({ role: 'admin' });
  });

  it('says why the last owner cannot be demoted', async () => {
    mockFetch({
      ...routes,
      'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
      'GET /api/v1/workspaces/w-acme/members': json(200, {
        members: [acmeMembers[0], { ...acmeMembers[1], role: 'owner' }],
      }),
      'PATCH /api/v1/workspaces/w-acme/members/u2': problem(409, 'last_owner'),
    });
    renderApp('/w/w-acme/configuracoes/membros');
    const ue = userEvent.setup();
    await ue.click(
      await screen.findByRole('button', { name: t.members.changeRoleLabel('Bruno Lima') }),
    );
    const dialog = await screen.findByRole('dialog');
    await ue.click(within(dialog).getByLabelText(new RegExp(t.roles.member!)));
    await ue.click(within(dialog).getByRole('button', { name: t.members.saveRole }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain(t.members.lastOwner);
  });

  it('removes a member after confirmation', async () => {
    const { calls } = mockFetch({
      ...routes,
      'GET /api/v1/workspaces/w-acme/members': [
        json(200, { members: acmeMembers }),
        json(200, { members: acmeMembers.slice(0, 2) }),
      ],
      'DELETE /api/v1/workspaces/w-acme/members/u3': noContent(),
    });
    renderApp('/w/w-acme/configuracoes/membros');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.members.removeLabel('Carla Dias') }));
    const dialog = await screen.findByRole('dialog', { name: t.members.removeTitle('Carla Dias') });
    // Focus starts on Cancelar: Enter must not remove anyone.
    expect(document.activeElement?.textContent).toBe(t.common.cancel);
    await ue.click(within(dialog).getByRole('button', { name: t.members.remove }));
    expect(await screen.findByText(t.members.removed('Carla Dias'))).toBeTruthy();
    await waitFor(() => expect(screen.queryByText('Carla Dias')).toBeNull());
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
  });

  it('leaves the workspace and goes back to the start', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': [
        json(200, { workspaces: [beta] }),
        json(200, { workspaces: [] }),
      ],
      'GET /api/v1/workspaces/w-beta/members': json(200, { members: betaMembers }),
      'POST /api/v1/workspaces/w-beta/leave': noContent(),
    });
    const { router } = renderApp('/w/w-beta/configuracoes/membros');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.members.leave }));
    const dialog = await screen.findByRole('dialog', { name: t.members.leaveTitle('Beta Comércio') });
    await ue.click(within(dialog).getByRole('button', { name: t.members.leave }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/'));
    expect(await screen.findByLabelText(t.workspace.name)).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/w-beta/leave'))).toBe(true);
  });
});

describe('invitations page', () => {
  const pending = {
    id: 'i1',
    email: 'davi@empresa.com.br',
    role: 'member',
    expiresAt: new Date(Date.now() + 6 * 86400_000).toISOString(),
  };
  const routes = {
    ...base,
    'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
  };

  it('sends an invitation with the chosen role', async () => {
    const { calls } = mockFetch({
      ...routes,
      'GET /api/v1/workspaces/w-acme/invitations': [
        json(200, { invitations: [] }),
        json(200, { invitations: [{ ...pending, email: 'eva@empresa.com.br', role: 'admin' }] }),
      ],
      'POST /api/v1/workspaces/w-acme/invitations': json(201, {
        invitation: { ...pending, email: 'eva@empresa.com.br', role: 'admin' },
      }),
    });
    renderApp('/w/w-acme/configuracoes/convites');
    const ue = userEvent.setup();
    expect(await screen.findByText(t.invitations.empty)).toBeTruthy();
    await ue.type(screen.getByLabelText(t.invitations.email), 'eva@');
    await ue.click(screen.getByRole('button', { name: t.invitations.submit }));
    expect(describedErrors(screen.getByLabelText(t.invitations.email))).toContain(
      t.validation.emailInvalid,
    );
    await ue.clear(screen.getByLabelText(t.invitations.email));
    await ue.type(screen.getByLabelText(t.invitations.email), 'eva@empresa.com.br');
    await ue.selectOptions(screen.getByLabelText(t.invitations.role), 'admin');
    await ue.click(screen.getByRole('button', { name: t.invitations.submit }));

    expect((await screen.findAllByText(t.invitations.sent('eva@empresa.com.br'))).length).toBeGreaterThan(0);
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      email: 'eva@empresa.com.br',
      role: 'admin',
    });
    expect(await screen.findByText('eva@empresa.com.br')).toBeTruthy();
    expect((screen.getByLabelText(t.invitations.email) as HTMLInputElement).value).toBe('');
  });

  it('says under the address that the person is already a member', async () => {
    mockFetch({
      ...routes,
      'GET /api/v1/workspaces/w-acme/invitations': json(200, { invitations: [] }),
      'POST /api/v1/workspaces/w-acme/invitations': problem(409, 'already_member'),
    });
    renderApp('/w/w-acme/configuracoes/convites');
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.invitations.email), 'bruno@empresa.com.br');
    await ue.click(screen.getByRole('button', { name: t.invitations.submit }));
    const email = screen.getByLabelText(t.invitations.email);
    await waitFor(() => expect(describedErrors(email)).toContain(t.invitations.alreadyMember));
    await waitFor(() => expect(document.activeElement).toBe(email));
  });

  it('resends and revokes a pending invitation', async () => {
    const { calls } = mockFetch({
      ...routes,
      'GET /api/v1/workspaces/w-acme/invitations': [
        json(200, { invitations: [pending] }),
        json(200, { invitations: [pending] }),
        json(200, { invitations: [] }),
      ],
      'POST /api/v1/workspaces/w-acme/invitations/i1/resend': json(200, { invitation: pending }),
      'DELETE /api/v1/workspaces/w-acme/invitations/i1': noContent(),
    });
    renderApp('/w/w-acme/configuracoes/convites');
    const ue = userEvent.setup();
    await ue.click(
      await screen.findByRole('button', { name: t.invitations.resendLabel(pending.email) }),
    );
    expect(await screen.findByText(t.invitations.resent(pending.email))).toBeTruthy();

    await ue.click(screen.getByRole('button', { name: t.invitations.revokeLabel(pending.email) }));
    const dialog = await screen.findByRole('dialog', { name: t.invitations.revokeTitle });
    await ue.click(within(dialog).getByRole('button', { name: t.invitations.revoke }));
    expect(await screen.findByText(t.invitations.revoked(pending.email))).toBeTruthy();
    expect(await screen.findByText(t.invitations.empty)).toBeTruthy();
    expect(calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v1/workspaces/w-acme/invitations/i1/resend',
      'DELETE /api/v1/workspaces/w-acme/invitations/i1',
    ]);
  });
});

describe('audit page', () => {
  it('shows readable event names and loads more with the cursor', async () => {
    const first = {
      events: [
        {
          id: '2',
          event: 'member.role_changed',
          at: new Date().toISOString(),
          actor: { id: 'u1', email: user.email, name: user.name },
          detail: { userId: 'u3', email: 'carla@empresa.com.br', from: 'member', to: 'admin' },
          ip: '203.0.113.9',
          outcome: 'success',
        },
      ],
      nextCursor: 'c-1',
    };
    const second = {
      events: [
        {
          id: '1b',
          event: 'member.role_changed',
          at: new Date(Date.now() - 3600_000).toISOString(),
          actor: { id: 'u2', email: 'bruno@empresa.com.br', name: 'Bruno Lima' },
          detail: { userId: 'u1', reason: 'forbidden' },
          outcome: 'failure',
        },
        {
          id: '1',
          event: 'workspace.created',
          at: new Date(Date.now() - 86400_000).toISOString(),
          actor: { id: 'u1', email: user.email, name: user.name },
          detail: { name: 'Acme Ltda' },
          outcome: 'success',
        },
      ],
      nextCursor: null,
    };
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
      'GET /api/v1/workspaces/w-acme/audit': (call: Call) =>
        json(200, call.url.includes('cursor=c-1') ? second : first),
    });
    renderApp('/w/w-acme/configuracoes/auditoria');
    const ue = userEvent.setup();
    expect(await screen.findByText(t.audit.events['member.role_changed']!)).toBeTruthy();
    expect(screen.getByText('Membro → Administrador')).toBeTruthy();
    expect(screen.queryByText(t.audit.events['workspace.created']!)).toBeNull();

    await ue.click(screen.getByRole('button', { name: t.audit.loadMore }));
    expect(await screen.findByText(t.audit.events['workspace.created']!)).toBeTruthy();
    expect(screen.getByText(`${t.audit.failed}: ${t.audit.reasons.forbidden}`)).toBeTruthy();
    expect(screen.getByText(t.audit.end)).toBeTruthy();
    expect(screen.queryByRole('button', { name: t.audit.loadMore })).toBeNull();
    const audits = calls.filter((c) => c.url.includes('/audit'));
    expect(audits.map((c) => c.url)).toEqual([
      '/api/v1/workspaces/w-acme/audit',
      '/api/v1/workspaces/w-acme/audit?cursor=c-1',
    ]);
  });
});

describe('accepting an invitation', () => {
  const preview = (over: Record<string, unknown> = {}) =>
    json(200, {
      invitation: {
        email: user.email,
        role: 'member',
        workspace: { name: 'Beta Comércio' },
        expiresAt: new Date(Date.now() + 86400_000).toISOString(),
        status: 'pending',
        ...over,
      },
    });

  it('signed out: says what the invitation is and offers to sign in or up, coming back with the token', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /auth/me': problem(401, 'unauthenticated'),
      'POST /api/v1/invitations/preview': preview(),
    });
    const { router } = renderApp('/convites/aceitar?token=tok%2B1');
    const back = encodeURIComponent('/convites/aceitar?token=tok%2B1');
    expect(
      await screen.findByText(t.accept.about('Beta Comércio', 'membro', user.email)),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: t.accept.login }).getAttribute('href')).toBe(
      `/entrar?next=${back}`,
    );
    expect(screen.getByRole('link', { name: t.accept.signup }).getAttribute('href')).toBe(
      `/cadastro?next=${back}`,
    );
    expect(calls.find((c) => c.url.endsWith('/preview'))!.body).toEqual({ token: 'tok+1' });
    // The login page gets the invited address.
    await userEvent.setup().click(screen.getByRole('link', { name: t.accept.login }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/entrar'));
    expect((screen.getByLabelText(t.auth.email) as HTMLInputElement).value).toBe(user.email);
  });

  it('signed in with the invited address: accepts and opens the workspace', async () => {
    const { calls } = mockFetch({
      ...base,
      'POST /api/v1/invitations/preview': preview({ email: user.email.toUpperCase() }),
      'POST /api/v1/invitations/accept': json(200, { workspace: beta }),
      'GET /api/v1/workspaces': json(200, { workspaces: [beta] }),
    });
    const { router } = renderApp('/convites/aceitar?token=tok1');
    const ue = userEvent.setup();
    expect(await screen.findByText(t.accept.signedInAs(user.email))).toBeTruthy();
    await ue.click(screen.getByRole('button', { name: t.accept.submit }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-beta'));
    expect(calls.find((c) => c.url.endsWith('/accept'))!.body).toEqual({ token: 'tok1' });
    expect(await screen.findByText(t.accept.accepted('Beta Comércio'))).toBeTruthy();
  });

  it('signed in with another address: says so before any accept, and offers to switch account', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /auth/me': [json(200, { user }), problem(401, 'unauthenticated')],
      'POST /api/v1/invitations/preview': preview({ email: 'marta@beta.com.br' }),
      'POST /auth/logout': noContent(),
    });
    const { router } = renderApp('/convites/aceitar?token=tok1');
    const ue = userEvent.setup();
    expect((await screen.findByRole('alert')).textContent).toContain(
      t.accept.wrongAccountTo('marta@beta.com.br', user.email),
    );
    expect(screen.queryByRole('button', { name: t.accept.submit })).toBeNull();
    await ue.click(screen.getByRole('button', { name: t.accept.switchAccount }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/entrar'));
    expect(router.state.location.search).toBe(
      `?next=${encodeURIComponent('/convites/aceitar?token=tok1')}`,
    );
    expect((await screen.findByLabelText(t.auth.email) as HTMLInputElement).value).toBe(
      'marta@beta.com.br',
    );
    expect(calls.some((c) => c.url === '/auth/logout')).toBe(true);
    expect(calls.some((c) => c.url.endsWith('/accept'))).toBe(false);
  });

  it('the accept answer still decides when the preview could not be read', async () => {
    mockFetch({
      ...base,
      'POST /api/v1/invitations/preview': problem(429, 'rate_limited'),
      'POST /api/v1/invitations/accept': problem(403, 'invitation_other_account'),
    });
    renderApp('/convites/aceitar?token=tok1');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.accept.submit }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      t.accept.wrongAccount(user.email),
    );
  });

  it.each([
    [preview({ status: 'revoked' }), t.accept.invalid],
    [preview({ status: 'expired' }), t.accept.expired],
    [preview({ status: 'accepted', email: 'outra@beta.com.br' }), t.accept.used],
    [problem(404, 'invitation_invalid'), t.accept.invalid],
  ])('a dead link says why, with nothing to click but the way out (%#)', async (reply, text) => {
    const { calls } = mockFetch({ ...base, 'POST /api/v1/invitations/preview': reply });
    renderApp('/convites/aceitar?token=old');
    expect((await screen.findByRole('alert')).textContent).toContain(text);
    expect(screen.queryByRole('button', { name: t.accept.submit })).toBeNull();
    expect(screen.getByRole('link', { name: t.accept.goToApp })).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith('/accept'))).toBe(false);
  });

  it.each([
    [problem(410, 'invitation_used'), t.accept.used],
    [problem(410, 'invitation_expired'), t.accept.expired],
  ])('an accept refused after the preview says why (%#)', async (reply, text) => {
    mockFetch({
      ...base,
      'POST /api/v1/invitations/preview': preview(),
      'POST /api/v1/invitations/accept': reply,
    });
    renderApp('/convites/aceitar?token=tok1');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.accept.submit }));
    expect((await screen.findByRole('alert')).textContent).toContain(text);
  });

  it('signing up from the invitation: the address prefilled, the workspace joined at once', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /auth/me': [problem(401, 'unauthenticated'), json(200, { user })],
      'POST /api/v1/invitations/preview': preview(),
      'POST /auth/signup': json(201, { user, csrfToken: 's.x', workspace: beta, invitationError: null }),
      'GET /api/v1/workspaces': json(200, { workspaces: [beta] }),
    });
    const { router } = renderApp('/convites/aceitar?token=tok1');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('link', { name: t.accept.signup }));
    expect(await screen.findByText(t.auth.signup.invitedSubheading)).toBeTruthy();
    expect((screen.getByLabelText(t.auth.email) as HTMLInputElement).value).toBe(user.email);
    await ue.type(screen.getByLabelText(t.auth.name), 'Ana');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: t.auth.signup.submit }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/w/w-beta'));
    expect(calls.find((c) => c.url === '/auth/signup')!.body).toEqual({
      name: 'Ana',
      email: user.email,
      password: 'uma senha longa o bastante',
      invitationToken: 'tok1',
    });
  });

  it('a sign-up with another address comes back to the invitation and says so', async () => {
    mockFetch({
      ...base,
      'GET /auth/me': [problem(401, 'unauthenticated'), json(200, { user })],
      'POST /api/v1/invitations/preview': preview({ email: 'marta@beta.com.br' }),
      'POST /auth/signup': json(201, {
        user,
        csrfToken: 's.x',
        workspace: null,
        invitationError: 'invitation_other_account',
      }),
    });
    const { router } = renderApp(
      `/cadastro?next=${encodeURIComponent('/convites/aceitar?token=tok1')}`,
    );
    const ue = userEvent.setup();
    await ue.type(await screen.findByLabelText(t.auth.name), 'Ana');
    await ue.type(screen.getByLabelText(t.auth.email), 'ana@empresa.com.br');
    await ue.type(screen.getByLabelText(t.auth.password), 'uma senha longa o bastante');
    await ue.click(screen.getByRole('button', { name: t.auth.signup.submit }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/convites/aceitar'));
    expect((await screen.findByRole('alert')).textContent).toContain(
      t.accept.wrongAccountTo('marta@beta.com.br', user.email),
    );
    expect(screen.getByRole('button', { name: t.accept.switchAccount })).toBeTruthy();
  });
});
