/**
 * The machinery of the browser tests: free ports on 127.0.0.1, child
 * processes that are always stopped (piloto, nginx, the SMTP sink, the
 * OpenID provider), a throw-away TLS CA and certificate made with the
 * openssl CLI, the nginx configuration of the production-like topology,
 * the mails the SMTP sink received, and Debian's Chromium driven by
 * playwright-core (never a downloaded browser).
 *
 * Everything listens on 127.0.0.1 only, on ports picked at run time. The
 * browser reaches the made-up hosts (*.piloto.test, *.piloto-attacker.test)
 * through --host-resolver-rules, which also rewrites the port: the pages
 * are https://app.piloto.test (port 443 as far as the browser and the
 * origins go) while nginx listens on a high port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const PILOTO_BIN = process.env.PILOTO_BIN ?? join(ROOT, 'build', 'piloto');
export const SAME_ORIGIN_DIST = process.env.E2E_DIST ?? join(ROOT, 'web', 'dist');
export const CROSS_DIST = process.env.E2E_DIST_CROSS ?? join(ROOT, 'build', 'e2e', 'dist-cross');
export const CROSS_API = 'https://api.piloto.test';
export const CROSS_APP = 'https://app.piloto.test';
// Debian's python3 has python3-aiosmtpd (tools/deps.sh); a pyenv one on PATH may not.
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
export const OIDC_DIR = join(ROOT, 'tests', 'support', 'oidc');
export const OIDC_CLIENT_ID = 'piloto-e2e-client.apps.example';
export const OIDC_CLIENT_SECRET = 'piloto-e2e-client-secret-0123456789abcdef';

/** The launch arguments the issue asks for; the host rules come per topology. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Polls pred() until it returns something truthy; throws after timeoutMs. */
export async function waitFor(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/* ------------------------------------------------------------------ */
/* Child processes                                                     */
/* ------------------------------------------------------------------ */

const live = new Set();

// Whatever happens to the test process, no child outlives it.
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** A child process with its output in logPath; stop() is idempotent. */
export class Child {
  constructor(name, cmd, args, { env, cwd, logPath }) {
    this.name = name;
    this.logPath = logPath;
    mkdirSync(dirname(logPath), { recursive: true });
    const out = createWriteStream(logPath);
    this.proc = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout.pipe(out);
    this.proc.stderr.pipe(out);
    this.exited = new Promise((res) => {
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc);
        this.exitCode = code;
        this.exitSignal = signal;
        res();
      });
    });
    this.proc.on('error', (err) => {
      this.spawnError = err;
    });
    live.add(this.proc);
  }

  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null && !this.spawnError;
  }

  log() {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits until check() is true; throws if the child dies first or time runs out. */
  async ready(check, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (!this.running) {
        throw new Error(`${this.name} exited (${this.exitCode ?? this.exitSignal}) before it was ready:\n${this.log().slice(-3000)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.log().slice(-3000)}`);
      }
      await sleep(50);
    }
  }

  async stop(signal = 'SIGTERM', timeoutMs = 10000) {
    if (!this.running) return;
    this.proc.kill(signal);
    let timer;
    const late = new Promise((res) => {
      timer = setTimeout(() => res('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

async function httpOk(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

/* ------------------------------------------------------------------ */
/* TLS                                                                 */
/* ------------------------------------------------------------------ */

export const TLS_NAMES = [
  'app.piloto.test',
  'api.piloto.test',
  'sibling.piloto.test',
  'evil.piloto-attacker.test',
];

/**
 * A CA and one certificate for every test host, made with the openssl CLI.
 * Returns the paths and the SPKI hash Chromium is told to trust
 * (--ignore-certificate-errors-spki-list: that certificate only, every
 * other one is still checked).
 */
export function makeCertificates(dir) {
  mkdirSync(dir, { recursive: true });
  const p = (f) => join(dir, f);
  const ossl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'),
    '-days', '2', '-subj', '/CN=Piloto e2e test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('site.key'), '-out', p('site.csr'),
    '-subj', `/CN=${TLS_NAMES[0]}`);
  writeFileSync(p('site.ext'), [
    `subjectAltName=${TLS_NAMES.map((n) => `DNS:${n}`).join(',')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n'));
  ossl('x509', '-req', '-in', p('site.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'),
    '-CAcreateserial', '-out', p('site.crt'), '-days', '2', '-extfile', p('site.ext'));
  const pubPem = ossl('x509', '-in', p('site.crt'), '-pubkey', '-noout');
  const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubPem });
  const hash = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: spkiDer });
  return { cert: p('site.crt'), key: p('site.key'), ca: p('ca.crt'), spki: hash.toString('base64') };
}

/* ------------------------------------------------------------------ */
/* nginx                                                               */
/* ------------------------------------------------------------------ */

/** The CSP the SPA gets from piloto (sec_headers.c), for nginx to serve the same. */
function spaCsp(api) {
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    `font-src 'self'; connect-src 'self' ${api}; object-src 'none'; base-uri 'self'; ` +
    "form-action 'self'; frame-ancestors 'none'";
}

/**
 * nginx from Debian with its own prefix: no file outside dir is written.
 * servers(port) returns the server blocks.
 */
export async function startNginx(dir, logDir, servers) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const tmp = (n) => join(dir, `tmp_${n}`);
  const asRoot = process.getuid?.() === 0;
  writeFileSync(conf, `# made by tests/e2e/lib/harness.mjs
${asRoot ? 'user root;' : ''}
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(logDir, 'nginx-error.log')} info;
events { worker_connections 256; }
http {
  types {
    text/html html;
    text/css css;
    application/javascript js mjs;
    application/json json;
    image/svg+xml svg;
    image/png png;
    font/woff2 woff2;
  }
  default_type application/octet-stream;
  access_log ${join(logDir, 'nginx-access.log')};
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  sendfile on;
  server_tokens off;
${servers(port)}
}
`);
  const nginx = new Child('nginx', '/usr/sbin/nginx', ['-p', dir, '-c', conf, '-e', join(logDir, 'nginx-error.log')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logPath: join(logDir, 'nginx.out'),
  });
  const probe = () => new Promise((res) => {
    const s = new Socket();
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
    s.connect(port, '127.0.0.1');
  });
  await nginx.ready(probe, 15000);
  nginx.port = port;
  return nginx;
}

/** The server blocks of the production-like topology. */
export function crossSiteServers({ tls, dist, evilDir, pilotoPort }) {
  return (port) => `
  ssl_certificate ${tls.cert};
  ssl_certificate_key ${tls.key};
  ssl_protocols TLSv1.2 TLSv1.3;

  # Anything that is not a test host.
  server {
    listen 127.0.0.1:${port} ssl default_server;
    return 421;
  }

  # The dashboard: static files, as a bucket + CDN would serve them.
  server {
    listen 127.0.0.1:${port} ssl;
    server_name app.piloto.test;
    root ${dist};
    add_header Content-Security-Policy "${spaCsp(CROSS_API)}" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;
    location /assets/ { try_files $uri =404; }
    location / { try_files $uri /index.html; }
  }

  # The API: the TLS front in front of piloto (Cloud Run's role).
  server {
    listen 127.0.0.1:${port} ssl;
    server_name api.piloto.test;
    client_max_body_size 32m; # Cloud Run's request limit
    location / {
      proxy_pass http://127.0.0.1:${pilotoPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_redirect off;
    }
  }

  # Pages of an attacker: another site, and a sibling host of the same site.
  server {
    listen 127.0.0.1:${port} ssl;
    server_name evil.piloto-attacker.test sibling.piloto.test;
    root ${evilDir};
    index index.html;
  }
`;
}

/** The server block of the same-origin topology: only the attacker's pages, over http. */
export function attackerOnlyServers({ evilDir }) {
  return (port) => `
  server {
    listen 127.0.0.1:${port} default_server;
    root ${evilDir};
    index index.html;
  }
`;
}

/* ------------------------------------------------------------------ */
/* piloto, the SMTP sink, the OpenID provider                          */
/* ------------------------------------------------------------------ */

export async function startPiloto(settings, logDir, logName = 'piloto.log') {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    LOG_LEVEL: 'info',
    RATE_LIMIT_AUTH: '1000',
    RATE_LIMIT_GENERAL: '100000',
    ...settings,
  };
  const piloto = new Child('piloto', PILOTO_BIN, ['serve'], { env, logPath: join(logDir, logName) });
  await piloto.ready(() => httpOk(`http://127.0.0.1:${settings.PORT}/readyz`), 30000);
  return piloto;
}

/**
 * The stand-in Graph API (tests/support/graph_api.py): piloto's sends go to
 * it, and it delivers signed webhooks to webhookUrl (resending what was not
 * answered 200, as Meta does). control(what, body) drives it; state() reads it.
 */
export async function startGraphApi(secret, webhookUrl, logDir) {
  const port = await freePort();
  const graph = new Child('graph_api', PYTHON, [join(ROOT, 'tests', 'support', 'graph_api.py'), String(port), secret, webhookUrl], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
    logPath: join(logDir, 'graph_api.log'),
  });
  graph.base = `http://127.0.0.1:${port}`;
  await graph.ready(() => httpOk(`${graph.base}/_control/state`), 20000);
  graph.control = async (what, body = {}) => {
    const r = await fetch(`${graph.base}/_control/${what}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status !== 200) throw new Error(`graph_api ${what}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  graph.state = async () => (await fetch(`${graph.base}/_control/state`)).json();
  return graph;
}

export async function startSmtpSink(maildir, logDir) {
  const port = await freePort();
  mkdirSync(maildir, { recursive: true });
  const sink = new Child('smtp_sink', PYTHON, [join(ROOT, 'tests', 'support', 'smtp_sink.py'), String(port), maildir], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONUNBUFFERED: '1' },
    logPath: join(logDir, 'smtp_sink.log'),
  });
  await sink.ready(() => sink.log().includes('ready'), 15000);
  sink.port = port;
  sink.maildir = maildir;
  return sink;
}

/** Is the OpenID provider (another engineer's tests/support/oidc) there? */
export function oidcAvailable() {
  return existsSync(join(OIDC_DIR, 'provider.js')) && existsSync(join(OIDC_DIR, 'package.json'));
}

export async function startOidcProvider(redirectUri, accountsPath, logDir) {
  if (!existsSync(join(OIDC_DIR, 'node_modules', 'oidc-provider', 'package.json'))) {
    execFileSync('npm', ['ci', '--silent', '--no-audit', '--no-fund'], { cwd: OIDC_DIR, stdio: 'inherit' });
  }
  const port = await freePort();
  const oidc = new Child('oidc-provider', process.execPath, [
    'provider.js', '--port', String(port), '--client-id', OIDC_CLIENT_ID,
    '--client-secret', OIDC_CLIENT_SECRET, '--redirect-uri', redirectUri, '--accounts', accountsPath,
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: OIDC_DIR, logPath: join(logDir, 'oidc-provider.log') });
  await oidc.ready(() => oidc.log().includes('ready '), 30000);
  oidc.issuer = `http://127.0.0.1:${port}`;
  return oidc;
}

/* ------------------------------------------------------------------ */
/* Mail                                                                */
/* ------------------------------------------------------------------ */

function decodeWords(s) {
  return s.replace(/=\?utf-8\?b\?([^?]*)\?=/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8'));
}

/** One .eml as {to, subject, text}: the text/plain part, decoded. */
export function parseEml(raw, envelope) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name) => {
    const m = head.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'im'));
    return m ? m[1].trim() : '';
  };
  const subject = decodeWords(header('Subject'));
  const boundary = header('Content-Type').match(/boundary="?([^";]+)"?/i)?.[1];
  let text = body;
  if (boundary) {
    for (const part of body.split(`--${boundary}`)) {
      const cut = part.search(/\r?\n\r?\n/);
      if (cut < 0) continue;
      const ph = part.slice(0, cut);
      const pb = part.slice(cut).trim();
      if (/content-type:\s*text\/plain/i.test(ph)) {
        text = /content-transfer-encoding:\s*base64/i.test(ph)
          ? Buffer.from(pb.replace(/\s+/g, ''), 'base64').toString('utf8')
          : pb;
        break;
      }
    }
  }
  return { to: envelope?.to ?? [header('To')], subject, text, raw };
}

/** Every mail the sink has, oldest first. */
export function readMails(maildir) {
  if (!existsSync(maildir)) return [];
  return readdirSync(maildir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const base = join(maildir, f.slice(0, -4));
      let envelope;
      try {
        envelope = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
      } catch {
        envelope = undefined;
      }
      return { file: f, ...parseEml(readFileSync(join(maildir, f), 'latin1'), envelope) };
    });
}

