// An MCP server on the official TypeScript SDK 2.x (@modelcontextprotocol/server),
// for testing the fastmcp.h client in both protocol eras:
//   node client-sdk2-server.mjs stdio   serveStdio: 2026-07-28 (server/discover) or 2025 (initialize)
//   node client-sdk2-server.mjs http    createMcpHandler on 127.0.0.1, run-time port, path /mcp;
//                                       prints "PORT <n>" once listening. Modern requests are served
//                                       per request, 2025 ones by the SDK's stateless fallback.
//   ... stdio strict | http strict       modern only: 2025-era openings are rejected.
// Tools: add (text + structuredContent), progress (three progress notifications), era (which era
// the factory built this instance for, as the server saw it).
import http from 'node:http';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

function build(ctx) {
  const era = ctx && ctx.era ? ctx.era : 'unknown';
  const s = new McpServer({ name: 'sdk2-peer', version: '2.4.0-peer' }, { capabilities: { tools: {} } });
  s.registerTool('add', {
    description: 'a+b',
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    outputSchema: z.object({ sum: z.number() }),
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }));
  s.registerTool('progress', { description: 'three progress steps', inputSchema: z.object({}) }, async (_a, c) => {
    const token = c.mcpReq._meta?.progressToken;
    for (let i = 1; i <= 3; i++) {
      if (token !== undefined) {
        await c.mcpReq.notify({ method: 'notifications/progress',
          params: { progressToken: token, progress: i, total: 3, message: `step ${i}` } });
      }
    }
    return { content: [{ type: 'text', text: 'progress done' }] };
  });
  s.registerTool('era', { description: 'the era this instance serves', inputSchema: z.object({}) },
    async () => ({ content: [{ type: 'text', text: `era:${era}` }] }));
  return s;
}

// A second argument "strict" makes a modern-only server (legacy: 'reject').
const strict = process.argv[3] === 'strict';
if (process.argv[2] === 'stdio') {
  serveStdio(build, strict ? { legacy: 'reject' } : {});
} else {
  const handler = createMcpHandler(build, strict ? { legacy: 'reject' } : {});
  // node:http <-> web Request/Response by hand (@modelcontextprotocol/node is not installed).
  const srv = http.createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach((x) => headers.append(k, x)); else if (v !== undefined) headers.set(k, v);
      }
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
      const r = await handler.fetch(new Request(`http://${req.headers.host}${req.url}`,
        { method: req.method, headers, body, signal: ac.signal }));
      res.writeHead(r.status, Object.fromEntries(r.headers.entries()));
      if (r.body) {
        const rd = r.body.getReader();
        for (;;) {
          const { done, value } = await rd.read();
          if (done) break;
          res.write(value);
        }
      }
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  srv.listen(0, '127.0.0.1', () => console.log(`PORT ${srv.address().port}`));
}
