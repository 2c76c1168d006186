import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import type { Lead } from '@/api/pipeline';
import { t } from '@/i18n';
import { isFiltered, neighbourStage, readState, writeState } from '@/pages/leads/filters';
import { FakeEventSource } from '@/test/eventSource';
import { json, mockFetch, problem, type Call } from '@/test/fetchMock';
import { renderApp } from '@/test/render';

const tp = t.pipeline;
const user = {
  id: 'u1',
  email: 'ana@empresa.com.br',
  name: 'Ana Souza',
  emailVerified: true,
  hasPassword: true,
  createdAt: '2025-03-12T10:00:00Z',
};
const acme = { id: 'w-acme', name: 'Acme Ltda', role: 'member' };
const WS = '/api/v1/workspaces/w-acme';
const base = {
  'GET /auth/me': json(200, { user }),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
  'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
  [`GET ${WS}/members`]: json(200, {
    members: [
      { userId: 'u1', email: user.email, name: user.name, role: 'member' },
      { userId: 'u2', email: 'bruno@empresa.com.br', name: 'Bruno Lima', role: 'admin' },
    ],
  }),
  [`GET ${WS}/agents`]: json(200, { agents: [{ id: 'ag1', name: 'Lia' }] }),
};

function lead(over: Partial<Lead>): Lead {
  return {
    id: 'l1',
    name: 'Carla Dias',
    phone: '+5511988880001',
    stage: 'new',
    ownerId: null,
    agentId: 'ag1',
    crmId: null,
    lastMessageAt: '2026-12-01T12:00:00Z',
    takenOver: false,
    createdAt: '2026-12-01T11:00:00Z',
    ...over,
  };
}

/** GET /leads answered from `db` as the server would: the stage filter applied. */
function leadsRoute(db: { leads: Lead[] }) {
  return (call: Call) => {
    const q = new URL(call.url, 'http://x').searchParams;
    const stage = q.get('stage');
    return json(200, { leads: db.leads.filter((l) => !stage || l.stage === stage), nextCursor: null });
  };
}

const column = (stage: string) => {
  const el = document.querySelector<HTMLElement>(`section[data-stage="${stage}"]`);
  if (!el) throw new Error(`no column ${stage}`);
  return el;
};

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the leads page state in the URL', () => {
  it('reads and writes the view and filters, dropping values it does not know', () => {
    const s = readState(new URLSearchParams('view=tabela&stage=won&owner=me&agent=ag1&atendimento=pessoa&q=ana'));
    expect(s).toEqual({
      view: 'table',
      filters: { stage: 'won', owner: 'me', agentId: 'ag1', takenOver: 'true', q: 'ana' },
    });
    expect(writeState(s).toString()).toBe('view=tabela&stage=won&owner=me&agent=ag1&atendimento=pessoa&q=ana');
    const junk = readState(new URLSearchParams('view=x&stage=closed&owner=someone&atendimento=talvez'));
    expect(junk).toEqual({
      view: 'kanban',
      filters: { stage: '', owner: '', agentId: '', takenOver: '', q: '' },
    });
    expect(isFiltered(junk.filters, 'kanban')).toBe(false);
    // The kanban's columns are the stages: a stage alone does not filter it.
    expect(isFiltered({ stage: 'won' }, 'kanban')).toBe(false);
    expect(isFiltered({ stage: 'won' }, 'table')).toBe(true);
  });

  it('finds the neighbour stage, none past either end', () => {
    const stages = ['new', 'engaged', 'qualified', 'won', 'lost'] as const;
    expect(neighbourStage(stages, 'new', 1)).toBe('engaged');
    expect(neighbourStage(stages, 'engaged', -1)).toBe('new');
    expect(neighbourStage(stages, 'new', -1)).toBeNull();
    expect(neighbourStage(stages, 'lost', 1)).toBeNull();
  });
});

