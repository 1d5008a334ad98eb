// The bridge from a 2026 backend to a 2025 client, with real peers, in a proxy of mixed eras: the
// official TypeScript SDK v1 client (it speaks 2025-11-25) over Streamable HTTP to one proxy with
// two backends, the 2026 reference server (the proxy speaks 2026-07-28 to it) and the 2025 stdio
// fixture features.mjs. Each test_input_required_result_* tool of the reference server answers
// input_required; the proxy must ask the client the same questions as 2025 server→client requests
// on its session and retry until the server's final text comes back. Checks that text and how
// often each of the client's handlers was called; then the 2025 backend's sampling, elicitation
// and roots on the same session. Prints one line per call. Part of `npm run conformance`.
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { backendsStarted, startHttpProxy } from '../helpers/http-proxy.js';
import { ROOT } from '../helpers/node22.js';
import { peerMissing, startConformanceServer } from './conformance-server.js';

const FEATURES = path.join(ROOT, 'fixtures', 'servers', 'features.mjs');
const REF = 'ref';
const OLD = 'features';
/** What the client's sampling handler always answers. */
const SAMPLED = 'Paris, said the bridge test';
const ROOTS = [
  { uri: 'file:///work/bridge-a', name: 'a' },
  { uri: 'file:///work/bridge-b', name: 'b' },
];
/** The elicitation handler's answer per property name (a property not named here gets `<name>-value`). */
const STRINGS: Record<string, string> = { name: 'Ada', color: 'blue', context: 'bridge-context', value: 'v1', answer: 'yes' };
const CALL_TIMEOUT_MS = 60_000;

type Kind = 'elicitation' | 'sampling' | 'roots';
type Asked = Record<Kind, number>;

interface Case {
  /** What is called (the name without the proxy's prefix). */
  label: string;
  call(client: Client): Promise<string>;
  /** The final text; a function when the text may legitimately vary (key order). */
  expect: string | ((text: string) => boolean);
  asks: Partial<Asked>;
}

const toolText = (result: Record<string, unknown>) =>
  (Array.isArray(result.content) ? result.content : []).map((c: { type?: string; text?: string }) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('');

const tool = (server: string, name: string, args: Record<string, unknown> = {}) => async (client: Client) =>
  toolText(await client.callTool({ name: `${server}__${name}`, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS }));

/** Content that satisfies an elicitation's requestedSchema (every property, deterministic values). */
function elicitedContent(schema: { properties?: Record<string, { type?: string; enum?: unknown[] }> } | undefined): Record<string, string | number | boolean> {
  const content: Record<string, string | number | boolean> = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    if (Array.isArray(prop.enum) && prop.enum.length) content[name] = prop.enum[0] as string;
    else if (prop.type === 'boolean') content[name] = true;
    else if (prop.type === 'number' || prop.type === 'integer') content[name] = 7;
    else content[name] = STRINGS[name] ?? `${name}-value`;
  }
  return content;
}

const CASES: Case[] = [
  { label: 'test_input_required_result_elicitation', call: tool(REF, 'test_input_required_result_elicitation'), expect: 'Hello, Ada!', asks: { elicitation: 1 } },
  { label: 'test_input_required_result_sampling', call: tool(REF, 'test_input_required_result_sampling'), expect: `Sampling result: ${SAMPLED}`, asks: { sampling: 1 } },
  { label: 'test_input_required_result_list_roots', call: tool(REF, 'test_input_required_result_list_roots'), expect: `Found ${ROOTS.length} root(s)`, asks: { roots: 1 } },
  // The server's requestState must come back to it unchanged with the answer ({ok: true}).
  { label: 'test_input_required_result_request_state', call: tool(REF, 'test_input_required_result_request_state'), expect: 'state-ok: requestState validated', asks: { elicitation: 1 } },
  // Three questions in one round: all three asked, all three answers in one retry.
  {
    label: 'test_input_required_result_multiple_inputs',
    call: tool(REF, 'test_input_required_result_multiple_inputs'),
    expect: `Name: Ada; Greeting: ${SAMPLED}; Roots: ${ROOTS.length}`,
    asks: { elicitation: 1, sampling: 1, roots: 1 },
  },
  // Two rounds: the second question comes only after the first answer, with the server's new requestState.
  { label: 'test_input_required_result_multi_round', call: tool(REF, 'test_input_required_result_multi_round'), expect: 'Multi-round complete for Ada who likes blue', asks: { elicitation: 2 } },
  // The server asks what the 2025 client's capabilities (sent on as _meta) allow: elicitation and sampling.
  {
    label: 'test_input_required_result_capabilities',
    call: tool(REF, 'test_input_required_result_capabilities'),
    expect: (text) => /^capabilities-ok: received /.test(text) && text.slice('capabilities-ok: received '.length).split(',').sort().join(',') === 'elicit_input,sample_input',
    asks: { elicitation: 1, sampling: 1 },
  },
  // Not called: test_input_required_result_tampered_state. It checks that a 2026 client's forged
  // requestState is refused; a 2025 client never sees a requestState (the proxy keeps it), so
  // there is nothing it could tamper with.
  {
    label: 'prompt test_input_required_result_prompt',
    call: async (client) => {
      const result = await client.getPrompt({ name: `${REF}__test_input_required_result_prompt` }, { timeout: CALL_TIMEOUT_MS });
      return result.messages.map((m) => (m.content.type === 'text' ? m.content.text : `[${m.content.type}]`)).join('');
    },
    expect: 'Prompt with context: bridge-context',
    asks: { elicitation: 1 },
  },
  // The 2025 backend in the same proxy and session: its server→client requests go the 2025 way.
  { label: `${OLD}: sample (2025 backend)`, call: tool(OLD, 'sample', { prompt: 'capital of France?' }), expect: SAMPLED, asks: { sampling: 1 } },
  { label: `${OLD}: elicit (2025 backend)`, call: tool(OLD, 'elicit', { message: 'answer?' }), expect: JSON.stringify({ action: 'accept', content: { answer: 'yes' } }), asks: { elicitation: 1 } },
  { label: `${OLD}: roots (2025 backend)`, call: tool(OLD, 'roots'), expect: JSON.stringify(ROOTS), asks: { roots: 1 } },
];

