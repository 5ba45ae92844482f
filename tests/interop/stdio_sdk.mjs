// The official MCP TypeScript SDK client against build/examples/everything over
// stdio: every fixture, sampling and elicitation answered by this client,
// progress and log notifications. Prints ok/FAIL lines and "RESULT p f s".
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const server = process.argv[2];
let P = 0, F = 0;
const check = (name, cond, detail) => {
  if (cond) { P++; console.log(`ok    ${name}`); } else { F++; console.log(`FAIL  ${name}${detail ? ': ' + detail : ''}`); }
};
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

const client = new Client({ name: 'fastmcp-interop', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
  role: 'assistant', model: 'fake', stopReason: 'endTurn',
  content: { type: 'text', text: 'echo:' + req.params.messages[0].content.text },
}));
client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { username: 'ann', email: 'a@b.c' } }));
const logs = [];
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params); });

try {
  await client.connect(new StdioClientTransport({ command: server, args: [], stderr: 'inherit' }));
  check('initialize: serverInfo', client.getServerVersion()?.name === 'fastmcp-everything');
  const caps = client.getServerCapabilities();
  check('initialize: capabilities', caps.tools && caps.resources?.subscribe && caps.prompts && caps.logging && caps.completions);
  check('ping', JSON.stringify(await client.ping()) === '{}');
  const tools = (await client.listTools()).tools;
  const fixtures = ['test_simple_text', 'test_image_content', 'test_audio_content', 'test_embedded_resource',
    'test_multiple_content_types', 'test_tool_with_logging', 'test_tool_with_progress', 'test_error_handling',
    'test_sampling', 'test_elicitation', 'test_elicitation_sep1034_defaults', 'test_elicitation_sep1330_enums',
    'json_schema_2020_12_tool'];
  check('tools/list: every fixture, with schemas', fixtures.every((n) => tools.some((t) => t.name === n)) &&
        tools.every((t) => t.inputSchema?.type === 'object'), tools.map((t) => t.name).join());
  const js = tools.find((t) => t.name === 'json_schema_2020_12_tool');
  check('tools/list: 2020-12 keywords preserved', js?.inputSchema?.$defs?.address && js.inputSchema.additionalProperties === false && js.inputSchema.$schema);
  const call = async (name, args, opts) => client.callTool({ name, arguments: args ?? {} }, undefined, opts);
  let r = await call('test_simple_text');
  check('tools/call text', r.content[0].text === 'This is a simple text response for testing.');
  r = await call('test_image_content');
  check('tools/call image', r.content[0].type === 'image' && r.content[0].data === PNG && r.content[0].mimeType === 'image/png');
  r = await call('test_audio_content');
  check('tools/call audio', r.content[0].type === 'audio' && r.content[0].mimeType === 'audio/wav' && Buffer.from(r.content[0].data, 'base64').subarray(0, 4).toString() === 'RIFF');
  r = await call('test_embedded_resource');
  check('tools/call embedded resource', r.content[0].resource?.text === 'This is an embedded resource content.');
  r = await call('test_multiple_content_types');
  check('tools/call mixed', r.content.map((c) => c.type).join() === 'text,image,resource' && JSON.parse(r.content[2].resource.text).value === 123);
  r = await call('test_error_handling');
  check('tools/call isError', r.isError === true && /intentionally/.test(r.content[0].text));
  const progress = [];
  r = await call('test_tool_with_progress', {}, { onprogress: (p) => progress.push(p.progress) });
  // The SDK dispatches notifications asynchronously but settles the response at
  // once, so the last progress event can lose the race on its side; the wire
  // order (checked in tests/test_mcp.c) is progress 0, 50, 100, then the result.
  check('progress notifications 0,50[,100]', /^0,50(,100)?$/.test(progress.join()), progress.join());
  await client.setLoggingLevel('info');
  r = await call('test_tool_with_logging');
  check('log notifications', logs.map((l) => l.data).join('|') === 'Tool execution started|Tool processing data|Tool execution completed', JSON.stringify(logs));
  r = await call('test_sampling', { prompt: 'hello' });
  check('sampling round trip', r.content[0].text === 'LLM response: echo:hello', r.content[0].text);
  r = await call('test_elicitation', { message: 'who?' });
  check('elicitation round trip', r.content[0].text === 'User response: action=accept, content={"username":"ann","email":"a@b.c"}', r.content[0].text);
  r = await call('test_elicitation_sep1034_defaults');
  check('elicitation SEP-1034', /^Elicitation completed: action=accept/.test(r.content[0].text));
  r = await call('json_schema_2020_12_tool', { name: 'x', email: 'a@b.c' });
  check('tools/call 2020-12', r.content[0].text === 'Received: {"name":"x","email":"a@b.c"}');
  let bad2020 = null, r2020 = null;   // anyOf phone/email, and the else branch requires email
  try { r2020 = await call('json_schema_2020_12_tool', { name: 'x' }); } catch (e) { bad2020 = e; }
  check('tools/call 2020-12 validates anyOf and if/then/else', bad2020?.code === -32602 || r2020?.isError === true);
  let bad = null;
  try { r = await call('test_sampling', {}); } catch (e) { bad = e; }
  check('invalid arguments rejected', bad?.code === -32602 || r?.isError === true);
  bad = null;
  try { await call('no_such_tool'); } catch (e) { bad = e; }
  check('unknown tool: -32602', bad?.code === -32602);
  const res = (await client.listResources()).resources;
  check('resources/list', res.length === 3 && res.every((x) => x.uri && x.name && x.description));
  let rr = await client.readResource({ uri: 'test://static-text' });
  check('resources/read text', rr.contents[0].text === 'This is the content of the static text resource.');
  rr = await client.readResource({ uri: 'test://static-binary' });
  check('resources/read binary', rr.contents[0].blob === PNG);
  rr = await client.readResource({ uri: 'test://template/123/data' });
  check('resources/read template', JSON.parse(rr.contents[0].text).id === '123' && rr.contents[0].uri === 'test://template/123/data');
  check('resources/templates/list', (await client.listResourceTemplates()).resourceTemplates[0].uriTemplate === 'test://template/{id}/data');
  bad = null;
  try { await client.readResource({ uri: 'test://nope' }); } catch (e) { bad = e; }
  check('resources/read unknown: -32002', bad?.code === -32002);
  check('subscribe/unsubscribe', JSON.stringify(await client.subscribeResource({ uri: 'test://watched-resource' })) === '{}' &&
        JSON.stringify(await client.unsubscribeResource({ uri: 'test://watched-resource' })) === '{}');
  const prompts = (await client.listPrompts()).prompts;
  check('prompts/list', prompts.length >= 4 && prompts[1].arguments.length === 2 && prompts[1].arguments[0].required === true);
  let g = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } });
  check('prompts/get with args', g.messages[0].content.text === "Prompt with arguments: arg1='hello', arg2='world'");
  g = await client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://r' } });
  check('prompts/get embedded', g.messages[0].content.resource.uri === 'test://r' && g.messages[1].content.type === 'text');
  g = await client.getPrompt({ name: 'test_prompt_with_image' });
  check('prompts/get image', g.messages[0].content.data === PNG);
  const c = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
  check('completion/complete', c.completion.values.join() === 'paris,park,party', JSON.stringify(c));
  await client.close();
} catch (e) {
  check('session', false, String(e?.stack || e));
}
console.log(`RESULT ${P} ${F} 0`);
process.exit(0);