describe('Leads kanban', () => {
  it('shows each lead in its stage, in Portuguese, with owner and take-over', async () => {
    const db = {
      leads: [
        lead({ id: 'l1', name: 'Carla Dias', stage: 'new' }),
        lead({ id: 'l2', name: 'Davi Reis', stage: 'qualified', ownerId: 'u2', takenOver: true }),
      ],
    };
    mockFetch({ ...base, [`GET ${WS}/leads`]: leadsRoute(db) });
    renderApp('/w/w-acme/leads');
    await within(await waitFor(() => column('new'))).findByRole('link', { name: 'Carla Dias' });
    const q = within(column('qualified'));
    await q.findByRole('link', { name: 'Davi Reis' });
    expect(q.getByText('Bruno Lima')).toBeTruthy();
    expect(q.getByText(tp.takenOverBadge)).toBeTruthy();
    for (const s of ['Novo', 'Em conversa', 'Qualificado', 'Ganho', 'Perdido']) {
      expect(screen.getByRole('heading', { name: new RegExp(`^${s}`) })).toBeTruthy();
    }
    expect(within(column('won')).getByText(tp.columnEmpty)).toBeTruthy();
  });

  it('moves a focused card with Alt+→, says so, and keeps the focus on it', async () => {
    const db = { leads: [lead({ id: 'l1', name: 'Carla Dias', stage: 'new' })] };
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: leadsRoute(db),
      [`PATCH ${WS}/leads/l1`]: (call) => {
        db.leads[0] = { ...db.leads[0]!, ...(call.body as Partial<Lead>) };
        return json(200, { lead: db.leads[0] });
      },
      [`GET ${WS}/leads/l1/history`]: json(200, { history: [] }),
      [`GET ${WS}/summary`]: problem(500, 'internal'),
    });
    renderApp('/w/w-acme/leads');
    const link = await within(await waitFor(() => column('new'))).findByRole('link', { name: 'Carla Dias' });
    act(() => link.focus());
    fireEvent.keyDown(link, { key: 'ArrowRight', altKey: true });
    await within(column('engaged')).findByRole('link', { name: 'Carla Dias' });
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ stage: 'engaged' });
    expect(patch?.headers['X-CSRF-Token']).toBe('csrf-test');
    await waitFor(() =>
      expect(screen.getByTestId('pipeline-announcer').textContent).toBe(tp.moved('Carla Dias', 'Em conversa')),
    );
    await waitFor(() => expect(document.activeElement?.closest('section')?.getAttribute('data-stage')).toBe('engaged'));
    expect(document.activeElement?.textContent).toBe('Carla Dias');
    // Alt+← at the first stage does nothing; Alt alone neither.
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft', altKey: true });
    await within(column('new')).findByRole('link', { name: 'Carla Dias' });
    const before = calls.filter((c) => c.method === 'PATCH').length;
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft', altKey: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.method === 'PATCH').length).toBe(before);
  });

  it('moves a card from its menu; a refused move is announced and the card stays', async () => {
    const db = { leads: [lead({ id: 'l1', name: 'Carla Dias', stage: 'engaged' })] };
    mockFetch({
      ...base,
      [`GET ${WS}/leads`]: leadsRoute(db),
      [`PATCH ${WS}/leads/l1`]: [
        (call) => {
          db.leads[0] = { ...db.leads[0]!, ...(call.body as Partial<Lead>) };
          return json(200, { lead: db.leads[0] });
        },
        problem(500, 'internal'),
      ],
      [`GET ${WS}/leads/l1/history`]: json(200, { history: [] }),
      [`GET ${WS}/summary`]: problem(500, 'internal'),
    });
    renderApp('/w/w-acme/leads');
    const ue = userEvent.setup();
    await within(await waitFor(() => column('engaged'))).findByRole('link', { name: 'Carla Dias' });
    await ue.click(screen.getByRole('button', { name: tp.moveMenu('Carla Dias') }));
    const menu = screen.getByRole('menu', { name: tp.moveMenu('Carla Dias') });
    // The current stage is not offered.
    expect(within(menu).queryByRole('menuitem', { name: tp.moveTo('Em conversa') })).toBeNull();
    await ue.click(within(menu).getByRole('menuitem', { name: tp.moveTo('Ganho') }));
    await within(column('won')).findByRole('link', { name: 'Carla Dias' });
    await waitFor(() =>
      expect(screen.getByTestId('pipeline-announcer').textContent).toBe(tp.moved('Carla Dias', 'Ganho')),
    );
    await ue.click(screen.getByRole('button', { name: tp.moveMenu('Carla Dias') }));
    await ue.click(screen.getByRole('menuitem', { name: tp.moveTo('Perdido') }));
    await waitFor(() =>
      expect(screen.getByTestId('pipeline-announcer').textContent).toBe(tp.moveFailed('Carla Dias')),
    );
    await within(column('won')).findByRole('link', { name: 'Carla Dias' });
  });

  it('follows the live stream: another browser’s move shows without a reload', async () => {
    const db = { leads: [lead({ id: 'l1', name: 'Carla Dias', stage: 'new' })] };
    mockFetch({ ...base, [`GET ${WS}/leads`]: leadsRoute(db) });
    renderApp('/w/w-acme/leads');
    await within(await waitFor(() => column('new'))).findByRole('link', { name: 'Carla Dias' });
    const es = FakeEventSource.open()[0]!;
    expect(es.url).toBe(`${WS}/events`);
    expect(es.withCredentials).toBe(true);
    act(() => es.open());
    await screen.findByText(tp.live);
    db.leads[0] = { ...db.leads[0]!, stage: 'qualified' };
    act(() => es.emit('lead.updated', 1, { leadId: 'l1' }));
    await within(column('qualified')).findByRole('link', { name: 'Carla Dias' });
    expect(within(column('new')).queryByRole('link', { name: 'Carla Dias' })).toBeNull();
  });

  it('sends the filters to the server and says when nothing matches', async () => {
    const { calls } = mockFetch({ ...base, [`GET ${WS}/leads`]: json(200, { leads: [], nextCursor: null }) });
    renderApp('/w/w-acme/leads?owner=me&atendimento=agente&agent=ag1');
    await waitFor(() => expect(within(column('new')).getByText(tp.emptyFilteredTitle)).toBeTruthy());
    const urls = calls.filter((c) => c.url.includes('/leads?')).map((c) => new URL(c.url, 'http://x').searchParams);
    expect(urls.length).toBe(5);
    for (const q of urls) {
      expect(q.get('owner')).toBe('me');
      expect(q.get('takenOver')).toBe('false');
      expect(q.get('agentId')).toBe('ag1');
    }
    expect(urls.map((q) => q.get('stage')).sort()).toEqual(['engaged', 'lost', 'new', 'qualified', 'won']);
    const ue = userEvent.setup();
    await ue.click(screen.getByRole('button', { name: tp.clearFilters }));
    await waitFor(() => expect(within(column('new')).getByText(tp.columnEmpty)).toBeTruthy());
  });
});

