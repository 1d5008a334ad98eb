// The discovery section of `npm run bench` (issue 18): a catalog of real tool definitions (see
// catalog.ts) served by fixture servers behind multi-mcp in search mode, over stdio.
// - recall@1 and recall@5 of search_tools on the user-phrased queries of queries.ts;
// - search_tools latency (request written → answer's last byte) at the catalog's size and at
//   10× it (every tool listed ten times, copies named <tool>_copy<k>);
// - what tools/list costs in search mode (meta-tools, pinned tools) against mode all.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exposedName } from '../../src/router/names.js';
import { quantile } from '../measure.js';
import { NdjsonClient } from '../ndjson-client.js';
import { startProcess, stopProcess } from '../procs.js';
import { ROOT, startProxyStdio } from '../systems.js';
import { extractCatalog, type CatalogServer } from './catalog.js';
import { QUERIES } from './queries.js';

const CATALOG_FIXTURE = join(ROOT, 'fixtures/servers/catalog.mjs');
const CLI = join(ROOT, 'dist/src/cli.js');
const NAMING = { separator: '__', namespace: true };
const COPIES = 10;
/** Pinned in the run that measures "search mode lists the meta-tools plus the pinned ones". */
const PINNED = ['github__create_issue', 'slack__slack_post_message', 'filesystem__read_text_file'];

