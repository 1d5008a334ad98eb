// Records fixtures/recordings/*.jsonl from real sessions: for each scenario below it writes a
// temporary mcp.json, runs the real proxy (`node dist/src/cli.js --record FILE --config CFG`)
// against the fixture servers, drives it over stdio with the SDK Client (or raw NDJSON for the
// protocol versions the SDK client does not send), lets it shut down, then replays the new
// transcript in memory to check it. Multi-session scenarios (`http-*`) run the proxy in HTTP mode
// with several SDK clients over Streamable HTTP, and may add Streamable HTTP backends served from
// this process; their sessions' random ids are renamed to the clients' labels (client-a, ...).
// What two clients or backends do at the same time may come in another order in a re-recording.
//
// Re-record all:          npm run record-fixtures
// Re-record some:         npm run record-fixtures -- crash sampling
// Then review `git diff fixtures/recordings`: a recording is a claim about what the proxy sends.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startListening } from '../helpers/listening-process.js';
import { startStreamableServer, type RunningServer } from '../helpers/sdk-servers.js';
import { formatDivergence } from './divergence.js';
import { recordingServer } from './recording-server.js';
import { replayFile } from './replay.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const OUT_DIR = path.join(ROOT, 'fixtures/recordings');
const STEP_TIMEOUT_MS = 10_000;

interface ServerEntry {
  command: string;
  args: string[];
  restart?: boolean | { initialDelayMs: number; maxDelayMs: number };
}

interface Scenario {
  name: string;
  servers: Record<string, ServerEntry>;
  /** Extra proxy flags, e.g. --page-size. */
  args?: string[];
  /** Client capabilities for the SDK client. */
  capabilities?: Record<string, unknown>;
  sdk?: (client: Client, notes: Notes) => Promise<void>;
  raw?: (client: RawClient) => Promise<void>;
  http?: HttpSessions;
}

/** HTTP mode: several SDK clients, connected one after the other, over Streamable HTTP. */
interface HttpSessions {
  /** Client label → its capabilities; the label names its session in the transcript. */
  clients: Record<string, Record<string, unknown>>;
  /** Streamable HTTP backends served from this process, by server name. */
  remote?: Record<string, (label: string) => McpServer>;
  run: (clients: Record<string, Client>, notes: Notes) => Promise<void>;
}

const fixture = (file: string, ...args: string[]): ServerEntry => ({
  command: process.execPath,
  args: [path.join(ROOT, 'fixtures/servers', file), ...args],
  restart: false,
});

const sdkServer = (): ServerEntry => ({
  command: process.execPath,
  args: [path.join(ROOT, 'dist/test/harness/sdk-stdio-server.js')],
  restart: false,
});

/** A raw initialize at one protocol version, then initialized, tools/list and ping. */
const rawHandshake = (protocolVersion: string) => async (c: RawClient) => {
  await c.request(1, 'initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-client', version: '1.0.0' } });
  c.notify('notifications/initialized');
  await c.request(2, 'tools/list');
  await c.request(3, 'ping');
};

