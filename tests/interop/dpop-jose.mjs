// dpop-jose.mjs ISSUER RESOURCE CLIENT_ID SECRET - DPoP proofs made by jose
// against a fastmcp.h resource server (tests/interop/dpop.sh): a key of our
// own, a DPoP-bound token from the authorization server (client credentials,
// proof at the token endpoint, one retry with its nonce), then calls to the
// resource with proofs that must pass or fail. Prints one line per outcome.
import crypto from 'node:crypto';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';

const [iss, res, clientId, secret] = process.argv.slice(2);
const es256 = await generateKeyPair('ES256', { extractable: true });
const other = await generateKeyPair('ES256', { extractable: true });
const es384 = await generateKeyPair('ES384', { extractable: true });

async function proof(keys, alg, htm, htu, claims) {
  const jwk = await exportJWK(keys.publicKey);
  return new SignJWT({ htm, htu, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
    .setIssuedAt()
    .sign(keys.privateKey);
}

const meta = await (await fetch(`${iss}/.well-known/oauth-authorization-server`)).json();
let nonce;
let tok;
for (let i = 0; i < 2 && !tok; i++) {
  const r = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64'),
      dpop: await proof(es256, 'ES256', 'POST', meta.token_endpoint, nonce ? { nonce } : {}),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: res }).toString(),
  });
  const body = await r.json();
  if (r.status === 200) tok = body;
  else if (body.error === 'use_dpop_nonce') nonce = r.headers.get('dpop-nonce');
  else { console.error('token endpoint', r.status, JSON.stringify(body)); process.exit(1); }
}
if (!tok) { console.error('no token'); process.exit(1); }
console.log(`token_type ${tok.token_type}`);
const ath = crypto.createHash('sha256').update(tok.access_token).digest('base64url');

async function call(label, dpop) {
  const r = await fetch(res, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18', authorization: `DPoP ${tok.access_token}`, dpop,
    },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'jose', version: '1' } },
    }),
  });
  const www = r.headers.get('www-authenticate') || '';
  const err = (/error="([^"]*)"/.exec(www) || [])[1] || '';
  console.log(`${label}: ${r.status}${err ? ' ' + err : ''}`);
  await r.text();
}

const good = await proof(es256, 'ES256', 'POST', res, { ath });
await call('jose proof', good);
await call('jose proof replayed', good);
await call('jose proof for another URL', await proof(es256, 'ES256', 'POST', res + '/other', { ath }));
await call('jose ES384 proof', await proof(es384, 'ES384', 'POST', res, { ath }));
await call('jose proof with another key', await proof(other, 'ES256', 'POST', res, { ath }));
