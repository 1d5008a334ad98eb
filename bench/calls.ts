// The call scenarios: the same echo tools/call through each path, measured sequentially
// (latency) and with many calls in flight (throughput).
import type { ChildProcess } from 'node:child_process';
import type { Agent } from 'node:http';
import { keepAliveAgent, StatelessClient, LegacySseClient, StreamableClient } from './http-client.js';
import { sequential, throughput, warmUp, type Budget, type Latency, type Throughput } from './measure.js';
import { NdjsonClient, type RpcClient } from './ndjson-client.js';
import { cpuMs, descendants, stopProcess } from './procs.js';
import { startBareHttp, startByteRelay, startEcho, startMcpProxy, startProxyHttp, startProxyStdio, startSupergateway, writeConfig, type HttpSystem } from './systems.js';

export const INFLIGHT = 64;

export type Baseline = 'direct stdio' | 'byte relay stdio' | 'bare HTTP' | 'multi-mcp stdio' | 'multi-mcp Streamable HTTP';

export interface CallScenario {
  name: string;
  /** The row this one is compared with (none for a baseline itself). */
  baseline?: Baseline;
  start(): Promise<Running>;
}

interface Running {
  client: RpcClient;
  tool: string;
  children: ChildProcess[];
  agents?: Agent[];
}

export interface CallResult {
  name: string;
  baseline?: Baseline;
  latency: Latency;
  throughput: Throughput;
  /** CPU time per call during the throughput run: less noisy than rates on a shared machine. */
  cpuUsPerCall: CpuPerCall;
  /** Over the rounds (medians are reported): the throughput's range. */
  spread?: { minPerSecond: number; maxPerSecond: number; rounds: number };
}

export interface CpuPerCall {
  /** The process the client talks to (the proxy, or the server itself for a baseline). */
  front: number;
  /** Its descendants (the echo server behind a proxy). */
  behind: number;
  /** The bench's own client. */
  client: number;
}

/** CPU used so far by the front process, by its descendants, and by this process (ms). */
function cpuSnapshot(front: ChildProcess): CpuPerCall {
  let behind = 0;
  for (const pid of descendants(front.pid!).keys()) behind += cpuMs(pid);
  const own = process.cpuUsage();
  return { front: cpuMs(front.pid!), behind, client: (own.user + own.system) / 1000 };
}

export interface CallBudgets {
  warmup: number;
  sequential: Budget;
  throughput: Budget;
}

const ONE_ECHO = () => writeConfig('one-echo.json', [{ name: 'echo' }]);
/** multi-mcp exposes the echo server's tool as <server>__<tool>. */
const PROXIED_TOOL = 'echo__echo';

async function stdioClient(child: ChildProcess, tool: string): Promise<Running> {
  const client = new NdjsonClient(child);
  await client.initialize();
  return { client, tool, children: [child] };
}

async function streamable(system: HttpSystem, tool: string): Promise<Running> {
  const agent = keepAliveAgent(INFLIGHT);
  const client = new StreamableClient(new URL('/mcp', system.url), agent);
  await client.initialize();
  return { client, tool, children: [system.child], agents: [agent] };
}

async function stateless(system: HttpSystem, tool: string): Promise<Running> {
  const agent = keepAliveAgent(INFLIGHT);
  const client = new StatelessClient(new URL('/mcp', system.url), agent);
  await client.initialize();
  return { client, tool, children: [system.child], agents: [agent] };
}

async function legacySse(system: HttpSystem, tool: string): Promise<Running> {
  const agent = keepAliveAgent(INFLIGHT);
  const client = new LegacySseClient(new URL('/sse', system.url), agent);
  await client.initialize();
  return { client, tool, children: [system.child], agents: [agent] };
}

