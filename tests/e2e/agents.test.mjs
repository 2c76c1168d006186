// Browser test of the Agentes page (issue 13), same-origin topology: piloto (dev) serves the SPA
// and the API; the model is tests/support/llm_standin.py on 127.0.0.1 (answers derived from the
// request: "Resposta do modelo. Fontes: [chunk ids of the prompt]. Pergunta: …").
//
// A new owner creates a workspace, a document is uploaded through the API with the page's own
// session (the Conhecimento page is another issue's), then, in the browser: the agent is created
// from the form, listed, and tried in the playground, whose answer shows the sources it used.
// Every page is screenshotted into tests/artifacts/e2e/agents/ and checked by axe-core.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Child,
  DESKTOP_UA,
  PYTHON,
  ROOT,
  SAME_ORIGIN_DIST,
  freePort,
  freshDir,
  isFile,
  launchChromium,
  randomSecret,
  startPiloto,
  waitFor,
} from './lib/harness.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const UI_TIMEOUT = 15_000;
const LLM_KEY = `sk-e2e-${randomSecret().slice(0, 16)}`;
const PRICES =
  'Tabela de preços. O plano Pro custa R$ 99 por mês e inclui dez usuários. ' +
  'O plano Básico custa R$ 29 por mês para um usuário.';

