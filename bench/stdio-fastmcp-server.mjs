// The TypeScript `fastmcp` framework side of bench/bench_stdio.sh: tools `add`
// {a,b} and `echo` {text} over stdio, the same as bench/stdio_server.c.
import { load } from './stdio-peers.mjs';

const { FastMCP } = await load('fastmcp');
const { z } = await load('zod');

const server = new FastMCP({ name: 'bench-fastmcp-ts', version: '1.0.0' });
server.addTool({
  name: 'add', description: 'Adds two numbers',
  parameters: z.object({ a: z.number().int(), b: z.number().int() }),
  execute: async ({ a, b }) => String(a + b),
});
server.addTool({
  name: 'echo', description: 'Echoes the text',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => text,
});
await server.start({ transportType: 'stdio' });
