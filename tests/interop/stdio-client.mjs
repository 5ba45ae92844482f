// The official MCP TypeScript SDK Client (StdioClientTransport) against our
// stdio servers. Prints one "ok"/"FAIL" line per check and "RESULT p f s".
//
//   node stdio-client.mjs everything SERVER        the conformance fixture server
//   node stdio-client.mjs whoami SERVER SUBJECT [with-note|no-note]
//        examples/claude_code (BEARER_TOKEN etc. in the environment): the
//        token's subject must reach the tools; SERVE_JWKS=FILE serves the keys
//        over http and passes JWKS_URI instead
//   node stdio-client.mjs expiry SERVER
//        claude_code with a token that expires during the session
//   node stdio-client.mjs jose-token PRIVATE.pem KID ISS AUD SUB
//        print a token signed by jose (an independent issuer)
//
// Expected texts are the fixture texts of the MCP conformance scenarios
// (../shared/peers/conformance-scenarios.md), not outputs of our code.
import fs from 'node:fs';
import http from 'node:http';
import * as jose from 'jose';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema, LATEST_PROTOCOL_VERSION,
} from '@modelcontextprotocol/sdk/types.js';

let P = 0, F = 0;
const check = (name, cond, detail) => {
  if (cond) { P++; console.log(`ok    ${name}`); }
  else { F++; console.log(`FAIL  ${name}${detail !== undefined ? ': ' + detail : ''}`); }
};
const PNG_MAGIC = '89504e470d0a1a0a';

// Every message in and out, in wire order: the SDK dispatches notifications a
// microtask later than responses, so ordering is judged here, not in callbacks.
function tap(transport) {
  const wire = [];
  const send = transport.send.bind(transport);
  transport.send = (msg, opts) => { wire.push({ dir: 'out', msg }); return send(msg, opts); };
  let inner;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    // wrap the handler current at read time: the SDK chains the previous one
    get() { const fn = inner; return fn && ((msg, extra) => { wire.push({ dir: 'in', msg }); fn(msg, extra); }); },
    set(fn) { inner = fn; },
  });
  return wire;
}

function makeClient() {
  const client = new Client({ name: 'fastmcp-stdio-interop', version: '1.0.0' },
    { capabilities: { sampling: {}, elicitation: { form: {} } } });
  const errors = [];
  client.onerror = (e) => errors.push(String(e?.message || e));
  return { client, errors };
}

async function connect(client, command, env, args = [], cwd = undefined) {
  const transport = new StdioClientTransport({ command, args, env, cwd, stderr: 'pipe' });
  const wire = tap(transport);
  let stderr = '';
  const p = client.connect(transport);
  transport.stderr?.on('data', (d) => { stderr += d; });
  await p;
  return { transport, wire, stderr: () => stderr };
}

const call = (client, name, args, opts) => client.callTool({ name, arguments: args ?? {} }, undefined, opts);
const rpcError = async (fn) => { try { await fn(); return null; } catch (e) { return e; } };

async function lifecycle(client, wire) {
  const init = wire.find((w) => w.dir === 'in' && w.msg.id !== undefined && w.msg.result?.protocolVersion);
  check('initialize: protocol version ' + LATEST_PROTOCOL_VERSION, init?.msg.result.protocolVersion === LATEST_PROTOCOL_VERSION,
        init?.msg.result.protocolVersion);
  const info = client.getServerVersion();
  check('initialize: serverInfo name and version', typeof info?.name === 'string' && info.name.length > 0 &&
        typeof info.version === 'string' && info.version.length > 0, JSON.stringify(info));
  const caps = client.getServerCapabilities() || {};
  check('initialize: capabilities tools, resources(subscribe), prompts, logging, completions',
        caps.tools && caps.resources && caps.resources.subscribe === true && caps.prompts && caps.logging && caps.completions,
        JSON.stringify(caps));
  check('initialize: notifications/initialized sent after the result',
        wire.findIndex((w) => w.dir === 'out' && w.msg.method === 'notifications/initialized') >
        wire.findIndex((w) => w === init));
  const pong = await client.ping();
  check('ping', pong && Object.keys(pong).length === 0, JSON.stringify(pong));
}