interface Row {
  label: string;
  ok: boolean;
  asked: string;
  got: string;
}

const KINDS: Kind[] = ['elicitation', 'sampling', 'roots'];
const describeAsks = (a: Partial<Asked>) => KINDS.filter((k) => a[k]).map((k) => `${k} x${a[k]}`).join(', ') || 'nothing';

async function runCase(client: Client, asked: Asked, c: Case): Promise<Row> {
  const before = { ...asked };
  let got: string;
  let ok: boolean;
  try {
    got = await c.call(client);
    ok = typeof c.expect === 'string' ? got === c.expect : c.expect(got);
    if (!ok) got = `${got} (expected ${typeof c.expect === 'string' ? JSON.stringify(c.expect) : 'another text'})`;
  } catch (e) {
    got = `error: ${e instanceof Error ? e.message : String(e)}`;
    ok = false;
  }
  const delta: Asked = { elicitation: asked.elicitation - before.elicitation, sampling: asked.sampling - before.sampling, roots: asked.roots - before.roots };
  const askedOk = KINDS.every((k) => delta[k] === (c.asks[k] ?? 0));
  if (!askedOk) got += ` (client asked ${describeAsks(delta)}, expected ${describeAsks(c.asks)})`;
  return { label: c.label, ok: ok && askedOk, asked: describeAsks(delta), got };
}

function printRows(rows: Row[], proxyLine: string): void {
  console.log('\nbridge: a 2025-11-25 SDK client through one proxy to the 2026 reference server and a 2025 stdio server');
  console.log(`  ${proxyLine}\n`);
  console.log(`${'call'.padEnd(46)}${'result'.padEnd(8)}${'client asked'.padEnd(40)}came back`);
  for (const r of rows) console.log(`${r.label.padEnd(46)}${(r.ok ? 'passed' : 'FAILED').padEnd(8)}${r.asked.padEnd(40)}${r.got}`);
  console.log(`bridge: ${rows.filter((r) => r.ok).length} passed, ${rows.filter((r) => !r.ok).length} failed`);
}

/**
 * Runs the bridge calls; returns the problems (none: every call came back as the server answers
 * it). What it starts is in `started` while it runs (the caller's signal handler stops it) and
 * stopped before it returns.
 */
export async function runBridge(started: { stop(): Promise<void> }[]): Promise<string[]> {
  const missing = peerMissing('2026');
  if (missing) return [`bridge: the 2026 reference server is missing: ${missing}`];
  const mine: { stop(): Promise<void> }[] = [];
  const keep = <T extends { stop(): Promise<void> }>(s: T) => (mine.unshift(s), started.push(s), s);
  try {
    const peer = keep(await startConformanceServer('2026'));
    const proxy = keep(
      await startHttpProxy({ servers: { [REF]: { type: 'http', url: peer.url }, [OLD]: { command: process.execPath, args: [FEATURES] } } }),
    );
    await backendsStarted(proxy);
    const log = proxy.stderr();
    if (!/2 of 2 servers ready/.test(log)) return [`bridge: the proxy did not start both backends:\n${log}`];
    const eras = [REF, OLD].map((name) => new RegExp(`server "${name}".*protocol (\\S+)\\)`).exec(log)?.[1]);
    if (eras[0] !== '2026-07-28' || eras[1] !== '2025-11-25') {
      return [`bridge: the proxy must speak 2026-07-28 to "${REF}" and 2025-11-25 to "${OLD}", but speaks ${eras[0]} and ${eras[1]}:\n${log}`];
    }

    const asked: Asked = { elicitation: 0, sampling: 0, roots: 0 };
    const client = new Client(
      { name: 'multi-mcp-bridge-harness', version: '1.0.0' },
      { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: false } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.elicitation++;
      const schema = 'requestedSchema' in request.params ? request.params.requestedSchema : undefined;
      return { action: 'accept', content: elicitedContent(schema) };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      asked.sampling++;
      return { role: 'assistant', content: { type: 'text', text: SAMPLED }, model: 'bridge-test-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      asked.roots++;
      return { roots: ROOTS };
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`));
    keep({ stop: () => client.close() });
    await client.connect(transport);
    if (transport.protocolVersion !== '2025-11-25') return [`bridge: the client negotiated ${transport.protocolVersion}, not 2025-11-25`];

    const rows: Row[] = [];
    for (const c of CASES) rows.push(await runCase(client, asked, c));
    printRows(rows, `backends: "${REF}" (reference server, protocol ${eras[0]}), "${OLD}" (features.mjs over stdio, protocol ${eras[1]}); client protocol ${transport.protocolVersion}`);
    return rows.filter((r) => !r.ok).map((r) => `bridge: ${r.label}: ${r.got}`);
  } finally {
    for (const s of mine) {
      await s.stop().catch(() => undefined);
      started.splice(started.indexOf(s), 1);
    }
  }
}
