// jwt-peer.mjs - jose as the independent peer for tests/interop/jwt.sh.
//   node jwt-peer.mjs keypair DIR KID [ALG]        -> DIR/private.pem (PKCS#8), DIR/public.pem, DIR/jwks.json
//   node jwt-peer.mjs sign KEY.pem KID CLAIMS_JSON [ALG] -> prints a token (typ JWT; ALG default RS256)
//   node jwt-peer.mjs verify TOKEN JWKS.json ISS AUD [SCOPE]
//        exit 0 and print the payload as JSON, or exit 1 and print the jose error code
//        (RS256, PS256, ES256, ES384, EdDSA and Ed25519 allowed; the JWK decides the key type)
//   node jwt-peer.mjs thumbprint JWKS.json       -> RFC 7638 thumbprint of the first key
import fs from 'node:fs';
import * as jose from 'jose';

const [cmd, ...a] = process.argv.slice(2);
const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));

const ALGS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519'];

async function keypair(dir, kid, alg = 'RS256') {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  fs.writeFileSync(`${dir}/private.pem`, await jose.exportPKCS8(privateKey), { mode: 0o600 });
  fs.writeFileSync(`${dir}/public.pem`, await jose.exportSPKI(publicKey));
  const jwk = await jose.exportJWK(publicKey);
  Object.assign(jwk, { kid, alg, use: 'sig' });
  fs.writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [jwk] }));
}

async function sign(keyFile, kid, claims, alg = 'RS256') {
  const key = await jose.importPKCS8(fs.readFileSync(keyFile, 'utf8'), alg);
  const header = { alg, typ: 'JWT' };
  if (kid) header.kid = kid;
  process.stdout.write(await new jose.SignJWT(JSON.parse(claims)).setProtectedHeader(header).sign(key) + '\n');
}

async function verify(token, jwksFile, iss, aud, scope) {
  const jwks = jose.createLocalJWKSet(readJson(jwksFile));
  try {
    const { payload } = await jose.jwtVerify(token, jwks, { issuer: iss || undefined, audience: aud, algorithms: ALGS });
    const granted = String(payload.scope || '').split(' ');
    if (scope && !scope.split(' ').every((s) => granted.includes(s))) {
      process.stdout.write('insufficient_scope\n');
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(payload) + '\n');
  } catch (e) {
    process.stdout.write(`${e.code || e.message}\n`);
    process.exit(1);
  }
}

if (cmd === 'keypair') await keypair(a[0], a[1], a[2]);
else if (cmd === 'sign') await sign(a[0], a[1], a[2], a[3]);
else if (cmd === 'verify') await verify(a[0], a[1], a[2], a[3], a[4]);
else if (cmd === 'thumbprint') process.stdout.write(await jose.calculateJwkThumbprint(readJson(a[0]).keys[0]) + '\n');
else { process.stderr.write('usage: see the header of jwt-peer.mjs\n'); process.exit(2); }
