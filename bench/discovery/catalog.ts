// The discovery catalog: the tool definitions of the servers in sources.ts, taken from their
// npm packages (devDependencies of bench/discovery/package.json, installed on first use) by
// starting each one offline (placeholder credentials, a temporary HOME, nothing inherited from
// the caller's environment) and asking it for tools/list.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startProcess, stopProcess } from '../procs.js';
import { ROOT } from '../systems.js';
import { SOURCES, type Source } from './sources.js';

export interface Tool {
  name: string;
  [key: string]: unknown;
}

export interface CatalogServer {
  server: string;
  pkg: string;
  version: string;
  tools: Tool[];
  /** Why this source gave no tools. */
  error?: string;
}

/** The catalog's own package: kept out of multi-mcp's install (it is 430 packages, 320 MB). */
const PACKAGE_DIR = join(ROOT, 'bench/discovery');
const MODULES = join(PACKAGE_DIR, 'node_modules');
const LIST_TIMEOUT_MS = 60_000;
/** Servers listed at once: they are Node processes, the machine may have two cores. */
const PARALLEL = 4;

/** Installs the catalog servers (npm ci, install scripts off) unless they are there already. */
export function installCatalogServers(progress: (line: string) => void): void {
  if (SOURCES.every((s) => existsSync(join(MODULES, s.pkg, 'package.json')))) return;
  progress('  installing the catalog servers once: npm ci --ignore-scripts in bench/discovery (about 320 MB)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', process.stderr, process.stderr], // stdout carries the bench's results
    timeout: 15 * 60_000,
  });
  if (run.status !== 0) progress(`  npm ci in bench/discovery failed (${run.error?.message ?? `exit ${run.status}`}): sources that are missing will say so`);
}

export async function extractCatalog(progress: (line: string) => void): Promise<CatalogServer[]> {
  installCatalogServers(progress);
  const home = mkdtempSync(join(tmpdir(), 'multi-mcp-catalog-'));
  // @cloudflare/mcp-server-cloudflare reads a wrangler login before it lists anything.
  mkdirSync(join(home, '.config/.wrangler/config'), { recursive: true });
  writeFileSync(join(home, '.config/.wrangler/config/default.toml'), 'oauth_token = "placeholder"\nexpiration_time = "2099-01-01T00:00:00.000Z"\n');
  try {
    const out: CatalogServer[] = new Array(SOURCES.length);
    let next = 0;
    const worker = async () => {
      while (next < SOURCES.length) {
        const i = next++;
        out[i] = await listSource(SOURCES[i], home);
        progress(`  ${SOURCES[i].pkg}@${out[i].version}: ${out[i].error ?? `${out[i].tools.length} tools`}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    return out;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function packageOf(pkg: string): { version: string; bin: Record<string, string> | string } {
  return JSON.parse(readFileSync(join(MODULES, pkg, 'package.json'), 'utf8'));
}

async function listSource(source: Source, home: string): Promise<CatalogServer> {
  let meta: ReturnType<typeof packageOf>;
  try {
    meta = packageOf(source.pkg);
  } catch {
    return { server: source.server, pkg: source.pkg, version: '?', tools: [], error: 'not installed (npm ci in bench/discovery)' };
  }
  const bin = typeof meta.bin === 'string' ? meta.bin : meta.bin[source.bin ?? Object.keys(meta.bin)[0]];
  const args = (source.args ?? []).map((a) => a.replace('{home}', home));
  const env = { PATH: process.env.PATH ?? '', HOME: home, NODE_ENV: 'production', DO_NOT_TRACK: '1', ...source.env };
  const child = startProcess(process.execPath, [join(MODULES, source.pkg, bin), ...args], { env, cwd: home });
  child.stderr!.resume();
  const base = { server: source.server, pkg: source.pkg, version: meta.version };
  try {
    const rpc = lineRpc(child);
    await rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'multi-mcp-bench', version: '1' } });
    child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await rpc('tools/list', cursor === undefined ? {} : { cursor });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return { ...base, tools };
  } catch (e) {
    return { ...base, tools: [], error: (e as Error).message };
  } finally {
    await stopProcess(child);
  }
}

/** Request/answer over a child's stdio, one JSON object per line; other lines are ignored. */
function lineRpc(child: ChildProcess): (method: string, params: object) => Promise<any> {
  const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let buffer = '';
  let nextId = 1;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const waiter = msg.method === undefined ? waiting.get(msg.id) : undefined;
      if (!waiter) continue;
      waiting.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`${msg.error.message}`));
      else waiter.resolve(msg.result);
    }
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`exited with code ${code}`));
    waiting.clear();
  });
  child.stdin!.on('error', () => {});
  return (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer to ${method} within ${LIST_TIMEOUT_MS / 1000} s`));
      }, LIST_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
}
