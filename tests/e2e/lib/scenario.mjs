/**
 * What a person does with the dashboard, in one topology (see topology.mjs):
 *
 *   account flow   sign up (and verify the address through the mailed link),
 *                  log out, log in, the account pages, revoke another
 *                  session, change the password, reset it through the mail;
 *   Google         sign in with the local OpenID provider (tests/support/oidc);
 *   workspaces     create one from the first step, invite through the mailed
 *                  link (signing up from it, and accepting signed in in a
 *                  second browser; the wrong account is told so), the audit
 *                  log, a role change hiding the admin pages, removal ending
 *                  access;
 *   pipeline       leads from signed webhooks, the home page's checklist and
 *                  figures, the kanban (drag, keyboard, a second browser
 *                  seeing the move live), the table, a lead's page
 *                  (lib/pipeline.mjs);
 *   attacks        pages of another site and of a sibling origin try to use
 *                  a signed-in victim's session: a self-posting form, fetch()
 *                  with credentials of /auth/me, POST /auth/logout and
 *                  DELETE /api/v1/me/sessions. All must fail, and the
 *                  victim's sessions must still work.
 *
 * Each flow is a chain of node:test steps: once a step fails, the later steps
 * of the same flow are skipped (they would only fail for the same reason).
 * Assertions are on visible Portuguese text (web/src/i18n/pt-BR.ts), on the
 * cookies the browser holds, and on what went over the network. Every page
 * is screenshotted into tests/artifacts/e2e/<topology>/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DESKTOP_UA, IPHONE_UA, PYTHON, ROOT, oidcAvailable, waitFor, waitForMailLink } from './harness.mjs';
import { inboxFlow } from './inbox.mjs';
import { pipelineFlow } from './pipeline.mjs';
import { ATTACKER_EMAIL, ATTACKER_PASSWORD, expectedCookies, startTopology } from './topology.mjs';

const STEP_TIMEOUT = 90_000;
/* axe-core (npm), injected into every page a step screenshots: WCAG 2.1 A and AA rules. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/* The landmark rules too (axe files them as best practice): every piece of a page in a landmark. */
const AXE_LANDMARK_RULES = [
  'region',
  'landmark-one-main',
  'landmark-no-duplicate-main',
  'landmark-unique',
  'landmark-main-is-top-level',
  'landmark-banner-is-top-level',
  'landmark-complementary-is-top-level',
  'landmark-contentinfo-is-top-level',
];
const UI_TIMEOUT = 15_000;

