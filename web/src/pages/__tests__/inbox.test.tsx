import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import { filterQuery, emptyFilter, inboxKeys, laterStatus, windowLeftMs } from '@/api/inbox';
import type { LiveEvent } from '@/api/events';
import { inboxKeysTouched } from '@/pages/inbox/useLiveInbox';
import { t } from '@/i18n';
import { json, mockFetch, problem } from '@/test/fetchMock';
import { renderApp } from '@/test/render';
import { formatLeft } from '@/pages/inbox/Conversation';

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
  [`GET ${WS}/agents`]: json(200, { agents: [{ id: 'a1', name: 'Bia' }] }),
};

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

function lead(over: Record<string, unknown> = {}) {
  return {
    id: 'l1',
    name: 'Dona Maria',
    phone: '+5511999990000',
    stage: 'engaged',
    ownerId: null,
    ownerName: null,
    agentId: 'a1',
    agentName: 'Bia',
    crmId: null,
    lastMessageAt: new Date().toISOString(),
    takenOver: false,
    createdAt: '2026-11-30T10:00:00Z',
    lastMessage: { text: 'Tem em azul?', author: 'lead', type: 'text' },
    unread: 2,
    windowClosesAt: inHours(5),
    ...over,
  };
}

function msg(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    direction: 'in',
    author: 'lead',
    type: 'text',
    text: `mensagem ${id}`,
    status: 'received',
    createdAt: '2026-12-01T10:00:00Z',
    sources: [],
    media: null,
    metadata: null,
    error: null,
    ...over,
  };
}

/** A stand-in EventSource the tests drive. */
class FakeSource {
  static all: FakeSource[] = [];
  url: string;
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners: Record<string, ((e: MessageEvent) => void)[]> = {};
  constructor(url: string) {
    this.url = url;
    FakeSource.all.push(this);
  }
  addEventListener(kind: string, fn: (e: MessageEvent) => void) {
    (this.listeners[kind] ??= []).push(fn);
  }
  close() {
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  emit(kind: string, id: number, data: unknown) {
    const e = new MessageEvent(kind, { data: JSON.stringify(data), lastEventId: String(id) });
    for (const fn of this.listeners[kind] ?? []) fn(e);
  }
}

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
  FakeSource.all = [];
  vi.stubGlobal('EventSource', FakeSource);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('inbox helpers', () => {
  it('moves ticks forward only; failed is final', () => {
    expect(laterStatus(undefined, 'sent')).toBe('sent');
    expect(laterStatus('read', 'delivered')).toBe('read');
    expect(laterStatus('sent', 'delivered')).toBe('delivered');
    expect(laterStatus('pending', 'failed')).toBe('failed');
    expect(laterStatus('failed', 'read')).toBe('failed');
  });
  it('builds the list query from the filters that are set', () => {
    expect(filterQuery(emptyFilter, null)).toBe('');
    expect(
      filterQuery({ owner: 'me', takenOver: true, agentId: 'a1', stage: 'won', q: ' maria ' }, 'c1'),
    ).toBe('?owner=me&takenOver=true&agentId=a1&stage=won&q=maria&cursor=c1');
  });
  it('counts the window down', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(windowLeftMs('2026-12-01T12:30:00Z', now)).toBe(2.5 * 3600_000);
    expect(windowLeftMs('2026-12-01T09:00:00Z', now)).toBe(0);
    expect(windowLeftMs(null, now)).toBe(0);
    expect(formatLeft(2.5 * 3600_000)).toBe('2 h 30 min');
    expect(formatLeft(12 * 60_000)).toBe('12 min');
    expect(formatLeft(20_000)).toBe('menos de 1 min');
  });
});

describe('inboxKeysTouched', () => {
  const ev = (id: number, kind: LiveEvent['kind'], leadId: string): LiveEvent => ({
    id,
    kind,
    leadId,
    data: { leadId },
  });
  it('a status tick touches only the messages; each query once', () => {
    expect(inboxKeysTouched('W', [ev(1, 'message.status', 'A'), ev(2, 'message.status', 'A')])).toEqual([
      inboxKeys.messages('W', 'A'),
    ]);
    expect(
      inboxKeysTouched('W', [
        ev(1, 'message.created', 'A'),
        ev(2, 'message.status', 'A'),
        ev(3, 'lead.updated', 'B'),
        ev(4, 'note.created', 'B'),
      ]),
    ).toEqual([
      inboxKeys.messages('W', 'A'),
      inboxKeys.lead('W', 'A'),
      inboxKeys.lists('W'),
      inboxKeys.lead('W', 'B'),
      inboxKeys.notes('W', 'B'),
    ]);
  });
});

