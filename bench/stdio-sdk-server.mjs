// The official MCP TypeScript SDK side of bench/bench_stdio.sh: an McpServer
// with tools `add` {a,b} and `echo` {text} over StdioServerTransport.
import { load } from './stdio-peers.mjs';

const { McpServer } = await load('@modelcontextprotocol/sdk', './server/mcp.js');
const { StdioServerTransport } = await load('@modelcontextprotocol/sdk', './server/stdio.js');
const { z } = await load('zod');

const server = new McpServer({ name: 'bench-sdk-ts', version: '1.0.0' });
server.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number().int(), b: z.number().int() } },
  async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
server.registerTool('echo', { description: 'Echoes the text', inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: 'text', text }] }));
await server.connect(new StdioServerTransport());
