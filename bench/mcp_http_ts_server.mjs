// mcp_http_ts_server.mjs - the TypeScript side of bench/bench_mcp_http.sh: a
// `fastmcp` (npm, pinned in tests/interop) server with the same `add` {a,b}
// tool as bench/mcp_http_server.c, over httpStream in stateless JSON mode.
//
//   node bench/mcp_http_ts_server.mjs PORT
//
// Prints "port N" once listening. The packages are loaded from
// tests/interop/node_modules, so run `npm ci` there first.
import { createRequire } from 'node:module';

const req = createRequire(new URL('../tests/interop/package.json', import.meta.url));
const { FastMCP } = req('fastmcp');
const { z } = req('zod');

const port = Number(process.argv[2] || 0);
if (!port) {
  console.error('usage: node bench/mcp_http_ts_server.mjs PORT');
  process.exit(2);
}

const server = new FastMCP({ name: 'bench-mcp-http-ts', version: '1.0.0' });
server.addTool({
  name: 'add',
  description: 'Adds two integers',
  parameters: z.object({ a: z.number().int(), b: z.number().int() }),
  execute: async ({ a, b }) => String(a + b),
});

await server.start({
  transportType: 'httpStream',
  httpStream: { host: '127.0.0.1', port, endpoint: '/mcp', stateless: true, enableJsonResponse: true },
});
console.log(`port ${port}`);