async function tools(client) {
  const list = (await client.listTools()).tools;
  const names = list.map((t) => t.name);
  const want = ['test_simple_text', 'test_image_content', 'test_tool_with_progress', 'test_tool_with_logging',
                'test_sampling', 'test_elicitation'];
  check('tools/list: fixture tools present, object input schemas', want.every((n) => names.includes(n)) &&
        list.every((t) => t.inputSchema?.type === 'object'), names.join());
  const sampling = list.find((t) => t.name === 'test_sampling');
  check('tools/list: declared argument in schema', sampling?.inputSchema?.properties?.prompt?.type === 'string',
        JSON.stringify(sampling?.inputSchema));
  let r = await call(client, 'test_simple_text');
  check('tools/call: text content', r.content?.[0]?.type === 'text' &&
        r.content[0].text === 'This is a simple text response for testing.' && !r.isError, JSON.stringify(r));
  r = await call(client, 'test_image_content');
  check('tools/call: image content', r.content?.[0]?.type === 'image' && r.content[0].mimeType === 'image/png' &&
        Buffer.from(r.content[0].data, 'base64').subarray(0, 8).toString('hex') === PNG_MAGIC);
  r = await call(client, 'test_error_handling');
  check('tools/call: isError result', r.isError === true && r.content?.[0]?.type === 'text');
  const e = await rpcError(() => call(client, 'no_such_tool'));
  check('tools/call: unknown tool is a JSON-RPC error', e && e.code === -32602, String(e?.code));
}

async function progress(client, wire) {
  const seen = [];
  const before = wire.length;
  const r = await call(client, 'test_tool_with_progress', {}, { onprogress: (p) => seen.push(p) });
  // let queued notification handlers run before judging
  await new Promise((res) => setImmediate(res));
  // The SDK drops its progress handler as soon as the response is parsed, while
  // notifications are dispatched a microtask later: when the last progress and
  // the response arrive in one read, onprogress never sees 100. The wire order
  // is therefore checked separately below.
  const got = seen.map((p) => p.progress).join();
  check('progress: onprogress in order (0,50[,100]) with total 100',
        /^0,50(,100)?$/.test(got) && seen.every((p) => p.total === 100), JSON.stringify(seen));
  const mine = wire.slice(before).filter((w) => w.dir === 'in');
  const resp = mine.findIndex((w) => w.msg.id !== undefined);
  const progs = mine.slice(0, resp).filter((w) => w.msg.method === 'notifications/progress');
  check('progress: wire order 0, 50, 100, then the response', resp > 0 &&
        progs.map((w) => w.msg.params.progress).join() === '0,50,100' &&
        mine.slice(resp).every((w) => w.msg.method !== 'notifications/progress'),
        JSON.stringify(mine.map((w) => w.msg.params?.progress ?? 'response')));
  check('progress: tool result', r.content?.[0]?.text === 'Tool with progress executed successfully');
}

// Abort a running tool after its first progress event. The server must never
// answer that id, and must keep serving.
async function cancellation(client, wire, errors) {
  const ac = new AbortController();
  let aborted = false;
  const e = await rpcError(() => call(client, 'test_tool_with_progress', {}, {
    signal: ac.signal,
    onprogress: () => { if (!aborted) { aborted = true; ac.abort('user stopped it'); } },
  }));
  check('cancel: the aborted call rejects', aborted && e !== null, String(e));
  const sent = wire.filter((w) => w.dir === 'out' && w.msg.method === 'notifications/cancelled');
  const id = sent.length ? sent[sent.length - 1].msg.params.requestId : undefined;
  check('cancel: notifications/cancelled sent for the request', id !== undefined);
  // Barrier: these two run after the cancelled one started and take at least as
  // long (2 x 50 ms + 2 x 50 ms), so its late response would be on the wire by now.
  const r1 = await call(client, 'test_tool_with_logging');
  const r2 = await call(client, 'test_tool_with_progress');
  check('cancel: server keeps serving (two following calls answer)',
        r1.content?.[0]?.text === 'Tool with logging executed successfully' &&
        r2.content?.[0]?.text === 'Tool with progress executed successfully');
  const late = wire.filter((w) => w.dir === 'in' && w.msg.id === id && ('result' in w.msg || 'error' in w.msg));
  check('cancel: no response for the cancelled request', id !== undefined && late.length === 0,
        JSON.stringify(late.map((w) => w.msg)));
  check('cancel: SDK saw no response for an unknown id', !errors.some((m) => /unknown message ID/.test(m)),
        errors.join(' | '));
}