export const CALL_SCENARIOS: CallScenario[] = [
  { name: 'direct stdio', start: () => stdioClient(startEcho(), 'echo') },
  { name: 'byte relay stdio', baseline: 'direct stdio', start: () => stdioClient(startByteRelay(), 'echo') },
  { name: 'multi-mcp stdio', baseline: 'byte relay stdio', start: () => stdioClient(startProxyStdio(ONE_ECHO()), PROXIED_TOOL) },
  // The same proxy observing every call (stdio mode observes only with --metrics): the cost of metrics.
  { name: 'multi-mcp stdio + metrics', baseline: 'multi-mcp stdio', start: () => stdioClient(startProxyStdio(ONE_ECHO(), ['--metrics', '127.0.0.1:0']), PROXIED_TOOL) },
  { name: 'bare HTTP', start: async () => streamable(await startBareHttp(), 'echo') },
  { name: 'multi-mcp Streamable HTTP', baseline: 'bare HTTP', start: async () => streamable(await startProxyHttp(ONE_ECHO()), PROXIED_TOOL) },
  { name: 'multi-mcp Streamable HTTP, 2026-07-28', baseline: 'multi-mcp Streamable HTTP', start: async () => stateless(await startProxyHttp(ONE_ECHO()), PROXIED_TOOL) },
  { name: 'multi-mcp legacy SSE', baseline: 'bare HTTP', start: async () => legacySse(await startProxyHttp(ONE_ECHO()), PROXIED_TOOL) },
  { name: 'supergateway Streamable HTTP', baseline: 'bare HTTP', start: async () => streamable(await startSupergateway(), 'echo') },
  { name: 'mcp-proxy Streamable HTTP', baseline: 'bare HTTP', start: async () => streamable(await startMcpProxy(), 'echo') },
];

export async function runCallScenario(scenario: CallScenario, budgets: CallBudgets): Promise<CallResult> {
  const running = await scenario.start();
  try {
    const params = { name: running.tool, arguments: { text: 'hello' } };
    const call = () => running.client.request('tools/call', params);
    const first = await call();
    if (first?.content?.[0]?.text !== 'hello') throw new Error(`${scenario.name}: unexpected answer ${JSON.stringify(first)}`);
    await warmUp(call, budgets.warmup);
    const latency = await sequential(call, budgets.sequential);
    const before = cpuSnapshot(running.children[0]);
    const tput = await throughput(call, INFLIGHT, budgets.throughput);
    const after = cpuSnapshot(running.children[0]);
    const perCall = (key: keyof CpuPerCall) => ((after[key] - before[key]) * 1000) / tput.calls;
    const cpuUsPerCall = { front: perCall('front'), behind: perCall('behind'), client: perCall('client') };
    return { name: scenario.name, baseline: scenario.baseline, latency, throughput: tput, cpuUsPerCall };
  } finally {
    await running.client.close().catch(() => {});
    for (const agent of running.agents ?? []) agent.destroy();
    for (const child of running.children) await stopProcess(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per scenario, the median of each figure over the rounds, and the throughput's spread. */
export function medianOfRounds(rounds: CallResult[][]): CallResult[] {
  const names = rounds[0]?.map((r) => r.name) ?? [];
  return names.map((name) => {
    const all = rounds.map((round) => round.find((r) => r.name === name)!);
    const m = (get: (r: CallResult) => number) => median(all.map(get));
    const rates = all.map((r) => r.throughput.perSecond);
    return {
      name,
      baseline: all[0].baseline,
      latency: { calls: m((r) => r.latency.calls), p50Us: m((r) => r.latency.p50Us), p99Us: m((r) => r.latency.p99Us), meanUs: m((r) => r.latency.meanUs) },
      throughput: { calls: m((r) => r.throughput.calls), seconds: m((r) => r.throughput.seconds), perSecond: m((r) => r.throughput.perSecond) },
      cpuUsPerCall: { front: m((r) => r.cpuUsPerCall.front), behind: m((r) => r.cpuUsPerCall.behind), client: m((r) => r.cpuUsPerCall.client) },
      spread: { minPerSecond: Math.min(...rates), maxPerSecond: Math.max(...rates), rounds: all.length },
    };
  });
}
