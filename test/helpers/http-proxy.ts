// The real proxy (dist/src/cli.js) in HTTP mode as a child process, on 127.0.0.1 port 0: the
// port is read from its "listening on http://…" log line. stop() sends SIGTERM, waits (bounded),
// then SIGKILLs whatever is left of it and of every process it had below it.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Reaper } from './process-tree.js';
import { CLI } from './proxy-process.js';
import { PATIENCE_MS, waitFor } from './wait.js';
import { memoryAfterGc } from './gc-request.js';

export interface HttpProxyOptions {
  /** The `mcpServers` object of the config (written to a temp file, removed on stop). */
  servers?: Record<string, object>;
  /** Or an existing config file, left in place. */
  configFile?: string;
  /** Extra CLI flags. */
  args?: string[];
  /** Extra environment (MULTI_MCP_API_KEY is never inherited from the test's own environment). */
  env?: Record<string, string>;
  /** Another build of the proxy (e.g. an older one, to measure before and after). */
  cli?: string;
  /** Load gc-probe.ts into the proxy, so memory() can report what it holds after a full GC. */
  gcProbe?: boolean;
}

const GC_PROBE = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'gc-probe.js')).href;

export interface HttpProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** The config file it serves. */
  configFile: string;
  stderr(): string;
  /** Waits (bounded) until the proxy's stderr matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<unknown>;
  /** With gcProbe: the proxy's process.memoryUsage() right after full garbage collections. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** True once the proxy process has exited. */
  exited(): boolean;
  exitCode(): number | null;
  stop(): Promise<void>;
}

export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  const dir = options.configFile === undefined ? mkdtempSync(path.join(tmpdir(), 'multi-mcp-http-')) : undefined;
  const config = options.configFile ?? path.join(dir!, 'mcp.json');
  if (dir) writeFileSync(config, JSON.stringify({ mcpServers: options.servers ?? {} }, null, 2));
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.env?.MULTI_MCP_API_KEY) delete env.MULTI_MCP_API_KEY;
  const nodeFlags = options.gcProbe ? ['--expose-gc', '--import', GC_PROBE] : [];
  const args = [...nodeFlags, options.cli ?? CLI, '--transport', 'http', '--host', '127.0.0.1', '--port', '0', '--config', config, '--log-level', 'info'];
  const stdio: StdioOptions = options.gcProbe ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'];
  const child: ChildProcess = spawn(process.execPath, [...args, ...(options.args ?? [])], { stdio, env });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  let exitCode: number | null = null;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = true;
      exitCode = code;
      resolve();
    }),
  );
  const reaper = new Reaper();
  const stop = async () => {
    if (!exited && child.pid !== undefined) {
      reaper.rememberTree(child.pid);
      child.kill('SIGTERM');
      const timer = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
      await Promise.race([exit, timer]);
    }
    reaper.killAll();
    if (!exited) child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await waitFor(
      () => {
        if (exited) throw new Error(`proxy exited with code ${exitCode} before listening:\n${stderr}`);
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      },
      'the proxy to listen',
      PATIENCE_MS,
      10,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    pid: child.pid!,
    configFile: config,
    stderr: () => stderr,
    waitForLog: (pattern, timeoutMs = PATIENCE_MS) => waitFor(() => pattern.test(stderr), `proxy log ${pattern}`, timeoutMs, 10),
    memory: () => memoryAfterGc(child),
    exited: () => exited,
    exitCode: () => exitCode,
    stop,
  };
}

/** Waits until the proxy has tried to start every configured backend ("N of M servers ready"). */
export function backendsStarted(proxy: HttpProxy): Promise<unknown> {
  return proxy.waitForLog(/\d+ of \d+ servers ready/);
}