export interface LatencyStats {
  tools: number;
  searches: number;
  /** The first search_tools right after initialize (it waits for the index build that start-up began). */
  firstMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface DiscoveryResult {
  sources: { server: string; pkg: string; version: string; tools: number; error?: string }[];
  catalogTools: number;
  queries: number;
  recallAt1: number;
  recallAt5: number;
  /** Queries whose tools were not in the first 5 (query, expected, what came first). */
  misses: { q: string; expect: string[]; got: string[] }[];
  /** Expected tools that are not in the catalog (a stale query list). */
  unknownExpected: string[];
  latency: LatencyStats[];
  list: {
    allBytes: number;
    allTokens: number;
    /** tools/list in search mode, nothing pinned. */
    metaBytes: number;
    /** tools/list in search mode with PINNED, and those pinned tools' own size. */
    pinnedListBytes: number;
    pinnedBytes: number;
    pinned: number;
  };
}

export interface DiscoveryBudgets {
  /** Untimed search_tools calls first (JIT, and the GC after building a large index), bounded by count and 2 s. */
  warmup: number;
  /** Timed search_tools calls per size, bounded by count and time. */
  searches: number;
  searchMs: number;
}

export async function runDiscovery(budgets: DiscoveryBudgets, progress: (line: string) => void): Promise<DiscoveryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'multi-mcp-discovery-'));
  try {
    return await run(dir, budgets, progress);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(dir: string, budgets: DiscoveryBudgets, progress: (line: string) => void): Promise<DiscoveryResult> {
  const workFile = (file: string, content: string) => {
    const path = join(dir, file);
    writeFileSync(path, content);
    return path;
  };
  progress('discovery: listing the tools of the catalog servers (bench/discovery/package.json)…');
  const servers = await extractCatalog(progress);
  const usable = servers.filter((s) => s.tools.length > 0);
  const catalogTools = usable.reduce((n, s) => n + s.tools.length, 0);
  progress(`discovery: ${catalogTools} tools from ${usable.length} of ${servers.length} servers`);
  const config = writeCatalogConfig(workFile, 'discovery-1x.json', usable, 1, []);

  progress('discovery: tools/list sizes (multi-mcp tools --json)…');
  const costs = await toolsCommand(config);
  const pinnedConfig = writeCatalogConfig(workFile, 'discovery-pinned.json', usable, 1, PINNED);
  const pinnedList = await listOnce(pinnedConfig);
  const pinnedTools = pinnedList.filter((t) => PINNED.includes(t.name));

  progress('discovery: recall and latency at 1× …');
  const { recall, latency: small } = await searchRun(config, catalogTools, budgets, true);
  progress(`  recall@1 ${recall.at1.toFixed(3)}, recall@5 ${recall.at5.toFixed(3)}; p50 ${small.p50Ms.toFixed(3)} ms, p99 ${small.p99Ms.toFixed(3)} ms`);
  progress(`discovery: latency at ${COPIES}× …`);
  const bigConfig = writeCatalogConfig(workFile, 'discovery-10x.json', usable, COPIES, []);
  const { latency: big } = await searchRun(bigConfig, catalogTools * COPIES, budgets, false);
  progress(`  p50 ${big.p50Ms.toFixed(3)} ms, p99 ${big.p99Ms.toFixed(3)} ms (first ${big.firstMs.toFixed(1)} ms)`);

  return {
    sources: servers.map(({ server, pkg, version, tools, error }) => ({ server, pkg, version, tools: tools.length, ...(error ? { error } : {}) })),
    catalogTools,
    queries: QUERIES.length,
    recallAt1: recall.at1,
    recallAt5: recall.at5,
    misses: recall.misses,
    unknownExpected: recall.unknown,
    latency: [small, big],
    list: {
      allBytes: costs.total.bytes,
      allTokens: costs.total.tokens,
      metaBytes: costs.search.bytes,
      pinnedListBytes: bytes(pinnedList),
      pinnedBytes: bytes(pinnedTools),
      pinned: pinnedTools.length,
    },
  };
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** A config with one catalog fixture per server, in search mode. */
function writeCatalogConfig(
  workFile: (file: string, content: string) => string,
  file: string,
  servers: CatalogServer[],
  copies: number,
  pinned: string[],
): string {
  const mcpServers: Record<string, unknown> = {};
  for (const s of servers) {
    const tools = workFile(`catalog-${s.server}.json`, JSON.stringify(s.tools));
    mcpServers[s.server] = { command: process.execPath, args: [CATALOG_FIXTURE, '--tools', tools, '--name', s.server, '--copies', String(copies)] };
  }
  return workFile(file, JSON.stringify({ toolDiscovery: { mode: 'search', pinned }, mcpServers }, null, 2));
}

/** `multi-mcp tools --json` on the config: mode all and search mode sizes, as users see them. */
async function toolsCommand(config: string): Promise<{ total: { bytes: number; tokens: number }; search: { bytes: number } }> {
  const child = startProcess(process.execPath, [CLI, 'tools', '--config', config, '--json', '--log-level', 'warn']);
  child.stderr!.resume();
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await stopProcess(child);
  if (code !== 0) throw new Error(`multi-mcp tools exited with ${code}`);
  return JSON.parse(out);
}

async function listOnce(config: string): Promise<{ name: string }[]> {
  const proxy = startProxyStdio(config);
  try {
    const client = new NdjsonClient(proxy);
    await client.initialize();
    return (await client.request('tools/list')).tools;
  } finally {
    await stopProcess(proxy);
  }
}

interface Recall {
  at1: number;
  at5: number;
  misses: DiscoveryResult['misses'];
  unknown: string[];
}

async function searchRun(config: string, tools: number, budgets: DiscoveryBudgets, withRecall: boolean): Promise<{ recall: Recall; latency: LatencyStats }> {
  const proxy = startProxyStdio(config);
  try {
    const client = new NdjsonClient(proxy);
    await client.initialize();
    const search = async (query: string, limit: number): Promise<{ names: string[]; ms: number }> => {
      const t0 = performance.now();
      const result = await client.request('tools/call', { name: 'search_tools', arguments: { query, limit } });
      const ms = client.lastAnswerAt - t0;
      if (result.isError) throw new Error(`search_tools failed: ${JSON.stringify(result.content)}`);
      return { names: result.structuredContent.tools.map((t: { name: string }) => t.name), ms };
    };
    const first = await search(QUERIES[0].q, 5);
    const recall: Recall = { at1: 0, at5: 0, misses: [], unknown: [] };
    if (withRecall) {
      const expected = QUERIES.flatMap((q) => q.expect.map(exposed));
      const described = await client.request('tools/call', { name: 'describe_tools', arguments: { names: [...new Set(expected)] } });
      recall.unknown = described.structuredContent.unknown;
      let at1 = 0;
      let at5 = 0;
      for (const { q, expect } of QUERIES) {
        const want = new Set(expect.map(exposed));
        const { names } = await search(q, 5);
        if (want.has(names[0])) at1++;
        if (names.some((n) => want.has(n))) at5++;
        else recall.misses.push({ q, expect, got: names.slice(0, 3) });
      }
      recall.at1 = at1 / QUERIES.length;
      recall.at5 = at5 / QUERIES.length;
    }
    const warmEnd = performance.now() + 2000;
    for (let i = 0; i < budgets.warmup && performance.now() < warmEnd; i++) await search(QUERIES[i % QUERIES.length].q, 8);
    const times: number[] = [];
    const deadline = performance.now() + budgets.searchMs;
    for (let i = 0; i < budgets.searches && performance.now() < deadline; i++) {
      times.push((await search(QUERIES[i % QUERIES.length].q, 8)).ms);
    }
    times.sort((a, b) => a - b);
    return { recall, latency: { tools, searches: times.length, firstMs: first.ms, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99) } };
  } finally {
    await stopProcess(proxy);
  }
}

/** "server/original" as the proxy exposes it. */
function exposed(entry: string): string {
  const slash = entry.indexOf('/');
  return exposedName(entry.slice(0, slash), entry.slice(slash + 1), NAMING);
}
