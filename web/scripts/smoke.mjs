#!/usr/bin/env node
/**
 * End-to-end smoke run of the built dashboard against a running piloto, in
 * Debian's headless Chromium (never a downloaded browser). Takes screenshots.
 *
 *   BASE_URL=http://127.0.0.1:18181 SHOTS=/tmp/spa-shots node scripts/smoke.mjs
 *
 * Fails (exit 1) on a broken step, a page error or a CSP violation.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:18181';
const SHOTS = process.env.SHOTS ?? '/tmp/spa-shots';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The embedded default keeps mails in the mail_outbox table: the links come from there.
const OUTBOX_DB = process.env.OUTBOX_DB ?? '/tmp/spa-test/p.db';
mkdirSync(SHOTS, { recursive: true });

const problems = [];
const stamp = Date.now().toString(36);
let email = `ana.${stamp}@empresa.com.br`;
const password = 'correct horse battery staple';
const password2 = 'outra senha bem comprida 2';

function watch(page, label) {
  page.on('pageerror', (err) => problems.push(`${label}: page error: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' && !/status of 40[134]|status of 422|status of 429/.test(text)) {
      problems.push(`${label}: console: ${text}`);
    }
    if (/Content Security Policy/i.test(text)) problems.push(`${label}: CSP: ${text}`);
  });
}

async function shot(page, name) {
  await page.waitForTimeout(250);
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  console.log(`  screenshot ${SHOTS}/${name}.png`);
}

/**
 * Path and query of the newest mailed link of `kind` to `to` (e.g. /verificar-email?token=…),
 * waiting for it: some mails are written by a job after the request answered (forgot-password).
 */
async function mailedLink(kind, to) {
  const sql = `SELECT body_text FROM mail_outbox WHERE kind='${kind}' AND to_addr='${to}' ORDER BY id DESC LIMIT 1;`;
  for (let i = 0; i < 100; i++) {
    const text = execFileSync('sqlite3', [OUTBOX_DB, sql], { encoding: 'utf8' });
    const m = text.match(/https?:\/\/[^/\s]+(\/[^\s]*token=[A-Za-z0-9_-]+)/);
    if (m) return m[1];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} link mailed to ${to}`);
}

function step(name) {
  console.log(`- ${name}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});

