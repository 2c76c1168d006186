import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { parseHandoffWords } from '@/api/agents';
import { setCsrfToken } from '@/api/client';
import { t } from '@/i18n';
import {
  validateDebounce,
  validatePhoneNumberId,
  validateTemperature,
} from '@/pages/workspace/AgentsPage';
import { describedErrors } from '@/test/dom';
import { json, mockFetch, problem, type Call } from '@/test/fetchMock';
import { renderApp } from '@/test/render';

const tx = t.agents;

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
const W = '/api/v1/workspaces/w-acme';

const bia = {
  id: 'a1',
  name: 'Bia',
  persona: 'Consultora simpática',
  instructions: 'Venda camisetas.',
  phoneNumberId: '1234567890',
  status: 'active',
  model: 'gpt-4o-mini',
  defaultModel: true,
  temperature: 0.3,
  allDocuments: true,
  documentIds: [],
  debounceSeconds: 4,
  handoffWords: ['humano', 'atendente'],
  hasAccessToken: true,
  createdAt: '2025-03-12T10:00:00Z',
  updatedAt: '2025-03-12T10:00:00Z',
};
const docs = [
  { id: 'd1', filename: 'precos.md', status: 'ready', chunks: 3 },
  { id: 'd2', filename: 'trocas.pdf', status: 'ready', chunks: 1 },
];

function bodyOf(calls: Call[], method: string, path: string): Record<string, unknown> {
  const c = calls.find((x) => x.method === method && x.url.endsWith(path));
  expect(c, `${method} ${path}`).toBeTruthy();
  return c!.body as Record<string, unknown>;
}

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('helpers', () => {
  it('reads hand-off words from a comma-separated text', () => {
    expect(parseHandoffWords(' humano, Atendente ,, atendente,falar com alguém ')).toEqual([
      'humano',
      'Atendente',
      'falar com alguém',
    ]);
    expect(parseHandoffWords('')).toEqual([]);
  });

  it('checks the numbers and the phone number id', () => {
    expect(validateTemperature('0.7')).toBeNull();
    expect(validateTemperature('1,5')).toBeNull();
    expect(validateTemperature('2.1')).toBe(tx.form.temperatureInvalid);
    expect(validateTemperature('')).toBe(tx.form.temperatureInvalid);
    expect(validateTemperature('quente')).toBe(tx.form.temperatureInvalid);
    expect(validateDebounce('0')).toBeNull();
    expect(validateDebounce('300')).toBeNull();
    expect(validateDebounce('301')).toBe(tx.form.debounceInvalid);
    expect(validateDebounce('2.5')).toBe(tx.form.debounceInvalid);
    expect(validatePhoneNumberId('1234567890')).toBeNull();
    expect(validatePhoneNumberId('+55 11')).toBe(tx.form.phoneNumberIdInvalid);
    expect(validatePhoneNumberId('')).toBe(t.validation.required);
  });
});

