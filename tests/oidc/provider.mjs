// A real OpenID Connect provider on loopback for the single sign-on tests (oidc-provider, its built-in
// login form). Whoever signs in is the account named by what they type as the login: its email claim is
// that login, lower-cased, unless the login starts with "no-email", which has no email claim at all.
//
// Environment: OIDC_PORT (0: any free port), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS
// (comma-separated). Prints "listening on ISSUER" once it serves.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

function account(accountId) {
  const claims = { sub: accountId, given_name: 'Sam', family_name: 'Single' };
  if (!accountId.startsWith('no-email')) {
    Object.assign(claims, { email: accountId.toLowerCase(), email_verified: true });
  }
  return { accountId, claims: async () => claims };
}

const server = http.createServer();
server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.OIDC_CLIENT_ID || 'webconsole',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'webconsole-secret',
      redirect_uris: (process.env.OIDC_REDIRECT_URIS || 'http://localhost/sso/callback').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    findAccount: async (ctx, id) => account(id),
    // The console is the only client and first-party: no consent screen, the sign-in grants what it asks.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                                  accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  console.log(`listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
