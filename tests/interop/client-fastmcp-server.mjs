// A TypeScript `fastmcp` server for testing the fastmcp.h client:
// `node client-fastmcp-server.mjs stdio` or `node client-fastmcp-server.mjs
// http PORT` (httpStream on 127.0.0.1:PORT/mcp).
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

const server = new FastMCP({ name: 'fastmcp-peer', version: '2.0.0' });

server.addTool({
  name: 'echo', description: 'echo text',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => text,
});
server.addTool({
  name: 'add', description: 'a+b',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});
server.addTool({
  name: 'progress', description: 'three progress steps',
  parameters: z.object({}),
  execute: async (_args, { reportProgress }) => {
    for (let i = 1; i <= 3; i++) await reportProgress({ progress: i, total: 3 });
    return 'progress done';
  },
});
server.addTool({
  name: 'log', description: 'logs twice',
  parameters: z.object({}),
  execute: async (_args, { log }) => {
    log.info('first');
    log.warn('second');
    return 'logged';
  },
});
server.addResource({
  uri: 'test://hello', name: 'hello', mimeType: 'text/plain',
  load: async () => ({ text: 'hello resource' }),
});
server.addPrompt({
  name: 'greet', description: 'greeting',
  arguments: [{ name: 'name', description: 'who', required: true }],
  load: async ({ name }) => `Hello, ${name}!`,
});

if (process.argv[2] === 'stdio') {
  await server.start({ transportType: 'stdio' });
} else {
  const port = parseInt(process.argv[3] || '0', 10);
  await server.start({ transportType: 'httpStream', httpStream: { port, host: '127.0.0.1', endpoint: '/mcp' } });
}
