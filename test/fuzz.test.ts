// Seeded fuzzing of the proxy's fronts (stdio and Streamable HTTP), bounded by count (and a
// generous time guard that fails the test rather than check less): random and mutated JSON-RPC
// into a real proxy with echo + calculator backends. Afterwards a normal client still works, every
// input with a readable id got exactly what it is owed (one answer with that id, or none), nothing
// else was answered, no backend was restarted, and nothing internal was thrown.
// FUZZ_SEED, FUZZ_COUNT and FUZZ_HTTP_COUNT override the defaults.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { JsonRpcId } from '../protocol/jsonrpc.js';
import { FuzzMessages, type Expectation, type FuzzCase } from './helpers/fuzz-messages.js';
import { ACCEPT_BOTH, rawSession, streamableClient, toolText } from './helpers/http-mcp.js';
import { backendsStarted, startHttpProxy } from './helpers/http-proxy.js';
import { Random } from './helpers/mulberry32.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { idKey, startStdioProxy } from './helpers/stdio-proxy.js';
import { PATIENCE_MS, sleep, waitFor } from './helpers/wait.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20251125);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2000);
const HTTP_COUNT = Number(process.env.FUZZ_HTTP_COUNT ?? 1000);
/** A hang guard for sending: a run takes seconds; one cut short by it fails, it never checks less. */
const TIME_LIMIT_MS = 4 * PATIENCE_MS;
const MAX_BYTES = 256 * 1024;

const SERVERS = { echo: fixtureServer('echo'), calculator: fixtureServer('calculator') };
const TOOLS: Record<string, () => Record<string, unknown>> = {
  echo__echo: () => ({ text: 'fuzz' }),
  calculator__add: () => ({ a: 2, b: 3 }),
  calculator__subtract: () => ({ a: 1e308, b: -1e308 }),
  calculator__divide: () => ({ a: 1, b: 0 }),
  calculator__multiply: () => ({ a: '2', b: null }),
};
const PROMPTS = ['calculator__explain_operation'];
const LF = Buffer.from('\n');

/** What a run owes: per id key, how many answers; plus every id key that went out at all. */
class Ledger {
  readonly expected = new Map<string, number>();
  readonly silent = new Map<string, string>();
  readonly sentKeys = new Set<string>(['null']);
  readonly kinds = new Map<string, number>();

  note(c: FuzzCase, expect: Expectation | undefined = c.expect): void {
    this.kinds.set(c.kind, (this.kinds.get(c.kind) ?? 0) + 1);
    const id = c.id ?? readableId(c.data);
    if (id !== undefined) this.sentKeys.add(idKey(id));
    if (c.id === undefined) return;
    assert.ok(expect, `${c.kind} case ${idKey(c.id)} says what it is owed`);
    const key = idKey(c.id);
    if (expect === 'one') this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
    else this.silent.set(key, c.kind);
  }

  /** Ids answered a different number of times than owed, and answers to ids nobody sent. */
  problems(answers: (key: string) => number, answeredKeys: Iterable<string>): string[] {
    const out: string[] = [];
    for (const [key, count] of this.expected) {
      const got = answers(key);
      if (got !== count) out.push(`${key}: ${got} answers, expected ${count}`);
    }
    for (const [key, kind] of this.silent) {
      if (!this.expected.has(key) && answers(key) !== 0) out.push(`${key} (${kind}): ${answers(key)} answers, expected none`);
    }
    for (const key of answeredKeys) if (!this.sentKeys.has(key)) out.push(`${key}: answered, but never sent`);
    return out;
  }

  summary(): string {
    return [...this.kinds].map(([k, n]) => `${k} ${n}`).join(', ');
  }
}

/** The id of a message that still parses (mutated ones), so its answer is not "never sent". */
function readableId(data: Buffer): JsonRpcId | undefined {
  try {
    const value = JSON.parse(data.toString('utf8'));
    return typeof value?.id === 'string' || typeof value?.id === 'number' ? value.id : undefined;
  } catch {
    return undefined;
  }
}

