// The official TypeScript SDK clients against one fastmcp.h server, in both
// protocol eras: @modelcontextprotocol/client 2.x negotiating (auto -> the
// 2026-07-28 era, and legacy), and @modelcontextprotocol/sdk 1.x (legacy).
//   node era-peer.mjs http URL            (Streamable HTTP, one server process)
//   node era-peer.mjs stdio CMD [ARGS..]  (a spawned stdio server)
// Prints "ok <name>" or "FAIL <name>: why" per check.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Http1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport as Stdio1 } from '@modelcontextprotocol/sdk/client/stdio.js';

const [mode, target, ...rest] = process.argv.slice(2);
let failed = 0;
const ok = (name) => console.log(`ok ${name}`);
const fail = (name, why) => { failed++; console.log(`FAIL ${name}: ${why}`); };
async function check(name, fn) {
  try { await fn(); ok(name); } catch (e) { fail(name, e && e.message ? e.message : String(e)); }
}
function expect(cond, why) { if (!cond) throw new Error(why); }
const text = (r) => (r.content || []).map((c) => c.text || '').join('');

function transport2() {
  return mode === 'http'
    ? new StreamableHTTPClientTransport(new URL(target))
    : new StdioClientTransport({ command: target, args: rest, stderr: 'ignore' });
}
function transport1() {
  return mode === 'http'
    ? new Http1(new URL(target))
    : new Stdio1({ command: target, args: rest, stderr: 'ignore' });
}

async function modern() {
  const c = new Client({ name: 'era-peer', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {}, roots: {} }, versionNegotiation: { mode: 'auto' } });
  c.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada', color: 'teal' } }));
  c.setRequestHandler('sampling/createMessage', async () =>
    ({ role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'peer', stopReason: 'endTurn' }));
  c.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///peer', name: 'peer' }] }));
  await c.connect(transport2());
  await check(`${mode} 2.x auto: modern era`, async () => {
    expect(c.getProtocolEra() === 'modern', `era ${c.getProtocolEra()}`);
    expect(c.getNegotiatedProtocolVersion() === '2026-07-28', `version ${c.getNegotiatedProtocolVersion()}`);
  });
  await check(`${mode} 2.x auto: tools/list`, async () => {
    const r = await c.listTools();
    expect(r.tools.some((t) => t.name === 'test_simple_text'), 'test_simple_text missing');
  });
  await check(`${mode} 2.x auto: tools/call`, async () => {
    const r = await c.callTool({ name: 'test_simple_text', arguments: {} });
    expect(/simple text/.test(text(r)), text(r));
  });
  await check(`${mode} 2.x auto: multi round-trip (two rounds, elicitation)`, async () => {
    const r = await c.callTool({ name: 'test_input_required_result_multi_round', arguments: {} });
    expect(text(r) === 'Ada likes teal', text(r));
  });
  await check(`${mode} 2.x auto: multi round-trip (elicitation, sampling, roots at once)`, async () => {
    const r = await c.callTool({ name: 'test_input_required_result_multiple_inputs', arguments: {} });
    expect(/All inputs received for Ada/.test(text(r)), text(r));
  });
  await check(`${mode} 2.x auto: resources/read`, async () => {
    const r = await c.readResource({ uri: 'test://static-text' });
    expect(r.contents[0].text.includes('static text'), JSON.stringify(r));
  });
  await check(`${mode} 2.x auto: prompts/get with input`, async () => {
    const r = await c.getPrompt({ name: 'test_input_required_result_prompt', arguments: {} });
    expect(JSON.stringify(r.messages).includes('Use this context'), JSON.stringify(r));
  });
  await check(`${mode} 2.x auto: subscriptions/listen sees tools/list_changed`, async () => {
    let seen;
    const got = new Promise((res) => { seen = res; });
    c.setNotificationHandler('notifications/tools/list_changed', () => seen(true));
    const sub = await c.listen({ toolsListChanged: true });
    await c.callTool({ name: 'test_trigger_tool_change', arguments: {} });
    const hit = await Promise.race([got, new Promise((res) => setTimeout(() => res(false), 5000))]);
    await sub.close?.();
    expect(hit === true, 'no notifications/tools/list_changed within 5 s');
  });
  await c.close();
}

async function legacy2() {
  const c = new Client({ name: 'era-peer-legacy', version: '1.0.0' }, { capabilities: {} });
  await c.connect(transport2());
  await check(`${mode} 2.x legacy: initialize`, async () => {
    expect(c.getNegotiatedProtocolVersion() === '2025-11-25', `version ${c.getNegotiatedProtocolVersion()}`);
  });
  await check(`${mode} 2.x legacy: tools/call`, async () => {
    const r = await c.callTool({ name: 'test_simple_text', arguments: {} });
    expect(/simple text/.test(text(r)), text(r));
  });
  await c.close();
}

async function legacy1() {
  const c = new Client1({ name: 'era-peer-sdk1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  c.setRequestHandler((await import('@modelcontextprotocol/sdk/types.js')).ElicitRequestSchema,
    async () => ({ action: 'accept', content: { name: 'Grace' } }));
  await c.connect(transport1());
  await check(`${mode} 1.x: initialize`, async () => {
    expect(c.getServerVersion()?.name === 'fastmcp-everything', JSON.stringify(c.getServerVersion()));
  });
  await check(`${mode} 1.x: fmcp_ctx_input asks with a server request in a legacy session`, async () => {
    const r = await c.callTool({ name: 'test_input_required_result_elicitation', arguments: {} });
    expect(text(r) === 'Hello, Grace', text(r));
  });
  await c.close();
}

for (const [name, fn] of [['modern', modern], ['legacy2', legacy2], ['legacy1', legacy1]]) {
  try { await fn(); } catch (e) { fail(`${mode} ${name}`, e && e.message ? e.message : String(e)); }
}
process.exit(failed ? 1 : 0);
