// Start-up with many backends: 50 echo servers of 100 tools each. Baselines: one such server
// alone, and all 50 started in parallel by a raw client (the slowest of them bounds any proxy
// that starts them in parallel). Then the merged tools/list (5,000 tools) through the proxy.
import { performance } from 'node:perf_hooks';
import { quantile } from './measure.js';
import { NdjsonClient } from './ndjson-client.js';
import { stopProcess } from './procs.js';
import { startEcho, startReadyListServer, startProxyStdio, writeConfig } from './systems.js';

export const BACKENDS = 50;
/** echo.mjs lists its `echo` tool plus --tools N more: 99 + 1 = 100 tools per backend. */
const EXTRA_TOOLS = 99;
const TOOLS_PER_BACKEND = EXTRA_TOOLS + 1;

export interface StartupResult {
  backends: number;
  toolsPerBackend: number;
  /** One backend alone: spawn, initialize, tools/list (median of a few runs). */
  singleMs: number;
  /** All backends spawned at once by a raw client: time until the last one has listed. */
  parallelDirectMs: number;
  /** multi-mcp (stdio): spawn until its initialize is answered (it waits for every backend). */
  proxyMs: number;
  mergedTools: number;
  /** Merged tools/list: request sent to the answer's last byte (the client's own JSON.parse excluded). */
  toolsListFirstMs: number;
  toolsListP50Ms: number;
  toolsListP99Ms: number;
  /** The same with the client's JSON.parse of the ~1 MB answer included. */
  toolsListParsedP50Ms: number;
  /** Size of the merged tools/list answer. */
  toolsListBytes: number;
  /** The same answer from a server that has its bytes ready, over one pipe (ready-list-server.ts). */
  toolsListFloorP50Ms: number;
}

function echoArgs(i: number): string[] {
  return ['--tools', String(EXTRA_TOOLS), '--name', `s${i}`];
}

/** Spawn + initialize + tools/list of one echo server; returns ms. */
async function startOneDirect(i: number): Promise<number> {
  const t0 = performance.now();
  const child = startEcho(echoArgs(i));
  try {
    const client = new NdjsonClient(child);
    await client.initialize();
    const list = await client.request('tools/list');
    if (list.tools.length !== TOOLS_PER_BACKEND) throw new Error(`s${i}: ${list.tools.length} tools`);
    return performance.now() - t0;
  } finally {
    await stopProcess(child);
  }
}

export async function runStartup(toolsListRuns: number): Promise<StartupResult> {
  const singles: number[] = [];
  for (let run = 0; run < 3; run++) singles.push(await startOneDirect(0));
  singles.sort((a, b) => a - b);

  const parallelDirectMs = await parallelStart();

  const config = writeConfig('startup.json', Array.from({ length: BACKENDS }, (_, i) => ({ name: `s${i}`, args: echoArgs(i) })));
  const p0 = performance.now();
  const proxy = startProxyStdio(config);
  try {
    const client = new NdjsonClient(proxy);
    await client.initialize();
    const proxyMs = performance.now() - p0;
    const l0 = performance.now();
    const first = await client.request('tools/list');
    const toolsListFirstMs = client.lastAnswerAt - l0;
    if (first.tools.length !== BACKENDS * TOOLS_PER_BACKEND) throw new Error(`merged tools/list has ${first.tools.length} tools: a backend did not start`);
    const { times, parsed } = await timeToolsLists(client, toolsListRuns);
    const toolsListFloorP50Ms = await toolsListFloor(first, toolsListRuns);
    return {
      backends: BACKENDS,
      toolsPerBackend: TOOLS_PER_BACKEND,
      singleMs: singles[1],
      parallelDirectMs,
      proxyMs,
      mergedTools: first.tools.length,
      toolsListFirstMs,
      toolsListP50Ms: quantile(times, 0.5),
      toolsListP99Ms: quantile(times, 0.99),
      toolsListParsedP50Ms: quantile(parsed, 0.5),
      toolsListBytes: Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: 1, result: first })),
      toolsListFloorP50Ms,
    };
  } finally {
    await stopProcess(proxy);
  }
}

/**
 * `runs` tools/list in a row, each timed from the request to its last byte (`times`) and to the
 * end of the client's JSON.parse (`parsed`); both sorted.
 */
async function timeToolsLists(client: NdjsonClient, runs: number): Promise<{ times: number[]; parsed: number[] }> {
  const times: number[] = [];
  const parsed: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await client.request('tools/list');
    parsed.push(performance.now() - t);
    times.push(client.lastAnswerAt - t);
  }
  return { times: times.sort((a, b) => a - b), parsed: parsed.sort((a, b) => a - b) };
}

/** p50 of tools/list, timed the same way, from a server that writes the same answer ready-made. */
async function toolsListFloor(result: unknown, runs: number): Promise<number> {
  const server = startReadyListServer(result);
  try {
    const client = new NdjsonClient(server);
    await client.initialize();
    return quantile((await timeToolsLists(client, runs)).times, 0.5);
  } finally {
    await stopProcess(server);
  }
}

/** All backends at once, as a raw client would: time until every one has answered tools/list. */
async function parallelStart(): Promise<number> {
  const t0 = performance.now();
  const children = Array.from({ length: BACKENDS }, (_, i) => startEcho(echoArgs(i)));
  try {
    await Promise.all(
      children.map(async (child) => {
        const client = new NdjsonClient(child);
        await client.initialize();
        await client.request('tools/list');
      }),
    );
    return performance.now() - t0;
  } finally {
    await Promise.all(children.map((c) => stopProcess(c)));
  }
}
