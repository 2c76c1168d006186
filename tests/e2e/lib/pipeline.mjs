/**
 * The pipeline and the home page, in one topology (called from scenario.mjs
 * with its helpers):
 *
 *   leads arrive    an agent on a number (created through the API, as the
 *                   agents page would), and three people who write to it:
 *                   Meta's signed webhooks posted to piloto itself;
 *   home            the onboarding checklist and today's figures (/summary);
 *   kanban          a card dragged to another column changes the stage, and
 *                   a second open browser sees the move with no reload
 *                   (lead.updated over the live stream);
 *   keyboard        Alt+→ on a focused card, and the card's "Mover" menu, move
 *                   it, announced through the page's live region, focus kept
 *                   on the card;
 *   table           the same leads with filters (stage, owner);
 *   detail          the conversation, the owner changed, the stage history;
 *   phone           the kanban on a phone's screen, one column at a time.
 *
 * Every page is screenshotted (and checked by axe-core) through `shot`.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, describe } from 'node:test';
import { IPHONE_UA } from './harness.mjs';

/** The app secret the topologies give piloto (topology.mjs): webhooks are signed with it. */
export const E2E_WHATSAPP_APP_SECRET = 'e2e-meta-app-secret-0123';

/** Meta's webhook for one text message from `from` (named `name`) to number `pnid`. */
function webhookBody(pnid, from, name, text) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA0',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: `1555${pnid.slice(-7)}`, phone_number_id: pnid },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [
                {
                  from,
                  id: `wamid.${randomBytes(12).toString('hex')}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

export function pipelineFlow({ getEnv, stamp, newContext, appPage, shot, chain, signUp }) {
  describe('pipeline and home', () => {
    const company = `Vendas ${stamp}`;
    const owner = { name: 'Paula Nunes', email: `paula.${stamp}@empresa.com.br`, password: 'paula tem uma senha longa' };
    const people = [
      ['5511988880001', 'Ana Costa'],
      ['5511988880002', 'Bia Rocha'],
      ['5511988880003', 'Caio Melo'],
    ];
    const pnid = String(100000000000 + Math.floor(Math.random() * 899999999999));
    let ctxA;
    let ctxB;
    let ctxP;
    let a;
    let b;
    let wid;
    const leads = {};
    const step = chain(() => [ctxA, ctxB, ctxP]);
    const env = () => getEnv();
    const wsUrl = (sub = '') => `${env().app}/w/${wid}${sub ? `/${sub}` : ''}`;

    after(async () => {
      for (const ctx of [ctxA, ctxB, ctxP]) await ctx?.close().catch(() => {});
    });

    /** A JSON API call from a page of the app, with the session and a CSRF token. */
    async function apiFromPage(page, method, path, body) {
      return page.evaluate(
        async ([api, m, p, b]) => {
          const csrf = await (await fetch(`${api}/auth/csrf`, { credentials: 'include' })).json();
          const r = await fetch(api + p, {
            method: m,
            credentials: 'include',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf.csrfToken },
            body: b === undefined ? undefined : JSON.stringify(b),
          });
          return { status: r.status, body: r.status === 204 ? null : await r.json() };
        },
        [env().api, method, path, body],
      );
    }

    /** Signs the owner in on a fresh page (another browser) and opens the kanban. */
    async function openLeadsSignedIn(page) {
      await page.goto(`${env().app}/entrar`);
      await page.getByLabel('E-mail').fill(owner.email);
      await page.getByLabel('Senha', { exact: true }).fill(owner.password);
      await page.getByRole('button', { name: 'Entrar', exact: true }).click();
      await page.waitForURL(/\/w\//);
      await page.goto(wsUrl('leads'));
    }

    async function leadStage(id) {
      const r = await apiFromPage(a, 'GET', `/api/v1/workspaces/${wid}/leads/${id}`);
      assert.equal(r.status, 200);
      return r.body.lead.stage;
    }

    const card = (page, id) => page.locator(`li[data-lead-id="${id}"]`);

    async function expectInColumn(page, stage, id) {
      await page.locator(`section[data-stage="${stage}"] li[data-lead-id="${id}"]`).waitFor();
    }

    step('an owner with a workspace; an agent on a number; three people write to it (signed webhooks)', async () => {
      ctxA = await newContext();
      a = await appPage(ctxA, 'pipeline-owner');
      await signUp(a, owner);
      await a.getByLabel('Nome da empresa').fill(company);
      await a.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
      await a.waitForURL(/\/w\/[^/]+$/);
      wid = new URL(a.url()).pathname.split('/')[2];
      // The checklist before anything: every step open, each with the page where it is done.
      await a.getByRole('heading', { name: 'Primeiros passos' }).waitFor();
      await a.getByText('0 de 4 concluídos').waitFor();
      await a.getByRole('link', { name: 'Ir para Conhecimento' }).waitFor();
      await shot(a, 'home-checklist-empty');

      const r = await apiFromPage(a, 'POST', `/api/v1/workspaces/${wid}/agents`, {
        name: 'Lia', instructions: 'Venda bem.', phoneNumberId: pnid,
        accessToken: `EAAG${randomBytes(8).toString('hex')}`, status: 'active', documentIds: [],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const direct = `http://127.0.0.1:${env().settings.PORT}/internal/whatsapp`;
      for (const [from, name] of people) {
        const body = webhookBody(pnid, from, name, `Olá, sou ${name.split(' ')[0]}. Quanto custa?`);
        const sig = createHmac('sha256', E2E_WHATSAPP_APP_SECRET).update(body).digest('hex');
        const res = await fetch(direct, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${sig}` },
          body,
        });
        assert.equal(res.status, 200, await res.text());
      }
      const list = await apiFromPage(a, 'GET', `/api/v1/workspaces/${wid}/leads`);
      assert.equal(list.status, 200);
      for (const l of list.body.leads) leads[l.name.split(' ')[0]] = l.id;
      assert.deepEqual(Object.keys(leads).sort(), ['Ana', 'Bia', 'Caio']);
    });

    step('home: the checklist and today\'s figures from /summary', async () => {
      await a.goto(wsUrl());
      await a.getByText('3 de 4 concluídos').waitFor();
      const figures = a.getByTestId('today-figures');
      await figures.getByText('Novos leads').waitFor();
      const value = (label) => figures.locator('div', { has: a.getByText(label, { exact: true }) }).locator('dd');
      assert.equal((await value('Novos leads').textContent()).trim(), '3');
      assert.equal((await value('Leads qualificados').textContent()).trim(), '0');
      assert.equal((await value('Transferências para pessoas').textContent()).trim(), '0');
      // Done steps lose their link; the open one keeps it.
      assert.equal(await a.getByRole('link', { name: 'Ir para Agentes' }).count(), 0);
      await a.getByRole('link', { name: 'Ir para Conhecimento' }).waitFor();
      await a.getByText(/no horário de Brasília/).waitFor();
      await shot(a, 'home-figures');
    });

    step('kanban: a drag changes the stage, and another open browser sees it with no reload', async () => {
      await a.getByRole('link', { name: 'Leads', exact: true }).first().click();
      await a.waitForURL(wsUrl('leads'));
      await a.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
      await expectInColumn(a, 'new', leads.Ana);
      await a.getByText('Atualizando ao vivo').waitFor();

      ctxB = await newContext();
      b = await appPage(ctxB, 'pipeline-second-browser');
      await openLeadsSignedIn(b);
      await expectInColumn(b, 'new', leads.Ana);
      await b.getByText('Atualizando ao vivo').waitFor();
      await shot(a, 'leads-kanban');

      await card(a, leads.Ana).dragTo(a.locator('section[data-stage="qualified"]'));
      await expectInColumn(a, 'qualified', leads.Ana);
      await a.getByTestId('pipeline-announcer').getByText('Ana Costa movido para Qualificado.').waitFor();
      assert.equal(await leadStage(leads.Ana), 'qualified');
      // The other browser: moved by the live stream, no reload.
      await expectInColumn(b, 'qualified', leads.Ana);
      assert.equal(await b.locator(`section[data-stage="new"] li[data-lead-id="${leads.Ana}"]`).count(), 0);
      await shot(a, 'leads-kanban-after-drag');
      await shot(b, 'leads-kanban-second-browser');
    });

    step('keyboard: Alt+→ on a focused card, and the card\'s menu, move it; announced, focus kept', async () => {
      const bia = card(a, leads.Bia).getByRole('link', { name: 'Bia Rocha' });
      await bia.focus();
      await a.keyboard.press('Alt+ArrowRight');
      await expectInColumn(a, 'engaged', leads.Bia);
      await a.getByTestId('pipeline-announcer').getByText('Bia Rocha movido para Em conversa.').waitFor();
      await a.waitForFunction(
        (id) => document.activeElement?.closest('li')?.getAttribute('data-lead-id') === id
          && document.activeElement.closest('section')?.getAttribute('data-stage') === 'engaged',
        leads.Bia,
      );
      assert.equal(await leadStage(leads.Bia), 'engaged');
      // The menu, by keyboard only: Tab to its button, open, go to "Mover para Ganho".
      await a.keyboard.press('Tab');
      const menuButton = card(a, leads.Bia).getByRole('button', { name: 'Mover Bia Rocha' });
      assert.ok(await menuButton.evaluate((el) => el === document.activeElement));
      await a.keyboard.press('Enter');
      const menu = a.getByRole('menu', { name: 'Mover Bia Rocha' });
      await menu.waitFor();
      await shot(a, 'leads-kanban-move-menu');
      // Items: Novo, Qualificado, Ganho, Perdido (the current stage is left out).
      await a.keyboard.press('ArrowDown');
      await a.keyboard.press('ArrowDown');
      await a.keyboard.press('Enter');
      await expectInColumn(a, 'won', leads.Bia);
      await a.getByTestId('pipeline-announcer').getByText('Bia Rocha movido para Ganho.').waitFor();
      assert.equal(await leadStage(leads.Bia), 'won');
      await expectInColumn(b, 'won', leads.Bia);
    });

    step('table: the same leads, with filters (stage, owner)', async () => {
      await a.getByRole('button', { name: 'Tabela' }).click();
      await a.waitForURL(/view=tabela/);
      const rows = a.locator('tbody tr');
      await rows.nth(2).waitFor();
      assert.equal(await rows.count(), 3);
      await a.getByLabel('Estágio').selectOption('won');
      await a.waitForURL(/stage=won/);
      await a.locator('tbody tr').first().getByText('Bia Rocha').waitFor();
      assert.equal(await a.locator('tbody tr').count(), 1);
      await shot(a, 'leads-table-filtered');
      await a.getByLabel('Responsável').selectOption('me');
      await a.getByText('Nenhum lead com esses filtros').waitFor();
      await shot(a, 'leads-table-empty');
      await a.getByRole('button', { name: 'Limpar filtros' }).click();
      await a.locator('tbody tr').nth(2).waitFor();
    });

    step('detail: the conversation, the owner changed, the stage history', async () => {
      await a.getByRole('link', { name: 'Ana Costa' }).click();
      await a.waitForURL(wsUrl(`leads/${leads.Ana}`));
      await a.getByRole('heading', { name: 'Ana Costa', level: 1 }).waitFor();
      await a.getByText('Olá, sou Ana. Quanto custa?').waitFor();
      await a.getByTestId('lead-history').getByText('Estágio: Novo → Qualificado').waitFor();
      await a.getByTestId('lead-history').getByText(`por ${owner.name}`).waitFor();
      assert.ok(await a.getByRole('link', { name: 'Abrir em Conversas' }).getAttribute('href'));
      await a.getByLabel('Responsável').selectOption({ label: owner.name });
      await a.getByText('Responsável alterado.').waitFor();
      const r = await apiFromPage(a, 'GET', `/api/v1/workspaces/${wid}/leads/${leads.Ana}`);
      assert.ok(r.body.lead.ownerId, 'the owner was saved');
      await shot(a, 'lead-detail');
      // The owner filter now finds her.
      await a.goto(wsUrl('leads?view=tabela&owner=me'));
      await a.locator('tbody tr').first().getByText('Ana Costa').waitFor();
      assert.equal(await a.locator('tbody tr').count(), 1);
    });

    step('home again: today\'s figures counted the qualified lead', async () => {
      await a.goto(wsUrl());
      const figures = a.getByTestId('today-figures');
      const value = (label) => figures.locator('div', { has: a.getByText(label, { exact: true }) }).locator('dd');
      await a.waitForFunction(() => document.querySelector('[data-testid="today-figures"] dd')?.textContent?.trim() === '3');
      assert.equal((await value('Leads qualificados').textContent()).trim(), '1');
    });

    step('phone: the kanban scrolls column by column', async () => {
      ctxP = await newContext({ userAgent: IPHONE_UA, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const p = await appPage(ctxP, 'pipeline-phone');
      await openLeadsSignedIn(p);
      await expectInColumn(p, 'qualified', leads.Ana);
      const board = p.getByTestId('kanban');
      const sizes = await board.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, snap: getComputedStyle(el).scrollSnapType }));
      assert.ok(sizes.scroll > sizes.client * 3, `the board scrolls sideways (${JSON.stringify(sizes)})`);
      assert.match(sizes.snap, /x/);
      // Only the board scrolls sideways: the page itself stays as wide as the phone.
      const page = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.deepEqual(page, [390, 390]);
      // Swiping (scrolling) the board brings the next column into view, snapped.
      await board.evaluate((el) => el.scrollBy({ left: el.clientWidth * 0.9 }));
      await p.locator('section[data-stage="engaged"]').waitFor();
      await shot(p, 'leads-kanban-phone');
    });
  });
}
