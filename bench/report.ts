// Targets of issue 9 checked against one run's results, and the tables printed for humans.
import type { CallResult } from './calls.js';
import type { DiscoveryResult } from './discovery/discovery.js';
import { discoveryNotes, discoveryTargets } from './discovery/report.js';
import { RELEASE_WITHIN, type MemoryResult } from './memory.js';
import type { ObserverCost } from './observer-cost.js';
import type { StartupResult } from './startup.js';

export interface Results {
  calls: CallResult[];
  observer?: ObserverCost;
  startup?: StartupResult;
  memory?: MemoryResult;
  discovery?: DiscoveryResult;
}

export interface Target {
  /** Which row the target is about. */
  scenario: string;
  target: string;
  measured: string;
  met: boolean;
}

const PEERS = ['supergateway Streamable HTTP', 'mcp-proxy Streamable HTTP'];

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

function signedPct(x: number): string {
  return `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(1)} %`;
}

function us(x: number): string {
  return `${Math.round(x)} µs`;
}

export function checkTargets(r: Results): Target[] {
  const row = (name: string) => r.calls.find((c) => c.name === name);
  const out: Target[] = [];
  // The limit of a stdio proxy is a process that forwards bytes without parsing (issue 20).
  const relay = row('byte relay stdio');
  const stdio = row('multi-mcp stdio');
  if (relay && stdio) {
    const ratio = stdio.throughput.perSecond / relay.throughput.perSecond;
    out.push({ scenario: stdio.name, target: 'throughput ≥ 90 % of the byte relay', measured: pct(ratio), met: ratio >= 0.9 });
    const added = stdio.latency.p50Us - relay.latency.p50Us;
    out.push({ scenario: stdio.name, target: 'p50 ≤ byte relay + 30 µs', measured: `${added >= 0 ? '+' : ''}${us(added)}`, met: added <= 30 });
  }
  const observed = row('multi-mcp stdio + metrics');
  if (stdio && observed) {
    // Two proxies' throughputs on a shared machine vary by far more than 3 %: the target is the
    // observer's measured cost per call over the proxy's CPU per call; the A/B figures go beside it.
    const ab = observed.throughput.perSecond / stdio.throughput.perSecond - 1;
    const abCpu = observed.cpuUsPerCall.front / stdio.cpuUsPerCall.front - 1;
    const share = r.observer ? r.observer.nsPerCall / 1000 / stdio.cpuUsPerCall.front : -ab;
    out.push({
      scenario: observed.name,
      target: 'metrics cost ≤ 3 % of the proxy per call',
      measured:
        (r.observer ? `${r.observer.nsPerCall.toFixed(0)} ns/call = ${(share * 100).toFixed(1)} % of ${stdio.cpuUsPerCall.front.toFixed(1)} µs CPU/call; ` : '') +
        `A/B: ${signedPct(ab)} throughput, ${signedPct(abCpu)} CPU/call`,
      met: share <= 0.03,
    });
  }
  const bare = row('bare HTTP');
  const http = row('multi-mcp Streamable HTTP');
  if (bare && http) {
    const ratio = http.throughput.perSecond / bare.throughput.perSecond;
    out.push({ scenario: http.name, target: 'throughput ≥ 90 % of bare HTTP', measured: pct(ratio), met: ratio >= 0.9 });
  }
  const modern = row('multi-mcp Streamable HTTP, 2026-07-28');
  if (http && modern) {
    // "No slower than 2025 session requests": medians of interleaved rounds still move a few %
    // between two identical proxies here, so 5 % is the noise allowance.
    const ratio = modern.throughput.perSecond / http.throughput.perSecond;
    const added = modern.latency.p50Us - http.latency.p50Us;
    out.push({
      scenario: modern.name,
      target: 'no slower than 2025 session requests (throughput ≥ 95 %, p50 ≤ +5 %)',
      measured: `${pct(ratio)} throughput, p50 ${added >= 0 ? '+' : ''}${us(added)}`,
      met: ratio >= 0.95 && modern.latency.p50Us <= http.latency.p50Us * 1.05,
    });
  }
  const peers = PEERS.map(row).filter((p): p is CallResult => p !== undefined);
  if (http && peers.length > 0) {
    const fastest = peers.reduce((a, b) => (b.throughput.perSecond > a.throughput.perSecond ? b : a));
    const times = http.throughput.perSecond / fastest.throughput.perSecond;
    out.push({ scenario: http.name, target: `throughput ≥ 2× the faster peer (${fastest.name.split(' ')[0]})`, measured: `${times.toFixed(2)}×`, met: times >= 2 });
    const fastestPeerP50 = Math.min(...peers.map((p) => p.latency.p50Us));
    out.push({
      scenario: http.name,
      target: 'p50 below both peers',
      measured: `${us(http.latency.p50Us)} vs ${peers.map((p) => us(p.latency.p50Us)).join(', ')}`,
      met: http.latency.p50Us < fastestPeerP50,
    });
  }
  if (r.startup) {
    const s = r.startup;
    const limit = 1.1 * s.parallelDirectMs;
    out.push({
      scenario: `start-up ${s.backends}×${s.toolsPerBackend} tools`,
      target: '≤ 1.1 × the slowest backend (all started in parallel by a raw client)',
      measured: `${s.proxyMs.toFixed(0)} ms = ×${(s.proxyMs / s.parallelDirectMs).toFixed(2)} of ${s.parallelDirectMs.toFixed(0)} ms (limit ${limit.toFixed(0)} ms)`,
      met: s.proxyMs <= limit,
    });
    out.push({ scenario: `merged tools/list (${s.mergedTools} tools)`, target: 'p50 ≤ 1 ms (request sent → last byte read)', measured: `${s.toolsListP50Ms.toFixed(2)} ms (${(s.toolsListBytes / 1024).toFixed(0)} KB; the same bytes ready-made over one pipe: ${s.toolsListFloorP50Ms.toFixed(2)} ms; with the client's JSON.parse ${s.toolsListParsedP50Ms.toFixed(2)} ms)`, met: s.toolsListP50Ms <= 1 });
  }
  if (r.memory) {
    const m = r.memory;
    out.push({
      scenario: 'RSS idle',
      target: '≤ 50 MB',
      measured: `${m.idleMb.toFixed(1)} MB (bare node:http ${m.bareIdleMb.toFixed(1)} MB, ×${(m.idleMb / m.bareIdleMb).toFixed(2)})`,
      met: m.idleMb <= 50,
    });
    const perSessionKb = ((m.heldHeapMb - m.idleHeapMb) * 1024) / m.sessions;
    out.push({
      scenario: `retained per idle Streamable HTTP session (${m.sessions} held)`,
      target: '≤ 3 KB (JS heap + external after full GC)',
      measured: `${perSessionKb.toFixed(2)} KB (heap ${m.idleHeapMb.toFixed(1)} → ${m.heldHeapMb.toFixed(1)} MB; RSS ${m.idleMb.toFixed(1)} → ${m.heldMb.toFixed(1)} MB)`,
      met: perSessionKb <= 3,
    });
    // RSS keeps pages the allocator has not given back (seen: ~+70 % a minute after 10,000
    // sessions); whether anything is still held is the heap's business: that is the target.
    const ratio = m.releasedHeapMb / m.idleHeapMb - 1;
    const rss = m.releasedMb / m.idleMb - 1;
    out.push({
      scenario: `memory after ${m.sessions} sessions released`,
      target: `heap after full GC within ${pct(RELEASE_WITHIN)} of idle`,
      measured: `${ratio >= 0 ? '+' : ''}${pct(ratio)} (${m.releasedHeapMb.toFixed(1)} MB; RSS ${rss >= 0 ? '+' : ''}${pct(rss)}, ${m.releasedMb.toFixed(1)} MB)`,
      met: ratio <= RELEASE_WITHIN,
    });
  }
  if (r.discovery) out.push(...discoveryTargets(r.discovery));
  return out;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatTables(r: Results, targets: Target[]): string {
  const byName = new Map(r.calls.map((c) => [c.name, c]));
  const callRows = r.calls.map((c) => {
    const base = c.baseline ? byName.get(c.baseline) : undefined;
    const ratio = base
      ? `${pct(c.throughput.perSecond / base.throughput.perSecond)} tput, p50 ${c.latency.p50Us >= base.latency.p50Us ? '+' : ''}${us(c.latency.p50Us - base.latency.p50Us)}`
      : 'baseline';
    const mine = targets.filter((t) => t.scenario === c.name);
    return [
      c.name,
      us(c.latency.p50Us),
      us(c.latency.p99Us),
      c.spread && c.spread.rounds > 1
        ? `${Math.round(c.throughput.perSecond)}/s (${Math.round(c.spread.minPerSecond)}–${Math.round(c.spread.maxPerSecond)})`
        : `${Math.round(c.throughput.perSecond)}/s`,
      ratio,
      `${Math.round(c.cpuUsPerCall.front)} + ${Math.round(c.cpuUsPerCall.behind)} µs`,
      mine.map((t) => t.target).join('; ') || '—',
      mine.map((t) => `${t.met ? 'met' : 'NOT met'} (${t.measured})`).join('; ') || '—',
    ];
  });
  const parts = [table(['scenario', 'p50', 'p99', 'throughput, 64 in flight (range)', 'vs baseline', 'CPU/call front + behind', 'target', 'met'], callRows)];
  const other = targets.filter((t) => !byName.has(t.scenario));
  if (other.length > 0) {
    const s = r.startup;
    const notes: string[] = [];
    if (s) {
      notes.push(
        `start-up baselines: one backend alone ${s.singleMs.toFixed(0)} ms; all ${s.backends} started in parallel by a raw client ${s.parallelDirectMs.toFixed(0)} ms; ` +
          `merged tools/list (${(s.toolsListBytes / 1024).toFixed(0)} KiB, timed to its last byte): first ${s.toolsListFirstMs.toFixed(2)} ms, p99 ${s.toolsListP99Ms.toFixed(2)} ms; ` +
          `p50 with the client's JSON.parse ${s.toolsListParsedP50Ms.toFixed(2)} ms`,
      );
    }
    if (r.discovery) notes.push(...discoveryNotes(r.discovery));
    if (r.memory) notes.push(`RSS with ${r.memory.sessions} sessions held: ${r.memory.heldMb.toFixed(1)} MB; released sample taken ${r.memory.releasedAfterMs} ms after the last DELETE`);
    parts.push(table(['measure', 'target', 'measured', 'met'], other.map((t) => [t.scenario, t.target, t.measured, t.met ? 'met' : 'NOT met'])));
    parts.push(notes.join('\n'));
  }
  return parts.join('\n\n');
}
