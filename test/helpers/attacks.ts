// The attacks of issue 13, each against a freshly started proxy, returning what they measured:
// memory the proxy still holds after a full GC (gc-probe.ts), sessions accepted, time to
// initialize with a hung backend, processes left after SIGKILL. Used by test/security-*.test.ts
// (which assert bounds) and by test/harness/attacks-report.ts (which prints the numbers for any
// build, e.g. the one before the fix). Every loop is bounded by count and time.
import { spawn } from 'node:child_process';
import { request, Agent, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type WebSocket from 'ws';
import { backendsStarted, startHttpProxy, type HttpProxy } from './http-proxy.js';
import { ACCEPT_BOTH, initializeBody } from './http-mcp.js';
import { commandLine, descendantPids, Reaper, waitGone } from './process-tree.js';
import { CLI, fixtureServer } from './proxy-process.js';
import { waitFor } from './wait.js';

export const MB = 1024 * 1024;
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH };

export interface AttackOptions {
  /** The proxy build to attack (default: this one). */
  cli?: string;
  /** Extra proxy flags. */
  args?: string[];
}

export interface Retained {
  /** RSS growth, MB. */
  retainedMb: number;
  /** Growth of the JS heap and external memory, MB: what objects the proxy still holds. */
  heapMb: number;
}

/** Growth (MB) between two full-GC measurements, with the attack in between: RSS, and the JS heap alone. */
async function retained(proxy: HttpProxy, attack: () => Promise<void>): Promise<Retained> {
  const before = await proxy.memory();
  await attack();
  const after = await proxy.memory();
  const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
  return { retainedMb: mb(after.rss - before.rss), heapMb: mb(after.heapUsed + after.external - before.heapUsed - before.external) };
}

async function withProxy<T>(servers: Record<string, object>, options: AttackOptions, run: (proxy: HttpProxy) => Promise<T>): Promise<T> {
  const proxy = await startHttpProxy({ servers, cli: options.cli, args: options.args, gcProbe: true });
  try {
    await backendsStarted(proxy);
    return await run(proxy);
  } finally {
    await proxy.stop();
  }
}

function countOf(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** POSTs one message to /mcp; resolves with the status and parsed JSON body (or the raw text). */
async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an SSE answer or an empty 202: the text is enough
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** An initialized Streamable HTTP session: its id and a way to call tools. */
async function streamableSession(url: string): Promise<{ id: string; call: (name: string, args?: object) => Promise<any> }> {
  const init = await post(url, JSON.stringify(initializeBody()));
  const id = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !id) throw new Error(`initialize answered ${init.status}: ${JSON.stringify(init.body)}`);
  const headers = { 'Mcp-Session-Id': id, 'MCP-Protocol-Version': '2025-11-25' };
  await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), headers);
  let next = 1;
  const call = async (name: string, args: object = {}) => {
    const reply = await post(url, JSON.stringify({ jsonrpc: '2.0', id: next++, method: 'tools/call', params: { name, arguments: args } }), headers);
    return reply.body;
  };
  return { id, call };
}

