// The official TypeScript SDK 2.x client (@modelcontextprotocol/client) doing N
// sequential tools/call round trips, in the 2026-07-28 era (modern: version
// negotiation auto, which a dual-era server answers with 2026-07-28) or the 2025
// one (legacy): `node client-bench-sdk2.mjs modern|legacy URL N` or
// `node client-bench-sdk2.mjs modern|legacy -- N CMD ARGS...` (bench/bench_client.sh).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const [era, ...a] = process.argv.slice(2);
const stdio = a[0] === '--';
const n = parseInt(a[1], 10);
const opts = era === 'modern' ? { capabilities: {}, versionNegotiation: { mode: 'auto' } } : { capabilities: {} };
const client = new Client({ name: 'sdk2-bench', version: '1.0.0' }, opts);
await client.connect(stdio ? new StdioClientTransport({ command: a[2], args: a.slice(3), stderr: 'inherit' })
                           : new StreamableHTTPClientTransport(new URL(a[0])));
const got = client.getProtocolEra ? client.getProtocolEra() : 'legacy';
if (got !== era) { console.error(`asked for ${era}, got ${got}`); process.exit(1); }
const call = () => client.callTool({ name: 'test_simple_text', arguments: {} });
for (let i = 0; i < 200; i++) await call();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await call();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const label = era === 'modern' ? '2026-07-28' : '2025 session';
console.log(`TypeScript SDK 2 ${(stdio ? 'stdio' : 'http').padEnd(6)} ${Math.round(n * 1000 / ms).toString().padStart(8)} calls/s  (${n} sequential tools/call, ${label})`);
await client.close();
