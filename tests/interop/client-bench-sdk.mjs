// The official TypeScript SDK client doing N sequential tools/call round trips
// (bench/bench_client.sh): `node client-bench-sdk.mjs URL N` or
// `node client-bench-sdk.mjs -- N CMD ARGS...`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const a = process.argv.slice(2);
const stdio = a[0] === '--';
const n = parseInt(a[1], 10);
const client = new Client({ name: 'sdk-bench', version: '1.0.0' });
await client.connect(stdio ? new StdioClientTransport({ command: a[2], args: a.slice(3), stderr: 'inherit' })
                           : new StreamableHTTPClientTransport(new URL(a[0])));
const call = () => client.callTool({ name: 'test_simple_text', arguments: {} });
for (let i = 0; i < 200; i++) await call();
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await call();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`TypeScript SDK   ${(stdio ? 'stdio' : 'http').padEnd(6)} ${Math.round(n * 1000 / ms).toString().padStart(8)} calls/s  (${n} sequential tools/call)`);
await client.close();
