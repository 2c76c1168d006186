import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setCsrfToken } from '@/api/client';
import { t } from '@/i18n';
import { json, mockFetch, noContent, problem } from '@/test/fetchMock';
import { renderApp } from '@/test/render';
import { validateDocumentFile } from '@/pages/workspace/KnowledgePage';

const k = t.knowledge;
const user = {
  id: 'u1',
  email: 'ana@empresa.com.br',
  name: 'Ana Souza',
  emailVerified: true,
  hasPassword: true,
  createdAt: '2025-03-12T10:00:00Z',
};
const admin = { id: 'w-acme', name: 'Acme Ltda', role: 'admin' };
const member = { ...admin, role: 'member' };
const base = {
  'GET /auth/me': json(200, { user }),
  'GET /auth/csrf': json(200, { csrfToken: 'csrf-test' }),
};
const DOCS = '/api/v1/workspaces/w-acme/documents';
const PAGE = '/w/w-acme/conhecimento';

function doc(over: Record<string, unknown>) {
  return {
    id: 'd1',
    filename: 'precos.pdf',
    contentType: 'application/pdf',
    status: 'ready',
    chunks: 3,
    size: 2048,
    version: 1,
    ...over,
  };
}

/** A stand-in XMLHttpRequest: records what is sent and lets the test drive progress and the answer. */
class FakeXhr {
  static sent: FakeXhr[] = [];
  static onSend: (x: FakeXhr) => void = () => {};
  method = '';
  url = '';
  headers: Record<string, string> = {};
  withCredentials = true;
  body: unknown;
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(n: string, v: string) {
    this.headers[n] = v;
  }
  getResponseHeader(n: string) {
    return n.toLowerCase() === 'content-type' ? 'application/problem+json' : null;
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.sent.push(this);
    FakeXhr.onSend(this);
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total });
  }
  answer(status: number, body = '') {
    this.status = status;
    this.responseText = body;
    this.onload?.();
  }
}

function file(name: string, size: number, type = '') {
  const f = new File(['x'.repeat(Math.min(size, 16))], name, { type });
  Object.defineProperty(f, 'size', { value: size });
  return f;
}