const SCENARIOS: Scenario[] = [
  {
    name: 'initialize-2025-11-25',
    servers: { echo: fixture('echo.mjs') },
    sdk: async (client) => {
      await client.listTools();
      await client.ping();
    },
  },
  { name: 'initialize-2025-06-18', servers: { echo: fixture('echo.mjs') }, raw: rawHandshake('2025-06-18') },
  { name: 'initialize-2025-03-26', servers: { echo: fixture('echo.mjs') }, raw: rawHandshake('2025-03-26') },
  { name: 'initialize-2024-11-05', servers: { echo: fixture('echo.mjs') }, raw: rawHandshake('2024-11-05') },
  { name: 'initialize-unsupported-version', servers: { echo: fixture('echo.mjs') }, raw: rawHandshake('1999-01-01') },
  {
    // The proxy follows the backend's nextCursor at start; the client gets one merged page.
    name: 'list-backend-pages',
    servers: { echo: fixture('echo.mjs', '--tools', '4', '--page-size', '2') },
    sdk: async (client) => {
      await client.listTools();
    },
  },
  {
    // --page-size 3 to the client: 7 merged tools come in 3 pages.
    name: 'list-client-pages',
    servers: { echo: fixture('echo.mjs', '--tools', '2'), calculator: fixture('calculator.mjs') },
    args: ['--page-size', '3'],
    sdk: async (client) => {
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await client.listTools(cursor === undefined ? {} : { cursor });
        cursor = res.nextCursor;
        if (cursor === undefined) return;
      }
      throw new Error('tools/list did not end within 10 pages');
    },
  },
  {
    name: 'tool-call',
    servers: { calculator: fixture('calculator.mjs') },
    sdk: async (client) => {
      await client.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } });
      await client.callTool({ name: 'calculator__divide', arguments: { a: 1, b: 0 } }); // isError result
    },
  },
  {
    name: 'tool-unknown',
    servers: { calculator: fixture('calculator.mjs') },
    sdk: async (client) => {
      await expectError(client.callTool({ name: 'calculator__nope', arguments: {} }));
      await expectError(client.callTool({ name: 'nobody__add', arguments: { a: 1, b: 1 } }));
    },
  },
  {
    name: 'cancellation',
    servers: { slow: fixture('slow.mjs') },
    sdk: async (client, notes) => {
      const abort = new AbortController();
      const call = client.callTool({ name: 'slow__wait_for_cancel', arguments: {} }, undefined, { signal: abort.signal });
      await notes.sleep(300); // long enough for the call to reach the backend
      abort.abort('the user gave up');
      await expectError(call);
      await client.callTool({ name: 'slow__sleep', arguments: { ms: 1 } }); // the session goes on
    },
  },
  {
    name: 'progress',
    servers: { slow: fixture('slow.mjs') },
    sdk: async (client) => {
      // onprogress makes the SDK send a progressToken. (It may not see the last notification: the SDK
      // handles the answer, which follows it in the same chunk, first. The transcript has all three.)
      await client.callTool({ name: 'slow__sleep', arguments: { ms: 30, steps: 3 } }, undefined, { onprogress: () => {} });
    },
  },
  {
    name: 'sampling',
    servers: { features: fixture('features.mjs') },
    capabilities: { sampling: {} },
    sdk: async (client) => {
      client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
        model: 'fixture-model',
        role: 'assistant',
        content: { type: 'text', text: `sampled: ${(req.params.messages[0]?.content as { text?: string }).text}` },
      }));
      await client.callTool({ name: 'features__sample', arguments: { prompt: 'say hi' } });
    },
  },
  {
    name: 'elicitation',
    servers: { features: fixture('features.mjs') },
    capabilities: { elicitation: {} },
    sdk: async (client) => {
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { answer: '42' } }));
      await client.callTool({ name: 'features__elicit', arguments: { message: 'What is the answer?' } });
    },
  },
  {
    name: 'roots',
    servers: { features: fixture('features.mjs') },
    capabilities: { roots: { listChanged: true } },
    sdk: async (client) => {
      client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work/project', name: 'project' }] }));
      await client.callTool({ name: 'features__roots', arguments: {} });
    },
  },
  {
    name: 'logging',
    servers: { features: fixture('features.mjs') },
    sdk: async (client, notes) => {
      await client.setLoggingLevel('warning');
      await client.callTool({ name: 'features__log', arguments: { level: 'info', message: 'filtered out' } });
      await client.callTool({ name: 'features__log', arguments: { level: 'error', message: 'disk almost full' } });
      await notes.sleep(50);
    },
  },
  {
    name: 'list-changed',
    servers: { features: fixture('features.mjs') },
    sdk: async (client, notes) => {
      const changed = notes.count(client, ToolListChangedNotificationSchema);
      await client.callTool({ name: 'features__change_tools', arguments: {} });
      await notes.until(() => changed() >= 1, 'notifications/tools/list_changed');
      await client.listTools();
    },
  },
  {
    name: 'subscription',
    servers: { features: fixture('features.mjs') },
    sdk: async (client, notes) => {
      const updated = notes.count(client, ResourceUpdatedNotificationSchema);
      await client.subscribeResource({ uri: 'features://a' });
      await client.callTool({ name: 'features__touch', arguments: { uri: 'features://a' } });
      await notes.until(() => updated() >= 1, 'notifications/resources/updated');
      await client.unsubscribeResource({ uri: 'features://a' });
      await client.callTool({ name: 'features__touch', arguments: { uri: 'features://a' } }); // no update now
    },
  },
  {
    // The backend exits mid-call: the call fails at once; the server restarts and works again.
    name: 'backend-crash',
    servers: { crash: { ...fixture('crash.mjs'), restart: { initialDelayMs: 100, maxDelayMs: 100 } } },
    sdk: async (client, notes) => {
      const changed = notes.count(client, ToolListChangedNotificationSchema);
      await expectError(client.callTool({ name: 'crash__crash', arguments: {} }));
      await notes.until(() => changed() >= 2, 'tools/list_changed for the loss and for the restart');
      await client.callTool({ name: 'crash__ok', arguments: {} });
    },
  },
  {
    // Two clients call the same stdio backend at once, both with progress, both with request id 1
    // and so progress token 1: each gets only its own progress and its own answer.
    name: 'http-progress',
    servers: { slow: fixture('slow.mjs') },
    http: {
      clients: { a: {}, b: {} },
      run: async ({ a, b }) => {
        const totals = { a: new Set<unknown>(), b: new Set<unknown>() };
        const [ra, rb] = await Promise.all([
          a.callTool({ name: 'slow__sleep', arguments: { ms: 90, steps: 3 } }, undefined, { onprogress: (p) => void totals.a.add(p.total) }),
          b.callTool({ name: 'slow__sleep', arguments: { ms: 60, steps: 2 } }, undefined, { onprogress: (p) => void totals.b.add(p.total) }),
        ]);
        expectText(ra, 'slept 90');
        expectText(rb, 'slept 60');
        expectSame([...totals.a, ...totals.b], [3, 2], 'progress totals seen by a, then b');
      },
    },
  },
  {
    // Both clients sample through one Streamable HTTP backend at once: each sampling request rides
    // its call's stream, so it reaches only the client whose call caused it. Then roots: through a
    // stdio backend, to the only session with a call there; after b's roots change, the shared
    // backend's roots/list (related to no call) goes to b, whose change caused it.
    name: 'http-sampling-roots',
    servers: { features: fixture('features.mjs') },
    http: {
      clients: { a: { sampling: {}, roots: { listChanged: true } }, b: { sampling: {}, roots: { listChanged: true } } },
      remote: { remote: recordingServer },
      run: async (clients, notes) => {
        const rootsAsked = { a: 0, b: 0 };
        for (const [label, client] of Object.entries(clients) as ['a' | 'b', Client][]) {
          client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
            model: `model-${label}`,
            role: 'assistant',
            content: { type: 'text', text: `${label} sampled: ${(req.params.messages[0]?.content as { text?: string }).text}` },
          }));
          client.setRequestHandler(ListRootsRequestSchema, async () => {
            rootsAsked[label]++;
            return { roots: [{ uri: `file:///work/${label}`, name: label }] };
          });
        }
        const { a, b } = clients;
        const [ra, rb] = await Promise.all([
          a.callTool({ name: 'remote__ask', arguments: { prompt: 'from a' } }),
          b.callTool({ name: 'remote__ask', arguments: { prompt: 'from b' } }),
        ]);
        expectText(ra, 'a sampled: from a');
        expectText(rb, 'b sampled: from b');
        expectText(await a.callTool({ name: 'features__roots', arguments: {} }), JSON.stringify([{ uri: 'file:///work/a', name: 'a' }]));
        await b.sendRootsListChanged();
        await notes.until(() => rootsAsked.b >= 1, "the shared backend's roots/list at b");
        expectText(await b.callTool({ name: 'remote__last_roots', arguments: {} }), JSON.stringify([{ uri: 'file:///work/b', name: 'b' }]));
        expectSame([rootsAsked.a, rootsAsked.b], [1, 1], 'roots/list requests at a and b');
      },
    },
  },
  {
    // a logs at info, b at debug. A log message on the stream of a's call to a Streamable HTTP
    // backend goes to a only; a stdio backend's messages (related to nothing) go to each session
    // whose level admits them; a tools/list_changed goes to both.
    name: 'http-logging',
    servers: { features: fixture('features.mjs') },
    http: {
      clients: { a: {}, b: {} },
      remote: { remote: recordingServer },
      run: async (clients, notes) => {
        const { a, b } = clients;
        const logs = { a: [] as unknown[], b: [] as unknown[] };
        a.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.a.push(n.params.data));
        b.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.b.push(n.params.data));
        const changed = { a: notes.count(a, ToolListChangedNotificationSchema), b: notes.count(b, ToolListChangedNotificationSchema) };
        await a.setLoggingLevel('info');
        await b.setLoggingLevel('debug');
        await a.callTool({ name: 'remote__report', arguments: {} });
        await b.callTool({ name: 'features__log', arguments: { level: 'debug', message: 'debug detail' } });
        await a.callTool({ name: 'features__log', arguments: { level: 'warning', message: 'disk almost full' } });
        await notes.until(() => logs.a.length >= 2 && logs.b.length >= 2, 'the log messages at a and b');
        expectSame(logs.a, ['remote working', 'disk almost full'], 'log messages at a');
        expectSame(logs.b, ['debug detail', 'disk almost full'], 'log messages at b');
        await a.callTool({ name: 'features__change_tools', arguments: {} });
        await notes.until(() => changed.a() >= 1 && changed.b() >= 1, 'tools/list_changed at a and b');
        await a.listTools();
        await b.listTools();
      },
    },
  },
  {
    // A 2026-07-28 server (probe, no initialize, a standing listen) beside a 2025 one (probe refused, then initialize).
    name: 'era-probe',
    servers: { modern: fixture('modern.mjs'), echo: fixture('echo.mjs') },
    sdk: async (client, notes) => {
      const changed = notes.count(client, ToolListChangedNotificationSchema);
      const updated = notes.count(client, ResourceUpdatedNotificationSchema);
      await client.callTool({ name: 'modern__echo', arguments: { text: 'now' } });
      await client.callTool({ name: 'echo__echo', arguments: { text: 'then' } });
      await client.callTool({ name: 'modern__change_tools', arguments: {} });
      await notes.until(() => changed() >= 1, 'notifications/tools/list_changed from the listen');
      await client.subscribeResource({ uri: 'modern://a' });
      await client.callTool({ name: 'modern__touch', arguments: { uri: 'modern://a' } });
      await notes.until(() => updated() >= 1, 'notifications/resources/updated from the listen');
    },
  },
  {
    name: 'sdk-backend',
    servers: { sdk: sdkServer(), calculator: fixture('calculator.mjs') },
    sdk: async (client) => {
      await client.listTools();
      await client.callTool({ name: 'sdk__greet', arguments: { name: 'Ada' } });
      await client.callTool({ name: 'sdk__count', arguments: { n: 3 } });
      await client.readResource({ uri: 'sdk://about' });
      await client.callTool({ name: 'calculator__multiply', arguments: { a: 6, b: 7 } });
    },
  },
];