describe('agents', { timeout: 300_000 }, () => {
  const work = freshDir(join(ROOT, 'build', 'e2e', 'run', 'agents'));
  const artifacts = freshDir(join(ROOT, 'tests', 'artifacts', 'e2e', 'agents'));
  const logs = join(artifacts, 'logs');
  const started = [];
  const problems = [];
  let browser;
  let app;
  let llmUrl;
  let shots = 0;

  before(async () => {
    mkdirSync(logs, { recursive: true });
    if (!isFile(join(SAME_ORIGIN_DIST, 'index.html'))) throw new Error(`${SAME_ORIGIN_DIST} is missing: make web`);
    const llmPort = await freePort();
    const llm = new Child('llm', PYTHON, [join(ROOT, 'tests', 'support', 'llm_standin.py'), String(llmPort), LLM_KEY], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
      logPath: join(logs, 'llm.log'),
    });
    started.push(llm);
    llmUrl = `http://127.0.0.1:${llmPort}`;
    await llm.ready(async () => {
      try {
        return (await fetch(`${llmUrl}/_control/requests`)).ok;
      } catch {
        return false;
      }
    });
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    mkdirSync(join(work, 'data'), { recursive: true });
    const piloto = await startPiloto(
      {
        HOST: '127.0.0.1',
        PORT: String(port),
        PILOTO_ENV: 'dev',
        DATABASE_URL: `sqlite:${join(work, 'data', 'piloto.db')}`,
        PILOTO_SECRET: randomSecret(),
        STATIC_DIR: SAME_ORIGIN_DIST,
        APP_ORIGINS: app,
        APP_URL: app,
        STORAGE_URL: `file:${join(work, 'data', 'files')}`,
        LLM_API_URL: `${llmUrl}/v1`,
        LLM_API_KEY: LLM_KEY,
        LLM_MODEL: 'gpt-e2e',
      },
      logs,
    );
    started.push(piloto);
    browser = await launchChromium({ hostRules: 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    for (const child of started.reverse()) await child.stop().catch(() => {});
    writeFileSync(join(artifacts, 'problems.txt'), problems.join('\n') + '\n');
  });

  async function shot(page, what) {
    shots += 1;
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(artifacts, `${String(shots).padStart(2, '0')}-${what}.png`), fullPage: true });
    await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async (tags) => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
      return r.violations.map((v) => `${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    }, AXE_TAGS);
    for (const v of violations) problems.push(`${what}: axe ${v}`);
  }

  /** The API with the browser's own session (cookie and CSRF token), from node. */
  async function api(ctx, method, path, body, headers = {}) {
    const cookies = await ctx.cookies(app);
    const csrf = cookies.find((c) => c.name.endsWith('piloto_csrf'))?.value ?? '';
    const r = await fetch(`${app}${path}`, {
      method,
      headers: {
        Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'X-CSRF-Token': csrf,
        Origin: app,
        ...(body !== undefined && !(body instanceof Uint8Array) ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null, text };
  }

  it('an owner creates an agent and tries it in the playground, with the sources shown', async () => {
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'pt-BR',
      timezoneId: 'America/Sao_Paulo',
      userAgent: DESKTOP_UA,
    });
    ctx.setDefaultTimeout(UI_TIMEOUT);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    try {
      // Sign up; the first step creates the workspace.
      await page.goto(`${app}/cadastro`);
      await page.getByLabel('Seu nome').fill('Olívia Dias');
      await page.getByLabel('E-mail').fill(`olivia.${Date.now()}@empresa.test`);
      await page.getByLabel('Senha', { exact: true }).fill(`Piloto-e2e-${randomSecret().slice(0, 12)}`);
      await page.getByRole('button', { name: 'Criar conta' }).click();
      await page.getByLabel('Nome da empresa').fill('Camisetas Dias');
      await page.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
      await page.waitForURL(/\/w\/[^/]+$/);
      const wid = new URL(page.url()).pathname.split('/')[2];
      await shot(page, 'home');

      // A document, through the API with this session: grant, PUT to the signed URL, complete.
      const bytes = new TextEncoder().encode(PRICES);
      const g = await api(ctx, 'POST', '/bff/uploads', {
        workspaceId: wid,
        filename: 'precos.txt',
        contentType: 'text/plain',
        size: bytes.length,
      });
      assert.equal(g.status, 201, g.text);
      const u = new URL(g.json.upload.url);
      const put = await fetch(`${app}${u.pathname}${u.search}`, {
        method: g.json.upload.method,
        headers: g.json.upload.headers,
        body: bytes,
      });
      assert.ok(put.ok, `PUT ${put.status}`);
      const did = g.json.document.id;
      const done = await api(ctx, 'POST', `/api/v1/workspaces/${wid}/documents/${did}/complete`);
      assert.equal(done.status, 202, done.text);
      await waitFor(
        async () => {
          const l = await api(ctx, 'GET', `/api/v1/workspaces/${wid}/documents`);
          return l.json.documents.some((d) => d.id === did && d.status === 'ready');
        },
        30000,
        'the document indexed',
      );

      // Agentes: the empty page, then the form.
      await page.getByRole('link', { name: 'Agentes' }).first().click();
      await page.getByRole('heading', { name: 'Nenhum agente ainda' }).waitFor();
      await shot(page, 'agents-empty');
      await page.getByRole('button', { name: 'Novo agente' }).first().click();
      const form = page.getByRole('form', { name: 'Novo agente' });
      await form.getByLabel('Nome', { exact: true }).fill('Ana');
      await form.getByLabel('Persona').fill('Ana, consultora simpática e objetiva.');
      await form.getByLabel('Instruções').fill('Venda o plano Pro. Nunca prometa descontos.');
      await form.getByLabel('ID do número no WhatsApp').fill('109876543210');
      await form.getByLabel('Token de acesso do número').fill('EAAG-e2e-token-secret');
      await shot(page, 'agents-form');
      await form.getByRole('button', { name: 'Salvar' }).click();
      await page.getByText('Agente Ana criado.').waitFor();
      await page.getByRole('button', { name: 'Testar o agente Ana no playground' }).waitFor();
      await shot(page, 'agents-list');
      const listed = await api(ctx, 'GET', `/api/v1/workspaces/${wid}/agents`);
      assert.equal(listed.json.agents.length, 1);
      const agent = listed.json.agents[0];
      assert.equal(agent.persona, 'Ana, consultora simpática e objetiva.');
      assert.equal(agent.model, 'gpt-e2e');
      assert.ok(!listed.text.includes('EAAG-e2e-token-secret'), 'the token never comes back');

      // The playground: the answer, and the chunk of precos.txt it was given.
      await page.getByRole('button', { name: 'Testar o agente Ana no playground' }).click();
      await page.getByLabel('Mensagem').fill('Quanto custa o plano Pro?');
      await page.getByRole('button', { name: 'Enviar', exact: true }).click();
      const answer = page.getByText(/Resposta do modelo\. Fontes: \[\d+\]\. Pergunta: Quanto custa o plano Pro\?/);
      await answer.waitFor();
      await page.getByText('Fontes usadas (1)').click();
      const sources = page.getByRole('list', { name: 'Fontes usadas' });
      await sources.getByText('precos.txt').first().waitFor();
      await sources.getByText(/R\$ 99/).first().waitFor();
      await shot(page, 'agents-playground');

      // What reached the model: the persona, the instructions, the chunk as a source.
      const reqs = (await (await fetch(`${llmUrl}/_control/requests`)).json()).requests;
      assert.equal(reqs.length, 1);
      const system = reqs[0].body.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
      assert.ok(system.includes('Ana, consultora simpática e objetiva.'), system);
      assert.ok(system.includes('Venda o plano Pro.'), system);
      assert.match(system, /\[fonte \d+ \| precos\.txt/);
      assert.equal(reqs[0].key_ok, true);
      assert.deepEqual(problems, []);
    } catch (err) {
      await page.screenshot({ path: join(artifacts, 'FAILED.png'), fullPage: true }).catch(() => {});
      throw err;
    } finally {
      await ctx.close();
    }
  });
});