beforeEach(() => {
  setCsrfToken('csrf-test');
  window.localStorage.clear();
  FakeXhr.sent = [];
  FakeXhr.onSend = () => {};
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('validateDocumentFile', () => {
  it('mirrors the server: type by extension, 1 byte to 20 MiB, a clean name', () => {
    expect(validateDocumentFile({ name: 'a.pdf', size: 10 })).toBeNull();
    expect(validateDocumentFile({ name: 'A.DOCX', size: 10 })).toBeNull();
    expect(validateDocumentFile({ name: 'notas.markdown', size: 10 })).toBeNull();
    expect(validateDocumentFile({ name: 'a.exe', size: 10 })).toBe(k.typeInvalid);
    expect(validateDocumentFile({ name: 'semextensao', size: 10 })).toBe(k.typeInvalid);
    expect(validateDocumentFile({ name: 'a.txt', size: 0 })).toBe(k.empty);
    expect(validateDocumentFile({ name: 'a.txt', size: 20 * 1024 * 1024 })).toBeNull();
    expect(validateDocumentFile({ name: 'a.txt', size: 20 * 1024 * 1024 + 1 })).toBe(k.tooLarge);
    expect(validateDocumentFile({ name: 'a\u0001.txt', size: 1 })).toBe(k.nameInvalid);
    expect(validateDocumentFile({ name: `${'é'.repeat(130)}.txt`, size: 1 })).toBe(k.nameInvalid);
  });
});

describe('Conhecimento', () => {
  it('shows the empty state, then uploads several files with progress and completes each', async () => {
    let listed: unknown[] = [];
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [admin] }),
      [`GET ${DOCS}`]: () => json(200, { documents: listed }),
      'POST /bff/uploads': (call) => {
        const b = call.body as { filename: string; size: number; contentType: string };
        const id = b.filename === 'precos.pdf' ? 'd1' : 'd2';
        return json(201, {
          document: doc({ id, filename: b.filename, status: 'uploading', chunks: 0, size: b.size }),
          upload: {
            url: `http://127.0.0.1:9/bff/uploads/${id}?sig=abc`,
            method: 'PUT',
            headers: { 'Content-Type': b.contentType },
          },
        });
      },
      [`POST ${DOCS}/d1/complete`]: json(202, { document: doc({ status: 'indexing', chunks: 0 }) }),
      [`POST ${DOCS}/d2/complete`]: json(202, {
        document: doc({ id: 'd2', filename: 'faq.md', contentType: 'text/markdown', status: 'indexing', chunks: 0 }),
      }),
    });
    renderApp(PAGE);
    const ue = userEvent.setup({ applyAccept: false });
    expect(await screen.findByText(k.listEmpty)).toBeTruthy();

    const input = screen.getByLabelText(k.files);
    await ue.upload(input, [file('precos.pdf', 4096, 'application/pdf'), file('faq.md', 100), file('virus.exe', 10)]);

    // The refused file is named under the field; nothing was asked of the server for it.
    expect(await screen.findByText(k.rejected('virus.exe', k.typeInvalid))).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(FakeXhr.sent).toHaveLength(2));
    const grants = calls.filter((c) => c.url.endsWith('/bff/uploads'));
    expect(grants.map((c) => c.body)).toEqual([
      { workspaceId: 'w-acme', filename: 'precos.pdf', contentType: 'application/pdf', size: 4096 },
      { workspaceId: 'w-acme', filename: 'faq.md', contentType: 'text/markdown', size: 100 },
    ]);
    expect(grants[0]!.headers['X-CSRF-Token']).toBe('csrf-test');

    // Straight to the signed URL: its headers exactly, no cookie.
    const [pdf, md] = FakeXhr.sent;
    expect(pdf!.method).toBe('PUT');
    expect(pdf!.url).toBe('http://127.0.0.1:9/bff/uploads/d1?sig=abc');
    expect(pdf!.headers).toEqual({ 'Content-Type': 'application/pdf' });
    expect(pdf!.withCredentials).toBe(false);

    pdf!.progress(1024, 4096);
    const bar = await screen.findByRole('progressbar', { name: k.progressLabel('precos.pdf') });
    await waitFor(() => expect(bar.getAttribute('value')).toBe('25'));
    expect(screen.getByText(k.phase.sending(25))).toBeTruthy();

    listed = [doc({ status: 'indexing', chunks: 0 })];
    pdf!.answer(204);
    md!.answer(204);
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'POST' && c.url.endsWith('/complete'))).toHaveLength(2),
    );
    expect(await screen.findByText(k.uploaded('precos.pdf'))).toBeTruthy();
    const list = screen.getByRole('list', { name: k.listTitle });
    await waitFor(() => expect(within(list).getAllByText(k.status.indexing!)).toHaveLength(2));
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('maps a refused grant and a refused upload to the file, and polls until indexing ends', async () => {
    let listCalls = 0;
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [admin] }),
      [`GET ${DOCS}`]: () => {
        listCalls += 1;
        return json(200, {
          documents:
            listCalls < 2
              ? [doc({ status: 'indexing', chunks: 0 })]
              : [
                  doc({ status: 'ready' }),
                  doc({
                    id: 'd9',
                    filename: 'cifrado.pdf',
                    status: 'failed',
                    reason: 'encrypted',
                    reasonText: 'O PDF está protegido por senha.',
                  }),
                ],
        });
      },
      'POST /bff/uploads': [
        problem(413, 'payload_too_large'),
        json(201, {
          document: doc({ id: 'd3', filename: 'b.txt', status: 'uploading' }),
          upload: { url: 'http://127.0.0.1:9/x', method: 'PUT', headers: { 'Content-Type': 'text/plain' } },
        }),
      ],
    });
    renderApp(PAGE);
    const ue = userEvent.setup();
    expect(await screen.findByText(k.status.indexing!)).toBeTruthy();

    await ue.upload(screen.getByLabelText(k.files), [file('a.txt', 10)]);
    expect(await screen.findByText(k.uploadFailed('a.txt', k.workspaceFull))).toBeTruthy();

    FakeXhr.onSend = (x) =>
      setTimeout(() =>
        x.answer(
          422,
          JSON.stringify({
            code: 'validation_failed',
            status: 422,
            errors: [{ field: 'body', code: 'size_mismatch', message: 'x' }],
          }),
        ),
      );
    await ue.upload(screen.getByLabelText(k.files), [file('b.txt', 10)]);
    expect(await screen.findByText(k.uploadFailed('b.txt', k.sizeMismatch))).toBeTruthy();
    await ue.click(screen.getByRole('button', { name: k.dismissLabel('b.txt') }));
    expect(screen.queryByText(k.uploadFailed('b.txt', k.sizeMismatch))).toBeNull();

    // The list refreshes by itself while a document is indexing.
    expect(await screen.findByText('O PDF está protegido por senha.', {}, { timeout: 6000 })).toBeTruthy();
    // The one seen indexing is announced ready.
    expect(screen.getByText(k.nowReady('precos.pdf'))).toBeTruthy();
    expect(screen.getByText(k.status.ready!)).toBeTruthy();
    expect(screen.getByText(k.status.failed!)).toBeTruthy();
  });

  it('previews chunks, asks before deleting, and searches', async () => {
    const { calls } = mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [admin] }),
      [`GET ${DOCS}`]: [json(200, { documents: [doc({})] }), json(200, { documents: [] })],
      [`GET ${DOCS}/d1/chunks`]: (call) =>
        call.url.includes('after=')
          ? json(200, { chunks: [{ id: 30, ord: 20, text: 'Último trecho.' }], nextAfter: null })
          : json(200, {
              chunks: Array.from({ length: 20 }, (_, i) => ({ id: 10 + i, ord: i, text: `Trecho de preços ${i}.` })),
              nextAfter: 19,
            }),
      [`GET ${DOCS}/search`]: json(200, {
        results: [{ chunkId: 11, documentId: 'd1', ord: 1, score: 3.14159, text: 'Entregamos em São Paulo.' }],
      }),
      [`DELETE ${DOCS}/d1`]: noContent(),
    });
    renderApp(PAGE);
    const ue = userEvent.setup();

    const toggle = await screen.findByRole('button', { name: `${k.showChunks}: precos.pdf` });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await ue.click(toggle);
    const preview = await screen.findByRole('region', { name: k.chunksLabel('precos.pdf') });
    expect(await within(preview).findByText('Trecho de preços 0.')).toBeTruthy();
    await ue.click(within(preview).getByRole('button', { name: k.loadMore }));
    expect(await within(preview).findByText('Último trecho.')).toBeTruthy();
    expect(calls.some((c) => c.url.includes('/chunks?limit=20&after=19'))).toBe(true);

    // Search: required first, then what retrieval returns, with its score.
    await ue.click(screen.getByRole('button', { name: k.search }));
    expect(await screen.findByText(t.validation.required)).toBeTruthy();
    await ue.type(screen.getByLabelText(k.question), 'vcs entregam em sao paulo?{Enter}');
    const results = await screen.findByRole('list', { name: k.resultsLabel });
    expect(within(results).getByText('Entregamos em São Paulo.')).toBeTruthy();
    expect(within(results).getByText(k.score('3,14'))).toBeTruthy();
    expect(within(results).getByText(k.result(1, 'precos.pdf', 1))).toBeTruthy();
    const search = calls.find((c) => c.url.includes('/documents/search'))!;
    expect(search.url).toContain(`q=${encodeURIComponent('vcs entregam em sao paulo?')}`);

    // Delete: the dialog starts on Cancelar; confirming removes the row.
    await ue.click(screen.getByRole('button', { name: k.removeLabel('precos.pdf') }));
    const dialog = await screen.findByRole('dialog', { name: k.removeTitle('precos.pdf') });
    await waitFor(() =>
      expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: t.common.cancel })),
    );
    await ue.click(within(dialog).getByRole('button', { name: k.removeConfirm }));
    expect(await screen.findByText(k.removed('precos.pdf'))).toBeTruthy();
    expect(await screen.findByText(k.listEmpty)).toBeTruthy();
    expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('/documents/d1'))).toBe(true);
  });

  it('a member sees the documents but neither upload nor delete; a load error offers a retry', async () => {
    mockFetch({
      ...base,
      'GET /api/v1/workspaces': json(200, { workspaces: [member] }),
      [`GET ${DOCS}`]: [problem(503, 'service_unavailable'), json(200, { documents: [doc({})] })],
    });
    renderApp(PAGE);
    const ue = userEvent.setup();
    expect(await screen.findByText(k.loadError)).toBeTruthy();
    await ue.click(screen.getByRole('button', { name: t.common.retry }));
    expect(await screen.findByText('precos.pdf')).toBeTruthy();
    expect(screen.getByText(k.membersOnly)).toBeTruthy();
    expect(screen.queryByLabelText(k.files)).toBeNull();
    expect(screen.queryByRole('button', { name: k.removeLabel('precos.pdf') })).toBeNull();
  });
});
