// An MCP server built on the official TypeScript SDK (McpServer), for testing
// the fastmcp.h client: `node client-sdk-server.mjs stdio` or
// `node client-sdk-server.mjs http` (prints "PORT <n>" once listening on
// 127.0.0.1, Streamable HTTP on /mcp with sessions).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

let cancelled = 0;   // how many `wait` calls saw their abort signal

function build() {
  const s = new McpServer({ name: 'sdk-peer', version: '9.9.9' }, { capabilities: { logging: {} } });
  s.registerTool('echo', { description: 'echo text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }));
  s.registerTool('add', { description: 'a+b', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  s.registerTool('progress', { description: 'three progress steps', inputSchema: {} }, async (_a, extra) => {
    const token = extra._meta?.progressToken;
    for (let i = 1; i <= 3; i++) {
      if (token !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress',
          params: { progressToken: token, progress: i, total: 3, message: `step ${i}` } });
      }
    }
    return { content: [{ type: 'text', text: 'progress done' }] };
  });
  s.registerTool('wait', { description: 'waits until cancelled', inputSchema: {} }, async (_a, extra) => {
    await new Promise((resolve) => {
      if (extra.signal.aborted) resolve();
      extra.signal.addEventListener('abort', () => resolve());
    });
    cancelled++;
    return { content: [{ type: 'text', text: 'cancelled' }] };
  });
  s.registerTool('cancelled', { description: 'count of cancelled waits', inputSchema: {} },
    async () => ({ content: [{ type: 'text', text: String(cancelled) }] }));
  s.registerTool('log', { description: 'logs twice', inputSchema: {} }, async (_a, extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'peer', data: 'first' } });
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'warning', logger: 'peer', data: 'second' } });
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  s.registerTool('sample', { description: 'asks the client to sample', inputSchema: {} }, async () => {
    const r = await s.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: '2+2?' } }], maxTokens: 5 });
    return { content: [{ type: 'text', text: `sampled:${r.content.text}` }] };
  });
  s.registerTool('roots', { description: 'asks the client for roots', inputSchema: {} }, async () => {
    const r = await s.server.listRoots();
    return { content: [{ type: 'text', text: r.roots.map((x) => x.uri).join(',') }] };
  });
  s.registerResource('hello', 'test://hello', { mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'hello resource' }] }));
  s.registerPrompt('greet', { description: 'greeting', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${name}!` } }] }));
  return s;
}

if (process.argv[2] === 'stdio') {
  await build().connect(new StdioServerTransport());
} else {
  const sessions = new Map();
  const srv = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const sid = req.headers['mcp-session-id'];
    let t = sid ? sessions.get(sid) : undefined;
    if (!t && req.method === 'POST' && body && body.method === 'initialize') {
      t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => sessions.set(id, t),
      });
      t.onclose = () => { if (t.sessionId) sessions.delete(t.sessionId); };
      await build().connect(t);
    }
    if (!t) { res.writeHead(sid ? 404 : 400).end(); return; }
    await t.handleRequest(req, res, body);
  });
  srv.listen(0, '127.0.0.1', () => console.log(`PORT ${srv.address().port}`));
}
