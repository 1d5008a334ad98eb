// The proxy as the client under test of `conformance client --command CMD` for the 2026-07-28
// client scenarios: the suite runs `CMD <server URL>` per scenario (its name and data in
// MCP_CONFORMANCE_SCENARIO and MCP_CONFORMANCE_CONTEXT). This driver starts multi-mcp (stdio,
// --no-namespace) with that URL as its only backend, then acts as a 2025-11-25 client of the
// proxy, doing what the scenario checks (SCENARIOS); the scenario's server sees the proxy as its
// 2026 client. It answers elicitation/create (the bridge asks it when the server wants input).
// The proxy's stderr is passed on, so the suite's stderr.txt shows what happened.
// Run: node dist/test/harness/conformance-modern-driver.js URL
import { runDriver, startProxy } from './driven-proxy.js';

const ANSWER_MS = 20_000;

type Tool = { name: string; inputSchema?: any };
interface Client {
  request(method: string, params?: object): Promise<any>;
  tools: Tool[];
  context: Record<string, any>;
}

/** What a client does through the proxy, per scenario; each returns the answers it got. */
const SCENARIOS: Record<string, (c: Client) => Promise<any[]>> = {
  // The proxy's own probe and lists are the requests checked.
  'request-metadata': async () => [],
  'json-schema-ref-no-deref': async () => [],
  'http-standard-headers': async (c) => {
    const answers = [];
    for (const t of c.tools) answers.push(await call(c, t.name));
    for (const r of (await c.request('resources/list')).result?.resources ?? []) answers.push(await c.request('resources/read', { uri: r.uri }));
    for (const p of (await c.request('prompts/list')).result?.prompts ?? []) answers.push(await c.request('prompts/get', { name: p.name }));
    return answers;
  },
  'http-custom-headers': async (c) => {
    const answers = [];
    for (const { name, arguments: args } of c.context.toolCalls ?? []) answers.push(await call(c, name, args));
    return answers;
  },
  // Every tool the proxy lists is called: a tool it should have left out would be called too.
  'http-invalid-tool-headers': async (c) => Promise.all(c.tools.map((t) => call(c, t.name, { region: 'us-west1' }))),
  'json-schema-2020-12-preservation': async (c) => {
    const rich = c.tools.find((t) => t.name === 'json_schema_2020_12_tool');
    return [await call(c, 'json_schema_echo', { schema: rich?.inputSchema ?? null })];
  },
  tools_call: async (c) => [await call(c, 'add_numbers', { a: 2, b: 3 })],
  // The reference client's order: a plain call between an input_required call and its retry.
  'sep-2322-client-request-state': async (c) => {
    const echo = call(c, 'test_mrtr_echo_state');
    const unrelated = await call(c, 'test_mrtr_unrelated');
    return [await echo, unrelated, await call(c, 'test_mrtr_no_state'), await call(c, 'test_mrtr_no_result_type')];
  },
};

const call = (c: Client, name: string, args: object = {}) => c.request('tools/call', { name, arguments: args });

/** An elicitation answer that fills each requested property with a value of its type. */
function accept(schema: any): object {
  const content: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries<any>(schema?.properties ?? {})) {
    content[key] = prop?.type === 'boolean' ? true : prop?.type === 'number' || prop?.type === 'integer' ? 1 : 'yes';
  }
  return { action: 'accept', content };
}

async function main(): Promise<number> {
  const serverUrl = process.argv[process.argv.length - 1];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const act = SCENARIOS[scenario];
  if (!act) throw new Error(`no plan for scenario ${JSON.stringify(scenario)}`);
  const proxy = startProxy({
    server: { url: serverUrl },
    args: () => ['--no-namespace', '--log-level', 'debug'],
    onRequest: (msg) =>
      msg.method === 'elicitation/create'
        ? { result: accept(msg.params?.requestedSchema) }
        : { error: { code: -32601, message: `the driver does not answer ${msg.method}` } },
    answerMs: ANSWER_MS,
  });
  try {
    await proxy.initialize({ elicitation: {} }, 'conformance-modern-driver');
    const tools: Tool[] = (await proxy.request('tools/list')).result?.tools ?? [];
    process.stderr.write(`driver: ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}\n`);
    const got = await act({ request: proxy.request, tools, context: JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') });
    for (const a of got) process.stderr.write(`driver: ${JSON.stringify(a.error ?? a.result).slice(0, 300)}\n`);
    return got.some((a) => a.error) ? 1 : 0;
  } finally {
    await proxy.close();
  }
}

runDriver(main);
