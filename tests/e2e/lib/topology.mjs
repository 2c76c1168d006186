/**
 * The two topologies of SPEC §2, started from scratch for one test file and
 * always stopped:
 *
 *   same-origin          piloto (PILOTO_ENV=dev) serves the SPA and the API
 *                        on http://127.0.0.1:PORT; cookies without prefix.
 *   cross-host-only      nginx is the TLS front: https://app.piloto.test is
 *                        the SPA built with VITE_API_URL=https://api.piloto.test,
 *                        https://api.piloto.test proxies to piloto
 *                        (PILOTO_ENV=production); __Host- cookies.
 *   cross-cookie-domain  the same with COOKIE_DOMAIN=.piloto.test; __Secure-
 *                        cookies with Domain.
 *
 * Each gets a fresh SQLite database, an SMTP sink (SMTP_URL) whose mails
 * the tests read, the OpenID provider of tests/support/oidc when it is
 * there, and the attacker's pages (nginx): evil.piloto-attacker.test,
 * another site, and a sibling origin of the same site (sibling.piloto.test,
 * or 127.0.0.1 on another port for the same-origin topology).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CROSS_API,
  CROSS_APP,
  CROSS_DIST,
  OIDC_CLIENT_ID,
  OIDC_CLIENT_SECRET,
  PILOTO_BIN,
  ROOT,
  SAME_ORIGIN_DIST,
  attackerOnlyServers,
  crossSiteServers,
  freePort,
  freshDir,
  isFile,
  launchChromium,
  makeCertificates,
  oidcAvailable,
  randomSecret,
  startNginx,
  startOidcProvider,
  startPiloto,
  startSmtpSink,
} from './harness.mjs';
import { E2E_WHATSAPP_APP_SECRET } from './pipeline.mjs';

/** The attacker's own account (login CSRF signs the victim in as this). */
export const ATTACKER_EMAIL = 'atacante@piloto-attacker.test';
const ATTACKER_PASSWORD_HEAD = 'a senha do atacante ';
const ATTACKER_PASSWORD_TAIL = 'bem longa';
// text/plain joins a field's name and value with "=".
export const ATTACKER_PASSWORD = `${ATTACKER_PASSWORD_HEAD}=${ATTACKER_PASSWORD_TAIL}`;

export const TOPOLOGIES = {
  'same-origin': { cross: false, cookieDomain: null },
  'cross-host-only': { cross: true, cookieDomain: null },
  'cross-cookie-domain': { cross: true, cookieDomain: '.piloto.test' },
};

// Any other name fails at once instead of waiting for DNS (the provider's
// sign-in page links a web font, for one): the tests never leave 127.0.0.1.
const NO_INTERNET = 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost';

