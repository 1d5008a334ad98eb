// The proxy as the client under test of `conformance client --command CMD` for the 2026-07-28
// client scenarios: the suite runs `CMD <server URL>` per scenario (its name and data in
// MCP_CONFORMANCE_SCENARIO and MCP_CONFORMANCE_CONTEXT). This driver starts multi-mcp (stdio,
// --no-namespace) with that URL as its only backend, then acts as a 2025-11-25 client of the
// proxy, doing what the scenario checks (SCENARIOS); the scenario's server sees the proxy as its
// 2026 client. It answers elicitation/create (the bridge asks it when the server wants input).
// The proxy's stderr is passed on, so the suite's stderr.txt shows what happened.
// Run: node dist/test/harness/conformance-modern-driver.js URL
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/harness
const CLI = path.resolve(here, '../../src/cli.js');
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
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-modern-'));
  const config = path.join(dir, 'mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { server: { url: serverUrl } } }));
  const proxy = spawn(process.execPath, [CLI, '--config', config, '--no-namespace', '--log-level', 'debug'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()));
  let nextId = 1;
  const answers = new Map<number, (msg: any) => void>();
  const write = (msg: object) => proxy.stdin.write(`${JSON.stringify(msg)}\n`);
  let partial = '';
  proxy.stdout.setEncoding('utf8');
  proxy.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line);
      if (msg.method === 'elicitation/create') write({ jsonrpc: '2.0', id: msg.id, result: accept(msg.params?.requestedSchema) });
      else if (msg.method !== undefined && msg.id !== undefined) write({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: `the driver does not answer ${msg.method}` } });
      else if (msg.id !== undefined) answers.get(msg.id)?.(msg);
    }
  });
  const request = (method: string, params: object = {}): Promise<any> => {
    const id = nextId++;
    write({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${ANSWER_MS} ms`)), ANSWER_MS);
      answers.set(id, (msg) => (clearTimeout(timer), answers.delete(id), resolve(msg)));
    });
  };
  try {
    const init = await request('initialize', { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'conformance-modern-driver', version: '1' } });
    if (init.error) throw new Error(`initialize: ${init.error.message}`);
    write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const tools: Tool[] = (await request('tools/list')).result?.tools ?? [];
    process.stderr.write(`driver: ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}\n`);
    const got = await act({ request, tools, context: JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') });
    for (const a of got) process.stderr.write(`driver: ${JSON.stringify(a.error ?? a.result).slice(0, 300)}\n`);
    return got.some((a) => a.error) ? 1 : 0;
  } finally {
    proxy.stdin.end();
    const timer = setTimeout(() => proxy.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`driver: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  },
);
