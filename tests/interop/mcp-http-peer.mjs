// Drives build/examples/everything --http with the official TypeScript SDK
// client over both HTTP transports: Streamable HTTP (2025-xx) and the legacy
// HTTP+SSE transport (2024-11-05). Prints "ok NAME" / "FAIL NAME: why" lines.
//   node tests/interop/mcp-http-peer.mjs http://127.0.0.1:PORT
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = process.argv[2];
let failed = 0;
const check = (name, cond, why) => {
  if (cond) console.log(`ok    ${name}`);
  else { failed++; console.log(`FAIL  ${name}: ${why}`); }
};

async function exercise(kind, transport) {
  const client = new Client({ name: 'fmcp-http-peer', version: '1.0.0' }, { capabilities: {} });
  const logs = [];
  try {
    await client.connect(transport);
    check(`${kind}: initialize`, client.getServerVersion()?.name === 'fastmcp-everything', 'server name');
    const tools = await client.listTools();
    check(`${kind}: tools/list`, tools.tools.some((t) => t.name === 'test_simple_text'), 'fixture missing');
    const { LoggingMessageNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params.data));
    const r = await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    check(`${kind}: tool call with logs`, r.content?.[0]?.text === 'Tool with logging executed successfully' &&
      logs.length === 3, `content ${JSON.stringify(r.content)}, ${logs.length} logs`);
    const res = await client.readResource({ uri: 'test://template/42/data' });
    check(`${kind}: resources/read`, JSON.parse(res.contents[0].text).id === '42', 'template text');
    if (kind === 'streamable') {
      await transport.terminateSession();
      check(`${kind}: DELETE ends the session`, transport.sessionId === undefined, 'session id kept');
    }
  } catch (e) {
    check(`${kind}: session`, false, e?.message ?? String(e));
  } finally {
    await client.close().catch(() => {});
  }
}

await exercise('streamable', new StreamableHTTPClientTransport(new URL(base + '/mcp')));
await exercise('legacy-sse', new SSEClientTransport(new URL(base + '/sse')));
process.exit(failed ? 1 : 0);