async function resources(client) {
  const list = (await client.listResources()).resources;
  const uris = list.map((r) => r.uri);
  check('resources/list', ['test://static-text', 'test://static-binary', 'test://watched-resource']
        .every((u) => uris.includes(u)) && list.every((r) => typeof r.name === 'string'), uris.join());
  let rr = await client.readResource({ uri: 'test://static-text' });
  check('resources/read: text', rr.contents?.[0]?.text === 'This is the content of the static text resource.' &&
        rr.contents[0].uri === 'test://static-text' && rr.contents[0].mimeType === 'text/plain');
  rr = await client.readResource({ uri: 'test://static-binary' });
  check('resources/read: binary (blob is a PNG)', rr.contents?.[0]?.mimeType === 'image/png' &&
        Buffer.from(rr.contents[0].blob, 'base64').subarray(0, 8).toString('hex') === PNG_MAGIC);
  const tpl = (await client.listResourceTemplates()).resourceTemplates;
  check('resources/templates/list', tpl.some((t) => t.uriTemplate === 'test://template/{id}/data'),
        JSON.stringify(tpl));
  rr = await client.readResource({ uri: 'test://template/abc%20d/data' });
  let j = null;
  try { j = JSON.parse(rr.contents?.[0]?.text); } catch { /* checked below */ }
  check('resources/read: template variable (percent-decoded)', j?.id === 'abc d' && j?.templateTest === true &&
        rr.contents[0].uri === 'test://template/abc%20d/data', rr.contents?.[0]?.text);
  const e = await rpcError(() => client.readResource({ uri: 'test://nothing-here' }));
  check('resources/read: unknown URI is -32002', e?.code === -32002, String(e?.code));
  const sub = await client.subscribeResource({ uri: 'test://watched-resource' });
  const unsub = await client.unsubscribeResource({ uri: 'test://watched-resource' });
  check('resources/subscribe and unsubscribe', Object.keys(sub).length === 0 && Object.keys(unsub).length === 0);
}

async function prompts(client) {
  const list = (await client.listPrompts()).prompts;
  const withArgs = list.find((p) => p.name === 'test_prompt_with_arguments');
  check('prompts/list', list.some((p) => p.name === 'test_simple_prompt') &&
        withArgs?.arguments?.map((a) => `${a.name}:${a.required}`).join() === 'arg1:true,arg2:true',
        JSON.stringify(withArgs));
  const g = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'sun', arg2: 'moon' } });
  check('prompts/get with arguments', g.messages?.length === 1 && g.messages[0].role === 'user' &&
        g.messages[0].content.text === "Prompt with arguments: arg1='sun', arg2='moon'", JSON.stringify(g.messages));
  const e = await rpcError(() => client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'x' } }));
  check('prompts/get: missing required argument is -32602', e?.code === -32602, String(e?.code));
}

async function completion(client) {
  let c = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
                                  argument: { name: 'arg1', value: 'par' } });
  const v = c.completion?.values || [];
  check('completion/complete: prompt argument', v.length === 3 && v.every((x) => x.startsWith('par')), JSON.stringify(c));
  c = await client.complete({ ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
                              argument: { name: 'id', value: 'wor' } });
  check('completion/complete: template variable', c.completion?.values?.join() === 'world', JSON.stringify(c));
}