/** The SPA of the cross-site topology, built once with its API URL (make does it too). */
export function ensureCrossDist() {
  const index = join(CROSS_DIST, 'index.html');
  const hasApiUrl = () => {
    const dir = join(CROSS_DIST, 'assets');
    return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.js') && readFileSync(join(dir, f), 'utf8').includes(CROSS_API));
  };
  if (isFile(index) && hasApiUrl()) return;
  execFileSync('npx', ['vite', 'build', '--outDir', CROSS_DIST, '--emptyOutDir'], {
    cwd: join(ROOT, 'web'),
    env: { ...process.env, VITE_API_URL: CROSS_API },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!hasApiUrl()) throw new Error(`${CROSS_DIST} was built without VITE_API_URL=${CROSS_API}`);
}

function attackerPages(dir, api) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Você ganhou um prêmio!</title>
<style>body{font-family:sans-serif;background:#fff3cd;padding:2rem}h1{color:#b00}</style></head>
<body><h1>Você ganhou um prêmio!</h1>
<p>Página de um atacante (testes e2e do Piloto). Ela tenta usar a sessão de quem a visita em
<code>${api}</code>.</p><pre id="log"></pre></body></html>
`);
  // A classic CSRF: a form that posts itself to the API as soon as it loads.
  writeFileSync(join(dir, 'logout-form.html'), `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Carregando…</title></head>
<body><p>Carregando…</p>
<form id="f" method="POST" action="${api}/auth/logout"></form>
<script>document.getElementById('f').submit();</script></body></html>
`);
  // Login CSRF: a text/plain form whose body is JSON, to sign the victim in as the attacker.
  writeFileSync(join(dir, 'login-form.html'), `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Carregando…</title></head>
<body><p>Carregando…</p>
<form id="f" method="POST" enctype="text/plain" action="${api}/auth/login">
<input type="hidden" name='{"email":"${ATTACKER_EMAIL}","password":"${ATTACKER_PASSWORD_HEAD}' value='${ATTACKER_PASSWORD_TAIL}"}'>
</form>
<script>document.getElementById('f').submit();</script></body></html>
`);
}

/**
 * Starts everything for the topology `name`. Returns the environment the
 * tests use; env.stop() stops whatever was started, and is safe to call
 * after a failed start.
 */
export async function startTopology(name) {
  const topo = TOPOLOGIES[name];
  if (!topo) throw new Error(`unknown topology ${name}`);
  const work = freshDir(join(ROOT, 'build', 'e2e', 'run', name));
  const artifacts = freshDir(join(ROOT, 'tests', 'artifacts', 'e2e', name));
  const logs = join(artifacts, 'logs');
  mkdirSync(logs, { recursive: true });
  const started = [];
  const env = {
    name,
    ...topo,
    work,
    artifacts,
    logs,
    browser: null,
    async stop() {
      const errors = [];
      if (env.browser) {
        await env.browser.close().catch((e) => errors.push(e));
        env.browser = null;
      }
      for (const child of started.reverse()) {
        await child.stop().catch((e) => errors.push(e));
      }
      started.length = 0;
      if (errors.length) throw errors[0];
    },
  };

  try {
    if (!isFile(PILOTO_BIN)) throw new Error(`${PILOTO_BIN} is missing: make build/piloto`);
    const pilotoPort = await freePort();
    const evilDir = join(work, 'attacker');
    const smtp = await startSmtpSink(join(work, 'mail'), logs);
    started.push(smtp);
    env.smtp = smtp;
    env.maildir = smtp.maildir;

    const settings = {
      HOST: '127.0.0.1',
      PORT: String(pilotoPort),
      DATABASE_URL: `sqlite:${join(work, 'data', 'piloto.db')}`,
      PILOTO_SECRET: randomSecret(),
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Piloto e2e <no-reply@piloto.test>',
      // Meta's webhooks the tests post (lib/pipeline.mjs) are signed with it.
      WHATSAPP_APP_SECRET: E2E_WHATSAPP_APP_SECRET,
    };
    mkdirSync(join(work, 'data'), { recursive: true });

    if (topo.cross) {
      ensureCrossDist();
      env.app = CROSS_APP;
      env.api = CROSS_API;
      env.evil = 'https://evil.piloto-attacker.test';
      env.sibling = 'https://sibling.piloto.test';
      Object.assign(settings, {
        PILOTO_ENV: 'production',
        APP_ORIGINS: CROSS_APP,
        APP_URL: CROSS_APP,
        PUBLIC_URL: CROSS_API,
        COOKIE_SECURE: 'true',
        TRUSTED_PROXIES: '127.0.0.1/32',
      });
      if (topo.cookieDomain) settings.COOKIE_DOMAIN = topo.cookieDomain;
    } else {
      if (!isFile(join(SAME_ORIGIN_DIST, 'index.html'))) {
        throw new Error(`${SAME_ORIGIN_DIST}/index.html is missing: make web`);
      }
      env.app = `http://127.0.0.1:${pilotoPort}`;
      env.api = env.app;
      env.evil = 'http://evil.piloto-attacker.test';
      Object.assign(settings, {
        PILOTO_ENV: 'dev',
        STATIC_DIR: SAME_ORIGIN_DIST,
        // The dev default lists http://localhost:PORT first, which would make
        // it APP_URL (mail links, Google's redirect); the tests browse 127.0.0.1.
        APP_ORIGINS: env.app,
        APP_URL: env.app,
      });
    }
    attackerPages(evilDir, env.api);

    if (oidcAvailable()) {
      env.oidcAccounts = join(work, 'oidc-accounts.json');
      writeFileSync(env.oidcAccounts, '{}');
      const oidc = await startOidcProvider(`${env.api}/auth/google/callback`, env.oidcAccounts, logs);
      started.push(oidc);
      env.oidc = oidc;
      Object.assign(settings, {
        GOOGLE_CLIENT_ID: OIDC_CLIENT_ID,
        GOOGLE_CLIENT_SECRET: OIDC_CLIENT_SECRET,
        GOOGLE_ISSUER: oidc.issuer,
      });
    }

    // For checking that the tests can fail: E2E_EXTRA_SETTINGS='{"APP_ORIGINS": "..."}'.
    if (process.env.E2E_EXTRA_SETTINGS) Object.assign(settings, JSON.parse(process.env.E2E_EXTRA_SETTINGS));
    env.settings = settings;
    writeFileSync(join(logs, 'settings.txt'), Object.entries(settings)
      .map(([k, v]) => `${k}=${/SECRET/.test(k) ? '(set)' : v}`).join('\n') + '\n');
    const piloto = await startPiloto(settings, logs);
    started.push(piloto);
    env.piloto = piloto;

    let hostRules;
    let spki;
    if (topo.cross) {
      const tls = makeCertificates(join(work, 'tls'));
      const dist = CROSS_DIST;
      const nginx = await startNginx(join(work, 'nginx'), logs, crossSiteServers({ tls, dist, evilDir, pilotoPort }));
      started.push(nginx);
      env.nginx = nginx;
      hostRules = `MAP *.piloto.test 127.0.0.1:${nginx.port}, MAP *.piloto-attacker.test 127.0.0.1:${nginx.port}, ${NO_INTERNET}`;
      spki = tls.spki;
    } else {
      const nginx = await startNginx(join(work, 'nginx'), logs, attackerOnlyServers({ evilDir }));
      started.push(nginx);
      env.nginx = nginx;
      env.sibling = `http://127.0.0.1:${nginx.port}`;
      hostRules = `MAP *.piloto-attacker.test 127.0.0.1:${nginx.port}, ${NO_INTERNET}`;
    }
    env.browser = await launchChromium({ hostRules, spki });
  } catch (err) {
    await env.stop().catch(() => {});
    throw err;
  }
  return env;
}

/** What the cookies of this topology must look like (SPEC §5, docs/api.md). */
export function expectedCookies(env) {
  if (!env.cross) {
    return { prefix: '', secure: false, domain: '127.0.0.1' };
  }
  if (env.cookieDomain) {
    return { prefix: '__Secure-', secure: true, domain: env.cookieDomain };
  }
  return { prefix: '__Host-', secure: true, domain: 'api.piloto.test' };
}
