// Running the real proxy (dist/src/cli.js) as a child process: temp configs, fixture paths, an
// SDK client over stdio, and a raw NDJSON driver for byte-level checks. Everything started here
// is stopped in the test's after hook (stdin close, then SIGTERM, then SIGKILL).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { JsonRpcId, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { PATIENCE_MS, waitFor } from './wait.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/helpers
export const CLI = path.resolve(here, '../../src/cli.js');
export const FIXTURES = path.resolve(here, '../../../fixtures/servers');

export const fixture = (name: string) => path.join(FIXTURES, `${name}.mjs`);

/** A stdio server entry running a fixture with the current node binary. */
export function fixtureServer(name: string, args: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [fixture(name), ...args] };
}

/** Writes `content` (an object is JSON-encoded) to a temp mcp.json, removed after the test. */
export function writeConfig(t: TestContext, content: object | string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'mcp.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** True if the process exists and is not a zombie (PID 1 here may not reap orphans). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/**
 * An SDK client connected to a proxy started with `--config file` (+ args, which may override
 * `--log-level warn`; + environment variables); closed after the test.
 */
export async function connectSdkClient(t: TestContext, configFile: string, args: string[] = [], env?: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--config', configFile, '--log-level', 'warn', ...args],
    ...(env ? { env: { ...getDefaultEnvironment(), ...env } } : {}),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'e2e-test', version: '1.0.0' }, { capabilities: {} });
  t.after(async () => {
    const pid = transport.pid;
    await client.close();
    if (pid !== null && pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
  });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** The proxy as a raw child process: write lines to its stdin, read every stdout line. */
export class RawProxy {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.child.stdin.on('error', () => {}); // EPIPE if it died; the test asserts on exit instead
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Whatever stdout held after the last newline (should stay empty: every message ends a line). */
  get trailing(): string {
    return this.partial;
  }

  sendRaw(text: string): void {
    this.child.stdin.write(text);
  }

  send(msg: object): void {
    this.sendRaw(JSON.stringify(msg) + '\n');
  }

  /** Every stdout line parsed as JSON (throws on a line that is not JSON). */
  messages(): any[] {
    return this.lines.map((l) => JSON.parse(l));
  }

  async response(id: JsonRpcId | null, timeoutMs = PATIENCE_MS): Promise<JsonRpcResponse> {
    return waitFor(
      () => this.messages().find((m) => !('method' in m) && m.id === id),
      `response ${JSON.stringify(id)} from the proxy (stderr: ${this.stderr.slice(-500)})`,
      timeoutMs,
    );
  }

  async request(id: JsonRpcId, method: string, params?: object): Promise<JsonRpcResponse> {
    this.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return this.response(id);
  }

  async initialize(): Promise<JsonRpcResponse> {
    const res = await this.request('init', 'initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'raw-test', version: '1.0' },
    });
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return res;
  }

  /** Resolves true once the proxy has exited, false after `ms` (the timer does not hold the event loop). */
  exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)).unref());
    return Promise.race([this.exited.then(() => true), late]).finally(() => clearTimeout(timer));
  }

  /** Stops the proxy if still running: stdin close, then SIGTERM, then SIGKILL, bounded. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.end();
    for (const signal of [undefined, 'SIGTERM', 'SIGKILL'] as const) {
      if (signal) this.child.kill(signal);
      if (await this.exitsWithin(5000)) return;
    }
  }
}

export function startRawProxy(t: TestContext, args: string[]): RawProxy {
  const proxy = new RawProxy(args);
  t.after(() => proxy.stop());
  return proxy;
}
