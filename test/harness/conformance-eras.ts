// The official suite at 0.2.0-alpha.11, for both protocol eras, against its reference server
// (which serves both on one endpoint) directly and through multi-mcp (--no-namespace), for each
// requirement set. The proxy reaches the server three ways ("protocol" of the backend): auto (the
// default: the probe finds 2026-07-28, so the proxy speaks 2026 to it), both (2026, plus a 2025
// session that serves 2025 clients what the server's 2025 side lists: see
// src/backends/legacy-side.ts) and pinned to 2025-11-25 (a 2026 client then goes through the
// bridge). GATED says which runs must keep every scored scenario that passes directly (except
// what ERA_LOSSES lists); the others are measured and printed. server-sse-polling must run and
// pass its three checks through "both" and the pinned proxy. Part of `npm run conformance`.
import { startHttpProxy } from '../helpers/http-proxy.js';
import { backendsStarted } from '../helpers/http-proxy.js';
import { peerMissing, startConformanceServer, type PeerServer } from './conformance-server.js';
import { runSuite, SUITE_2026_PACKAGE, type SuiteResult } from './conformance-suite.js';

export const REQUIREMENT_SETS = ['2025-11-25', '2026-07-28'] as const;
const POLLING_CHECKS = ['server-sse-priming-event', 'server-sse-retry-field', 'server-sse-disconnect-resume'];
/** How the proxy reaches the reference server: its "protocol" setting. */
const BACKEND_ERAS = ['auto', 'both', '2025-11-25'] as const;
type BackendEra = (typeof BACKEND_ERAS)[number];

/**
 * Scored scenarios a 2025 client loses when the proxy speaks only 2026-07-28 to the reference
 * server: the server serves these tools' server→client requests (sampling, elicitation) only on
 * its 2025 side (on its 2026 side they answer "not supported"), and its discover does not say it
 * speaks 2025 too, so "auto" opens no 2025 session; "both" keeps them.
 */
export const ERA_LOSSES: Record<string, string[]> = {
  '2025-11-25/auto': ['tools-call-sampling', 'tools-call-elicitation', 'elicitation-sep1034-defaults', 'elicitation-sep1330-enums'],
};

/**
 * Runs that must keep every direct pass. The server's input_required tools exist only on its
 * 2026 side, so a 2026 client through the pinned proxy cannot have them: that run is measured.
 */
const GATED: Record<string, readonly BackendEra[]> = { '2025-11-25': ['auto', 'both', '2025-11-25'], '2026-07-28': ['auto', 'both'] };
/** Runs through which server-sse-polling must pass its three checks (a 2025 session to the server). */
const POLLING_ERAS: readonly BackendEra[] = ['both', '2025-11-25'];

interface EraRun {
  requirements: string;
  direct: SuiteResult;
  proxied: Record<BackendEra, SuiteResult>;
}

const scored = (r: SuiteResult) => [...r.scenarios].filter(([name]) => !r.notScored.has(name));
const passedScored = (r: SuiteResult) => scored(r).filter(([, ok]) => ok).length;

/** What is wrong with one requirement set's runs; nothing means it is kept. */
export function eraProblems({ requirements, direct, proxied }: EraRun): string[] {
  const problems: string[] = [];
  if (direct.scenarios.size === 0) problems.push(`${requirements}: the direct run reported no scenarios:\n${direct.output}`);
  for (const era of GATED[requirements]) {
    const expectedLosses = ERA_LOSSES[`${requirements}/${era}`] ?? [];
    for (const [name, ok] of scored(direct)) {
      if (ok && proxied[era].scenarios.get(name) !== true && !expectedLosses.includes(name)) {
        problems.push(`${requirements}: scored scenario ${name} passes directly but not through the proxy (backend "protocol": ${era})`);
      }
    }
  }
  if (requirements === '2025-11-25') {
    for (const era of POLLING_ERAS) {
      const polling = proxied[era].passed.filter((c) => c.scenario === 'server-sse-polling').map((c) => c.id);
      const missing = POLLING_CHECKS.filter((id) => !polling.includes(id));
      if (missing.length) problems.push(`${requirements}: server-sse-polling through the proxy (backend "protocol": ${era}) did not pass ${missing.join(', ')}`);
    }
  }
  return problems;
}

