// The real proxy process (dist/src/cli.js) in stdio mode, driven by raw NDJSON: for reliability
// tests that need its pid, its stderr, byte-level input, and a count of every answer per id.
// Answers and notifications are indexed as they arrive, so thousands of messages stay cheap.
// stop() kills the proxy and every process it ever had below it (backends, their children).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { Reaper, childPids, commandLine, descendantPids } from './process-tree.js';
import { CLI, fixture } from './proxy-process.js';
import { PATIENCE_MS, waitFor } from './wait.js';

const STDERR_CAP = 4 * 1024 * 1024;

/** The wiretap script lives in the source tree (tsc does not copy .mjs files). */
const WIRETAP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/helpers/wiretap.mjs');

/** A server entry running a fixture behind wiretap.mjs, which appends all it receives to `logFile`. */
export function tappedFixtureServer(logFile: string, name: string, args: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [WIRETAP, logFile, process.execPath, fixture(name), ...args] };
}

export const idKey = (id: unknown) => JSON.stringify(id);

export interface StdioProxyOptions {
  /** The `mcpServers` object of the config. */
  servers: Record<string, object>;
  /** Extra CLI flags (the config and `--log-level info` are always given). */
  args?: string[];
}

export interface Received {
  msg: any;
  /** Date.now() when the line arrived. */
  at: number;
}

export class StdioProxy {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly reaper = new Reaper();
  readonly configDir: string;
  /** Answers by idKey(id); null-id answers under 'null'. */
  readonly answers = new Map<string, Received[]>();
  readonly notifications: Received[] = [];
  /** Requests the proxy sent us (server→client). */
  readonly requests: Received[] = [];
  /** stdout lines that were not JSON objects (must stay empty: stdout belongs to the protocol). */
  readonly badLines: string[] = [];
  answerCount = 0;
  stderr = '';
  /** Complete stderr lines with their arrival time (bounded like `stderr`). */
  readonly stderrLines: { text: string; at: number }[] = [];
  private stderrPartial = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';
  private nextId = 1;

