// oauth-as.mjs - a small OAuth 2.1 authorization server for the end-to-end
// OAuth test (tests/interop/oauth.sh), built on oidc-provider.
//
//   node oauth-as.mjs [--port 0] [--access-ttl 3600] [--scopes "mcp:read mcp:write"]
//                     [--account test-user] [--resource http://127.0.0.1:PORT/mcp]
//
// Prints "ISSUER http://127.0.0.1:PORT" once it accepts connections (port 0 =
// any free port). Open dynamic client registration at /reg, PKCE S256
// required, resource indicators (RFC 8707): access tokens for a resource are
// RS256 JWTs with aud = the resource, signed with a key made at start and
// published at /jwks. Refresh tokens are issued to every client allowed the
// refresh_token grant and rotate on use.
//
// Login and consent approve themselves, so the flow runs without a browser:
// a GET of /auth (with or without cookies, redirects followed or not) answers
// 303 to the client's redirect_uri with code, state and iss. The server walks
// its own interaction hops internally with a cookie jar to get there.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const port = Number(arg('--port', '0'));
const accessTtl = Number(arg('--access-ttl', '3600'));
const rsScopes = arg('--scopes', 'mcp:read mcp:write').split(/\s+/).filter(Boolean);
const account = arg('--account', 'test-user');
const fixedResource = arg('--resource', '');
const INTERNAL = 'x-oauth-as-internal';

// The signing key: fresh per run, so tokens only verify against this run's JWKS.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = makeProvider(issuer);
  server.on('request', (req, res) => route(provider, issuer, req, res).catch((e) => {
    if (!res.headersSent) { res.statusCode = 500; res.end(String(e && e.message)); }
  }));
  process.stdout.write(`ISSUER ${issuer}\n`);
});

function makeProvider(issuer) {
  const resourceServer = (resource) => ({
    scope: rsScopes.join(' '),
    audience: resource,
    accessTokenTTL: accessTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  });
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: ['openid', 'offline_access', ...rsScopes],
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    ttl: { AccessToken: accessTtl },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf || fixedResource || undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => resourceServer(resource),
      },
    },
  });
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oauth-as: ${err.stack}\n`));
  return provider;
}

async function route(provider, issuer, req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/interaction/')) return interaction(provider, req, res);
  if (url.pathname === '/auth' && req.method === 'GET' && !req.headers[INTERNAL]) {
    return autoApprove(issuer, req, res);
  }
  if (url.pathname === '/.well-known/oauth-authorization-server') {
    req.url = '/.well-known/openid-configuration' + url.search;   // RFC 8414 name, same document
  }
  return provider.callback()(req, res);
}

// Login as the configured account; consent to whatever the request still misses.
async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId: account } },
      { mergeWithLastSubmission: false });
  }
  const missing = details.prompt.details || {};
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes || {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

// Follow /auth -> /interaction -> /auth/<uid> ... on ourselves with a cookie
// jar until the answer leaves this server, then hand that answer to the client.
async function autoApprove(issuer, req, res) {
  const jar = new Map();
  let next = new URL(req.url, issuer).href;
  for (let hop = 0; hop < 12; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await fetch(next, { redirect: 'manual', headers: { [INTERNAL]: '1', cookie } });
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const loc = r.headers.get('location');
    if (r.status >= 300 && r.status < 400 && loc) {
      const target = new URL(loc, next);
      if (target.origin === issuer) { next = target.href; continue; }
      res.writeHead(303, { location: target.href, 'content-length': '0' });
      return res.end();
    }
    // An error page (bad client, bad redirect_uri, ...): pass it on as it is.
    const body = Buffer.from(await r.arrayBuffer());
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') || 'text/plain' });
    return res.end(body);
  }
  res.writeHead(508, { 'content-type': 'text/plain' });
  return res.end('too many interaction hops');
}
