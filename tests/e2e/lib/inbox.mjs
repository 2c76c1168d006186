/**
 * The inbox (Conversas) in the browser, in one topology (scenario.mjs calls
 * inboxFlow with its helpers): a lead writes through the stand-in Graph API
 * (a signed webhook) and the open inbox shows it with no reload; the
 * conversation opens, a second message arrives live; a person's reply goes
 * out (the stand-in records it and its ticks move to "read"; in the
 * production topologies a send to a loopback address is refused before any
 * connection, so the reply stays ours and nothing leaves); take over and
 * hand back; internal notes; piloto restarts while a message arrives, and
 * the page catches up on its own; on a phone's screen the two panes are one
 * with back navigation. Every step's page is screenshotted and axe-checked.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe } from 'node:test';
import { IPHONE_UA, waitFor } from './harness.mjs';

export function inboxFlow({ getEnv, chain, shot, newContext, signUp, problems, stamp }) {
  describe('inbox (Conversas)', () => {
    const owner = {
      name: 'Inês Dias',
      email: `ines.${stamp}@empresa.com.br`,
      password: 'ines tem uma senha longa',
    };
    const pnid = String(100000000000 + Math.floor(Math.random() * 8e11));
    const token = `EAAG-e2e-${randomBytes(8).toString('hex')}`;
    const leadPhone = `55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const leadName = 'Carla Mendes';
    let ctx;
    let phoneCtx;
    let p;
    let wid;
    let leadId;
    // While piloto is down on purpose, the browser's failed requests are expected.
    let downOnPurpose = false;
    const step = chain(() => [ctx, phoneCtx]);
    const env = () => getEnv();
    const wsUrl = (sub = '') => `${env().app}/w/${wid}${sub ? `/${sub}` : ''}`;

    after(async () => {
      for (const c of [ctx, phoneCtx]) await c?.close().catch(() => {});
    });

    async function page(c, label) {
      const pg = await c.newPage();
      pg.on('pageerror', (err) => problems.push(`${label}: page error: ${err.message}`));
      pg.on('console', (msg) => {
        const text = msg.text();
        if (/Content[- ]Security[- ]Policy/i.test(text)) problems.push(`${label}: CSP: ${text}`);
        else if (msg.type() === 'error' && !downOnPurpose && !/status of (401|403|404|422|429)/.test(text)) {
          problems.push(`${label}: console error at ${pg.url()}: ${text}`);
        }
      });
      return pg;
    }

    /** A call of the API from the page, with the session cookie and a CSRF token. */
    async function api(pg, method, path, body) {
      return pg.evaluate(
        async ([base, m, pth, b]) => {
          const c = await (await fetch(`${base}/auth/csrf`, { credentials: 'include' })).json();
          const r = await fetch(base + pth, {
            method: m,
            credentials: 'include',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': c.csrfToken },
            body: b ? JSON.stringify(b) : undefined,
          });
          return { status: r.status, body: await r.json().catch(() => null) };
        },
        [env().api, method, path, body],
      );
    }

    /** The lead writes: a signed webhook from the stand-in (resent until piloto answers 200). */
    async function leadWrites(text) {
      const out = await env().graph.control('deliver', {
        phone_number_id: pnid,
        names: { [leadPhone]: leadName },
        messages: [
          {
            from: leadPhone,
            id: `wamid.${randomBytes(12).toString('hex')}`,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: text },
          },
        ],
      });
      return out.answers;
    }

    const bubble = (text) => p.getByTestId('message').filter({ hasText: text });

    step('sign up, a workspace, and an agent on the stand-in\'s number', async () => {
      ctx = await newContext();
      p = await page(ctx, 'inbox');
      await signUp(p, owner);
      await p.getByLabel('Nome da empresa').fill(`Loja ${stamp}`);
      await p.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
      await p.waitForURL(/\/w\/[^/]+$/);
      wid = new URL(p.url()).pathname.split('/')[2];
      const r = await api(p, 'POST', `/api/v1/workspaces/${wid}/agents`, {
        name: 'Ana',
        instructions: 'Seja cordial.',
        phoneNumberId: pnid,
        accessToken: token,
        status: 'active',
        documentIds: [],
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await env().graph.control('numbers', { phone_number_id: pnid, token });
    });

    step('the inbox, empty and live', async () => {
      await p.getByRole('link', { name: 'Conversas', exact: true }).click();
      await p.waitForURL(wsUrl('conversas'));
      await p.getByRole('heading', { name: 'Conversas', level: 1 }).waitFor();
      await p.getByText('Nenhuma conversa por enquanto').waitFor();
      await p.getByRole('status').filter({ hasText: 'Ao vivo' }).waitFor();
      await shot(p, 'inbox-empty');
    });

    step('a lead writes (signed webhook from the stand-in): it appears in the open inbox, no reload', async () => {
      await p.evaluate(() => {
        window.__sameDocument = true;
      });
      assert.deepEqual(await leadWrites('Olá! Vocês têm o plano anual?'), [200]);
      const row = p.getByTestId('inbox-lead').filter({ hasText: leadName });
      await row.waitFor();
      await row.getByText('Olá! Vocês têm o plano anual?').waitFor();
      await row.getByText('1 mensagem não lida').waitFor();
      assert.equal(await p.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
      await shot(p, 'inbox-new-lead');
    });

    step('open the conversation: the message, the window\'s time left; the team has read it', async () => {
      await p.getByTestId('inbox-lead').filter({ hasText: leadName }).click();
      await p.waitForURL(new RegExp(`/w/${wid}/conversas/[^/]+$`));
      leadId = decodeURIComponent(new URL(p.url()).pathname.split('/').pop());
      await p.getByTestId('conversation-title').filter({ hasText: leadName }).waitFor();
      await bubble('Olá! Vocês têm o plano anual?').waitFor();
      assert.match(await p.getByTestId('window-left').innerText(), /fecha em 2[34] h/);
      await p.getByTestId('conversation-answerer').filter({ hasText: 'Atendida pelo agente Ana' }).waitFor();
      await waitFor(async () => (await p.getByTestId('inbox-unread').count()) === 0, 10_000, 'unread cleared');
      await shot(p, 'inbox-conversation');
    });

    step('a second message appears in the open conversation, live', async () => {
      assert.deepEqual(await leadWrites('Quanto custa?'), [200]);
      await bubble('Quanto custa?').waitFor();
      assert.equal(await p.evaluate(() => window.__sameDocument), true);
    });

    step('a person\'s reply goes out', async () => {
      const text = `O plano anual custa R$ 1.200 (${stamp}).`;
      await p.getByLabel('Sua resposta').fill(text);
      await p.getByRole('button', { name: 'Enviar', exact: true }).click();
      const mine = bubble(text);
      await mine.waitFor();
      assert.equal(await mine.getAttribute('data-author'), 'person');
      assert.equal(await p.getByLabel('Sua resposta').inputValue(), '');
      if (!env().cross) {
        // The stand-in got it with the number's token, and its statuses come back: ticks to "read".
        await waitFor(
          async () => (await env().graph.state()).sends.some((s) => s.body === text && s.phone_number_id === pnid),
          20_000,
          'the send at the stand-in',
        );
        await mine.locator('[data-status="read"]').waitFor({ timeout: 20_000 });
      } else {
        // Production refuses a loopback Graph API before connecting: nothing left the machine.
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(!(await env().graph.state()).sends.some((s) => s.body === text));
      }
      await shot(p, 'inbox-reply');
    });

    step('take over, then hand back to the agent', async () => {
      await p.getByRole('button', { name: 'Assumir conversa' }).click();
      await p.getByTestId('conversation-answerer').filter({ hasText: 'Assumida por Inês Dias' }).waitFor();
      await p.getByTestId('inbox-lead').filter({ hasText: leadName }).getByText('Assumida').waitFor();
      let r = await api(p, 'GET', `/api/v1/workspaces/${wid}/leads/${leadId}`);
      assert.equal(r.body.lead.takenOver, true);
      await shot(p, 'inbox-taken-over');
      await p.getByRole('button', { name: 'Devolver ao agente' }).click();
      await p.getByTestId('conversation-answerer').filter({ hasText: 'Atendida pelo agente Ana' }).waitFor();
      r = await api(p, 'GET', `/api/v1/workspaces/${wid}/leads/${leadId}`);
      assert.equal(r.body.lead.takenOver, false);
    });

    step('internal notes', async () => {
      await p.getByRole('button', { name: 'Notas internas' }).click();
      await p.getByText('Nenhuma nota ainda.').waitFor();
      await p.getByLabel('Nova nota').fill('Cliente pediu a proposta por e-mail.');
      await p.getByRole('button', { name: 'Adicionar nota' }).click();
      await p.getByTestId('note').filter({ hasText: 'Cliente pediu a proposta por e-mail.' }).waitFor();
      await shot(p, 'inbox-notes');
      await p.getByRole('button', { name: 'Mensagens' }).click();
      await bubble('Quanto custa?').waitFor();
    });

    step('piloto restarts while the lead writes: the page catches up with no reload', async () => {
      downOnPurpose = true;
      await env().stopPiloto();
      await p.getByRole('status').filter({ hasText: 'Reconectando…' }).waitFor({ timeout: 30_000 });
      // Not acknowledged while piloto is down: the stand-in sends it again, as Meta does.
      const answers = await leadWrites('Ainda estão aí?');
      assert.notDeepEqual(answers, [200]);
      await env().startPiloto();
      await bubble('Ainda estão aí?').waitFor({ timeout: 45_000 });
      await p.getByRole('status').filter({ hasText: 'Ao vivo' }).waitFor({ timeout: 45_000 });
      assert.equal(await p.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
      downOnPurpose = false;
      await shot(p, 'inbox-after-restart');
    });

    step('on a phone\'s screen: one pane at a time, with back navigation', async () => {
      phoneCtx = await newContext({
        viewport: { width: 390, height: 844 },
        userAgent: IPHONE_UA,
        isMobile: true,
        hasTouch: true,
      });
      const ph = await page(phoneCtx, 'inbox-phone');
      await ph.goto(`${env().app}/entrar`);
      await ph.getByLabel('E-mail').fill(owner.email);
      await ph.getByLabel('Senha', { exact: true }).fill(owner.password);
      await ph.getByRole('button', { name: 'Entrar', exact: true }).click();
      await ph.waitForURL(/\/w\//);
      await ph.goto(wsUrl('conversas'));
      const row = ph.getByTestId('inbox-lead').filter({ hasText: leadName });
      await row.waitFor();
      assert.equal(await ph.getByText('Escolha uma conversa').isVisible(), false);
      await shot(ph, 'inbox-phone-list');
      await row.click();
      await ph.getByTestId('conversation-title').filter({ hasText: leadName }).waitFor();
      assert.equal(await row.isVisible(), false, 'the list is hidden while a conversation is open');
      await shot(ph, 'inbox-phone-conversation');
      await ph.getByRole('link', { name: 'Voltar às conversas' }).click();
      await row.waitFor();
      assert.equal(await ph.getByTestId('conversation-title').count(), 0);
    });
  });
}