describe('Agentes', () => {
  it('lists the agents; a member sees no way to change them', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [{ ...acme, role: 'member' }] }),
      [`GET ${W}/agents`]: json(200, { agents: [bia, { ...bia, id: 'a2', name: 'Caio', status: 'paused' }] }),
    });
    renderApp('/w/w-acme/agentes');
    expect(await screen.findByText('Bia')).toBeTruthy();
    expect(screen.getByText('Caio')).toBeTruthy();
    expect(screen.getByText(tx.paused)).toBeTruthy();
    expect(screen.getAllByText(tx.number('1234567890'))).toHaveLength(2);
    expect(screen.queryByRole('button', { name: tx.create })).toBeNull();
    expect(screen.queryByRole('button', { name: tx.editLabel('Bia') })).toBeNull();
  });

  it('creates an agent: checks the fields first, then sends the chosen documents', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${W}/agents`]: [json(200, { agents: [] }), json(200, { agents: [bia] })],
      [`GET ${W}/documents`]: json(200, { documents: docs }),
      [`POST ${W}/agents`]: json(201, { agent: bia }),
    });
    renderApp('/w/w-acme/agentes');
    const ue = userEvent.setup();
    await screen.findByText(tx.empty);
    await ue.click(screen.getByRole('button', { name: tx.create }));
    const form = screen.getByRole('form', { name: tx.form.createTitle });
    await ue.click(within(form).getByRole('button', { name: tx.form.save }));
    const name = within(form).getByLabelText(tx.form.name);
    expect(describedErrors(name)).toContain(t.validation.required);
    expect(describedErrors(within(form).getByLabelText(tx.form.accessToken))).toContain(
      t.validation.required,
    );
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    await ue.type(name, 'Bia');
    await ue.type(within(form).getByLabelText(tx.form.persona), 'Consultora simpática');
    await ue.type(within(form).getByLabelText(tx.form.instructions), 'Venda camisetas.');
    await ue.clear(within(form).getByLabelText(tx.form.temperature));
    await ue.type(within(form).getByLabelText(tx.form.temperature), '0,7');
    await ue.type(within(form).getByLabelText(tx.form.phoneNumberId), '1234567890');
    await ue.type(within(form).getByLabelText(tx.form.accessToken), 'EAAGsecret');
    await ue.clear(within(form).getByLabelText(tx.form.handoffWords));
    await ue.type(within(form).getByLabelText(tx.form.handoffWords), 'humano, gerente');
    await ue.click(within(form).getByLabelText(tx.form.chosenDocuments));
    await ue.click(await within(form).findByLabelText('trocas.pdf'));
    await ue.click(within(form).getByRole('button', { name: tx.form.save }));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(bodyOf(calls, 'POST', '/agents')).toEqual({
      name: 'Bia',
      persona: 'Consultora simpática',
      instructions: 'Venda camisetas.',
      model: '',
      temperature: 0.7,
      phoneNumberId: '1234567890',
      accessToken: 'EAAGsecret',
      status: 'active',
      allDocuments: false,
      documentIds: ['d2'],
      debounceSeconds: 4,
      handoffWords: ['humano', 'gerente'],
    });
    expect(await screen.findByText('Bia')).toBeTruthy();
    expect(screen.queryByRole('form', { name: tx.form.createTitle })).toBeNull();
  });

  it('says when another agent answers on the number', async () => {
    mockFetch({
      ...base,
      [`GET ${W}/agents`]: json(200, { agents: [] }),
      [`GET ${W}/documents`]: json(200, { documents: [] }),
      [`POST ${W}/agents`]: problem(409, 'conflict', {
        errors: [{ field: 'phoneNumberId', code: 'taken' }],
      }),
    });
    renderApp('/w/w-acme/agentes');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: tx.create }));
    const form = screen.getByRole('form', { name: tx.form.createTitle });
    await ue.type(within(form).getByLabelText(tx.form.name), 'Bia');
    await ue.type(within(form).getByLabelText(tx.form.phoneNumberId), '1234567890');
    await ue.type(within(form).getByLabelText(tx.form.accessToken), 'EAAGsecret');
    await ue.click(within(form).getByRole('button', { name: tx.form.save }));
    const pnid = within(form).getByLabelText(tx.form.phoneNumberId);
    await waitFor(() => expect(describedErrors(pnid)).toContain(tx.form.numberTaken));
  });

  it('edits an agent, keeping the token when left empty, and pauses it', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${W}/agents`]: json(200, { agents: [bia] }),
      [`GET ${W}/documents`]: json(200, { documents: docs }),
      [`PATCH ${W}/agents/a1`]: json(200, { agent: { ...bia, status: 'paused' } }),
    });
    renderApp('/w/w-acme/agentes');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: tx.editLabel('Bia') }));
    const form = screen.getByRole('form', { name: tx.form.editTitle('Bia') });
    expect((within(form).getByLabelText(tx.form.handoffWords) as HTMLInputElement).value).toBe(
      'humano, atendente',
    );
    await ue.click(within(form).getByLabelText(tx.form.paused));
    await ue.click(within(form).getByRole('button', { name: tx.form.save }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const body = bodyOf(calls, 'PATCH', '/agents/a1');
    expect(body.status).toBe('paused');
    expect(body).not.toHaveProperty('accessToken');
    expect(body.allDocuments).toBe(true);
  });

  it('tries the agent in the playground and shows the sources of each answer', async () => {
    const { calls } = mockFetch({
      ...base,
      [`GET ${W}/agents`]: json(200, { agents: [bia] }),
      [`POST ${W}/agents/a1/playground`]: [
        json(200, {
          answer: 'O frete para SP custa R$ 20.',
          sources: [
            { chunkId: 11, documentId: 'd1', filename: 'precos.md', text: 'Frete SP: R$ 20.' },
          ],
          handoff: false,
          qualified: false,
          extractive: false,
          usage: { promptTokens: 900, completionTokens: 12 },
        }),
        json(200, {
          answer: 'Certo! Vou chamar uma pessoa da nossa equipe.',
          sources: [],
          handoff: true,
          qualified: false,
          extractive: false,
          usage: { promptTokens: 0, completionTokens: 0 },
        }),
      ],
    });
    renderApp('/w/w-acme/agentes');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: tx.testLabel('Bia') }));
    const box = screen.getByLabelText(tx.playground.message);
    await ue.type(box, 'quanto é o frete pra SP?');
    await ue.click(screen.getByRole('button', { name: tx.playground.send }));
    expect(await screen.findByText('O frete para SP custa R$ 20.')).toBeTruthy();
    expect(screen.getByText('precos.md')).toBeTruthy();
    expect(screen.getByText(tx.playground.tokens(900, 12))).toBeTruthy();
    expect(bodyOf(calls, 'POST', '/playground')).toEqual({
      message: 'quanto é o frete pra SP?',
      history: [],
    });

    await ue.type(box, 'quero falar com um humano');
    await ue.click(screen.getByRole('button', { name: tx.playground.send }));
    expect(await screen.findByText(tx.playground.handoff)).toBeTruthy();
    const second = calls.filter((c) => c.url.endsWith('/playground'))[1]!.body;
    expect(second).toEqual({
      message: 'quero falar com um humano',
      history: [
        { author: 'lead', text: 'quanto é o frete pra SP?' },
        { author: 'agent', text: 'O frete para SP custa R$ 20.' },
      ],
    });
  });

  it('says when the agent could not answer', async () => {
    mockFetch({
      ...base,
      [`GET ${W}/agents`]: json(200, { agents: [bia] }),
      [`POST ${W}/agents/a1/playground`]: problem(502, 'upstream_error'),
    });
    renderApp('/w/w-acme/agentes');
    const ue = userEvent.setup();
    await ue.click(await screen.findByRole('button', { name: tx.testLabel('Bia') }));
    await ue.type(screen.getByLabelText(tx.playground.message), 'oi');
    await ue.click(screen.getByRole('button', { name: tx.playground.send }));
    expect(await screen.findByText(tx.playground.failed)).toBeTruthy();
  });
});
