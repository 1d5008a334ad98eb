// The official suite at 0.2.0-alpha.11, for both protocol eras, against its reference server
// (which serves both on one endpoint) directly and through multi-mcp (--no-namespace), for each
// requirement set. Every scored scenario that passes directly must pass through the proxy, and
// server-sse-polling must run and pass its three checks through it. Part of `npm run conformance`.
import { startHttpProxy } from '../helpers/http-proxy.js';
import { backendsStarted } from '../helpers/http-proxy.js';
import { peerMissing, startConformanceServer, type PeerServer } from './conformance-server.js';
import { runSuite, SUITE_2026_PACKAGE, type SuiteResult } from './conformance-suite.js';

export const REQUIREMENT_SETS = ['2025-11-25', '2026-07-28'] as const;
const POLLING_CHECKS = ['server-sse-priming-event', 'server-sse-retry-field', 'server-sse-disconnect-resume'];

interface EraRun {
  requirements: string;
  direct: SuiteResult;
  proxied: SuiteResult;
}

const scored = (r: SuiteResult) => [...r.scenarios].filter(([name]) => !r.notScored.has(name));
const passedScored = (r: SuiteResult) => scored(r).filter(([, ok]) => ok).length;

/** What is wrong with one requirement set's runs; nothing means it is kept. */
export function eraProblems({ requirements, direct, proxied }: EraRun): string[] {
  const problems: string[] = [];
  if (direct.scenarios.size === 0) problems.push(`${requirements}: the direct run reported no scenarios:\n${direct.output}`);
  for (const [name, ok] of scored(direct)) {
    if (ok && proxied.scenarios.get(name) !== true) problems.push(`${requirements}: scored scenario ${name} passes directly but not through the proxy`);
  }
  if (requirements === '2025-11-25') {
    const polling = proxied.passed.filter((c) => c.scenario === 'server-sse-polling').map((c) => c.id);
    const missing = POLLING_CHECKS.filter((id) => !polling.includes(id));
    if (missing.length) problems.push(`${requirements}: server-sse-polling through the proxy did not pass ${missing.join(', ')}`);
  }
  return problems;
}

function printEras(runs: EraRun[]): void {
  console.log(`\n${SUITE_2026_PACKAGE} (@modelcontextprotocol/conformance@0.2.0-alpha.11), reference server 2026\n`);
  console.log(`${'requirements'.padEnd(14)}${'mode'.padEnd(16)}${'checks passed'.padStart(15)}${'failed'.padStart(8)}${'scored scenarios passed'.padStart(26)}`);
  for (const run of runs) {
    for (const [mode, r] of [['direct', run.direct], ['through proxy', run.proxied]] as const) {
      const scenarios = `${passedScored(r)}/${scored(r).length}`;
      console.log(`${run.requirements.padEnd(14)}${mode.padEnd(16)}${String(r.passed.length).padStart(15)}${String(r.failed.length).padStart(8)}${scenarios.padStart(26)}`);
    }
  }
  for (const run of runs) {
    const onlyProxy = scored(run.proxied).filter(([name, ok]) => ok && run.direct.scenarios.get(name) === false).map(([name]) => name);
    if (onlyProxy.length) console.log(`\n${run.requirements}: scored scenarios that pass only through the proxy: ${onlyProxy.join(', ')}`);
  }
}

/** Runs both requirement sets both ways; returns the problems (none: every scored pass kept). */
export async function runEras(started: { stop(): Promise<void> }[]): Promise<string[]> {
  const missing = peerMissing('2026');
  if (missing) return [`the 2026 reference server is missing: ${missing}`];
  const peer: PeerServer = await startConformanceServer('2026');
  started.push(peer);
  const proxy = await startHttpProxy({ servers: { everything: { type: 'http', url: peer.url } }, args: ['--no-namespace'] });
  started.push(proxy);
  await backendsStarted(proxy);
  if (!/1 of 1 servers ready/.test(proxy.stderr())) return [`the 2026 reference server did not start behind the proxy:\n${proxy.stderr()}`];
  const runs: EraRun[] = [];
  for (const requirements of REQUIREMENT_SETS) {
    const direct = await runSuite(peer.url, { pkg: SUITE_2026_PACKAGE, requirements });
    const proxied = await runSuite(`${proxy.url}/mcp`, { pkg: SUITE_2026_PACKAGE, requirements });
    runs.push({ requirements, direct, proxied });
  }
  printEras(runs);
  return runs.flatMap(eraProblems);
}