async function logging(client, logs) {
  await client.setLoggingLevel('info');
  logs.length = 0;
  await call(client, 'test_tool_with_logging');
  await new Promise((res) => setImmediate(res));
  check('logging: setLevel info, three notifications/message in order',
        logs.map((l) => `${l.level}:${l.data}`).join('|') ===
        'info:Tool execution started|info:Tool processing data|info:Tool execution completed', JSON.stringify(logs));
  await client.setLoggingLevel('error');
  logs.length = 0;
  await call(client, 'test_tool_with_logging');
  await new Promise((res) => setImmediate(res));
  check('logging: setLevel error filters info messages', logs.length === 0, JSON.stringify(logs));
  await client.setLoggingLevel('debug');
}

async function samplingAndElicitation(client, state) {
  const r = await call(client, 'test_sampling', { prompt: 'What is 2+2?' });
  check('sampling: server asked, client answered', state.sampled?.messages?.[0]?.content?.text === 'What is 2+2?' &&
        r.content?.[0]?.text === 'LLM response: sampled<What is 2+2?>', JSON.stringify(r));
  state.elicitAction = 'accept';
  let e = await call(client, 'test_elicitation', { message: 'Who are you?' });
  check('elicitation: accept with content', state.elicited?.message === 'Who are you?' &&
        state.elicited?.requestedSchema?.required?.join() === 'username,email' &&
        e.content?.[0]?.text === 'User response: action=accept, content={"username":"zoe","email":"zoe@example.org"}',
        e.content?.[0]?.text);
  state.elicitAction = 'decline';
  e = await call(client, 'test_elicitation', { message: 'Again?' });
  check('elicitation: decline', /action=decline/.test(e.content?.[0]?.text || ''), e.content?.[0]?.text);
}

async function everything(server) {
  const { client, errors } = makeClient();
  const state = {};
  const logs = [];
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    state.sampled = req.params;
    return { role: 'assistant', model: 'interop-fake', stopReason: 'endTurn',
             content: { type: 'text', text: `sampled<${req.params.messages[0].content.text}>` } };
  });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    state.elicited = req.params;
    return state.elicitAction === 'accept'
      ? { action: 'accept', content: { username: 'zoe', email: 'zoe@example.org' } } : { action: 'decline' };
  });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });
  const { wire } = await connect(client, server);
  await lifecycle(client, wire);
  await tools(client);
  await progress(client, wire);
  await cancellation(client, wire, errors);
  await resources(client);
  await prompts(client);
  await completion(client);
  await logging(client, logs);
  await samplingAndElicitation(client, state);
  await client.close();
}

// SERVE_JWKS=FILE: serve that JWKS over http on a free port and hand the server
// JWKS_URI instead of a file (its start-up fetch goes through fmcp_http_fetch).
async function serveJwks(file) {
  const body = fs.readFileSync(file);
  const srv = http.createServer((req, res) => {
    if (req.url === '/jwks') { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); }
    else { res.writeHead(404); res.end(); }
  });
  await new Promise((res) => srv.listen(0, '127.0.0.1', res));
  return srv;
}

// Claude Code's .mcp.json expansion: ${VAR} and ${VAR:-default}.
const expand = (v, env) => v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
  (_, k, d) => (env[k] !== undefined && env[k] !== '' ? env[k] : d ?? ''));

