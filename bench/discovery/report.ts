// The discovery section's targets (issue 18) and the lines printed under the tables.
import type { DiscoveryResult } from './discovery.js';

interface Target {
  scenario: string;
  target: string;
  measured: string;
  met: boolean;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function discoveryTargets(d: DiscoveryResult): Target[] {
  const [small, big] = d.latency;
  const served = d.sources.filter((s) => s.tools > 0).length;
  return [
    {
      scenario: 'discovery catalog',
      target: '≥ 1,000 real tool definitions, ≥ 100 queries',
      measured: `${d.catalogTools} tools from ${served} npm packages; ${d.queries} queries`,
      met: d.catalogTools >= 1000 && d.queries >= 100 && d.unknownExpected.length === 0,
    },
    { scenario: 'search_tools recall@5', target: '≥ 0.9', measured: `${d.recallAt5.toFixed(3)} (recall@1 ${d.recallAt1.toFixed(3)})`, met: d.recallAt5 >= 0.9 },
    {
      scenario: `search_tools, ${big.tools} tools`,
      target: 'p50 ≤ 2 ms',
      measured: `p50 ${big.p50Ms.toFixed(3)} ms, p99 ${big.p99Ms.toFixed(3)} ms (${small.tools} tools: p50 ${small.p50Ms.toFixed(3)} ms, p99 ${small.p99Ms.toFixed(3)} ms)`,
      met: big.p50Ms <= 2,
    },
    {
      scenario: 'tools/list in search mode',
      target: '< 2 KB plus the pinned tools',
      measured: `${d.list.metaBytes} B; with ${d.list.pinned} pinned ${d.list.pinnedListBytes} B = ${d.list.pinnedListBytes - d.list.pinnedBytes} B + ${d.list.pinnedBytes} B pinned (mode all: ${kb(d.list.allBytes)}, ~${d.list.allTokens} tokens)`,
      met: d.list.metaBytes < 2048 && d.list.pinnedListBytes - d.list.pinnedBytes < 2048,
    },
  ];
}

export function discoveryNotes(d: DiscoveryResult): string[] {
  const [small, big] = d.latency;
  const lines = [
    `discovery catalog: ${d.sources.map((s) => `${s.pkg}@${s.version} ${s.error ? `(failed: ${s.error})` : s.tools}`).join(', ')}`,
    `search_tools timed from request written to the answer's last byte over stdio, ${small.searches} and ${big.searches} searches; ` +
      `first search right after initialize (it waits for the index build, which starts once initialize is answered): ${small.firstMs.toFixed(1)} ms at ${small.tools} tools, ${big.firstMs.toFixed(1)} ms at ${big.tools}`,
  ];
  if (d.unknownExpected.length > 0) lines.push(`queries expect tools the catalog does not have: ${d.unknownExpected.join(', ')}`);
  if (d.misses.length > 0) lines.push(`not in the first 5 (${d.misses.length}): ${d.misses.map((m) => JSON.stringify(m.q)).join('; ')}`);
  return lines;
}
