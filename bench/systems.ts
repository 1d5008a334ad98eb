// The systems under test, each started as its own process: the echo fixture (direct), multi-mcp
// (stdio and HTTP fronts), the bare HTTP endpoint, and the two peer proxies.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { drain, startProcess, waitForOutput } from './procs.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ECHO = join(ROOT, 'fixtures/servers/echo.mjs');
const CLI = join(ROOT, 'dist/src/cli.js');
const BARE = join(ROOT, 'dist/bench/bare-http-server.js');
const GC_PROBE = join(ROOT, 'dist/test/helpers/gc-probe.js');
const RELAY = join(ROOT, 'dist/bench/byte-relay.js');
const READY_LIST = join(ROOT, 'dist/bench/ready-list-server.js');
const SUPERGATEWAY = join(ROOT, 'node_modules/supergateway/dist/index.js');
const MCP_PROXY = join(ROOT, 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs');

const START_TIMEOUT_MS = 20_000;

/** Extra node flags for multi-mcp processes (--cpu-prof for profiling runs). */
export const proxyNodeFlags: string[] = [];

let workdir: string | undefined;

/** A temporary directory for configs; removed by removeWorkdir(). */
function dir(): string {
  workdir ??= mkdtempSync(join(tmpdir(), 'multi-mcp-bench-'));
  return workdir;
}

export function removeWorkdir(): void {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  workdir = undefined;
}

export interface EchoServer {
  name: string;
  args?: string[];
}

/** Writes an mcp.json with these echo servers; returns its path. */
export function writeConfig(file: string, servers: EchoServer[]): string {
  const mcpServers: Record<string, unknown> = {};
  for (const s of servers) mcpServers[s.name] = { command: process.execPath, args: [ECHO, ...(s.args ?? [])] };
  const path = join(dir(), file);
  writeFileSync(path, JSON.stringify({ mcpServers }, null, 2));
  return path;
}

/** The merged tools/list answer's floor (ready-list-server.ts): `result` is the answer's result object. */
export function startReadyListServer(result: unknown): ChildProcess {
  const file = join(dir(), 'tools-list-result.json');
  writeFileSync(file, JSON.stringify(result));
  const child = startProcess(process.execPath, [READY_LIST, file]);
  drain(child);
  return child;
}

export function startEcho(args: string[] = []): ChildProcess {
  const child = startProcess(process.execPath, [ECHO, ...args]);
  drain(child);
  return child;
}

/** The echo server behind a process that only forwards bytes: the limit a stdio proxy can reach. */
export function startByteRelay(): ChildProcess {
  const child = startProcess(process.execPath, [RELAY, process.execPath, ECHO]);
  drain(child);
  return child;
}

export function startProxyStdio(config: string, args: string[] = []): ChildProcess {
  const child = startProcess(process.execPath, [...proxyNodeFlags, CLI, '--config', config, ...args]);
  drain(child);
  return child;
}

export interface HttpSystem {
  child: ChildProcess;
  /** Base URL, no path. */
  url: string;
}

/** `gcProbe`: the proxy runs test/helpers/gc-probe.ts (full GC + memoryUsage on the IPC message "gc"). */
export async function startProxyHttp(config: string, args: string[] = [], opts: { gcProbe?: boolean } = {}): Promise<HttpSystem> {
  const probe = opts.gcProbe ? ['--expose-gc', '--import', pathToFileURL(GC_PROBE).href] : [];
  const child = startProcess(process.execPath, [...proxyNodeFlags, ...probe, CLI, '--config', config, '--transport', 'http', '--port', '0', ...args], opts.gcProbe ? { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] } : {});
  const m = await waitForOutput(child, /listening on (http:\/\/[^\s]+)/, START_TIMEOUT_MS);
  drain(child);
  return { child, url: m[1] };
}

export async function startBareHttp(): Promise<HttpSystem> {
  const child = startProcess(process.execPath, [BARE]);
  const m = await waitForOutput(child, /listening on (http:\/\/[^\s]+)/, START_TIMEOUT_MS);
  drain(child);
  return { child, url: m[1] };
}

/**
 * supergateway in stateful mode (one child per session): its default stateless mode spawns a
 * new server process for every POST. Per-message logging off (it logs each message at info).
 */
export async function startSupergateway(): Promise<HttpSystem> {
  const port = await freePort();
  const child = startProcess(process.execPath, [
    SUPERGATEWAY,
    '--stdio', `${process.execPath} ${ECHO}`,
    '--outputTransport', 'streamableHttp',
    '--stateful',
    '--port', String(port),
    '--logLevel', 'none',
  ]);
  drain(child);
  drain(child, 'stdout');
  await waitForPort(port, child);
  return { child, url: `http://127.0.0.1:${port}` };
}

/** mcp-proxy (punkpeye) with its defaults: /mcp (Streamable HTTP) and /sse on one port. */
export async function startMcpProxy(): Promise<HttpSystem> {
  const port = await freePort();
  const child = startProcess(process.execPath, [MCP_PROXY, '--port', String(port), '--host', '127.0.0.1', '--', process.execPath, ECHO]);
  await waitForOutput(child, /starting server on port/, START_TIMEOUT_MS, 'stdout').catch(() => waitForPort(port, child));
  drain(child);
  drain(child, 'stdout');
  await waitForPort(port, child);
  return { child, url: `http://127.0.0.1:${port}` };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls until something accepts TCP connections on the port (bounded). */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((res) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), res(true)));
      socket.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${port} after ${START_TIMEOUT_MS} ms`);
}
