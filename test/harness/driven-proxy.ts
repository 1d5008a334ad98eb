// What both conformance client drivers share: multi-mcp started in stdio mode with the scenario's
// server as its only backend (config in a fresh temp dir), and a minimal NDJSON client of it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli.js');

export interface DrivenProxyOptions {
  /** The scenario server's entry in mcpServers (named "server"). */
  server: Record<string, unknown>;
  /** The proxy's flags besides --config; `dir` is the temp dir (removed on close). */
  args: (dir: string) => string[];
  /** Sees each chunk of the proxy's stderr, which is passed on either way (the suite keeps it). */
  onStderr?: (chunk: string) => void;
  /** The answer (`result` or `error`) to a request from the proxy; without it they go unanswered. */
  onRequest?: (msg: any) => object;
  onNotification?: (msg: any) => void;
  /** Fails a request unanswered this long; without it the suite's own time limit applies. */
  answerMs?: number;
}

export interface DrivenProxy {
  request(method: string, params?: object): Promise<any>;
  /** initialize (its error thrown), then notifications/initialized. */
  initialize(capabilities: object, clientName: string): Promise<void>;
  /** Ends the proxy's stdin, waits for it to exit (SIGKILL after 5 s), removes the temp dir. */
  close(): Promise<void>;
}

export function startProxy(o: DrivenProxyOptions): DrivenProxy {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-driver-'));
  const config = path.join(dir, 'mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { server: o.server } }, null, 2));
  const proxy = spawn(process.execPath, [CLI, '--config', config, ...o.args(dir)], { stdio: ['pipe', 'pipe', o.onStderr ? 'pipe' : 'inherit'] });
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()));
  const [stdin, stdout] = [proxy.stdin!, proxy.stdout!];
  if (o.onStderr) {
    const onStderr = o.onStderr;
    proxy.stderr!.setEncoding('utf8');
    proxy.stderr!.on('data', (chunk: string) => {
      process.stderr.write(chunk);
      onStderr(chunk);
    });
  }

  let nextId = 1;
  const answers = new Map<number, (msg: any) => void>();
  const write = (msg: object) => stdin.write(`${JSON.stringify(msg)}\n`);
  let partial = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line);
      if (msg.method === undefined) answers.get(msg.id)?.(msg);
      else if (msg.id === undefined) o.onNotification?.(msg);
      else if (o.onRequest) write({ jsonrpc: '2.0', id: msg.id, ...o.onRequest(msg) });
    }
  });
  const request = (method: string, params: object = {}): Promise<any> => {
    const id = nextId++;
    write({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const ms = o.answerMs;
      const timer = ms === undefined ? undefined : setTimeout(() => reject(new Error(`no answer to ${method} within ${ms} ms`)), ms);
      answers.set(id, (msg) => (clearTimeout(timer), answers.delete(id), resolve(msg)));
    });
  };
  return {
    request,
    async initialize(capabilities, clientName) {
      const init = await request('initialize', { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: clientName, version: '1' } });
      if (init.error) throw new Error(`initialize: ${init.error.message}`);
      write({ jsonrpc: '2.0', method: 'notifications/initialized' });
    },
    async close() {
      stdin.end();
      const timer = setTimeout(() => proxy.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a driver's main: exits with its code, or 1 with the stack when it throws. */
export function runDriver(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`driver: ${e instanceof Error ? e.stack : e}\n`);
      process.exit(1);
    },
  );
}