/** Three initialize requests whose capabilities are arrays nested `depth` deep (1.9 MB each at 1M). */
export async function deepCapabilities(options: AttackOptions = {}, depth = 1_000_000): Promise<Retained & { answers: string[] }> {
  return withProxy({ calculator: fixtureServer('calculator') }, options, async (proxy) => {
    const answers: string[] = [];
    const memory = await retained(proxy, async () => {
      for (let i = 0; i < 3; i++) {
        const nested = '['.repeat(depth) + ']'.repeat(depth);
        const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"x":${nested}}},"clientInfo":{"name":"deep","version":"1"}}}`;
        const reply = await post(proxy.url, body);
        answers.push(reply.body?.error ? `${reply.status} ${reply.body.error.code}` : String(reply.status));
      }
    });
    return { ...memory, answers };
  });
}

/** Opens Streamable HTTP sessions (initialize only) until `count` or `timeMs`; counts what was accepted. */
export async function sessionFlood(options: AttackOptions = {}, count = 10_000, timeMs = 60_000): Promise<{ accepted: number; refused: number; ms: number; refusal?: string }> {
  return withProxy({ calculator: fixtureServer('calculator') }, options, async (proxy) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const body = JSON.stringify(initializeBody());
    let accepted = 0;
    let refused = 0;
    let refusal: string | undefined;
    let started = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (started < count && Date.now() - t0 < timeMs) {
        started++;
        const reply = await rawPost(agent, `${proxy.url}/mcp`, body);
        if (reply.status === 200) accepted++;
        else {
          refused++;
          refusal ??= `${reply.status} ${reply.body}`;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: 32 }, worker));
    } finally {
      agent.destroy();
    }
    return { accepted, refused, ms: Date.now() - t0, refusal };
  });
}

function rawPost(agent: Agent, url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: JSON_HEADERS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const hostile = { hostile: fixtureServer('hostile') };

/** `sessions` initialized Streamable sessions that never open a GET stream; a burst of log messages. */
export async function logBurst(options: AttackOptions = {}, sessions = 40, burstBytes = 2 * MB): Promise<Retained> {
  return withProxy(hostile, options, async (proxy) => {
    const all: Awaited<ReturnType<typeof streamableSession>>[] = [];
    for (let i = 0; i < sessions; i++) all.push(await streamableSession(proxy.url));
    const memory = await retained(proxy, async () => {
      await all[0].call('hostile__flood', { count: burstBytes / 1000, bytes: 1000 });
    });
    return memory;
  });
}

/** Legacy SSE readers that stop reading, then a burst of log messages. */
export async function stalledSseReaders(options: AttackOptions = {}, readers = 8, burstBytes = 25 * MB): Promise<Retained & { cut: number }> {
  return withProxy(hostile, options, async (proxy) => {
    const streams: IncomingMessage[] = [];
    for (let i = 0; i < readers; i++) streams.push(await legacySession(proxy.url));
    const driver = await streamableSession(proxy.url);
    for (const s of streams) s.pause(); // stop reading: the kernel buffers fill, then the proxy's
    const memory = await retained(proxy, async () => {
      await driver.call('hostile__flood', { count: burstBytes / 1000, bytes: 1000 });
    });
    for (const s of streams) s.destroy();
    return { ...memory, cut: countOf(proxy.stderr(), /cutting an SSE stream/g) };
  });
}

/** GET /sse, then initialize + initialized through /messages; resolves once the answer came on the stream. */
function legacySession(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/sse`, { headers: { Accept: 'text/event-stream' } }, (res) => {
      let text = '';
      let posted = false;
      res.setEncoding('utf8');
      const onData = (chunk: string) => {
        text += chunk;
        const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)?.[1];
        if (endpoint && !posted) {
          posted = true;
          const target = `${url}${endpoint}`;
          const send = (msg: object) => fetch(target, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(msg) });
          send(initializeBody()).then(() => send({ jsonrpc: '2.0', method: 'notifications/initialized' }), reject);
        }
        if (/"id":1,"result"/.test(text)) {
          res.off('data', onData);
          resolve(res);
        }
      };
      res.on('data', onData);
    });
    req.on('error', reject);
    req.end();
  });
}

/** WebSocket clients that stop reading, then a burst of log messages. */
export async function stalledWsReaders(options: AttackOptions = {}, readers = 8, burstBytes = 25 * MB): Promise<Retained & { cut: number }> {
  const { default: WebSocketClass } = await import('ws');
  return withProxy(hostile, options, async (proxy) => {
    const sockets: WebSocket[] = [];
    for (let i = 0; i < readers; i++) {
      const ws = new WebSocketClass(`${proxy.url.replace(/^http/, 'ws')}/ws`, 'mcp');
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const answered = new Promise((resolve) => ws.on('message', (data) => /"id":1,"result"/.test(String(data)) && resolve(null)));
      ws.send(JSON.stringify(initializeBody()));
      await answered;
      ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      sockets.push(ws);
    }
    const driver = await streamableSession(proxy.url);
    for (const ws of sockets) ws.pause();
    const memory = await retained(proxy, async () => {
      await driver.call('hostile__flood', { count: burstBytes / 1000, bytes: 1000 });
    });
    for (const ws of sockets) ws.terminate();
    return { ...memory, cut: countOf(proxy.stderr(), /cutting a WebSocket peer/g) };
  });
}

/** A backend that stops reading its stdin; `calls` calls of 1 MB each that all time out. */
export async function stalledBackend(options: AttackOptions = {}, calls = 40): Promise<Retained & { answers: Record<string, number> }> {
  const args = [...(options.args ?? []), '--request-timeout', '1500'];
  return withProxy(hostile, { ...options, args }, async (proxy) => {
    const driver = await streamableSession(proxy.url);
    await driver.call('hostile__stop_reading');
    const answers: Record<string, number> = {};
    const memory = await retained(proxy, async () => {
      const pad = 'x'.repeat(MB);
      const replies = await Promise.all(Array.from({ length: calls }, () => driver.call('hostile__pids', { pad })));
      for (const r of replies) {
        const key = r?.error ? String(r.error.code) : 'result';
        answers[key] = (answers[key] ?? 0) + 1;
      }
    });
    return { ...memory, answers };
  });
}

