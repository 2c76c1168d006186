// A CRM webhook receiver on 127.0.0.1 for the CRM push tests
// (tests/integration/t4500_crm.py, helpers in tests/integration/crmlib.py).
// It checks every request the way a CRM would, with the Standard Webhooks
// reference library (the `standardwebhooks` npm package, not our code), and
// answers the way real CRMs do, faults included. No internet.
//
//   node receiver.js --port PORT --secret whsec_... [--secret whsec_...]
//   node receiver.js --self-test VECTOR.json    (signs the shared vector, exit 0 if it matches)
//
// Every request to any path outside /_control is recorded when its body has
// arrived, before it is answered (so a test sees a delivery that is still in
// flight): {seq, at (ms), method, path, headers (webhook-*, content-type,
// user-agent), body (text), verified (bool), verifyError, answer}.
//
// How it answers: a queue of scripted answers, used one per request, then
// the default answer (200 with {"ok":true}). An answer is an object:
//   {status: 200}                         that status, {"ok":true} as body
//   {status: 200, json: {...}}            that JSON as body (e.g. {"id": "crm-42"})
//   {status: 429, retryAfter: "2"}        with a Retry-After header (any text)
//   {status: 302, location: "http://..."} a redirect
//   {delayMs: 5000, ...}                  answers that much later (a slow CRM)
//   {drop: true}                          closes the connection without answering
// Requests that fail verification are answered 401, as a real receiver would,
// unless the answer says {ignoreSignature: true}.
//
// Control (JSON):
//   POST /_control/script   {"answers": [...], "default": {...}}   replaces the script
//   POST /_control/secrets  {"secrets": ["whsec_..."]}             what verifies from now on
//   GET  /_control/requests                                        {"requests": [...]}
//   POST /_control/reset                                           forgets the requests
//
// Prints "ready PORT" on stdout once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import standardwebhooks from 'standardwebhooks';

const { Webhook } = standardwebhooks;

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    secret: { type: 'string', multiple: true },
    'self-test': { type: 'string' },
  },
});

if (args['self-test']) {
  const v = JSON.parse(readFileSync(args['self-test'], 'utf8'));
  const sig = new Webhook(v.secret).sign(
    v['webhook-id'],
    new Date(Number(v['webhook-timestamp']) * 1000),
    v.body,
  );
  process.stdout.write(`${sig}\n`);
  process.exit(sig === v['webhook-signature'] ? 0 : 1);
}

if (!args.port) {
  process.stderr.write('receiver.js: missing --port\n');
  process.exit(2);
}

const MAX_BODY = 1024 * 1024;
let secrets = args.secret ?? [];
let script = [];
let fallback = { status: 200 };
let requests = [];
let seq = 0;

// Verifies with each secret in turn, as a receiver in the middle of a rotation would.
function verify(body, headers) {
  if (secrets.length === 0) {
    return 'no secret configured';
  }
  let last = 'no secret verified';
  for (const s of secrets) {
    try {
      new Webhook(s).verify(body, headers);
      return null;
    } catch (e) {
      last = String(e.message || e);
    }
  }
  return last;
}

function sendJson(res, status, obj, extra = {}) {
  const text = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  res.end(text);
}

function control(req, res, body) {
  let input = {};
  if (body.length) {
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'bad json' });
    }
  }
  const route = `${req.method} ${req.url}`;
  if (route === 'POST /_control/script') {
    script = Array.isArray(input.answers) ? input.answers.slice() : [];
    fallback = input.default ?? { status: 200 };
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'POST /_control/secrets') {
    secrets = Array.isArray(input.secrets) ? input.secrets.slice() : [];
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'GET /_control/requests') {
    return sendJson(res, 200, { requests });
  }
  if (route === 'POST /_control/reset') {
    requests = [];
    return sendJson(res, 200, { ok: true });
  }
  return sendJson(res, 404, { error: 'no such control' });
}

function answer(req, res, body) {
  const headers = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type',
    'user-agent']) {
    if (req.headers[name] !== undefined) {
      headers[name] = req.headers[name];
    }
  }
  const verifyError = verify(body, req.headers);
  const a = script.length ? script.shift() : fallback;
  const rec = {
    seq: ++seq,
    at: Date.now(),
    method: req.method,
    path: req.url,
    headers,
    body: body.toString('utf8'),
    verified: verifyError === null,
    verifyError,
    answer: a,
  };
  requests.push(rec);
  const reply = () => {
    if (a.drop) {
      req.socket.destroy();
      return;
    }
    if (verifyError !== null && !a.ignoreSignature) {
      return sendJson(res, 401, { error: verifyError });
    }
    const extra = {};
    if (a.retryAfter !== undefined) {
      extra['Retry-After'] = String(a.retryAfter);
    }
    if (a.location !== undefined) {
      extra.Location = a.location;
    }
    return sendJson(res, a.status ?? 200, a.json ?? { ok: true }, extra);
  };
  if (a.delayMs) {
    setTimeout(reply, a.delayMs);
  } else {
    reply();
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) {
      req.socket.destroy();
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.url.startsWith('/_control/')) {
      control(req, res, body);
    } else {
      answer(req, res, body);
    }
  });
});

server.listen(Number(args.port), '127.0.0.1', () => {
  process.stdout.write(`ready ${args.port}\n`);
});

process.on('SIGTERM', () => {
  server.closeAllConnections?.();
  server.close(() => process.exit(0));
});