export function runTopology(name) {
  describe(name, { timeout: 600_000 }, () => {
    let env;
    const problems = [];
    let shots = 0;
    const stamp = Date.now().toString(36);

    before(async () => {
      env = await startTopology(name);
    });

    after(async () => {
      if (env) await env.stop();
    });

    /* -------------------------------------------------------------- */
    /* helpers                                                         */
    /* -------------------------------------------------------------- */

    const exp = () => expectedCookies(env);
    const cookieName = (base) => `${exp().prefix}${base}`;

    async function newContext(opts = {}) {
      const ctx = await env.browser.newContext({
        viewport: { width: 1280, height: 820 },
        locale: 'pt-BR',
        timezoneId: 'America/Sao_Paulo',
        userAgent: DESKTOP_UA,
        ...opts,
      });
      ctx.setDefaultTimeout(UI_TIMEOUT);
      ctx.setDefaultNavigationTimeout(UI_TIMEOUT);
      return ctx;
    }

    /** A page of the app: page errors, CSP violations and unexpected console errors are problems. */
    async function appPage(ctx, label) {
      const page = await ctx.newPage();
      page.on('pageerror', (err) => problems.push(`${label}: page error: ${err.message}`));
      page.on('console', (msg) => {
        const text = msg.text();
        if (/Content[- ]Security[- ]Policy/i.test(text)) {
          problems.push(`${label}: CSP: ${text}`);
        } else if (
          msg.type() === 'error' &&
          page.url().startsWith(env.app) &&
          !/status of (401|403|404|422|429)/.test(text)
        ) {
          problems.push(`${label}: console error at ${page.url()}: ${text}`);
        }
      });
      return page;
    }

    /** axe-core's WCAG 2.1 A/AA and landmark violations on the page as it is: each one is a problem. */
    async function axeCheck(page, what) {
      // The dashboard's own pages only: not the stand-in identity provider, not raw API answers.
      if (!page.url().startsWith(env.app) || !(await page.locator('#root').count())) return;
      // Through the DevTools protocol, as the page's CSP (script-src 'self') would refuse a tag.
      await page.evaluate(AXE_SOURCE);
      const violations = await page.evaluate(async ([tags, landmarks]) => {
        const pick = (r) =>
          r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
          }));
        // eslint-disable-next-line no-undef
        const wcag = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
        // eslint-disable-next-line no-undef
        const marks = await axe.run(document, { runOnly: { type: 'rule', values: landmarks } });
        return [...pick(wcag), ...pick(marks)];
      }, [AXE_TAGS, AXE_LANDMARK_RULES]);
      for (const v of violations) {
        problems.push(`${what}: axe ${v.id} (${v.impact}) at ${v.nodes.join(', ')} — ${page.url()}`);
      }
    }

    async function shot(page, what) {
      shots += 1;
      const file = join(env.artifacts, `${String(shots).padStart(2, '0')}-${what}.png`);
      await page.waitForTimeout(150);
      await page.screenshot({ path: file, fullPage: true });
      await axeCheck(page, what);
      return file;
    }

    async function failureShots(step, contexts) {
      const slug = step.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 50);
      let i = 0;
      for (const ctx of contexts) {
        for (const page of ctx?.pages?.() ?? []) {
          i += 1;
          await page
            .screenshot({ path: join(env.artifacts, `FAILED-${slug}-${i}.png`), fullPage: true })
            .catch(() => {});
        }
      }
    }

    /** A chain of steps: after a failure, the rest of the chain is skipped. */
    function chain(contexts) {
      let broken = null;
      return (title, fn) =>
        it(title, { timeout: STEP_TIMEOUT }, async (t) => {
          if (!env) {
            t.skip('the topology did not start');
            return;
          }
          if (broken) {
            t.skip(`an earlier step failed: ${broken}`);
            return;
          }
          try {
            await fn(t);
          } catch (err) {
            broken = title;
            await failureShots(title, contexts());
            throw err;
          }
        });
    }

    /** The piloto cookies of a context, by their base name. */
    async function pilotoCookies(ctx) {
      const all = await ctx.cookies();
      const get = (base) => all.find((c) => c.name === cookieName(base));
      return { all, session: get('piloto_session'), csrf: get('piloto_csrf') };
    }

    function assertCookieAttributes(c, base) {
      const e = exp();
      assert.ok(c, `no ${cookieName(base)} cookie`);
      assert.equal(c.name, `${e.prefix}${base}`);
      assert.equal(c.domain, e.domain, `${c.name} domain`);
      assert.equal(c.path, '/', `${c.name} path`);
      assert.equal(c.secure, e.secure, `${c.name} Secure`);
      assert.equal(c.httpOnly, true, `${c.name} HttpOnly`);
      assert.equal(c.sameSite, 'Lax', `${c.name} SameSite`);
    }

    /** Status of a credentialed GET of the API, from a page of the app. */
    async function apiStatusFromApp(page, path) {
      return page.evaluate(
        async ([api, p]) => (await fetch(api + p, { credentials: 'include' })).status,
        [env.api, path],
      );
    }

    /** piloto's request log lines (JSON) from line `from` on: {method, path, status, ua}. */
    function pilotoRequests(from = 0) {
      return env.piloto
        .log()
        .split('\n')
        .slice(from)
        .filter((l) => l.startsWith('{') && l.includes('"httpRequest"'))
        .map((l) => {
          const j = JSON.parse(l);
          return { method: j.httpRequest.requestMethod, path: j.httpRequest.requestUrl, status: j.httpRequest.status, ua: j.httpRequest.userAgent, error: j.error, note: j.note };
        });
    }

    function pilotoLogLines() {
      return env.piloto.log().split('\n').length - 1;
    }

    async function signUp(page, { name, email, password }) {
      await page.goto(`${env.app}/cadastro`);
      await page.getByRole('heading', { name: 'Crie sua conta' }).waitFor();
      await page.getByLabel('Seu nome').fill(name);
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Senha', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Criar conta' }).click();
    }

    async function logIn(page, { email, password, remember = false }) {
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Senha', { exact: true }).fill(password);
      if (remember) await page.getByLabel('Lembrar de mim').check();
      await page.getByRole('button', { name: 'Entrar', exact: true }).click();
    }

    /* -------------------------------------------------------------- */
    /* the account flow                                                */
    /* -------------------------------------------------------------- */

    describe('account flow', () => {
      const email = `ana.${stamp}@empresa.com.br`;
      const passwords = ['correct horse battery staple', 'outra senha bem comprida 2', 'terceira senha muito longa 3'];
      let ctxA;
      let ctxB;
      let ctxC;
      let a;
      let b;
      let c;
      let sessionBeforePasswordChange;
      const step = chain(() => [ctxA, ctxB, ctxC]);

      after(async () => {
        for (const ctx of [ctxA, ctxB, ctxC]) await ctx?.close().catch(() => {});
      });

      step('a signed-out visit to /conta/sessoes lands on the login page with ?next=', async () => {
        ctxA = await newContext();
        a = await appPage(ctxA, 'desktop');
        await a.goto(`${env.app}/conta/sessoes`);
        await a.waitForURL(`${env.app}/entrar?next=%2Fconta%2Fsessoes`);
        await a.getByRole('heading', { name: 'Bem-vindo de volta' }).waitFor();
        await shot(a, 'login');
        // Before any session: a pre-session CSRF cookie only.
        const { session, csrf } = await pilotoCookies(ctxA);
        assert.equal(session, undefined);
        assertCookieAttributes(csrf, 'piloto_csrf');
      });

      step('sign up: lands on ?next= with a session', async () => {
        await a.getByRole('link', { name: 'Criar conta' }).click();
        await a.getByRole('heading', { name: 'Crie sua conta' }).waitFor();
        await a.getByLabel('Seu nome').fill('Ana Souza');
        await a.getByLabel('E-mail').fill(email);
        await a.getByLabel('Senha', { exact: true }).fill('password1234');
        await a.getByRole('button', { name: 'Criar conta' }).click();
        await a.getByText(/muito comum/).waitFor();
        await shot(a, 'signup-common-password');
        await a.getByLabel('Senha', { exact: true }).fill(passwords[0]);
        await a.getByRole('button', { name: 'Criar conta' }).click();
        await a.waitForURL(`${env.app}/conta/sessoes`);
        await a.getByText('Este dispositivo', { exact: true }).waitFor();
        await a.getByText(/Confirme seu e-mail/).waitFor();
        await shot(a, 'signup-done-sessions');
        const { all, session, csrf } = await pilotoCookies(ctxA);
        assertCookieAttributes(session, 'piloto_session');
        assertCookieAttributes(csrf, 'piloto_csrf');
        assert.equal(session.expires, -1, 'a sign-up is not remembered: a browser-session cookie');
        assert.match(session.value, /^[A-Za-z0-9_-]{43}$/);
        if (env.cross && !env.cookieDomain) {
          assert.ok(!all.some((x) => x.domain.endsWith('app.piloto.test')), 'no cookie belongs to app.');
        }
        assert.equal(await apiStatusFromApp(a, '/auth/me'), 200);
      });

      step('verify the address with the link mailed through SMTP', async () => {
        const { mail, link } = await waitForMailLink(env.maildir, { to: email, path: '/verificar-email?token=' });
        assert.match(mail.subject, /Confirme seu e-mail/);
        assert.ok(link.startsWith(`${env.app}/verificar-email?token=`), link);
        writeFileSync(join(env.artifacts, 'mail-verify.txt'), mail.text);
        await a.goto(link);
        await a.getByRole('heading', { name: 'E-mail confirmado' }).waitFor();
        await shot(a, 'email-verified');
      });

      step('log out: back on the login page, the session cookie is gone', async () => {
        await a.getByRole('link', { name: 'Ir para o painel' }).click();
        await a.getByRole('heading', { name: 'Olá, Ana!' }).waitFor();
        await a.getByRole('button', { name: /Menu da conta/ }).click();
        await a.getByRole('menuitem', { name: 'Sair' }).click();
        await a.waitForURL(`${env.app}/entrar`);
        await a.getByText('Você saiu da sua conta.').waitFor();
        await shot(a, 'logged-out');
        assert.equal((await pilotoCookies(ctxA)).session, undefined);
        assert.equal(await apiStatusFromApp(a, '/auth/me'), 401);
      });

      step('log in with "Lembrar de mim": a persistent cookie of 30 days', async () => {
        await logIn(a, { email, password: 'senha errada mas comprida', remember: false });
        await a.getByText('E-mail ou senha incorretos.').waitFor();
        await shot(a, 'login-wrong-password');
        await logIn(a, { email, password: passwords[0], remember: true });
        await a.getByRole('heading', { name: 'Olá, Ana!' }).waitFor();
        await shot(a, 'home');
        const { session } = await pilotoCookies(ctxA);
        assertCookieAttributes(session, 'piloto_session');
        const days = (session.expires - Date.now() / 1000) / 86400;
        assert.ok(days > 29 && days <= 30.01, `remembered cookie lives ${days} days`);
      });

      step('the account pages', async () => {
        await a.getByRole('button', { name: /Menu da conta/ }).click();
        await a.getByRole('menuitem', { name: 'Minha conta' }).click();
        await a.waitForURL(`${env.app}/conta/perfil`);
        await a.getByRole('heading', { name: 'Minha conta' }).waitFor();
        assert.equal(await a.getByLabel('Nome', { exact: true }).inputValue(), 'Ana Souza');
        assert.equal(await a.locator('#profile-email').inputValue(), email);
        await a.getByText('Confirmado', { exact: true }).waitFor();
        await shot(a, 'account-profile');
        await a.getByRole('link', { name: 'Senha e acesso' }).click();
        await a.getByRole('button', { name: 'Alterar senha' }).waitFor();
        await a.getByText(`Entrar com ${email} e sua senha`).waitFor();
        await shot(a, 'account-security');
        await a.getByRole('link', { name: 'Sessões' }).click();
        await a.getByRole('heading', { name: 'Sessões ativas' }).waitFor();
        await a.getByText('Nenhuma outra sessão aberta').waitFor();
        await a.getByText('Lembrar de mim', { exact: true }).waitFor();
        await shot(a, 'account-sessions');
      });

      step('revoke another session: the other browser is sent to login on its next action', async () => {
        ctxB = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: IPHONE_UA });
        b = await appPage(ctxB, 'phone');
        await b.goto(`${env.app}/entrar`);
        await logIn(b, { email, password: passwords[0] });
        await b.getByRole('heading', { name: 'Olá, Ana!' }).waitFor();
        await shot(b, 'phone-home');
        const bSession = (await pilotoCookies(ctxB)).session;
        assertCookieAttributes(bSession, 'piloto_session');

        await a.reload();
        await a.getByText('Safari em iPhone').waitFor();
        await shot(a, 'sessions-two');
        await a.getByRole('button', { name: 'Encerrar a sessão em Safari em iPhone' }).click();
        await a.getByText('Sessão encerrada.').waitFor();
        await a.getByText('Nenhuma outra sessão aberta').waitFor();
        await shot(a, 'sessions-revoked');

        await b.getByRole('link', { name: /Ver sessões ativas/ }).click();
        await b.waitForURL(`${env.app}/entrar?next=%2Fconta%2Fsessoes`);
        await b.getByText('Sua sessão terminou. Entre novamente para continuar.').first().waitFor();
        await shot(b, 'phone-session-ended');
        assert.equal((await pilotoCookies(ctxB)).session, undefined, 'the revoked cookie was cleared');
        // The revoker is still signed in.
        assert.equal(await apiStatusFromApp(a, '/auth/me'), 200);
      });

      step('change the password: a new session cookie, and the next write still passes CSRF', async () => {
        sessionBeforePasswordChange = (await pilotoCookies(ctxA)).session;
        await a.getByRole('link', { name: 'Senha e acesso' }).click();
        await a.getByLabel('Senha atual').fill('nao e a minha senha');
        await a.getByLabel('Nova senha', { exact: true }).fill(passwords[1]);
        await a.getByLabel('Confirme a nova senha').fill(passwords[1]);
        await a.getByRole('button', { name: 'Alterar senha' }).click();
        await a.getByText('A senha atual está incorreta.').waitFor();
        await shot(a, 'password-wrong-current');
        await a.getByLabel('Senha atual').fill(passwords[0]);
        await a.getByRole('button', { name: 'Alterar senha' }).click();
        await a.getByText('Senha alterada. As outras sessões foram encerradas.').first().waitFor();
        await shot(a, 'password-changed');
        const after = (await pilotoCookies(ctxA)).session;
        assertCookieAttributes(after, 'piloto_session');
        assert.notEqual(after.value, sessionBeforePasswordChange.value, 'a new session id');
        assert.ok(after.expires > 0, 'the new session keeps "remember me"');

        await a.getByRole('link', { name: 'Perfil' }).click();
        await a.getByLabel('Nome', { exact: true }).fill('Ana Paula Souza');
        await a.getByRole('button', { name: 'Salvar' }).click();
        await a.getByText('Perfil atualizado.').waitFor();
        await shot(a, 'profile-renamed');
      });

      step('the cookie from before the password change no longer works (the current one does)', async () => {
        const current = (await pilotoCookies(ctxA)).session;
        for (const [cookie, works] of [[current, true], [sessionBeforePasswordChange, false]]) {
          const ctx = await newContext();
          try {
            await ctx.addCookies([{ ...cookie, expires: -1 }]);
            const held = (await pilotoCookies(ctx)).session;
            assert.equal(held?.value, cookie.value, 'the copied cookie is in the jar');
            const p = await appPage(ctx, works ? 'copied-cookie' : 'old-cookie');
            await p.goto(`${env.app}/conta/perfil`);
            if (works) {
              await p.getByRole('heading', { name: 'Minha conta' }).waitFor();
              assert.equal(p.url(), `${env.app}/conta/perfil`);
            } else {
              await p.waitForURL(`${env.app}/entrar?next=%2Fconta%2Fperfil`);
              await p.getByRole('heading', { name: 'Bem-vindo de volta' }).waitFor();
              await shot(p, 'old-cookie-refused');
            }
          } finally {
            await ctx.close();
          }
        }
      });

      step('forgot password in another browser, reset with the mailed link', async () => {
        ctxC = await newContext();
        c = await appPage(ctxC, 'guest');
        await c.goto(`${env.app}/entrar`);
        await c.getByRole('link', { name: 'Esqueceu a senha?' }).click();
        await c.getByRole('heading', { name: 'Redefinir a senha' }).waitFor();
        await shot(c, 'forgot');
        await c.getByLabel('E-mail').fill(email);
        await c.getByRole('button', { name: 'Enviar link' }).click();
        await c.getByRole('heading', { name: 'Verifique seu e-mail' }).waitFor();
        await shot(c, 'forgot-sent');
        const { mail, link } = await waitForMailLink(env.maildir, { to: email, path: '/redefinir-senha?token=' });
        assert.match(mail.subject, /Redefini/);
        assert.ok(link.startsWith(`${env.app}/redefinir-senha?token=`), link);
        writeFileSync(join(env.artifacts, 'mail-reset.txt'), mail.text);
        await c.goto(link);
        await c.getByRole('heading', { name: 'Crie uma nova senha' }).waitFor();
        await shot(c, 'reset');
        await c.getByLabel('Nova senha', { exact: true }).fill(passwords[2]);
        await c.getByLabel('Confirme a nova senha').fill(passwords[2]);
        await c.getByRole('button', { name: 'Salvar nova senha' }).click();
        await c.getByRole('heading', { name: 'Senha redefinida' }).waitFor();
        await shot(c, 'reset-done');
        await c.getByRole('link', { name: 'Ir para o painel' }).click();
        await c.getByRole('heading', { name: 'Olá, Ana!' }).waitFor();
        assertCookieAttributes((await pilotoCookies(ctxC)).session, 'piloto_session');
      });

      step('the reset ended the first browser\'s session; the new password logs it in', async () => {
        await a.getByRole('link', { name: 'Sessões' }).click();
        await a.waitForURL(`${env.app}/entrar?next=%2Fconta%2Fsessoes`);
        await a.getByText('Sua sessão terminou. Entre novamente para continuar.').first().waitFor();
        await logIn(a, { email, password: passwords[1] });
        await a.getByText('E-mail ou senha incorretos.').waitFor();
        await logIn(a, { email, password: passwords[2] });
        await a.waitForURL(`${env.app}/conta/sessoes`);
        await a.getByText('Este dispositivo', { exact: true }).waitFor();
        await shot(a, 'login-after-reset');
      });
    });

    /* -------------------------------------------------------------- */
    /* Google sign-in                                                  */
    /* -------------------------------------------------------------- */

    describe('Google sign-in', () => {
      let ctx;
      const step = chain(() => [ctx]);
      after(async () => {
        await ctx?.close().catch(() => {});
      });

      if (!oidcAvailable()) {
        it('Google sign-in against the local OpenID provider', { skip: 'tests/support/oidc/provider.js is not there yet' }, () => {});
        return;
      }

      step('sign in with Google (local OpenID provider): a new account, signed in', async () => {
        const sub = `g-${stamp}`;
        const gEmail = `gabriela.${stamp}@gmail.com`;
        writeFileSync(env.oidcAccounts, JSON.stringify({ [sub]: { email: gEmail, email_verified: true, name: 'Gabriela Lima' } }));
        ctx = await newContext();
        const page = await appPage(ctx, 'google');
        await page.goto(`${env.app}/entrar`);
        await page.getByRole('link', { name: 'Entrar com Google' }).click();
        await page.waitForURL((u) => u.href.startsWith(`${env.oidc.issuer}/interaction/`));
        await shot(page, 'google-provider-login');
        const pre = (await ctx.cookies()).find((x) => x.name === cookieName('piloto_oauth'));
        assertCookieAttributes(pre, 'piloto_oauth');
        await page.locator('input[name=login]').fill(sub);
        await page.locator('input[name=password]').fill('qualquer coisa');
        await page.getByRole('button', { name: 'Sign-in' }).click();
        await page.waitForURL(`${env.app}/`);
        await page.getByRole('heading', { name: 'Olá, Gabriela!' }).waitFor();
        await shot(page, 'google-home');
        const { all, session } = await pilotoCookies(ctx);
        assertCookieAttributes(session, 'piloto_session');
        assert.equal(session.expires, -1, 'not remembered');
        assert.ok(!all.some((x) => x.name === cookieName('piloto_oauth')), 'the pre-auth cookie was cleared');
        await page.goto(`${env.app}/conta/seguranca`);
        await page.getByText(new RegExp(`${gEmail.replace(/\./g, '\\.')} · conectada em`)).waitFor();
        await shot(page, 'google-account-methods');
      });

      step('connect Google from the settings of a password account, then sign in with it', async () => {
        const sub = `c-${stamp}`;
        const gEmail = `carla.pessoal.${stamp}@gmail.com`;
        const email = `carla.${stamp}@empresa.com.br`;
        writeFileSync(env.oidcAccounts, JSON.stringify({ [sub]: { email: gEmail, email_verified: true, name: 'Carla G' } }));
        // Another person, another browser (none of the provider session above).
        await ctx.close();
        ctx = await newContext();
        const page = await appPage(ctx, 'google-connect');
        await signUp(page, { name: 'Carla Dias', email, password: 'carla tem uma senha longa' });
        await page.getByRole('heading', { name: 'Olá, Carla!' }).waitFor();
        await page.goto(`${env.app}/conta/seguranca`);
        const before = (await pilotoCookies(ctx)).session.value;
        await page.getByRole('button', { name: 'Conectar uma conta Google' }).click();
        await page.waitForURL((u) => u.href.startsWith(`${env.oidc.issuer}/interaction/`));
        await page.locator('input[name=login]').fill(sub);
        await page.locator('input[name=password]').fill('qualquer coisa');
        await page.getByRole('button', { name: 'Sign-in' }).click();
        await page.waitForURL((u) => u.href.startsWith(`${env.app}/conta/seguranca`));
        await page.getByText('Conta Google conectada. Você já pode entrar com ela.').waitFor();
        await page.getByText(new RegExp(`${gEmail.replace(/\./g, '\\.')} · conectada em`)).waitFor();
        await shot(page, 'google-connected');
        assert.equal((await pilotoCookies(ctx)).session.value, before, 'connecting keeps the session');
        // Signed out, "Entrar com Google" now opens Carla's account (the provider
        // still has its own session for this browser: no login form this time).
        await page.getByRole('button', { name: /Menu da conta/ }).click();
        await page.getByRole('menuitem', { name: 'Sair' }).click();
        await page.waitForURL(`${env.app}/entrar`);
        await page.getByRole('link', { name: 'Entrar com Google' }).click();
        await page.waitForURL(`${env.app}/`);
        await page.getByRole('heading', { name: 'Olá, Carla!' }).waitFor();
      });
    });

    /* -------------------------------------------------------------- */
    /* workspaces: create, invite, accept, roles, removal              */
    /* -------------------------------------------------------------- */

    describe('workspaces', () => {
      const company = `Acme ${stamp}`;
      const owner = { name: 'Olívia Prado', email: `olivia.${stamp}@empresa.com.br`, password: 'olivia tem uma senha longa' };
      const admin = { name: 'Bruno Lima', email: `bruno.${stamp}@empresa.com.br`, password: 'bruno tem uma senha longa' };
      const member = { name: 'Marta Reis', email: `marta.${stamp}@empresa.com.br`, password: 'marta tem uma senha longa' };
      let ctxO;
      let ctxB;
      let ctxM;
      let o;
      let b;
      let m;
      let wid;
      const step = chain(() => [ctxO, ctxB, ctxM]);
      const wsUrl = (sub = '') => `${env.app}/w/${wid}${sub ? `/${sub}` : ''}`;

      after(async () => {
        for (const ctx of [ctxO, ctxB, ctxM]) await ctx?.close().catch(() => {});
      });

      /** The settings tabs a page shows (Membros, Convites, Auditoria). */
      async function settingsTabs(page) {
        const nav = page.getByRole('navigation', { name: 'Seções das configurações' });
        await nav.waitFor();
        return nav.getByRole('link').allTextContents();
      }

      /** Confirms the password if the server asks for a recent authentication. */
      async function reauthIfAsked(page, password, done) {
        const dialog = page.getByRole('dialog', { name: 'Confirme sua senha' });
        const first = await Promise.race(
          [dialog.waitFor().then(() => 'dialog'), done.waitFor().then(() => 'done')].map((p) =>
            p.catch(() => 'timeout'),
          ),
        );
        if (first === 'dialog') {
          await dialog.getByLabel('Senha', { exact: true }).fill(password);
          await dialog.getByRole('button', { name: 'Confirmar' }).click();
        }
        await done.waitFor();
      }

      async function invite(email, roleValue) {
        await o.getByRole('link', { name: 'Convites', exact: true }).click();
        await o.waitForURL(wsUrl('configuracoes/convites'));
        await o.getByLabel('E-mail', { exact: true }).fill(email);
        await o.getByLabel('Papel').selectOption(roleValue);
        await o.getByRole('button', { name: 'Enviar convite' }).click();
        await o.getByRole('status').filter({ hasText: `Convite enviado para ${email}.` }).first().waitFor();
        await o.getByRole('button', { name: `Revogar o convite para ${email}` }).waitFor();
        const { mail, link } = await waitForMailLink(env.maildir, { to: email, path: '/convites/aceitar?token=' });
        assert.ok(link.startsWith(`${env.app}/convites/aceitar?token=`), link);
        assert.ok(mail.text.includes(company), 'the mail names the workspace');
        return { mail, link };
      }

      step('sign up: the first step asks for the company name and opens the new workspace', async () => {
        ctxO = await newContext();
        o = await appPage(ctxO, 'owner');
        await signUp(o, owner);
        await o.getByRole('heading', { name: 'Olá, Olívia!' }).waitFor();
        await o.getByLabel('Nome da empresa').waitFor();
        await shot(o, 'ws-first-step');
        await o.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
        await o.getByText('Preencha este campo.').waitFor();
        await o.getByLabel('Nome da empresa').fill(company);
        await o.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
        await o.waitForURL(/\/w\/[^/]+$/);
        wid = new URL(o.url()).pathname.split('/')[2];
        await o.getByText(`Você está em “${company}” como proprietário.`, { exact: false }).waitFor();
        await o.getByRole('button', { name: `Espaço de trabalho: ${company}. Trocar` }).waitFor();
        await shot(o, 'ws-home');
        // The link opens the same workspace, in a fresh page.
        await o.goto(`${env.app}/`);
        await o.waitForURL(wsUrl());
      });

      step('the live updates stream opens from the app with the session cookie (EventSource, credentials)', async () => {
        const opened = await o.evaluate(
          ([api, w]) =>
            new Promise((resolve) => {
              const es = new EventSource(`${api}/api/v1/workspaces/${w}/events`, { withCredentials: true });
              const done = (v) => {
                es.close();
                resolve(v);
              };
              es.onopen = () => done('open');
              es.onerror = () => done(`error, readyState ${es.readyState}`);
              setTimeout(() => done('timeout'), 10_000);
            }),
          [env.api, wid],
        );
        // EventSource opens only on a 200 text/event-stream answer its CORS check accepted.
        assert.equal(opened, 'open');
      });

      step('invite an admin: the mail goes through SMTP; signing up from its link joins the workspace', async () => {
        await o.getByRole('link', { name: 'Configurações' }).click();
        await o.waitForURL(wsUrl('configuracoes/membros'));
        await o.getByText(owner.email).waitFor();
        const { mail, link } = await invite(admin.email, 'admin');
        writeFileSync(join(env.artifacts, 'mail-invitation.txt'), mail.text);
        await shot(o, 'ws-invitations');

        ctxB = await newContext();
        b = await appPage(ctxB, 'invitee-admin');
        await b.goto(link);
        await b.getByRole('heading', { name: 'Você foi convidado' }).waitFor();
        await b.getByText(`Convite para entrar em “${company}” como administrador, enviado para ${admin.email}.`).waitFor();
        await shot(b, 'ws-accept-signed-out');
        await b.getByRole('link', { name: 'Criar conta com este convite' }).click();
        await b.getByRole('heading', { name: 'Crie sua conta' }).waitFor();
        assert.equal(await b.getByLabel('E-mail').inputValue(), admin.email, 'the invited address is prefilled');
        await b.getByLabel('Seu nome').fill(admin.name);
        await b.getByLabel('Senha', { exact: true }).fill(admin.password);
        await b.getByRole('button', { name: 'Criar conta' }).click();
        await b.waitForURL(wsUrl());
        await b.getByText(`Você está em “${company}” como administrador.`, { exact: false }).waitFor();
        // The invitation's token verified the address: no "confirme seu e-mail" banner.
        assert.equal(await b.getByText(/Confirme seu e-mail/).count(), 0);
        await b.getByRole('link', { name: 'Configurações' }).click();
        assert.deepEqual(await settingsTabs(b), ['Membros', 'Convites', 'Auditoria', 'CRM']);
        await shot(b, 'ws-admin-members');
      });

      step('accept in another browser: the wrong account is told so, the invited one joins', async () => {
        await o.reload();
        const { link } = await invite(member.email, 'member');
        // Bruno (another address) opens Marta's link: told so before anything is spent.
        await b.goto(link);
        await b.getByText(`Este convite foi enviado para ${member.email}. Você está conectado como ${admin.email}.`).waitFor();
        await b.getByRole('button', { name: 'Entrar com outra conta' }).waitFor();
        assert.equal(await b.getByRole('button', { name: 'Aceitar convite' }).count(), 0);
        await shot(b, 'ws-accept-wrong-account');

        // Marta already has an account (no workspace), signed in in her own browser.
        ctxM = await newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: IPHONE_UA });
        m = await appPage(ctxM, 'invitee-member');
        await signUp(m, member);
        await m.getByLabel('Nome da empresa').waitFor();
        await m.goto(link);
        await m.getByText(`Você está conectado como ${member.email}.`).waitFor();
        await m.getByRole('button', { name: 'Aceitar convite' }).click();
        await m.waitForURL(wsUrl());
        await m.getByText(`Você está em “${company}” como membro.`, { exact: false }).waitFor();
        await shot(m, 'ws-member-home-phone');
        // A member sees the members, not the admin pages.
        await m.goto(wsUrl('configuracoes'));
        await m.waitForURL(wsUrl('configuracoes/membros'));
        assert.deepEqual(await settingsTabs(m), ['Membros']);
        await m.getByText(owner.email).waitFor();
        await shot(m, 'ws-member-members-phone');
        await m.goto(wsUrl('configuracoes/auditoria'));
        await m.getByText('Acesso restrito').waitFor();
      });

      step('the audit log names the events in Portuguese, newest first', async () => {
        await o.getByRole('link', { name: 'Auditoria', exact: true }).click();
        await o.waitForURL(wsUrl('configuracoes/auditoria'));
        await o.getByText('Convite aceito').first().waitFor();
        const events = await o.locator('ol[aria-labelledby="audit-heading"] > li').allTextContents();
        const names = ['Convite aceito', 'Convite enviado', 'Espaço de trabalho criado'];
        for (const n of names) assert.ok(events.some((e) => e.includes(n)), `audit has "${n}": ${events.join(' / ')}`);
        assert.ok(events[events.length - 1].includes('Espaço de trabalho criado'), 'oldest last');
        await shot(o, 'ws-audit');
      });

      step('a role change hides the admin pages from the demoted admin', async () => {
        await b.goto(wsUrl('configuracoes/convites'));
        await b.getByRole('heading', { name: 'Convites pendentes' }).waitFor();

        await o.getByRole('link', { name: 'Membros', exact: true }).click();
        await o.getByRole('button', { name: `Alterar papel de ${admin.name}` }).click();
        const dialog = o.getByRole('dialog', { name: `Papel de ${admin.name}` });
        await dialog.getByRole('radio', { name: /^Membro/ }).check();
        await dialog.getByRole('button', { name: 'Salvar papel' }).click();
        await reauthIfAsked(o, owner.password, o.getByText(`${admin.name} agora é membro.`));
        await shot(o, 'ws-role-changed');

        // Bruno's next request has the new role: the admin page refuses, the tabs go.
        await b.getByRole('link', { name: 'Auditoria', exact: true }).click();
        await b.getByText('Acesso restrito').waitFor();
        assert.deepEqual(await settingsTabs(b), ['Membros']);
        await b.reload();
        await b.getByText('Acesso restrito').waitFor();
        await b.goto(wsUrl('configuracoes/membros'));
        assert.deepEqual(await settingsTabs(b), ['Membros']);
        await shot(b, 'ws-demoted');
      });

      step('removal ends access at the removed member\'s next request', async () => {
        await o.getByRole('button', { name: `Remover ${member.name} do espaço de trabalho` }).click();
        const dialog = o.getByRole('dialog', { name: `Remover ${member.name}?` });
        await dialog.getByRole('button', { name: 'Remover', exact: true }).click();
        await o.getByText(`${member.name} foi removido(a) do espaço de trabalho.`).waitFor();
        await shot(o, 'ws-removed');

        // Marta's next request: the workspace is gone from her view.
        await m.goto(wsUrl());
        await m.getByText('Espaço de trabalho indisponível').waitFor();
        assert.equal(await apiStatusFromApp(m, `/api/v1/workspaces/${wid}/members`), 404);
        await m.goto(`${env.app}/`);
        await m.getByLabel('Nome da empresa').waitFor();
        await shot(m, 'ws-removed-phone');
      });
    });

    /* -------------------------------------------------------------- */
    /* knowledge documents                                             */
    /* -------------------------------------------------------------- */

    describe('knowledge documents', () => {
      const owner = { name: 'Renata Alves', email: `renata.${stamp}@empresa.com.br`, password: 'renata tem uma senha longa' };
      let ctx;
      let p;
      let wid;
      let docsDir;
      const step = chain(() => [ctx]);
      const puts = [];

      after(async () => {
        await ctx?.close().catch(() => {});
      });

      /** The row of a document in the list. */
      const row = (name) =>
        p.getByRole('list', { name: 'Documentos' }).getByRole('listitem').filter({ hasText: name });

      step('Conhecimento: a new workspace has no documents', async () => {
        docsDir = join(env.work, 'docs');
        mkdirSync(docsDir, { recursive: true });
        const made = spawnSync(PYTHON, [join(ROOT, 'tests', 'support', 'mkdocs.py'), docsDir], { encoding: 'utf8' });
        assert.equal(made.status, 0, made.stderr);
        copyFileSync(join(docsDir, 'sample.pdf'), join(docsDir, 'politica-de-trocas.pdf'));
        copyFileSync(join(ROOT, 'tests', 'data', 'retrieval', 'produtos.txt'), join(docsDir, 'produtos.txt'));

        ctx = await newContext();
        p = await appPage(ctx, 'knowledge');
        p.on('request', (r) => {
          if (r.method() === 'PUT' && r.url().includes('/bff/uploads/')) puts.push(r);
        });
        await signUp(p, owner);
        await p.getByLabel('Nome da empresa').fill(`Casa Verde ${stamp}`);
        await p.getByRole('button', { name: 'Criar espaço de trabalho', exact: true }).click();
        await p.waitForURL(/\/w\/[^/]+$/);
        wid = new URL(p.url()).pathname.split('/')[2];
        await p.getByRole('link', { name: 'Conhecimento' }).first().click();
        await p.waitForURL(`${env.app}/w/${wid}/conhecimento`);
        await p.getByRole('heading', { name: 'Conhecimento', level: 1 }).waitFor();
        await p.getByText('Nenhum documento enviado').waitFor();
        await shot(p, 'kb-empty');
      });

      step('upload a PDF and a .txt at once (and a refused .exe): each reaches "Pronto"', async () => {
        writeFileSync(join(docsDir, 'planilha.exe'), 'MZ not a document');
        await p.getByLabel('Arquivos').setInputFiles([
          join(docsDir, 'politica-de-trocas.pdf'),
          join(docsDir, 'produtos.txt'),
          join(docsDir, 'planilha.exe'),
        ]);
        await p.getByText('planilha.exe: tipo não aceito', { exact: false }).waitFor();
        await row('politica-de-trocas.pdf').getByText('Pronto', { exact: true }).waitFor({ timeout: 30_000 });
        await row('produtos.txt').getByText('Pronto', { exact: true }).waitFor({ timeout: 30_000 });
        await row('produtos.txt').getByText(/\d+ trechos?/).waitFor();
        assert.equal(puts.length, 2, 'one PUT per accepted file, straight to the signed URL');
        for (const r of puts) {
          assert.ok(r.url().startsWith(`${env.api}/bff/uploads/`), r.url());
          assert.match(r.url(), /[?&]sig=/);
        }
        await shot(p, 'kb-uploaded');
      });

      step('the chunk preview shows the extracted text', async () => {
        await row('politica-de-trocas.pdf').getByRole('button', { name: /^Ver trechos/ }).click();
        const preview = p.getByRole('region', { name: 'Trechos de politica-de-trocas.pdf' });
        await preview.getByText('Aceitamos trocas em até 30 dias', { exact: false }).waitFor();
        await shot(p, 'kb-chunks');
      });

      step('the search box shows what retrieval returns for a question written like a lead', async () => {
        await p.getByLabel('Pergunta').fill('vcs entregam domingo em sao paulo?');
        await p.getByLabel('Pergunta').press('Enter');
        const results = p.getByRole('list', { name: 'Trechos encontrados' });
        await results.waitFor();
        const first = results.getByRole('listitem').first();
        await first.getByText('Não entregamos aos domingos', { exact: false }).waitFor();
        await first.getByText(/^1º · politica-de-trocas\.pdf · trecho \d+$/).waitFor();
        await first.getByText(/^pontuação [\d,.]+$/).waitFor();
        await shot(p, 'kb-search');
        // The page at phone width: nothing cut off, still usable.
        await p.setViewportSize({ width: 390, height: 844 });
        await shot(p, 'kb-phone');
        await p.setViewportSize({ width: 1280, height: 820 });
      });

      step('delete asks first; then the document leaves the list, retrieval and the store', async () => {
        const list = await p.evaluate(
          async ([api, w]) => (await (await fetch(`${api}/api/v1/workspaces/${w}/documents`, { credentials: 'include' })).json()).documents,
          [env.api, wid],
        );
        const pdf = list.find((d) => d.filename === 'politica-de-trocas.pdf');
        const stored = join(env.work, 'data', 'uploads', wid, pdf.id, `v${pdf.version}`);
        assert.ok(existsSync(stored), `the upload is stored at ${stored}`);

        await row('politica-de-trocas.pdf').getByRole('button', { name: 'Excluir politica-de-trocas.pdf' }).click();
        const dialog = p.getByRole('dialog', { name: 'Excluir politica-de-trocas.pdf?' });
        await dialog.waitFor();
        await shot(p, 'kb-delete-confirm');
        await dialog.getByRole('button', { name: 'Excluir documento' }).click();
        await p.getByText('politica-de-trocas.pdf foi excluído.').waitFor();
        assert.equal(await row('politica-de-trocas.pdf').count(), 0);
        await row('produtos.txt').waitFor();

        await p.getByRole('button', { name: 'Buscar' }).click();
        await p.getByText('Nenhum trecho encontrado para essa pergunta.').or(
          p.getByRole('list', { name: 'Trechos encontrados' }),
        ).first().waitFor();
        assert.equal(await p.getByText('Não entregamos aos domingos', { exact: false }).count(), 0);
        await waitFor(() => !existsSync(stored), 10_000, 'the stored file removed');
        await shot(p, 'kb-deleted');
      });
    });

    /* -------------------------------------------------------------- */
    /* cross-site and same-site attacks                                */
    /* -------------------------------------------------------------- */

    pipelineFlow({ getEnv: () => env, stamp, newContext, appPage, shot, chain, signUp });

    describe('attacks from other origins', () => {
      const email = `vitima.${stamp}@empresa.com.br`;
      const password = 'a vitima tem uma senha longa';
      let victim;
      let other;
      let v;
      let v2;
      const step = chain(() => [victim, other]);
      after(async () => {
        for (const x of [victim, other]) await x?.close().catch(() => {});
      });

      /** The victim's session and the other one are intact. */
      async function assertVictimUnharmed() {
        await v.goto(`${env.app}/conta/sessoes`);
        await v.getByText('Este dispositivo', { exact: true }).waitFor();
        await v.getByRole('button', { name: /^Encerrar a sessão em / }).waitFor();
        for (const p of [v, v2]) {
          const me = await p.evaluate(async (api) => {
            const r = await fetch(`${api}/auth/me`, { credentials: 'include' });
            return { status: r.status, body: await r.json() };
          }, env.api);
          assert.equal(me.status, 200);
          assert.equal(me.body.user.email, email, 'still signed in as the victim');
        }
      }

      /**
       * From a page of `origin` in the victim's browser: the self-posting
       * form, then fetch() with credentials. Returns what the page saw and
       * what went over the network.
       */
      async function attackFrom(origin, label) {
        // Only the attacker's page may talk to piloto from the victim's browser
        // meanwhile, so that piloto's log tells what reached it.
        await v.close();
        const logFrom = pilotoLogLines();
        const page = await victim.newPage();
        try {
          // 1. Forms that post themselves (top-level navigations): logout, and login CSRF.
          const forms = {};
          for (const [key, file, path] of [
            ['logout', 'logout-form.html', '/auth/logout'],
            ['login', 'login-form.html', '/auth/login'],
          ]) {
            const resp = page.waitForResponse((r) => r.url() === `${env.api}${path}` && r.request().method() === 'POST');
            await page.goto(`${origin}/${file}`);
            const r = await resp;
            await page.waitForLoadState();
            await shot(page, `${label}-${key}-form-result`);
            const sent = await r.request().allHeaders();
            forms[key] = { status: r.status(), body: await r.text().catch(() => ''), cookie: sent.cookie ?? '', origin: sent.origin ?? '' };
          }

          // 2. fetch() with credentials, from the attacker's page.
          await page.goto(`${origin}/`);
          await page.getByRole('heading', { name: 'Você ganhou um prêmio!' }).waitFor();
          const inPage = await page.evaluate(async (api) => {
            const out = {};
            const tryFetch = async (key, url, init) => {
              try {
                const r = await fetch(url, init);
                let body = null;
                try {
                  body = await r.text();
                } catch (e) {
                  body = `unreadable: ${e}`;
                }
                out[key] = { resolved: true, type: r.type, status: r.status, body };
              } catch (e) {
                out[key] = { resolved: false, error: `${e.name}: ${e.message}` };
              }
            };
            await tryFetch('me', `${api}/auth/me`, { credentials: 'include' });
            await tryFetch('revokeOthers', `${api}/api/v1/me/sessions`, { method: 'DELETE', credentials: 'include' });
            await tryFetch('logoutNoCors', `${api}/auth/logout`, { method: 'POST', mode: 'no-cors', credentials: 'include' });
            await tryFetch('logoutCors', `${api}/auth/logout`, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'stolen?' }, body: '{}' });
            document.getElementById('log').textContent = JSON.stringify(out, null, 2);
            return out;
          }, env.api);
          await page.waitForTimeout(300);
          await shot(page, `${label}-fetch-results`);
          const reached = pilotoRequests(logFrom).filter((r) => r.ua === DESKTOP_UA);
          return { forms, inPage, reached };
        } finally {
          await page.close();
          v = await appPage(victim, 'victim');
        }
      }

      /** What every attack must come to, whatever the origin. */
      function assertAttacksFailed({ forms, inPage, reached }, origin, { cookieSent }) {
        for (const [key, form] of Object.entries(forms)) {
          assert.equal(form.origin, origin, key);
          assert.equal(
            form.cookie.includes(cookieName('piloto_session')),
            cookieSent,
            `${key} form POST ${cookieSent ? 'without' : 'with'} the session cookie: ${form.cookie}`,
          );
          assert.equal(form.status, 403, `${key}: ${form.body}`);
          assert.equal(JSON.parse(form.body).code, 'origin_not_allowed', key);
        }
        // Nothing the API answers is readable by the page.
        assert.equal(inPage.me.resolved, false, `the page read /auth/me: ${JSON.stringify(inPage.me)}`);
        assert.match(inPage.me.error, /TypeError/);
        assert.equal(inPage.revokeOthers.resolved, false, JSON.stringify(inPage.revokeOthers));
        assert.equal(inPage.logoutCors.resolved, false, JSON.stringify(inPage.logoutCors));
        const nc = inPage.logoutNoCors;
        assert.ok(!nc.resolved || (nc.type === 'opaque' && nc.status === 0 && nc.body === ''), JSON.stringify(nc));
        // What reached piloto: the GET was answered (no CORS grant), the
        // simple POSTs refused by the Origin check, the preflights refused,
        // and neither the DELETE nor the JSON POST ever sent.
        const find = (m, p) => reached.filter((r) => r.method === m && r.path === p);
        assert.deepEqual(find('GET', '/auth/me').map((r) => r.status), [cookieSent ? 200 : 401], JSON.stringify(reached));
        assert.deepEqual(find('POST', '/auth/logout').map((r) => r.status), [403, 403], JSON.stringify(reached));
        assert.deepEqual(find('POST', '/auth/login').map((r) => r.status), [403], JSON.stringify(reached));
        assert.deepEqual(find('OPTIONS', '/api/v1/me/sessions').map((r) => r.status), [403], JSON.stringify(reached));
        assert.deepEqual(find('OPTIONS', '/auth/logout').map((r) => r.status), [403], JSON.stringify(reached));
        assert.deepEqual(find('DELETE', '/api/v1/me/sessions'), []);
      }

      step('an attacker has an account; a victim signs up, and also signs in from a second browser', async () => {
        const attacker = await newContext();
        try {
          const p = await appPage(attacker, 'attacker');
          await signUp(p, { name: 'Atacante', email: ATTACKER_EMAIL, password: ATTACKER_PASSWORD });
          await p.getByRole('heading', { name: 'Olá, Atacante!' }).waitFor();
        } finally {
          await attacker.close();
        }
        victim = await newContext();
        v = await appPage(victim, 'victim');
        await signUp(v, { name: 'Vitória Alves', email, password });
        await v.getByRole('heading', { name: 'Olá, Vitória!' }).waitFor();
        other = await newContext({ userAgent: IPHONE_UA, viewport: { width: 390, height: 844 }, isMobile: true });
        v2 = await appPage(other, 'victim-phone');
        await v2.goto(`${env.app}/entrar`);
        await logIn(v2, { email, password });
        await v2.getByRole('heading', { name: 'Olá, Vitória!' }).waitFor();
        await assertVictimUnharmed();
      });

      step('another site (evil.piloto-attacker.test): the form posts and every credentialed fetch fail', async () => {
        const result = await attackFrom(env.evil, 'evil');
        writeFileSync(join(env.artifacts, 'attack-evil.json'), JSON.stringify(result, null, 2));
        // SameSite=Lax keeps the cookie off cross-site requests; the Origin check refuses them anyway.
        assertAttacksFailed(result, env.evil, { cookieSent: false });
        await assertVictimUnharmed();
        await shot(v, 'victim-after-evil');
      });

      step('a sibling origin of the same site: the cookie goes along, piloto still refuses', async () => {
        const result = await attackFrom(env.sibling, 'sibling');
        writeFileSync(join(env.artifacts, 'attack-sibling.json'), JSON.stringify(result, null, 2));
        // Same site: SameSite=Lax lets the cookie through; only piloto's Origin check and CORS stand.
        assertAttacksFailed(result, env.sibling, { cookieSent: true });
        await assertVictimUnharmed();
        await shot(v, 'victim-after-sibling');
      });
    });

    /* -------------------------------------------------------------- */
    /* the inbox (inbox.mjs)                                           */
    /* -------------------------------------------------------------- */

    inboxFlow({ getEnv: () => env, chain, shot, newContext, signUp, problems, stamp });

    /* -------------------------------------------------------------- */

    it('no page error, CSP violation or unexpected console error; piloto stayed up', () => {
      if (!env) return;
      assert.ok(env.piloto?.running, `piloto exited:\n${env.piloto?.log().slice(-2000)}`);
      assert.deepEqual(problems, []);
    });
  });
}