/**
 * Waits for a mail to `to` whose text has a link to `path` (e.g.
 * /redefinir-senha?token=); the newest such mail. Returns {mail, link}.
 */
export async function waitForMailLink(maildir, { to, path, timeoutMs = 20000 }) {
  return waitFor(() => {
    const mails = readMails(maildir);
    for (let i = mails.length - 1; i >= 0; i--) {
      const m = mails[i];
      if (!m.to.some((a) => a.toLowerCase() === to.toLowerCase())) continue;
      const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const link = m.text.match(new RegExp(`(https?://[^\\s/]+${escaped}[A-Za-z0-9_-]+)`));
      if (link) return { mail: m, link: link[1] };
    }
    return null;
  }, timeoutMs, `a mail to ${to} with a link to ${path}`);
}

/* ------------------------------------------------------------------ */
/* The browser                                                         */
/* ------------------------------------------------------------------ */

export async function launchChromium({ hostRules, spki }) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium chromium-driver (tools/deps.sh)`);
  }
  const args = [...CHROMIUM_ARGS];
  if (hostRules) args.push(`--host-resolver-rules=${hostRules}`);
  if (spki) args.push(`--ignore-certificate-errors-spki-list=${spki}`);
  return chromium.launch({ executablePath: CHROMIUM, args, timeout: 60000 });
}

export const DESKTOP_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/* ------------------------------------------------------------------ */
/* Misc                                                                */
/* ------------------------------------------------------------------ */

export function freshDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function randomSecret() {
  return randomBytes(36).toString('base64url');
}

export function isFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