describe('Conversas', () => {
  it('lists conversations with unread counts and filters them', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: (c) =>
        c.url.includes('owner=me')
          ? json(200, { leads: [], nextCursor: null })
          : json(200, {
              leads: [
                lead(),
                lead({
                  id: 'l2',
                  name: 'Seu João',
                  unread: 0,
                  takenOver: true,
                  lastMessage: { text: 'Já envio', author: 'person', type: 'text' },
                }),
              ],
              nextCursor: null,
            }),
    });
    renderApp('/w/w-acme/conversas');
    const ue = userEvent.setup();
    const rows = await screen.findAllByTestId('inbox-lead');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText(t.inbox.unread(2))).toBeTruthy();
    expect(within(rows[0]!).getByText('Tem em azul?')).toBeTruthy();
    expect(within(rows[1]!).getByText(`${t.inbox.youPrefix}Já envio`)).toBeTruthy();
    expect(within(rows[1]!).getByText(t.inbox.takenOverBadge)).toBeTruthy();
    expect(screen.getByText(t.inbox.pickTitle)).toBeTruthy();

    await ue.click(screen.getByRole('button', { name: t.inbox.filterMine }));
    expect(await screen.findByText(t.inbox.emptyFiltered)).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith('/leads?owner=me'))).toBe(true);

    await ue.click(screen.getByRole('button', { name: t.inbox.filterTakenOver }));
    await ue.selectOptions(screen.getByLabelText(t.inbox.stageFilter), 'won');
    await ue.selectOptions(await screen.findByLabelText(t.inbox.agentFilter), 'a1');
    await waitFor(() =>
      expect(calls.some((c) => c.url.endsWith('/leads?takenOver=true&agentId=a1&stage=won'))).toBe(
        true,
      ),
    );
    await ue.type(screen.getByLabelText(t.inbox.searchLabel), 'joão');
    await waitFor(() => expect(calls.some((c) => c.url.includes('q=jo%C3%A3o'))).toBe(true));
  });

  it('opens a conversation, marks it read, replies, and maps window_closed', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: json(200, { leads: [lead()], nextCursor: null }),
      [`GET ${WS}/leads/l1`]: json(200, { lead: lead() }),
      [`GET ${WS}/leads/l1/messages`]: json(200, {
        messages: [
          msg('3', { direction: 'out', author: 'agent', status: 'delivered', text: 'Temos sim',
            sources: [{ documentId: 'd1', filename: 'catalogo.pdf', text: 'Azul e verde' }] }),
          msg('2', { type: 'image', text: 'foto do produto', media: { id: 'm1', mimeType: 'image/jpeg' } }),
          msg('1'),
        ],
        nextCursor: null,
      }),
      [`POST ${WS}/leads/l1/read`]: json(200, { lead: lead({ unread: 0 }) }),
      [`POST ${WS}/leads/l1/messages`]: [
        json(202, { message: msg('4', { direction: 'out', author: 'person', status: 'pending', text: 'Posso ajudar?' }) }),
        problem(409, 'window_closed'),
      ],
    });
    renderApp('/w/w-acme/conversas/l1');
    const ue = userEvent.setup();
    expect(await screen.findByTestId('conversation-title')).toHaveProperty('textContent', 'Dona Maria');
    expect(screen.getByTestId('conversation-answerer').textContent).toBe(t.inbox.answeredByAgent('Bia'));
    const bubbles = await screen.findAllByTestId('message');
    // Oldest first, each with its author.
    expect(bubbles.map((b) => b.dataset.id)).toEqual(['1', '2', '3']);
    expect(bubbles.map((b) => b.dataset.author)).toEqual(['lead', 'lead', 'agent']);
    expect(within(bubbles[1]!).getByTestId('message-media').textContent).toContain(t.inbox.media.image);
    expect(within(bubbles[2]!).getByTestId('message-status').dataset.status).toBe('delivered');
    // The agent's sources, expandable.
    expect(within(bubbles[2]!).getByText(t.inbox.sources(1))).toBeTruthy();
    expect(within(bubbles[2]!).getByText('catalogo.pdf')).toBeTruthy();
    // Read up to the newest message on screen.
    await waitFor(() => {
      const read = calls.find((c) => c.method === 'POST' && c.url.endsWith('/read'));
      expect(read?.body).toEqual({ messageId: '3' });
    });
    expect(screen.getByTestId('window-left').textContent).toMatch(/fecha em (4|5) h/);

    const box = screen.getByLabelText(t.inbox.replyLabel);
    await ue.click(screen.getByRole('button', { name: t.inbox.send }));
    expect(await screen.findByText(t.validation.required)).toBeTruthy();
    await ue.type(box, 'Posso ajudar?');
    await ue.keyboard('{Control>}{Enter}{/Control}');
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(4));
    const sent = calls.find((c) => c.method === 'POST' && c.url.endsWith('/messages'));
    expect(sent?.body).toEqual({ text: 'Posso ajudar?' });
    expect((box as HTMLTextAreaElement).value).toBe('');

    await ue.type(box, 'Outra');
    await ue.click(screen.getByRole('button', { name: t.inbox.send }));
    expect(await screen.findByText(t.inbox.windowClosed)).toBeTruthy();
  });

  it('works by keyboard: from the search box to a conversation, opened with Enter', async () => {
    mockFetch({
      ...base,
      [`GET ${WS}/leads`]: json(200, { leads: [lead({ unread: 0 })], nextCursor: null }),
      [`GET ${WS}/leads/l1`]: json(200, { lead: lead({ unread: 0 }) }),
      [`GET ${WS}/leads/l1/messages`]: json(200, { messages: [msg('1')], nextCursor: null }),
    });
    const { router } = renderApp('/w/w-acme/conversas');
    const ue = userEvent.setup();
    const row = await screen.findByTestId('inbox-lead');
    await screen.findByRole('option', { name: 'Bia' });
    screen.getByLabelText(t.inbox.searchLabel).focus();
    // The four quick filters, the agent, the stage, then the first conversation.
    for (let i = 0; i < 7; i++) await ue.tab();
    expect(document.activeElement).toBe(row);
    await ue.keyboard('{Enter}');
    const title = await screen.findByTestId('conversation-title');
    expect(router.state.location.pathname).toBe('/w/w-acme/conversas/l1');
    // Focus moves to the conversation's heading, for screen readers.
    await waitFor(() => expect(document.activeElement).toBe(title));
  });

  it('refuses to reply once the window has closed', async () => {
    mockFetch({
      ...base,
      [`GET ${WS}/leads`]: json(200, { leads: [lead()], nextCursor: null }),
      [`GET ${WS}/leads/l1`]: json(200, { lead: lead({ unread: 0, windowClosesAt: inHours(-1) }) }),
      [`GET ${WS}/leads/l1/messages`]: json(200, { messages: [msg('1')], nextCursor: null }),
    });
    renderApp('/w/w-acme/conversas/l1');
    expect(await screen.findByText(t.inbox.windowClosed)).toBeTruthy();
    expect((screen.getByLabelText(t.inbox.replyLabel) as HTMLTextAreaElement).disabled).toBe(true);
    expect(
      (screen.getByRole('button', { name: t.inbox.send }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });

  it('shows new messages and statuses live, ticks never move back, and refetches after a reset', async () => {
    const first = {
      messages: [msg('2', { direction: 'out', author: 'person', status: 'read', text: 'Oi' }), msg('1')],
      nextCursor: null,
    };
    const stale = {
      // A late answer that still says "sent": the tick stays at read.
      messages: [msg('3', { text: 'Chegou agora' }), msg('2', { direction: 'out', author: 'person', status: 'sent', text: 'Oi' }), msg('1')],
      nextCursor: null,
    };
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: json(200, { leads: [lead({ unread: 0 })], nextCursor: null }),
      [`GET ${WS}/leads/l1`]: json(200, { lead: lead({ unread: 0 }) }),
      [`GET ${WS}/leads/l1/messages`]: [json(200, first), json(200, stale)],
    });
    renderApp('/w/w-acme/conversas/l1');
    expect(await screen.findAllByTestId('message')).toHaveLength(2);
    const es = FakeSource.all[0]!;
    expect(es.url).toBe(`${WS}/events`);
    act(() => es.open());
    expect(await screen.findByText(t.inbox.live)).toBeTruthy();
    act(() => es.emit('message.created', 7, { leadId: 'l1', messageId: '3' }));
    expect(await screen.findByText('Chegou agora')).toBeTruthy();
    // Only the new incoming message is announced, not the whole list.
    expect(screen.getByTestId('message-announce').textContent).toBe(t.inbox.newIncoming('Chegou agora'));
    expect(screen.getByTestId('messages').querySelector('[aria-live]')).toBeNull();
    const ticks = screen.getAllByTestId('message-status');
    expect(ticks[0]!.dataset.status).toBe('read');

    // A reset: everything of the inbox is fetched again.
    const before = calls.filter((c) => c.url.includes('/leads?') || c.url.endsWith('/leads')).length;
    act(() => es.emit('reset', 50, {}));
    await waitFor(() =>
      expect(calls.filter((c) => c.url.includes('/leads?') || c.url.endsWith('/leads')).length).toBeGreaterThan(before),
    );
    // A dropped connection says so.
    act(() => es.onerror?.());
    expect(await screen.findByText(t.inbox.reconnecting)).toBeTruthy();
  });

  it('marks read only while the tab is shown and the view at the bottom, and retries a failed mark', async () => {
    let vis: DocumentVisibilityState = 'hidden';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => vis });
    const flip = (v: DocumentVisibilityState) =>
      act(() => {
        vis = v;
        document.dispatchEvent(new Event('visibilitychange'));
      });
    const pause = () => act(() => new Promise((r) => setTimeout(r, 60)));
    try {
      const { calls } = mockFetch({
        ...base,
        [`GET ${WS}/leads`]: json(200, { leads: [lead()], nextCursor: null }),
        [`GET ${WS}/leads/l1`]: json(200, { lead: lead() }),
        [`GET ${WS}/leads/l1/messages`]: json(200, { messages: [msg('2'), msg('1')], nextCursor: null }),
        [`POST ${WS}/leads/l1/read`]: [problem(500, 'internal'), json(200, { lead: lead({ unread: 0 }) })],
      });
      const reads = () => calls.filter((c) => c.method === 'POST' && c.url.endsWith('/read'));
      renderApp('/w/w-acme/conversas/l1');
      expect(await screen.findAllByTestId('message')).toHaveLength(2);
      await pause();
      // A hidden tab reads nothing.
      expect(reads()).toHaveLength(0);
      // Scrolled up, away from the newest message: still nothing.
      const box = screen.getByTestId('messages');
      Object.defineProperty(box, 'scrollHeight', { configurable: true, value: 2000 });
      Object.defineProperty(box, 'clientHeight', { configurable: true, value: 500 });
      Object.defineProperty(box, 'scrollTop', { configurable: true, writable: true, value: 0 });
      fireEvent.scroll(box);
      flip('visible');
      await pause();
      expect(reads()).toHaveLength(0);
      // Back at the bottom: read up to the newest.
      box.scrollTop = 1500;
      fireEvent.scroll(box);
      await waitFor(() => expect(reads()).toHaveLength(1));
      expect(reads()[0]!.body).toEqual({ messageId: '2' });
      await pause();
      // That one failed: shown again, it is tried again.
      flip('hidden');
      flip('visible');
      await waitFor(() => expect(reads()).toHaveLength(2));
      expect(reads()[1]!.body).toEqual({ messageId: '2' });
    } finally {
      delete (document as unknown as Record<string, unknown>).visibilityState;
    }
  });

  it('takes over, hands back, and keeps internal notes', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${WS}/leads`]: json(200, { leads: [lead({ unread: 0 })], nextCursor: null }),
      [`GET ${WS}/leads/l1`]: json(200, { lead: lead({ unread: 0 }) }),
      [`GET ${WS}/leads/l1/messages`]: json(200, { messages: [msg('1')], nextCursor: null }),
      [`PATCH ${WS}/leads/l1`]: [
        json(200, { lead: lead({ unread: 0, takenOver: true, ownerId: 'u1', ownerName: 'Ana Souza' }) }),
        json(200, { lead: lead({ unread: 0, takenOver: false, ownerId: 'u1', ownerName: 'Ana Souza' }) }),
      ],
      [`GET ${WS}/leads/l1/notes`]: [
        json(200, { notes: [], nextCursor: null }),
        json(200, {
          notes: [{ id: '1', authorId: 'u1', authorName: 'Ana Souza', text: 'Ligar amanhã', createdAt: '2026-12-01T10:00:00Z' }],
          nextCursor: null,
        }),
      ],
      [`POST ${WS}/leads/l1/notes`]: json(201, {
        note: { id: '1', authorId: 'u1', authorName: 'Ana Souza', text: 'Ligar amanhã', createdAt: '2026-12-01T10:00:00Z' },
      }),
    });
    renderApp('/w/w-acme/conversas/l1');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.inbox.takeOver }));
    expect(await screen.findByRole('button', { name: t.inbox.handBack })).toBeTruthy();
    expect(screen.getByTestId('conversation-answerer').textContent).toBe(
      t.inbox.answeredByPerson('Ana Souza'),
    );
    const patches = calls.filter((c) => c.method === 'PATCH');
    expect(patches[0]!.body).toEqual({ takenOver: true, ownerId: 'u1' });
    await ue.click(screen.getByRole('button', { name: t.inbox.handBack }));
    expect(await screen.findByRole('button', { name: t.inbox.takeOver })).toBeTruthy();
    expect(calls.filter((c) => c.method === 'PATCH')[1]!.body).toEqual({ takenOver: false });

    await ue.click(screen.getByRole('button', { name: t.inbox.tabNotes }));
    expect(await screen.findByText(t.inbox.notesEmpty)).toBeTruthy();
    await ue.type(screen.getByLabelText(t.inbox.noteLabel), 'Ligar amanhã');
    await ue.click(screen.getByRole('button', { name: t.inbox.addNote }));
    expect(await screen.findByText('Ligar amanhã', { selector: 'p' })).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST' && c.url.endsWith('/notes'))?.body).toEqual({
      text: 'Ligar amanhã',
    });
  });
});