async function whoami(server, subject, noteScope) {
  let env = { ...process.env };
  let jwksServer = null;
  if (env.SERVE_JWKS) {
    jwksServer = await serveJwks(env.SERVE_JWKS);
    env.JWKS_URI = `http://127.0.0.1:${jwksServer.address().port}/jwks`;
    delete env.SERVE_JWKS;
  }
  let launch = { command: server, args: [], cwd: undefined };
  let how = env.JWKS_URI ? 'JWKS_URI' : env.JWKS_FILE ? 'JWKS_FILE' : 'JWT_PUBLIC_KEY_FILE';
  // MCP_JSON=FILE:NAME: start the server as Claude Code would from that project
  // file: command relative to the project root (the repository root here), and
  // only the variables the file names, expanded from our environment.
  if (env.MCP_JSON) {
    const [file, name] = env.MCP_JSON.split(':');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')).mcpServers[name];
    launch = { command: cfg.command, args: (cfg.args || []).map((a) => expand(a, env)), cwd: '../..' };
    const named = Object.fromEntries(Object.entries(cfg.env || {}).map(([k, v]) => [k, expand(v, env)]));
    env = { PATH: env.PATH, ...named };
    how = `.mcp.json ${name}`;
  }
  const { client } = makeClient();
  const { stderr } = await connect(client, launch.command, env, launch.args, launch.cwd);
  const list = (await client.listTools()).tools.map((t) => t.name);
  check(`claude_code (${how}): tools/list has whoami`, list.includes('whoami'), list.join());
  const r = await call(client, 'whoami');
  let j = null;
  try { j = JSON.parse(r.content?.[0]?.text); } catch { /* checked below */ }
  check(`claude_code (${how}): whoami shows the token subject`, j?.subject === subject, r.content?.[0]?.text);
  check(`claude_code (${how}): whoami shows the claims, not the token`, j?.claims?.sub === subject &&
        typeof j?.claims?.exp === 'number' && !r.content[0].text.includes(env.BEARER_TOKEN.split('.')[2]),
        r.content?.[0]?.text);
  const sum = await call(client, 'add', { a: 40, b: 2 });
  check(`claude_code (${how}): add`, sum.content?.[0]?.text === '42', JSON.stringify(sum));
  if (noteScope === 'with-note') {
    const n = await call(client, 'secret_note');
    check(`claude_code (${how}): scope notes:read shows secret_note`, list.includes('secret_note') && !n.isError &&
          /notes:read/.test(n.content?.[0]?.text || ''), JSON.stringify(n));
  } else if (noteScope === 'no-note') {
    const e = await rpcError(() => call(client, 'secret_note'));
    check(`claude_code (${how}): without notes:read secret_note is hidden and refused`,
          !list.includes('secret_note') && e?.code === -32003, `${list.join()} / ${e?.code}`);
  }
  check(`claude_code (${how}): stderr names the subject`, stderr().includes(`authenticated as ${subject}`), stderr());
  await client.close();
  if (jwksServer) jwksServer.close();
}

// A token that expires during the session (JWT_LEEWAY_SECONDS=0, short ttl):
// calls work, then - polled until a deadline, not timed - are refused.
async function expiry(server) {
  const { client } = makeClient();
  await connect(client, server, { ...process.env });
  const exp = JSON.parse(Buffer.from(process.env.BEARER_TOKEN.split('.')[1], 'base64url')).exp;
  const first = await call(client, 'whoami');
  check('claude_code: short-lived token works before exp', !first.isError && Date.now() / 1000 < exp,
        JSON.stringify(first));
  let e = null;
  const deadline = (exp + 15) * 1000;
  while (!e && Date.now() < deadline) {
    e = await rpcError(() => call(client, 'whoami'));
    if (!e) await new Promise((res) => setTimeout(res, 100));
  }
  check('claude_code: calls refused (-32003) once the token expired, not before',
        e?.code === -32003 && Date.now() / 1000 >= exp, String(e?.code));
  const list = (await client.listTools()).tools;
  check('claude_code: tools hidden after expiry', list.length === 0, list.map((t) => t.name).join());
  await client.close();
}

// An independent issuer: jose signs with the PKCS#8 key that fmcp keygen wrote.
async function joseToken(keyFile, kid, iss, aud, sub) {
  const key = await jose.importPKCS8(fs.readFileSync(keyFile, 'utf8'), 'RS256');
  const t = await new jose.SignJWT({ scope: 'mcp:tools' }).setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(iss).setAudience(aud).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(key);
  console.log(t);
}

const [mode, server, arg, arg2] = process.argv.slice(2);
if (mode === 'jose-token') { await joseToken(...process.argv.slice(3)); process.exit(0); }
try {
  if (mode === 'everything') await everything(server);
  else if (mode === 'whoami') await whoami(server, arg, arg2);
  else if (mode === 'expiry') await expiry(server);
  else check('usage: stdio-client.mjs everything|whoami SERVER [SUBJECT]', false);
} catch (e) {
  check(`${mode}: session`, false, String(e?.stack || e));
}
console.log(`RESULT ${P} ${F} 0`);
process.exit(0);