describe('Leads table', () => {
  it('lists the leads with the stage filter, searches, and shows the error with a retry', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: [
        json(200, { leads: [lead({ id: 'l9', name: 'Eva Luz', stage: 'won' })], nextCursor: null }),
        problem(500, 'internal'),
        json(200, { leads: [lead({ id: 'l9', name: 'Eva Luz', stage: 'won' })], nextCursor: null }),
      ],
    });
    renderApp('/w/w-acme/leads?view=tabela&stage=won');
    const row = (await screen.findByRole('link', { name: 'Eva Luz' })).closest('tr')!;
    expect(within(row).getByText('Ganho')).toBeTruthy();
    const lastList = () => new URL(calls.filter((c) => c.url.includes('/leads?')).at(-1)!.url, 'http://x').searchParams;
    expect(lastList().get('stage')).toBe('won');
    const ue = userEvent.setup();
    await ue.type(screen.getByLabelText(tp.search), 'eva{Enter}');
    await screen.findByText(tp.loadError);
    expect(lastList().get('q')).toBe('eva');
    expect(lastList().get('stage')).toBe('won');
    await ue.click(screen.getByRole('button', { name: t.common.retry }));
    await screen.findByRole('link', { name: 'Eva Luz' });
  });
});

describe('Lead page', () => {
  it('shows the conversation, the history, and changes the owner', async () => {
    const l = lead({ id: 'l1', name: 'Carla Dias', stage: 'qualified', crmId: 'crm-77' });
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads/l1`]: json(200, { lead: l }),
      [`PATCH ${WS}/leads/l1`]: json(200, { lead: { ...l, ownerId: 'u2' } }),
      [`GET ${WS}/leads/l1/messages`]: json(200, {
        messages: [
          { id: 2, direction: 'out', author: 'agent', type: 'text', text: 'Custa R$ 10.', status: 'read', createdAt: '2026-12-01T12:01:00Z' },
          { id: 1, direction: 'in', author: 'lead', type: 'text', text: 'Quanto custa?', status: 'read', createdAt: '2026-12-01T12:00:00Z' },
        ],
        nextCursor: null,
      }),
      [`GET ${WS}/leads/l1/history`]: json(200, {
        history: [
          { id: 2, kind: 'takenOver', from: 'false', to: 'true', actor: 'person', by: { id: 'u2', name: 'Bruno Lima' }, at: '2026-12-01T12:05:00Z' },
          { id: 1, kind: 'stage', from: 'new', to: 'qualified', actor: 'agent', by: null, at: '2026-12-01T12:02:00Z' },
        ],
      }),
      [`GET ${WS}/leads`]: json(200, { leads: [], nextCursor: null }),
      [`GET ${WS}/summary`]: problem(500, 'internal'),
    });
    renderApp('/w/w-acme/leads/l1');
    await screen.findByRole('heading', { name: 'Carla Dias', level: 1 });
    expect(screen.getByText('crm-77')).toBeTruthy();
    // Oldest first, as a conversation reads.
    const texts = (await screen.findAllByText(/custa/i)).map((n) => n.textContent);
    expect(texts).toEqual(['Quanto custa?', 'Custa R$ 10.']);
    const history = await screen.findByTestId('lead-history');
    expect(within(history).getByText('Estágio: Novo → Qualificado')).toBeTruthy();
    expect(within(history).getByText(tp.detail.historyTookOver)).toBeTruthy();
    expect(within(history).getByText(/pelo agente/)).toBeTruthy();
    expect(within(history).getByText(/por Bruno Lima/)).toBeTruthy();
    expect(screen.getByRole('link', { name: tp.detail.openInbox }).getAttribute('href')).toBe(
      '/w/w-acme/conversas?lead=l1',
    );
    const ue = userEvent.setup();
    await waitFor(() => expect(screen.getByRole('option', { name: 'Bruno Lima' })).toBeTruthy());
    await ue.selectOptions(screen.getByLabelText(tp.owner), 'u2');
    await screen.findByText(tp.detail.ownerSaved);
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ ownerId: 'u2' });
  });

  it('says when the lead does not exist here', async () => {
    mockFetch({ ...base, [`GET ${WS}/leads/nope`]: problem(404, 'not_found') });
    renderApp('/w/w-acme/leads/nope');
    await screen.findByText(tp.detail.notFound);
  });
});

describe('Home', () => {
  const summary = {
    checklist: { numberConnected: true, agentCreated: true, documentsReady: false, firstConversation: false },
    today: {
      date: '2026-12-01',
      timeZone: 'America/Sao_Paulo',
      since: '2026-12-01T03:00:00Z',
      newLeads: 7,
      answeredByAgent: 5,
      handoffs: 2,
      qualified: 3,
    },
  };

  it('shows the checklist with links to the open steps, and today’s figures', async () => {
    mockFetch({ ...base, [`GET ${WS}/summary`]: json(200, summary) });
    renderApp('/w/w-acme');
    const figures = await screen.findByTestId('today-figures');
    const value = (label: string) => within(figures).getByText(label).parentElement!.querySelector('dd')!.textContent;
    await waitFor(() => expect(value(t.home.figures.newLeads)).toBe('7'));
    expect(value(t.home.figures.answeredByAgent)).toBe('5');
    expect(value(t.home.figures.handoffs)).toBe('2');
    expect(value(t.home.figures.qualified)).toBe('3');
    expect(screen.getByText(t.home.stepsProgress(2, 4))).toBeTruthy();
    expect(screen.getByRole('link', { name: t.home.steps.documentsReady.action }).getAttribute('href')).toBe(
      '/w/w-acme/conhecimento',
    );
    expect(screen.getByRole('link', { name: t.home.steps.firstConversation.action }).getAttribute('href')).toBe(
      '/w/w-acme/conversas',
    );
    expect(screen.queryByRole('link', { name: t.home.steps.agentCreated.action })).toBeNull();
    expect(screen.getByText(/horário de Brasília/)).toBeTruthy();
  });

  it('says when the summary cannot load, and retries', async () => {
    mockFetch({ ...base, [`GET ${WS}/summary`]: [problem(500, 'internal'), json(200, summary)] });
    renderApp('/w/w-acme');
    await screen.findByText(t.home.summaryError);
    const ue = userEvent.setup();
    await ue.click(screen.getByRole('button', { name: t.common.retry }));
    await screen.findByText(t.home.stepsProgress(2, 4));
  });
});
