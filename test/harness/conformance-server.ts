// The reference conformance "everything" server (third-party, unmodified; not part of this
// repository: ../shared/peers/conformance-everything-server beside it, or the folder named by
// CONFORMANCE_SERVER_DIR) as a peer for `npm run conformance`: copied to a cache folder under the
// OS temp dir keyed by its package-lock hash and installed there once (npm ci), then started on a
// free port in its own process group, which stop() ends. `npm test` never uses it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/harness
const SHARED_PEERS = path.resolve(here, '../../../../shared/peers');

/** The two reference servers: suite 0.1.16 (2025-11-25), and suite 0.2.0-alpha.11 (both eras). */
export type Peer = '2025' | '2026';
const PEERS: Record<Peer, { dir: string; env: string; origin: string }> = {
  '2025': {
    dir: process.env.CONFORMANCE_SERVER_DIR ? path.resolve(process.env.CONFORMANCE_SERVER_DIR) : path.join(SHARED_PEERS, 'conformance-everything-server'),
    env: 'CONFORMANCE_SERVER_DIR',
    origin: 'examples/servers/typescript of modelcontextprotocol/conformance v0.1.16',
  },
  '2026': {
    dir: process.env.CONFORMANCE_SERVER_2026_DIR ? path.resolve(process.env.CONFORMANCE_SERVER_2026_DIR) : path.join(SHARED_PEERS, 'conformance-everything-server-2026'),
    env: 'CONFORMANCE_SERVER_2026_DIR',
    origin: 'examples/servers/typescript of modelcontextprotocol/conformance v0.2.0-alpha.11',
  },
};
const INSTALLED_MARK = '.multi-mcp-installed';
const INSTALL_TIMEOUT_MS = 8 * 60_000;

/** Why the reference server cannot be used, or undefined when its folder is there. */
export function peerMissing(peer: Peer = '2025'): string | undefined {
  const { dir, env, origin } = PEERS[peer];
  if (existsSync(path.join(dir, 'package-lock.json'))) return undefined;
  return `the reference conformance server is not at ${dir}. It is not part of this repository: ` +
    `put its folder (${origin}, with a package-lock.json) ` +
    `at ../shared/peers/${path.basename(dir)} beside the repository, or name it with ${env}=/path. ` +
    '`npm test` does not need it.';
}

/** The installed copy, installing it first if this package-lock has not been installed yet. */
function installedPeer(peer: Peer): string {
  const missing = peerMissing(peer);
  if (missing) throw new Error(missing);
  const PEER_DIR = PEERS[peer].dir;
  const lock = readFileSync(path.join(PEER_DIR, 'package-lock.json'));
  const key = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const dir = path.join(tmpdir(), `multi-mcp-conformance-server-${key}`);
  if (existsSync(path.join(dir, INSTALLED_MARK))) return dir;
  // Install into a private folder, then rename: a half-done install is never taken for a cached one.
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const name of readdirSync(PEER_DIR)) {
    // Copied by content: the originals are read-only, and npm ci must write beside them.
    writeFileSync(path.join(staging, name), readFileSync(path.join(PEER_DIR, name)));
  }
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: staging,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (npm.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm ci of the conformance server failed (${npm.error?.message ?? `exit ${npm.status}`}): ${npm.stderr}`);
  }
  writeFileSync(path.join(staging, INSTALLED_MARK), new Date().toISOString());
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another run won the race: use its copy
  }
  return dir;
}


export interface PeerServer {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startConformanceServer(peer: Peer = '2025'): Promise<PeerServer> {
  const dir = installedPeer(peer);
  const port = await freePort();
  const child: ChildProcess = spawn(path.join(dir, 'node_modules', '.bin', 'tsx'), ['everything-server.ts'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      try {
        process.kill(-child.pid, signal); // the whole group: tsx runs the server in a child of its own
      } catch {
        return;
      }
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(r, 5000, false))]);
      if (gone) return;
    }
  };
  try {
    await waitFor(() => /running on/.test(output) || child.exitCode !== null, 'the conformance server to listen', 60_000, 50);
    if (child.exitCode !== null) throw new Error(`the conformance server exited: ${output}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}/mcp`, output: () => output, stop };
}