try {
  const desktop = await browser.newContext({
    viewport: { width: 1366, height: 860 },
    locale: 'pt-BR',
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
  });
  const page = await desktop.newPage();
  watch(page, 'desktop');

  step('a signed-out visit to /conta lands on the login page with ?next=');
  await page.goto(`${BASE}/conta/sessoes`);
  await page.waitForURL(/\/entrar\?next=%2Fconta%2Fsessoes$/);
  await page.getByRole('heading', { name: 'Bem-vindo de volta' }).waitFor();
  await shot(page, '01-login');

  step('sign-up: client-side validation');
  await page.getByRole('link', { name: 'Criar conta' }).click();
  await page.getByRole('button', { name: 'Criar conta' }).click();
  await page.getByText('Preencha este campo.').first().waitFor();
  await shot(page, '02-signup-errors');

  step('sign-up: the server refuses a common password');
  await page.getByLabel('Seu nome').fill('Ana Souza');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill('password1234');
  await page.getByRole('button', { name: 'Criar conta' }).click();
  await page.getByText(/muito comum/).waitFor();
  await shot(page, '03-signup-common-password');

  step('sign-up: success lands on ?next=');
  await page.getByLabel('Senha', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Criar conta' }).click();
  await page.waitForURL(`${BASE}/conta/sessoes`);
  await page.getByText('Este dispositivo', { exact: true }).waitFor();

  step('resend the verification mail from the banner (may be rate limited right after sign-up)');
  await page.getByRole('button', { name: 'Reenviar e-mail' }).click();
  await page.getByText(/Enviamos um novo link|Muitas tentativas/).waitFor();
  await shot(page, '03b-resend-verification');

  step('verify the e-mail with the mailed link');
  await page.goto(BASE + (await mailedLink('verify', email)));
  await page.getByRole('heading', { name: 'E-mail confirmado' }).waitFor();
  await shot(page, '03c-verified');

  step('home page');
  await page.goto(`${BASE}/`);
  await page.getByRole('link', { name: 'Início' }).click();
  await page.getByRole('heading', { name: 'Olá, Ana!' }).waitFor();
  await shot(page, '04-home');

  step('placeholders');
  await page.getByRole('link', { name: /Agentes/ }).click();
  await page.getByText('Seus agentes de vendas aparecerão aqui').waitFor();
  await shot(page, '05-agents-placeholder');

  step('user menu (keyboard)');
  await page.getByRole('button', { name: /Menu da conta/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: 'Minha conta' }).waitFor();
  await shot(page, '06-user-menu');
  await page.keyboard.press('Escape');

  step('profile: rename');
  await page.goto(`${BASE}/conta/perfil`);
  await page.getByLabel('Nome').fill('Ana Paula Souza');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await page.getByText('Perfil atualizado.').waitFor();
  await shot(page, '07-profile-saved');

  step('email change: wrong password, then a link to the new address');
  const newEmail = `ana.nova.${stamp}@empresa.com.br`;
  await page.getByLabel('Novo e-mail').fill(newEmail);
  await page.getByLabel('Sua senha atual').fill('nao e a senha');
  await page.getByRole('button', { name: 'Enviar link de confirmação' }).click();
  await page.getByText('Senha incorreta.').waitFor();
  await page.getByLabel('Sua senha atual').fill(password);
  await page.getByRole('button', { name: 'Enviar link de confirmação' }).click();
  await page.getByText(`Enviamos um link para ${newEmail}`).waitFor();
  await shot(page, '07b-email-change-sent');
  await page.goto(BASE + (await mailedLink('verify', newEmail)));
  await page.getByRole('heading', { name: 'E-mail confirmado' }).waitFor();
  await page.goto(`${BASE}/conta/perfil`);
  await page.locator('#profile-email').and(page.locator(`[value="${newEmail}"]`)).waitFor();
  const oldEmail = email;
  email = newEmail;
  console.log(`  e-mail changed from ${oldEmail} to ${email}`);

  step('a second session (another browser) with "Lembrar de mim"');
  const other = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    locale: 'pt-BR',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  });
  const phone = await other.newPage();
  watch(phone, 'phone');
  await phone.goto(`${BASE}/entrar`);
  await shot(phone, '08-phone-login');
  await phone.getByLabel('E-mail').fill(email);
  await phone.getByLabel('Senha', { exact: true }).fill('senha errada mas longa');
  await phone.getByRole('button', { name: 'Entrar', exact: true }).click();
  await phone.getByText('E-mail ou senha incorretos.').waitFor();
  await shot(phone, '09-phone-wrong-password');
  await phone.getByLabel('Senha', { exact: true }).fill(password);
  await phone.getByLabel('Lembrar de mim').check();
  await phone.getByRole('button', { name: 'Entrar', exact: true }).click();
  await phone.getByRole('heading', { name: /Olá, Ana/ }).waitFor();
  await shot(phone, '10-phone-home');
  await phone.getByRole('button', { name: 'Abrir menu de navegação' }).click();
  await phone.getByRole('dialog', { name: 'Navegação principal' }).waitFor();
  await shot(phone, '11-phone-drawer');
  await phone.keyboard.press('Escape');

  step('sessions: two, this device marked; revoke the other');
  await page.goto(`${BASE}/conta/sessoes`);
  await page.getByText('Safari em iPhone').waitFor();
  await shot(page, '12-sessions');
  await page.getByRole('button', { name: 'Encerrar todas as outras' }).click();
  await page.getByRole('dialog', { name: 'Encerrar as outras sessões?' }).waitFor();
  await shot(page, '13-sessions-confirm');
  await page.getByRole('button', { name: 'Encerrar outras sessões' }).click();
  await page.getByText('1 sessão encerrada.').waitFor();
  await page.getByText('Nenhuma outra sessão aberta').waitFor();
  await shot(page, '14-sessions-revoked');

  step('the revoked phone gets a 401 and lands on the login page with ?next=');
  await phone.getByRole('link', { name: /Ver sessões ativas/ }).click();
  await phone.waitForURL(/\/entrar\?next=%2Fconta%2Fsessoes$/);
  await phone.getByText('Sua sessão terminou').waitFor();
  await shot(phone, '15-phone-session-ended');

  step('password change: wrong current password, then success (new csrfToken used after)');
  await page.goto(`${BASE}/conta/seguranca`);
  await page.getByLabel('Senha atual').fill('nao e a minha senha');
  await page.getByLabel('Nova senha', { exact: true }).fill(password2);
  await page.getByLabel('Confirme a nova senha').fill(password2);
  await page.getByRole('button', { name: 'Alterar senha' }).click();
  await page.getByText('A senha atual está incorreta.').waitFor();
  await shot(page, '16-password-wrong-current');
  await page.getByLabel('Senha atual').fill(password);
  await page.getByRole('button', { name: 'Alterar senha' }).click();
  await page.getByText('Senha alterada.', { exact: false }).waitFor();
  await shot(page, '17-password-changed');
  // A non-GET right after: must carry the new session's token.
  await page.goto(`${BASE}/conta/perfil`);
  await page.getByLabel('Nome').fill('Ana Souza');
  await page.getByRole('button', { name: 'Salvar' }).click();
  await page.getByText('Perfil atualizado.').waitFor();

  step('logout, then login with the new password');
  await page.getByRole('button', { name: /Menu da conta/ }).click();
  await page.getByRole('menuitem', { name: 'Sair' }).click();
  await page.waitForURL(`${BASE}/entrar`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill(password2);
  await page.getByRole('button', { name: 'Entrar', exact: true }).click();
  await page.getByRole('heading', { name: /Olá, Ana/ }).waitFor();

  step('forgot password in another browser, reset with the mailed link: signed in there');
  const guest = await (await browser.newContext({ viewport: { width: 1366, height: 860 } })).newPage();
  watch(guest, 'guest');
  await guest.goto(`${BASE}/esqueci-senha`);
  await shot(guest, '18-forgot');
  await guest.getByLabel('E-mail').fill(email);
  await guest.getByRole('button', { name: 'Enviar link' }).click();
  await guest.getByRole('heading', { name: 'Verifique seu e-mail' }).waitFor();
  await shot(guest, '19-forgot-submitted');
  await guest.goto(BASE + (await mailedLink('reset', email)));
  await shot(guest, '20-reset');
  const password3 = 'terceira senha muito longa';
  await guest.getByLabel('Nova senha', { exact: true }).fill(password3);
  await guest.getByLabel('Confirme a nova senha').fill(password3);
  await guest.getByRole('button', { name: 'Salvar nova senha' }).click();
  await guest.getByRole('heading', { name: 'Senha redefinida' }).waitFor();
  await shot(guest, '20b-reset-done');
  await guest.getByRole('link', { name: 'Ir para o painel' }).click();
  await guest.getByRole('heading', { name: /Olá, Ana/ }).waitFor();

  step('the reset revoked the first browser: its next request is a 401');
  await page.getByRole('link', { name: /Ver sessões ativas/ }).click();
  await page.waitForURL(/\/entrar\?next=%2Fconta%2Fsessoes$/);

  step('a used reset link and a bad verify link say so');
  await guest.goto(BASE + (await mailedLink('reset', email)));
  await guest.getByLabel('Nova senha', { exact: true }).fill(password3 + '!');
  await guest.getByLabel('Confirme a nova senha').fill(password3 + '!');
  await guest.getByRole('button', { name: 'Salvar nova senha' }).click();
  await guest.getByText('Este link de redefinição é inválido').waitFor();
  await shot(guest, '21-reset-used');
  await guest.goto(`${BASE}/verificar-email?token=abc`);
  await guest.getByText('Este link de confirmação é inválido').waitFor();
  await shot(guest, '21b-verify-bad');
  await guest.goto(`${BASE}/redefinir-senha`);
  await shot(guest, '22-reset-no-token');
} catch (err) {
  problems.push(`step failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await browser.close();
}

if (problems.length) {
  console.error('\nPROBLEMS:\n' + problems.map((p) => `  ${p}`).join('\n'));
  process.exit(1);
}
console.log('\nsmoke: all steps passed');