function assertProblemsEmpty(problems: string[]): void {
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} ids answered wrongly`);
}

describe('fuzz', () => {
  it(`stdio front: seed ${SEED}, up to ${COUNT} messages`, async (t: TestContext) => {
    const proxy = startStdioProxy(t, { servers: SERVERS, args: ['--max-message-size', String(MAX_BYTES), '--request-timeout', '10000'] });
    await proxy.initialize();
    const rnd = new Random(SEED);
    const gen = new FuzzMessages(rnd, { maxBytes: MAX_BYTES, tools: TOOLS, prompts: PROMPTS });
    const ledger = new Ledger();

    const startedAt = Date.now();
    let sent = 0;
    let batch: Buffer[] = [];
    const flush = async () => {
      const data = Buffer.concat(batch);
      batch = [];
      // Sometimes split mid-message: framing must not depend on write boundaries.
      if (data.length > 1 && rnd.chance(0.3)) {
        const at = rnd.between(1, data.length - 1);
        await proxy.write(data.subarray(0, at));
        await sleep(0);
        await proxy.write(data.subarray(at));
      } else await proxy.write(data);
      if (rnd.chance(0.2)) await sleep(1);
    };
    for (const c of gen.edgeIds()) {
      ledger.note(c);
      batch.push(c.data, LF);
      sent++;
    }
    while (sent < COUNT) {
      assert.ok(Date.now() - startedAt < TIME_LIMIT_MS, `cut short: only ${sent} of ${COUNT} messages written in ${TIME_LIMIT_MS} ms`);
      for (const c of gen.next()) {
        ledger.note(c);
        batch.push(c.data, LF);
        sent++;
      }
      if (batch.length >= 2 * rnd.between(1, 20)) await flush();
    }
    if (batch.length > 0) await flush();
    const sentIn = Date.now() - startedAt;

    const count = (key: string) => proxy.answers.get(key)?.length ?? 0;
    const missing = () => [...ledger.expected].filter(([key, n]) => count(key) < n).map(([key, n]) => `${key} (${count(key)} of ${n})`);
    await waitFor(() => missing().length === 0, 'an answer to every request owed one', PATIENCE_MS, 20).catch((e) => {
      assert.fail(`${e.message}: ${missing().length} ids unanswered, e.g. ${missing().slice(0, 10).join(', ')}`);
    });
    // A normal client flow still works, and both backends still answer. These answers are also
    // the barrier for stray second answers: the proxy read every earlier line before these, and
    // each backend answered everything it got earlier before them (in order, one pipe each), so a
    // second answer to anything above would have been written before them.
    ledger.sentKeys.add(idKey('init'));
    assert.deepEqual((await proxy.request('ping', undefined, { id: 'final-ping' })).result, {});
    assert.deepEqual((await proxy.call('echo__echo', { text: 'after fuzz' }, { id: 'final-echo' })).result?.content, [{ type: 'text', text: 'after fuzz' }]);
    assert.deepEqual((await proxy.call('calculator__add', { a: 2, b: 3 }, { id: 'final-calc' })).result?.structuredContent, { result: 5 });
    for (const id of ['final-ping', 'final-echo', 'final-calc']) ledger.sentKeys.add(idKey(id));
    t.diagnostic(`stdio fuzz: ${sent} messages in ${sentIn} ms (${ledger.summary()}); ${proxy.answerCount} answers, ${proxy.answersTo(null).length} with a null id`);

    assertProblemsEmpty(ledger.problems(count, proxy.answers.keys()));
    assert.deepEqual(proxy.badLines.slice(0, 5), [], 'nothing but JSON-RPC on stdout');
    assert.ok(proxy.running, 'the proxy is still running');
    const names = await proxy.toolNames();
    for (const name of Object.keys(TOOLS)) assert.ok(names.includes(name), `${name} still listed`);
    assert.doesNotMatch(proxy.stderr, /internal error/, 'nothing was thrown inside the proxy');
    assert.doesNotMatch(proxy.stderr, /restarting in/, 'no backend died');
  });

  it(`Streamable HTTP front: seed ${SEED}, up to ${HTTP_COUNT} POSTs`, async (t: TestContext) => {
    const proxy = await startHttpProxy({
      servers: SERVERS,
      args: ['--max-body', String(MAX_BYTES), '--max-message-size', String(MAX_BYTES), '--request-timeout', '10000'],
    });
    t.after(() => proxy.stop());
    await backendsStarted(proxy);
    const session = await rawSession(proxy.url);
    const rnd = new Random(SEED ^ 0x4854);
    const gen = new FuzzMessages(rnd, { maxBytes: MAX_BYTES, tools: TOOLS, prompts: PROMPTS });
    const ledger = new Ledger();
    const answered = new Map<string, number>();
    const statuses = new Map<number, number>();
    const failures: string[] = [];

    const headerMutations: Record<string, () => Record<string, string>> = {
      noSession: () => ({ 'Mcp-Session-Id': '' }),
      unknownSession: () => ({ 'Mcp-Session-Id': `nope-${rnd.int(1e6)}` }),
      badVersion: () => ({ 'MCP-Protocol-Version': rnd.pick(['1999-01-01', '', 'latest']) }),
      contentType: () => ({ 'Content-Type': rnd.pick(['text/plain', 'application/jsonx', 'multipart/form-data']) }),
      accept: () => ({ Accept: rnd.pick(['text/plain', 'image/png']) }),
    };

    const queue: { c: FuzzCase; headers: Record<string, string> }[] = [];
    let generated = 0;
    while (generated < HTTP_COUNT) {
      for (const c of gen.next()) {
        generated++;
        const headers: Record<string, string> = { ...session.headers, 'Content-Type': 'application/json', Accept: rnd.pick(['application/json', ACCEPT_BOTH]) };
        const mutation = rnd.chance(0.08) ? rnd.pick(Object.keys(headerMutations)) : undefined;
        if (mutation) Object.assign(headers, headerMutations[mutation]());
        ledger.note(c, httpExpectation(c, mutation));
        queue.push({ c, headers });
      }
    }

    const startedAt = Date.now();
    const worker = async () => {
      while (queue.length > 0) {
        assert.ok(Date.now() - startedAt < TIME_LIMIT_MS, `cut short: ${queue.length} of ${generated} POSTs not sent in ${TIME_LIMIT_MS} ms`);
        const { c, headers } = queue.shift()!;
        try {
          const res = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers, body: c.data, signal: AbortSignal.timeout(PATIENCE_MS) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const text = await res.text();
          if (res.status >= 500) failures.push(`${c.kind}: HTTP ${res.status} ${text.slice(0, 200)}`);
          for (const msg of rpcMessages(text, res.headers.get('content-type'))) {
            if (!('method' in msg)) answered.set(idKey(msg.id), (answered.get(idKey(msg.id)) ?? 0) + 1);
          }
        } catch (e) {
          failures.push(`${c.kind} ${idKey(c.id)}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    t.diagnostic(
      `HTTP fuzz: ${generated} POSTs in ${Date.now() - startedAt} ms (${ledger.summary()}); statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    );
    assert.deepEqual(failures.slice(0, 10), [], 'every POST got an HTTP answer below 500');
    // Every answer came in the body of the POST that caused it, and every POST has ended.
    assertProblemsEmpty(ledger.problems((key) => answered.get(key) ?? 0, answered.keys()));

    // The fuzzed session and a fresh SDK client both still work; no backend died.
    assert.deepEqual((await session.request('ping')).result, {});
    const { client } = await streamableClient(proxy.url);
    t.after(() => client.close());
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    for (const name of Object.keys(TOOLS)) assert.ok(names.includes(name), `${name} still listed`);
    assert.equal(toolText(await client.callTool({ name: 'echo__echo', arguments: { text: 'after fuzz' } })), 'after fuzz');
    assert.equal(toolText(await client.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } })), '5');
    assert.ok(!proxy.exited(), 'the proxy is still running');
    assert.doesNotMatch(proxy.stderr(), /internal error/, 'nothing was thrown inside the proxy');
    assert.doesNotMatch(proxy.stderr(), /restarting in/, 'no backend died');
  });
});

/**
 * What one POST owes its id, in the order the front checks (streamable-front.ts): Accept (406) and
 * Content-Type (415) are refused with a null id before the body is read; a body that is not a valid
 * message is refused with its readable id; only then are the session and protocol version headers
 * looked at (refused with a null id), and an initialize on an existing session is refused with a
 * null id too.
 */
function httpExpectation(c: FuzzCase, mutation: string | undefined): Expectation | undefined {
  if (c.id === undefined || c.expect === 'none') return c.expect;
  if (mutation === 'accept' || mutation === 'contentType') return 'none';
  if (c.invalid) return 'one';
  if (mutation) return 'none';
  if (c.method === 'initialize') return 'none';
  return 'one';
}

/** The JSON-RPC messages in an HTTP answer body: one JSON value, or the data of SSE events. */
function rpcMessages(text: string, contentType: string | null): any[] {
  if (text === '') return [];
  if (contentType?.includes('text/event-stream')) {
    const out: any[] = [];
    for (const event of text.split(/\r?\n\r?\n/)) {
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (data) out.push(JSON.parse(data));
    }
    return out;
  }
  const value = JSON.parse(text);
  return typeof value === 'object' && value !== null && ('jsonrpc' in value || 'id' in value) ? [value] : [];
}
