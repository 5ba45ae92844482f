// auth-peer.mjs - Node peers for tests/interop/auth.sh.
//   node auth-peer.mjs serve DIR            static files of DIR on 127.0.0.1:0; prints "PORT n"
//                                           (GET /hits tells how many files were served)
//   node auth-peer.mjs client URL TOKEN     the official SDK client (StreamableHTTPClientTransport,
//                                           Authorization via requestInit): list tools, call
//                                           process_data read + write; prints one JSON line
//   node auth-peer.mjs call URL TOKEN TOOL ARGS_JSON   one tool call through the SDK client;
//                                           prints {text, isError, progress: [messages]}
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [cmd, ...a] = process.argv.slice(2);

function serve(dir) {
  let hits = 0;
  const srv = http.createServer((req, res) => {
    if (req.url === '/hits') { res.end(String(hits)); return; }
    const f = path.join(dir, path.basename(req.url));
    if (!fs.existsSync(f)) { res.writeHead(404); res.end(); return; }
    hits++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' });
    res.end(fs.readFileSync(f));
  });
  srv.listen(0, '127.0.0.1', () => console.log(`PORT ${srv.address().port}`));
}

async function client(url, token) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const out = {};
  const c = new Client({ name: 'auth-interop', version: '1.0.0' });
  const t = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await c.connect(t);
  out.tools = (await c.listTools()).tools.map((x) => x.name).sort();
  const progress = [];
  const r1 = await c.callTool({ name: 'process_data', arguments: { operation: 'read', data: { n: 1 } } });
  out.read = r1.structuredContent ?? r1.content?.[0]?.text;
  const r2 = await c.callTool({ name: 'process_data', arguments: { operation: 'write', data: 'x' } },
    undefined, { onprogress: (p) => progress.push(p) });
  out.write = r2.structuredContent ?? r2.content?.[0]?.text;
  out.writeError = !!r2.isError;
  out.progress = progress.map((p) => `${p.progress}/${p.total}`);
  const r3 = await c.callTool({ name: 'get_access_token', arguments: {} });
  out.token = JSON.parse(r3.content[0].text);
  await c.close();
  console.log(JSON.stringify(out));
}

async function call(url, token, tool, args) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const c = new Client({ name: 'auth-interop', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
  const progress = [];
  const r = await c.callTool({ name: tool, arguments: JSON.parse(args) }, undefined,
    { onprogress: (p) => progress.push(p.message) });
  await c.close();
  console.log(JSON.stringify({ text: r.content?.[0]?.text, isError: !!r.isError, progress }));
}

if (cmd === 'serve') serve(a[0]);
else if (cmd === 'call') call(a[0], a[1], a[2], a[3]).catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
else if (cmd === 'client') client(a[0], a[1]).catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
else { console.error('usage: serve DIR | client URL TOKEN'); process.exit(2); }
