// oauth-m2m-as.mjs - an oidc-provider authorization server for machine-to-
// machine clients (tests/interop/oauth_m2m.sh): the client credentials grant
// only, for two pre-registered clients.
//
//   node oauth-m2m-as.mjs --client-jwks FILE [--port 0] [--scopes "mcp:read mcp:write"]
//
//   m2m-basic / m2m-secret   client_secret_basic
//   m2m-jwt                  private_key_jwt (ES256), public key from FILE ({"keys":[...]})
//
// Prints "ISSUER http://127.0.0.1:PORT" when it listens. Access tokens for a
// resource (RFC 8707) are RS256 JWTs with aud = the resource, from a key made
// at start and published at /jwks; the metadata is also served under the
// RFC 8414 name.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import Provider from 'oidc-provider';

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const port = Number(arg('--port', '0'));
const scopes = arg('--scopes', 'mcp:read mcp:write');
const clientJwks = JSON.parse(fs.readFileSync(arg('--client-jwks', ''), 'utf8'));
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const m2m = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: scopes };
const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      { ...m2m, client_id: 'm2m-basic', client_secret: 'm2m-secret', token_endpoint_auth_method: 'client_secret_basic' },
      { ...m2m, client_id: 'm2m-jwt', token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES256', jwks: clientJwks },
    ],
    enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'RS256'] },
    scopes: scopes.split(/\s+/),
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf || undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => ({
          scope: scopes, audience: resource, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oauth-m2m-as: ${err.stack}\n`));
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/.well-known/oauth-authorization-server') req.url = '/.well-known/openid-configuration' + url.search;
    provider.callback()(req, res);
  });
  process.stdout.write(`ISSUER ${issuer}\n`);
});