/** A line-oriented stdio client of a proxy build. */
function stdioProxy(cli: string, config: string, args: string[] = []) {
  const child = spawn(process.execPath, [cli, '--config', config, '--log-level', 'warn', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => {});
  const answer = (id: number) => lines.find((l) => l.startsWith(`{"jsonrpc":"2.0","id":${id},`) || l.includes(`"id":${id},"result"`) || l.includes(`"id":${id},"error"`));
  return {
    child,
    lines,
    stderr: () => stderr,
    send: (msg: object) => child.stdin.write(JSON.stringify(msg) + '\n'),
    answer,
    waitAnswer: (id: number, timeoutMs = 60_000) => waitFor(() => answer(id), `answer ${id} (stderr: ${stderr.slice(-300)})`, timeoutMs, 5),
    stop: async () => {
      child.stdin.end();
      if (!(await new Promise((resolve) => (child.exitCode !== null ? resolve(true) : (child.once('exit', () => resolve(true)), setTimeout(resolve, 5000, false).unref()))))) child.kill('SIGKILL');
    },
  };
}

function tempConfig(servers: Record<string, object>): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-attack-'));
  const file = path.join(dir, 'mcp.json');
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const INIT = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'attack', version: '1' } };

/**
 * A backend answers with a result nested too deep to serialize. Says whether the client got an
 * answer for that id by the time the answer to a later call on the same backend arrived.
 */
export async function unserializableAnswer(options: AttackOptions = {}): Promise<{ answered: boolean; answer?: string }> {
  const config = tempConfig(hostile);
  const proxy = stdioProxy(options.cli ?? CLI, config.file, options.args);
  try {
    proxy.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INIT });
    await proxy.waitAnswer(1);
    proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    proxy.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'hostile__deep', arguments: { depth: 100_000 } } });
    proxy.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'hostile__pids', arguments: {} } });
    await proxy.waitAnswer(3); // the backend wrote it after the deep answer: the proxy has handled both
    const answer = proxy.answer(2);
    return { answered: answer !== undefined, answer: answer?.slice(0, 200) };
  } finally {
    await proxy.stop();
    config.remove();
  }
}

/** Time (ms) from initialize to its answer, stdio mode, one backend never answering initialize. */
export async function hungBackendInitialize(options: AttackOptions = {}): Promise<{ ms: number; tools: string[] }> {
  const config = tempConfig({ calculator: fixtureServer('calculator'), hung: fixtureServer('slow', ['--hang-initialize']) });
  const proxy = stdioProxy(options.cli ?? CLI, config.file, options.args);
  try {
    const t0 = Date.now();
    proxy.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INIT });
    await proxy.waitAnswer(1, 120_000);
    const ms = Date.now() - t0;
    proxy.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    proxy.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const tools = JSON.parse((await proxy.waitAnswer(2))!).result.tools.map((t: { name: string }) => t.name);
    return { ms, tools };
  } finally {
    await proxy.stop();
    config.remove();
  }
}

/** SIGKILL of the proxy: how many of its backends' processes (and their children) are left, and when none is. */
export async function proxySigkill(options: AttackOptions = {}, waitMs = 2000): Promise<{ descendants: number; left: number; goneAfterMs?: number }> {
  const proxy = await startHttpProxy({
    servers: { stubborn: fixtureServer('hostile', ['--stubborn']), grandchild: fixtureServer('grandchild') },
    cli: options.cli,
    args: options.args,
  });
  const reaper = new Reaper();
  try {
    await backendsStarted(proxy);
    // The backends and theirs, not a watchdog the proxy may keep beside them.
    const pids = await waitFor(() => {
      const found = descendantPids(proxy.pid).filter((pid) => /fixtures\/servers|-e /.test(commandLine(pid)));
      return found.length >= 5 ? found : undefined;
    }, 'five processes below the proxy', 15_000, 20);
    reaper.remember(...pids);
    const t0 = Date.now();
    process.kill(proxy.pid, 'SIGKILL');
    const left = await waitGone(pids, waitMs);
    let goneAfterMs: number | undefined;
    if (left.length === 0) goneAfterMs = Date.now() - t0;
    return { descendants: pids.length, left: left.length, goneAfterMs };
  } finally {
    reaper.killAll();
    await proxy.stop();
  }
}
