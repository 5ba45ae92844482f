// fastmcp-auth-server.mjs - the TypeScript fastmcp (npm `fastmcp`, pinned in
// package.json) side of tests/interop/auth_reference.sh and bench/bench_auth.sh:
// a Streamable HTTP server whose `authenticate` hook checks an RS256 bearer JWT
// with jose, configured like our examples/authenticated_server.
//
//   node tests/interop/fastmcp-auth-server.mjs --port N --jwks FILE --issuer ISS
//        --audience AUD [--scope "a b"] [--as URL] [--stateless] [--json]
//
// Tool: add {a, b}. Prints "port N" once listening.
//
// Rejections follow RFC 6750 and the MCP authorization spec, the way a fastmcp
// user writes them: a thrown Response is passed through by fastmcp as is.
//   no Bearer credentials  401, challenge without an error attribute
//   token jose rejects     401 error="invalid_token", error_description=<jose>
//   scope missing          403 error="insufficient_scope", scope="<required>"
// Every challenge carries realm="mcp" (fastmcp's habit) and resource_metadata
// pointing at the RFC 9728 document fastmcp serves from its `oauth` option.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const req = createRequire(new URL('./package.json', import.meta.url));
const { FastMCP } = req('fastmcp');
const { z } = req('zod');
const jose = req('jose');

const opt = {};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i];
  if (!k.startsWith('--')) continue;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) opt[k.slice(2)] = true;
  else { opt[k.slice(2)] = v; i++; }
}
const port = Number(opt.port || 0);
if (!port || !opt.jwks || !opt.issuer || !opt.audience) {
  console.error('usage: fastmcp-auth-server.mjs --port N --jwks FILE --issuer ISS --audience AUD [--scope S]');
  process.exit(2);
}

const keys = jose.createLocalJWKSet(JSON.parse(fs.readFileSync(opt.jwks, 'utf8')));
const required = String(opt.scope || '').split(' ').filter(Boolean);
const resource = `http://127.0.0.1:${port}/mcp`;
const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;

function challenge(status, error, description, scope) {
  const parts = ['realm="mcp"'];
  if (error) parts.push(`error="${error}"`, `error_description="${description.replace(/["\\]/g, '')}"`);
  parts.push(`resource_metadata="${metadataUrl}"`);
  if (scope) parts.push(`scope="${scope}"`);
  // RFC 6750 leaves the body open; "unauthorized" for the missing-token case.
  const body = { error: error || 'unauthorized', error_description: description };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer ${parts.join(', ')}` },
  });
}

async function authenticate(request) {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization || '');
  if (!m) throw challenge(401, null, 'Authentication required', required.join(' '));
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(m[1], keys, {
      algorithms: ['RS256'], issuer: opt.issuer, audience: opt.audience,
    }));
  } catch (e) {
    throw challenge(401, 'invalid_token', e.message || 'invalid token');
  }
  const have = String(payload.scope || '').split(' ');
  if (!required.every((s) => have.includes(s)))
    throw challenge(403, 'insufficient_scope', 'The token lacks a required scope', required.join(' '));
  return { subject: String(payload.sub || ''), clientId: payload.client_id, scopes: have };
}

const server = new FastMCP({
  name: 'fastmcp-auth-reference',
  version: '1.0.0',
  authenticate,
  oauth: {
    enabled: true,
    protectedResource: {
      resource,
      authorizationServers: [opt.as || opt.issuer],
      bearerMethodsSupported: ['header'],
      scopesSupported: required,
    },
  },
});

server.addTool({
  name: 'add',
  description: 'Adds two integers',
  parameters: z.object({ a: z.number().int(), b: z.number().int() }),
  execute: async ({ a, b }) => String(a + b),
});

await server.start({
  transportType: 'httpStream',
  httpStream: {
    host: '127.0.0.1', port, endpoint: '/mcp',
    ...(opt.stateless ? { stateless: true } : {}),
    ...(opt.json ? { enableJsonResponse: true } : {}),
  },
});
console.log(`port ${port}`);
