import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import { t } from '@/i18n';
import { json, mockFetch, noContent, problem } from '@/test/fetchMock';
import { renderApp } from '@/test/render';

const user = {
  id: 'u1',
  email: 'ana@empresa.com.br',
  name: 'Ana Souza',
  emailVerified: true,
  hasPassword: true,
  createdAt: '2025-03-12T10:00:00Z',
};
const acme = { id: 'w-acme', name: 'Acme Ltda', role: 'admin' };
const base = {
  'GET /auth/me': json(200, { user }),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
  'GET /api/v1/workspaces': json(200, { workspaces: [acme] }),
};
const CRM = '/api/v1/workspaces/w-acme/crm';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const endpoint = {
  url: 'https://crm.acme.com.br/hooks',
  events: ['lead.qualified', 'lead.stage_changed'],
  idField: 'id',
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  previousSecretUntil: null,
  createdAt: '2026-11-30T10:00:00Z',
  updatedAt: '2026-11-30T10:00:00Z',
};

function delivery(over: Record<string, unknown>) {
  return {
    id: 'msg_1',
    event: 'lead.qualified',
    leadId: 'l1',
    status: 'delivered',
    attempts: 1,
    lastStatus: 200,
    lastError: null,
    lastAttemptAt: '2026-11-30T10:00:01Z',
    nextAttemptAt: null,
    createdAt: '2026-11-30T10:00:00Z',
    ...over,
  };
}

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('CRM settings', () => {
  it('connects a CRM, shows the secret once, and checks the form first', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${CRM}`]: [problem(404, 'not_found'), json(200, { crm: endpoint })],
      [`PUT ${CRM}`]: json(200, { crm: { ...endpoint, secret: SECRET } }),
      [`GET ${CRM}/deliveries`]: json(200, { deliveries: [], nextCursor: null }),
    });
    renderApp('/w/w-acme/configuracoes/crm');
    const ue = userEvent.setup();
    const save = await screen.findByRole('button', { name: t.crm.create });
    const url = screen.getByLabelText(t.crm.url, { exact: false });

    // Nothing leaves the browser until the URL and the events make sense.
    await ue.type(url, 'crm.acme.com.br');
    await ue.click(screen.getByLabelText(t.crm.eventQualified));
    await ue.click(screen.getByLabelText(t.crm.eventStageChanged));
    await ue.click(save);
    expect(await screen.findByText(t.crm.urlInvalid)).toBeTruthy();
    expect(screen.getByText(t.crm.eventsRequired)).toBeTruthy();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    await ue.clear(url);
    await ue.type(url, 'https://crm.acme.com.br/hooks');
    await ue.click(screen.getByLabelText(t.crm.eventQualified));
    await ue.click(save);
    const shown = await screen.findByTestId('crm-secret');
    expect(shown.textContent).toBe(SECRET);
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({ url: 'https://crm.acme.com.br/hooks', events: ['lead.qualified'] });
    expect(put.headers['X-CSRF-Token']).toBe('csrf-test');

    // Once kept, it is gone for good (the server never sends it again).
    await ue.click(screen.getByRole('button', { name: t.crm.secretDone }));
    expect(screen.queryByTestId('crm-secret')).toBeNull();
    expect(await screen.findByText(t.crm.logEmpty)).toBeTruthy();
  });

  it('shows the server refusal of an address under the field', async () => {
    mockFetch({
      ...base,
      [`GET ${CRM}`]: problem(404, 'not_found'),
      [`PUT ${CRM}`]: problem(422, 'validation_failed', {
        errors: [{ field: 'url', code: 'not_allowed', message: 'must not point to a internal address' }],
      }),
    });
    renderApp('/w/w-acme/configuracoes/crm');
    const ue = userEvent.setup();
    await ue.type(
      await screen.findByLabelText(t.crm.url, { exact: false }),
      'https://10.0.0.1/hooks',
    );
    await ue.click(screen.getByRole('button', { name: t.crm.create }));
    expect(await screen.findByText(t.crm.urlInvalid)).toBeTruthy();
    expect(screen.queryByTestId('crm-secret')).toBeNull();
  });

  it('lists deliveries and resends a dead one; a disabled endpoint says why', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${CRM}`]: json(200, {
        crm: { ...endpoint, enabled: false, disabledReason: 'gone', disabledAt: '2026-11-30T11:00:00Z' },
      }),
      [`GET ${CRM}/deliveries`]: json(200, {
        deliveries: [
          delivery({ id: 'msg_dead', status: 'dead', attempts: 13, lastStatus: 500, lastError: 'HTTP 500' }),
          delivery({ id: 'msg_ok', event: 'lead.stage_changed' }),
        ],
        nextCursor: null,
      }),
    });
    renderApp('/w/w-acme/configuracoes/crm');
    expect(await screen.findByText(t.crm.disabledTitle)).toBeTruthy();
    const table = await screen.findByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByText(t.crm.status.dead!)).toBeTruthy();
    expect(within(rows[1]!).getByText('HTTP 500')).toBeTruthy();
    // Disabled: resending waits until the endpoint is saved again; no test either.
    expect(within(table).queryByRole('button', { name: /Reenviar/ })).toBeNull();
    expect(screen.getByRole('button', { name: t.crm.sendTest }).hasAttribute('disabled')).toBe(true);
    expect(calls.some((c) => c.url.includes('redeliver'))).toBe(false);
  });

  it('resends, sends a test and rotates the secret', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${CRM}`]: json(200, { crm: endpoint }),
      [`GET ${CRM}/deliveries`]: json(200, {
        deliveries: [delivery({ id: 'msg_dead', status: 'failed', lastStatus: 410 })],
        nextCursor: null,
      }),
      [`POST ${CRM}/deliveries/msg_dead/redeliver`]: json(202, {
        delivery: delivery({ id: 'msg_dead', status: 'pending' }),
      }),
      [`POST ${CRM}/test`]: json(202, { delivery: delivery({ id: 'msg_t', event: 'crm.test', status: 'pending' }) }),
      [`POST ${CRM}/rotate`]: json(200, {
        crm: { ...endpoint, previousSecretUntil: '2026-12-02T10:00:00Z', secret: SECRET },
      }),
      [`DELETE ${CRM}`]: noContent(),
    });
    renderApp('/w/w-acme/configuracoes/crm');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: /^Reenviar / }));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/msg_dead/redeliver'))).toBe(true));

    await ue.click(screen.getByRole('button', { name: t.crm.sendTest }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/crm/test'))).toBe(true));

    await ue.click(screen.getByRole('button', { name: t.crm.rotate }));
    const dialog = await screen.findByRole('dialog');
    await ue.click(within(dialog).getByRole('button', { name: t.crm.rotateConfirm }));
    expect((await screen.findByTestId('crm-secret')).textContent).toBe(SECRET);
  });

  it('asks before removing, keeps a refusal in the dialog, then removes', async () => {
    let refuse = true;
    const { calls } = mockFetch({
      ...base,
      [`GET ${CRM}`]: json(200, { crm: endpoint }),
      [`GET ${CRM}/deliveries`]: json(200, { deliveries: [], nextCursor: null }),
      [`DELETE ${CRM}`]: () => {
        if (refuse) {
          refuse = false;
          return problem(409, 'conflict', { detail: 'A integração mudou; recarregue.' });
        }
        return noContent();
      },
    });
    renderApp('/w/w-acme/configuracoes/crm');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: t.crm.remove }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() =>
      expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: t.common.cancel })),
    );
    await ue.click(within(dialog).getByRole('button', { name: t.crm.removeConfirm }));
    expect(await within(dialog).findByRole('alert')).toBeTruthy();
    await ue.click(within(dialog).getByRole('button', { name: t.crm.removeConfirm }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'DELETE').length).toBe(2));
  });
});