function printEras(runs: EraRun[]): void {
  console.log(`\n${SUITE_2026_PACKAGE} (@modelcontextprotocol/conformance@0.2.0-alpha.11), reference server 2026\n`);
  console.log(`${'requirements'.padEnd(14)}${'mode'.padEnd(48)}${'checks passed'.padStart(15)}${'failed'.padStart(8)}${'scored scenarios passed'.padStart(26)}`);
  for (const run of runs) {
    const label = (era: BackendEra) => `through proxy, backend ${era}${GATED[run.requirements].includes(era) ? '' : ' (not gated)'}`;
    const modes: [string, SuiteResult][] = [['direct', run.direct], ...BACKEND_ERAS.map((era): [string, SuiteResult] => [label(era), run.proxied[era]])];
    for (const [mode, r] of modes) {
      const scenarios = `${passedScored(r)}/${scored(r).length}`;
      console.log(`${run.requirements.padEnd(14)}${mode.padEnd(48)}${String(r.passed.length).padStart(15)}${String(r.failed.length).padStart(8)}${scenarios.padStart(26)}`);
    }
  }
  for (const run of runs) {
    for (const era of BACKEND_ERAS) {
      const r = run.proxied[era];
      const onlyProxy = scored(r).filter(([name, ok]) => ok && run.direct.scenarios.get(name) === false).map(([name]) => name);
      if (onlyProxy.length) console.log(`\n${run.requirements}, backend ${era}: scored scenarios that pass only through the proxy: ${onlyProxy.join(', ')}`);
      const lost = scored(run.direct).filter(([name, ok]) => ok && r.scenarios.get(name) !== true).map(([name]) => name);
      if (lost.length) console.log(`\n${run.requirements}, backend ${era}: scored scenarios lost through the proxy: ${lost.join(', ')}`);
    }
  }
}

/** Runs both requirement sets directly and through both proxies; returns the problems (none: every scored pass kept). */
export async function runEras(started: { stop(): Promise<void> }[]): Promise<string[]> {
  const missing = peerMissing('2026');
  if (missing) return [`the 2026 reference server is missing: ${missing}`];
  const peer: PeerServer = await startConformanceServer('2026');
  started.push(peer);
  const proxies = {} as Record<BackendEra, string>;
  for (const era of BACKEND_ERAS) {
    const backend = era === 'auto' ? { type: 'http', url: peer.url } : { type: 'http', url: peer.url, protocol: era };
    const proxy = await startHttpProxy({ servers: { everything: backend }, args: ['--no-namespace'] });
    started.push(proxy);
    await backendsStarted(proxy);
    if (!/1 of 1 servers ready/.test(proxy.stderr())) return [`the 2026 reference server did not start behind the proxy (backend ${era}):\n${proxy.stderr()}`];
    const spoken = era === '2025-11-25' ? era : '2026-07-28';
    if (!proxy.stderr().includes(`protocol ${spoken})`)) return [`the proxy (backend ${era}) does not speak ${spoken} to the reference server:\n${proxy.stderr()}`];
    if (era === 'both') await proxy.waitForLog(/server "everything" also speaks 2025-11-25/);
    proxies[era] = `${proxy.url}/mcp`;
  }
  const runs: EraRun[] = [];
  for (const requirements of REQUIREMENT_SETS) {
    const direct = await runSuite(peer.url, { pkg: SUITE_2026_PACKAGE, requirements });
    const proxied = {} as Record<BackendEra, SuiteResult>;
    for (const era of BACKEND_ERAS) proxied[era] = await runSuite(proxies[era], { pkg: SUITE_2026_PACKAGE, requirements });
    runs.push({ requirements, direct, proxied });
  }
  printEras(runs);
  return runs.flatMap(eraProblems);
}