  constructor(options: StdioProxyOptions) {
    this.configDir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-reliability-'));
    const config = path.join(this.configDir, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: options.servers }, null, 2));
    this.child = spawn(process.execPath, [CLI, '--config', config, '--log-level', 'info', ...(options.args ?? [])], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid!;
    this.reaper.remember(this.pid);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
      if (this.stderr.length > STDERR_CAP) this.stderr = this.stderr.slice(-STDERR_CAP / 2);
      const lines = (this.stderrPartial + chunk).split('\n');
      this.stderrPartial = lines.pop() ?? '';
      const at = Date.now();
      for (const text of lines) this.stderrLines.push({ text, at });
      if (this.stderrLines.length > 100_000) this.stderrLines.splice(0, 50_000);
    });
    this.child.stdin.on('error', () => {}); // EPIPE once it is gone; tests assert on the exit instead
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  private onStdout(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const at = Date.now();
    for (const line of lines) {
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        this.badLines.push(line);
        continue;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) this.badLines.push(line);
      else if ('method' in msg) ('id' in msg ? this.requests : this.notifications).push({ msg, at });
      else {
        const key = idKey(msg.id);
        const list = this.answers.get(key) ?? [];
        list.push({ msg, at });
        this.answers.set(key, list);
        this.answerCount++;
      }
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes raw bytes (add the newline yourself); waits for 'drain' under backpressure. */
  write(data: string | Buffer): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.child.stdin.write(data)) resolve();
      else this.child.stdin.once('drain', resolve);
    });
  }

  send(msg: object): Promise<void> {
    return this.write(JSON.stringify(msg) + '\n');
  }

  /** A fresh id no other helper call uses. */
  newId(prefix = 'r'): string {
    return `${prefix}-${this.nextId++}`;
  }

  answersTo(id: JsonRpcId | null): any[] {
    return (this.answers.get(idKey(id)) ?? []).map((r) => r.msg);
  }

  /** The answer number `index` (0: the first) with this id (exact type: 1 is not "1"), within `timeoutMs`. */
  async answer(id: JsonRpcId | null, timeoutMs = PATIENCE_MS, index = 0): Promise<any> {
    const key = idKey(id);
    try {
      return (await waitFor(() => this.answers.get(key)?.[index], `answer #${index + 1} to ${key}`, timeoutMs)).msg;
    } catch (e) {
      throw new Error(`${(e as Error).message} (proxy stderr tail: ${this.stderr.slice(-800)})`);
    }
  }

  /** The time the first answer with this id arrived. */
  answeredAt(id: JsonRpcId): number | undefined {
    return this.answers.get(idKey(id))?.[0]?.at;
  }

  /** Sends a request and waits for the next answer with its id (ids may be reused once answered). */
  async request(method: string, params?: object, opts: { id?: JsonRpcId; timeoutMs?: number } = {}): Promise<any> {
    const id = opts.id ?? this.newId();
    const earlier = this.answersTo(id).length;
    await this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.answer(id, opts.timeoutMs, earlier);
  }

  call(name: string, args: object = {}, opts: { id?: JsonRpcId; timeoutMs?: number } = {}): Promise<any> {
    return this.request('tools/call', { name, arguments: args }, opts);
  }

  notify(method: string, params?: object): Promise<void> {
    return this.send(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** initialize + notifications/initialized; throws on an error answer. */
  async initialize(timeoutMs = PATIENCE_MS): Promise<any> {
    const res = await this.request(
      'initialize',
      { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'reliability-test', version: '1.0' } },
      { id: 'init', timeoutMs },
    );
    if (res.error) throw new Error(`initialize failed: ${JSON.stringify(res.error)}`);
    await this.notify('notifications/initialized');
    return res.result;
  }

  /** Exposed tool names, as tools/list gives them now. */
  async toolNames(): Promise<string[]> {
    const res = await this.request('tools/list');
    if (res.error) throw new Error(`tools/list failed: ${JSON.stringify(res.error)}`);
    return res.result.tools.map((t: { name: string }) => t.name).sort();
  }

  notificationsOf(method: string, since = 0): Received[] {
    return this.notifications.slice(since).filter((n) => n.msg.method === method);
  }

  /** Waits for a notification with this method among those received from index `since` on. */
  waitForNotification(method: string, since = 0, timeoutMs = PATIENCE_MS): Promise<Received> {
    return waitFor(() => this.notificationsOf(method, since)[0], `${method} from the proxy`, timeoutMs);
  }

  /** Waits for a stderr match (the proxy's own log lines and its backends' prefixed stderr). */
  waitForStderr(pattern: RegExp, timeoutMs = PATIENCE_MS): Promise<RegExpMatchArray> {
    return waitFor(() => this.stderr.match(pattern) ?? undefined, `stderr matching ${pattern}`, timeoutMs).catch((e) => {
      throw new Error(`${e.message} (proxy stderr tail: ${this.stderr.slice(-800)})`);
    });
  }

  /** Live processes below the proxy right now (remembered for the final cleanup). */
  descendants(): number[] {
    const pids = descendantPids(this.pid);
    this.reaper.remember(...pids);
    return pids;
  }

  /** The pid of the proxy's child whose command line contains `needle` (e.g. 'crash.mjs'), if one runs. */
  backendPid(needle: string): number | undefined {
    const pid = childPids(this.pid).find((p) => commandLine(p).includes(needle));
    if (pid !== undefined) this.reaper.remember(pid);
    return pid;
  }

  /** Resolves true once the proxy has exited, false after `ms`. */
  exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
    return Promise.race([this.exited.then(() => true), late]).finally(() => clearTimeout(timer));
  }

  /** Kills the proxy and every process it ever had below it; removes the temp config. */
  async stop(): Promise<void> {
    if (this.running) this.descendants();
    this.reaper.killAll();
    await this.exitsWithin(5000);
    this.child.stdout.destroy();
    this.child.stderr.destroy();
    this.child.stdin.destroy();
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** Starts a proxy whose stop() runs in the test's after hook, so nothing outlives the test. */
export function startStdioProxy(t: { after(fn: () => Promise<void>): void }, options: StdioProxyOptions): StdioProxy {
  const proxy = new StdioProxy(options);
  t.after(() => proxy.stop());
  return proxy;
}
