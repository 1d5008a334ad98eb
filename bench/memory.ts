// Proxy memory: RSS idle (HTTP mode, one echo backend ready, no session), with 10,000 Streamable
// HTTP sessions held (each initialized and one call answered; --max-sessions raised to that), and
// after they are all DELETEd (sampled until back within the target of idle, or the time budget
// runs out). What each held session costs is measured on the JS heap after full collections
// (test/helpers/gc-probe.ts in the proxy): RSS keeps pages the allocator has not given back.
import type { ChildProcess } from 'node:child_process';
import { memoryAfterGc } from '../test/helpers/gc-request.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { keepAliveAgent, send, StreamableClient } from './http-client.js';
import { rssBytes, stopProcess } from './procs.js';
import { startBareHttp, startProxyHttp, writeConfig } from './systems.js';

export const SESSIONS = 10_000;
/** Connections used to open the sessions (the sessions are all held at once; sockets are pooled). */
const CONNECTIONS = 64;
/**
 * Idle means settled: V8's memory reducer shrinks the heap grown during start-up only once the
 * process has been quiet for several seconds (seen here: ~62 MB at 3 s, ~55 MB from 10 s on).
 * Both the proxy and the bare baseline get the same wait.
 */
const SETTLE_MS = 12_000;
const SAMPLE_MS = 250;
export const RELEASE_WITHIN = 0.2;

export interface MemoryResult {
  sessions: number;
  /** Baseline: the bare node:http endpoint, idle (Node's own floor plus node:http). */
  bareIdleMb: number;
  idleMb: number;
  heldMb: number;
  releasedMb: number;
  /** Time from the last DELETE until the released sample was taken. */
  releasedAfterMs: number;
  /** Heap + external after full GCs: idle, and with the sessions held. */
  idleHeapMb: number;
  heldHeapMb: number;
  /** Heap + external after full GCs once every session was DELETEd: what a leak would keep. */
  releasedHeapMb: number;
}

const mb = (bytes: number) => bytes / (1024 * 1024);

export async function runMemory(releaseBudgetMs: number): Promise<MemoryResult> {
  const bareIdleMb = mb(await idleRssOfBareHttp());
  const system = await startProxyHttp(writeConfig('memory.json', [{ name: 'echo' }]), ['--max-sessions', String(SESSIONS)], { gcProbe: true });
  const pid = system.child.pid!;
  const agent = keepAliveAgent(CONNECTIONS);
  try {
    await waitReady(system.url, agent);
    await sleep(SETTLE_MS);
    const idle = rssBytes(pid);
    const idleHeap = await heapAfterGc(system.child);

    const mcp = new URL('/mcp', system.url);
    const clients = Array.from({ length: SESSIONS }, () => new StreamableClient(mcp, agent));
    await Promise.all(clients.map((c) => c.initialize()));
    const params = { name: 'echo__echo', arguments: { text: 'hello' } };
    await Promise.all(clients.map((c) => c.request('tools/call', params)));
    const held = rssBytes(pid);
    const heldHeap = await heapAfterGc(system.child);

    await Promise.all(clients.map((c) => c.close()));
    agent.destroy(); // the clients are gone: their connections too
    const t0 = Date.now();
    let released = rssBytes(pid);
    while (released > idle * (1 + RELEASE_WITHIN) && Date.now() - t0 < releaseBudgetMs) {
      await sleep(SAMPLE_MS);
      released = rssBytes(pid);
    }
    const releasedAfterMs = Date.now() - t0;
    const releasedHeap = await heapAfterGc(system.child);
    return { sessions: SESSIONS, bareIdleMb, idleMb: mb(idle), heldMb: mb(held), releasedMb: mb(released), releasedAfterMs, idleHeapMb: mb(idleHeap), heldHeapMb: mb(heldHeap), releasedHeapMb: mb(releasedHeap) };
  } finally {
    agent.destroy();
    await stopProcess(system.child);
  }
}

/** The proxy's heap and external memory after full collections (its gc-probe answers on IPC). */
async function heapAfterGc(child: ChildProcess): Promise<number> {
  const usage = await memoryAfterGc(child);
  return usage.heapUsed + usage.external;
}

async function idleRssOfBareHttp(): Promise<number> {
  const bare = await startBareHttp();
  try {
    await sleep(SETTLE_MS);
    return rssBytes(bare.child.pid!);
  } finally {
    await stopProcess(bare.child);
  }
}

/** Polls /health?verbose=1 until every backend is ready (bounded). */
async function waitReady(url: string, agent: ReturnType<typeof keepAliveAgent>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const reply = await send(agent, new URL('/health?verbose=1', url), 'GET', {});
    if (reply.status === 200 && !reply.body.includes('"starting"')) return;
    await sleep(50);
  }
  throw new Error('backends not ready after 20 s');
}