function expectText(result: unknown, text: string): void {
  const got = (result as { content?: { text?: string }[] }).content?.[0]?.text;
  if (got !== text) throw new Error(`expected the answer ${JSON.stringify(text)}, got ${JSON.stringify(got)}`);
}

function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function expectError(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    return;
  }
  throw new Error('expected the request to fail');
}

/** Bounded waiting helpers for scenarios. */
class Notes {
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Counts notifications of one kind; returns the counter. */
  count(client: Client, schema: Parameters<Client['setNotificationHandler']>[0]): () => number {
    let n = 0;
    client.setNotificationHandler(schema, () => void n++);
    return () => n;
  }

  async until(predicate: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await this.sleep(10);
    }
  }
}

/** The proxy as a child process driven with raw NDJSON (for protocol versions the SDK does not send). */
class RawClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<string, (msg: any) => void>();
  private readonly exited: Promise<void>;
  private partial = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'inherit'] }) as unknown as ChildProcessWithoutNullStreams;
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const msg = JSON.parse(line);
        if ('method' in msg) continue;
        this.waiting.get(JSON.stringify(msg.id))?.(msg);
      }
    });
  }

  request(id: number | string, method: string, params?: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
      this.waiting.set(JSON.stringify(id), (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      this.write(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params?: Record<string, unknown>): void {
    this.write(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  private write(msg: object): void {
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
  }

  /** Ends stdin (the proxy shuts down) and waits for the exit; kills it if it takes too long. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STEP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

async function record(scenario: Scenario, dir: string): Promise<string> {
  const config = path.join(dir, `${scenario.name}.mcp.json`);
  const transcript = path.join(dir, `${scenario.name}.jsonl`);
  writeFileSync(config, JSON.stringify({ mcpServers: scenario.servers }, null, 2));
  const args = ['--record', transcript, '--config', config, '--log-level', 'warn', ...(scenario.args ?? [])];
  if (scenario.http) {
    await recordHttp(scenario.http, scenario.servers, config, transcript, scenario.args ?? []);
  } else if (scenario.raw) {
    const raw = new RawClient(args);
    try {
      await scenario.raw(raw);
    } finally {
      await raw.close();
    }
  } else {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], stderr: 'inherit' });
    const client = new Client({ name: 'record-fixtures', version: '1.0.0' }, { capabilities: scenario.capabilities ?? {} });
    await client.connect(transport);
    try {
      await scenario.sdk!(client, new Notes());
    } finally {
      await client.close(); // ends stdin, waits for the proxy to exit (SIGTERM/SIGKILL if it hangs)
    }
  }
  const target = path.join(OUT_DIR, `${scenario.name}.jsonl`);
  if (scenario.http) writeFileSync(target, labelSessions(readFileSync(transcript, 'utf8'), Object.keys(scenario.http.clients)));
  else copyFileSync(transcript, target);
  return target;
}

/** The proxy in HTTP mode, its Streamable HTTP backends, one SDK client per label; each session ends with DELETE. */
async function recordHttp(http: HttpSessions, stdioServers: Record<string, ServerEntry>, config: string, transcript: string, extraArgs: string[]): Promise<void> {
  const remotes: RunningServer[] = [];
  try {
    const servers: Record<string, unknown> = { ...stdioServers };
    for (const [name, build] of Object.entries(http.remote ?? {})) {
      const remote = await startStreamableServer(name, { json: false, build });
      remotes.push(remote);
      servers[name] = { type: 'http', url: remote.url, restart: false };
    }
    writeFileSync(config, JSON.stringify({ mcpServers: servers }, null, 2));
    const args = [CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', '0', '--record', transcript, '--config', config, '--log-level', 'info', ...extraArgs];
    const proxy = await startListening(process.execPath, args, { cwd: ROOT, env: process.env });
    const clients: Record<string, Client> = {};
    try {
      for (const [label, capabilities] of Object.entries(http.clients)) {
        const client = new Client({ name: `record-fixtures-${label}`, version: '1.0.0' }, { capabilities });
        await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`)));
        clients[label] = client;
      }
      await http.run(clients, new Notes());
    } catch (e) {
      process.stderr.write(`proxy log:\n${proxy.stderr()}\n`);
      throw e;
    } finally {
      for (const client of Object.values(clients)) {
        await (client.transport as StreamableHTTPClientTransport).terminateSession().catch(() => {});
        await client.close();
      }
      await proxy.stop(); // SIGTERM: the proxy stops its backends and closes the transcript
    }
  } finally {
    await Promise.all(remotes.map((r) => r.close()));
  }
}

/** Renames the sessions (random ids) to client-<label>, in the order they first spoke: the order the clients connected. */
function labelSessions(text: string, labels: string[]): string {
  const rows = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  const names = new Map<string, string>();
  for (const row of rows) {
    if (row.dir !== 'client>proxy' || names.has(row.peer)) continue;
    if (names.size === labels.length) throw new Error(`more sessions than clients (${labels.join(', ')}) in the transcript`);
    names.set(row.peer, `client-${labels[names.size]}`);
  }
  if (names.size !== labels.length) throw new Error(`expected ${labels.length} sessions in the transcript, found ${names.size}`);
  for (const row of rows) if (row.dir !== 'proxy>backend' && row.dir !== 'backend>proxy') row.peer = names.get(row.peer) ?? row.peer;
  return `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}\nknown: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-record-'));
  let failures = 0;
  try {
    for (const scenario of SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
      try {
        const file = await record(scenario, dir);
        const result = await replayFile(file);
        if (result.ok) process.stdout.write(`${scenario.name}: recorded, replay ok (${result.matched} messages)\n`);
        else {
          failures++;
          process.stdout.write(`${scenario.name}: recorded, but the replay diverges:\n${formatDivergence(result.divergence!, file)}\n`);
        }
      } catch (e) {
        failures++;
        process.stdout.write(`${scenario.name}: FAILED: ${e instanceof Error ? e.stack : e}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
