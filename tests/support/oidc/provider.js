// A real OpenID provider (panva's oidc-provider 8.x) on 127.0.0.1, for the
// Google sign-in tests (tests/integration/t1500_google.py). No internet.
//
//   node provider.js --port PORT --client-id ID --client-secret SECRET \
//                    --redirect-uri URI [--accounts FILE]
//
// The issuer is http://127.0.0.1:PORT. One confidential client
// (client_secret_post or client_secret_basic, PKCE S256 required, code flow
// only). Sign-in uses the development interactions: POST
// /interaction/:uid with prompt=login&login=SUBJECT signs in as SUBJECT, and
// GET /interaction/:uid/abort answers the client with error=access_denied.
// Consent is implied for the client (a first-party client, as Google treats
// a Workspace app), so there is no consent page.
//
// Accounts: FILE is a JSON object {SUBJECT: {email, email_verified, name}},
// read again on every sign-in so a test can add users while the provider
// runs. A subject not in it gets SUBJECT@example.com, verified. Claims go in
// the ID token itself, as Google's do.
//
// Prints "ready ISSUER" on stdout once it listens.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    accounts: { type: 'string' },
  },
});
for (const name of ['port', 'client-id', 'client-secret', 'redirect-uri']) {
  if (!args[name]) {
    process.stderr.write(`provider.js: missing --${name}\n`);
    process.exit(2);
  }
}

const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;

function readAccounts() {
  if (!args.accounts) {
    return {};
  }
  try {
    return JSON.parse(readFileSync(args.accounts, 'utf8'));
  } catch {
    return {};
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `test-${randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

const configuration = {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Google puts the profile claims in the ID token: do the same.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
  },
  ttl: {
    AuthorizationCode: 60,
    IdToken: 3600,
    AccessToken: 3600,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  async findAccount(ctx, sub) {
    const known = readAccounts()[sub] || {};
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: known.email || `${sub}@example.com`,
          email_verified: known.email_verified !== undefined ? known.email_verified : true,
          name: known.name || `Test ${sub}`,
        };
      },
    };
  },
  // A first-party client: consent is implied, so the flow is login only.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, err) => {
  process.stderr.write(`provider server_error: ${err.stack}\n`);
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
