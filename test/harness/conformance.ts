// `npm run conformance`: the official MCP conformance suite against the reference "everything"
// server directly, then through multi-mcp (Streamable HTTP front and backend) in transparent mode
// (--no-namespace) and with namespacing on (the backend given by URL alone, so the proxy must
// detect Streamable HTTP itself). Prints the three pass counts and every failing check.
// Then suite 0.2.0-alpha.11 for both protocol eras (conformance-eras.ts), and its 2026-07-28
// client scenarios with the proxy as the client (conformance-modern-clients.ts), and the bridge: a
// 2025 SDK client through a proxy of mixed eras to the 2026 server's input_required tools
// (conformance-bridge.ts).
// Exits non-zero when transparent mode does not pass exactly the checks that pass directly, when
// the namespaced failures are not exactly the ones README's "Conformance" section lists, or when
// the reference server (outside this repository, see conformance-server.ts) is missing.
// Then the proxy as a client: the auth/* client scenarios (conformance-client-suite.ts).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { backendsStarted, startHttpProxy, type HttpProxy } from '../helpers/http-proxy.js';
import { node22Missing, ROOT } from '../helpers/node22.js';
import { killAllRunning } from '../helpers/run-child.js';
import { clientConformanceMain } from './conformance-client-suite.js';
import { runBridge } from './conformance-bridge.js';
import { runEras } from './conformance-eras.js';
import { runModernClients } from './conformance-modern-clients.js';
import { peerMissing, startConformanceServer } from './conformance-server.js';
import { runSuite, SUITE_PACKAGE, type Check, type SuiteResult } from './conformance-suite.js';

const BACKEND = 'everything';
const README = path.join(ROOT, 'README.md');
const MARKS = /<!-- conformance:namespaced-failures:start -->([\s\S]*?)<!-- conformance:namespaced-failures:end -->/;
/** How a check fails when only the name is the problem: the proxy knows the name only prefixed. */
const UNKNOWN_NAME = /Unknown (tool|prompt): /;
/** The proxy's log line for a backend given by URL alone that answered a Streamable HTTP initialize. */
const AUTO_DETECTED = new RegExp(`server "${BACKEND}": .* speaks Streamable HTTP \\(auto-detected\\)`);

interface Mode {
  label: string;
  result: SuiteResult;
}

const started: { stop(): Promise<void> }[] = [];

async function stopAll(): Promise<void> {
  killAllRunning();
  for (const s of started.splice(0).reverse()) await s.stop().catch(() => undefined);
}

/** The suite through a proxy; `server` is the backend's config entry; `log` must match its stderr. */
async function throughProxy(server: object, args: string[], log?: RegExp): Promise<SuiteResult> {
  const proxy: HttpProxy = await startHttpProxy({ servers: { [BACKEND]: server }, args });
  started.push(proxy);
  try {
    await backendsStarted(proxy);
    if (!/1 of 1 servers ready/.test(proxy.stderr())) throw new Error(`the backend did not start:\n${proxy.stderr()}`);
    if (log && !log.test(proxy.stderr())) throw new Error(`the proxy did not log ${log}:\n${proxy.stderr()}`);
    return await runSuite(`${proxy.url}/mcp`);
  } finally {
    await proxy.stop();
    const at = started.indexOf(proxy);
    if (at >= 0) started.splice(at, 1);
  }
}

const key = (c: Check) => `${c.scenario}/${c.id}`;
const keys = (checks: Check[]) => new Set(checks.map(key));
const diff = (a: Set<string>, b: Set<string>) => [...a].filter((k) => !b.has(k));

function countsOf(r: SuiteResult): string {
  return `${r.passed.length}/${r.passed.length + r.failed.length}`;
}

function printTable(modes: Mode[]): void {
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', SUITE_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`\n${SUITE_PACKAGE}@${version}, active suite\n`);
  console.log(`${'mode'.padEnd(36)}${'passed'.padStart(8)}${'failed'.padStart(8)}${'time'.padStart(9)}`);
  for (const { label, result } of modes) {
    const time = `${(result.ms / 1000).toFixed(1)} s`;
    console.log(`${label.padEnd(36)}${countsOf(result).padStart(8)}${String(result.failed.length).padStart(8)}${time.padStart(9)}`);
  }
  for (const { label, result } of modes) {
    if (result.failed.length === 0) continue;
    console.log(`\nfailing checks, ${label}:`);
    for (const c of result.failed) console.log(`  ${key(c)}: ${c.message ?? '(no message)'}`);
  }
}

/** The check ids README lists as failing only because names are prefixed. */
function readmeNamespacedFailures(): Set<string> {
  const block = MARKS.exec(readFileSync(README, 'utf8'))?.[1];
  if (block === undefined) throw new Error('README.md has no conformance:namespaced-failures block');
  return new Set([...block.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]));
}

/** Problems found; none means success. */
function verify(direct: SuiteResult, transparent: SuiteResult, namespaced: SuiteResult): string[] {
  const problems: string[] = [];
  // The suite's own totals must agree with what was read from checks.json.
  for (const [label, r] of [['direct', direct], ['transparent', transparent], ['namespaced', namespaced]] as const) {
    if (!r.total) problems.push(`${label}: the suite printed no "Total:" line`);
    else if (r.total.passed !== r.passed.length || r.total.failed !== r.failed.length) {
      problems.push(`${label}: suite total ${r.total.passed}/${r.total.failed} but checks.json has ${r.passed.length}/${r.failed.length}`);
    }
  }
  if (direct.passed.length === 0 || direct.failed.length > 0) {
    problems.push(`the reference server must pass every check directly (${countsOf(direct)})`);
  }
  const missing = diff(keys(direct.passed), keys(transparent.passed));
  const extra = diff(keys(transparent.passed), keys(direct.passed));
  if (transparent.passed.length !== direct.passed.length || missing.length || extra.length) {
    problems.push(`transparent mode passes ${transparent.passed.length}, direct ${direct.passed.length}` +
      (missing.length ? `; not passed through the proxy: ${missing.join(', ')}` : '') +
      (extra.length ? `; passed only through the proxy: ${extra.join(', ')}` : ''));
  }
  const listed = readmeNamespacedFailures();
  const failing = new Set(namespaced.failed.map((c) => c.id));
  const unlisted = diff(failing, listed);
  const stale = diff(listed, failing);
  if (unlisted.length) problems.push(`namespaced failures missing from README: ${unlisted.join(', ')}`);
  if (stale.length) problems.push(`README lists namespaced failures that pass: ${stale.join(', ')}`);
  for (const c of namespaced.failed) {
    if (!UNKNOWN_NAME.test(c.message ?? '')) problems.push(`namespaced ${key(c)} fails for another reason than a prefixed name: ${c.message}`);
  }
  return problems;
}

async function main(): Promise<number> {
  const why = node22Missing() ?? peerMissing();
  if (why) throw new Error(`npm run conformance cannot run: ${why}`);
  const t0 = Date.now();
  const peer = await startConformanceServer();
  started.push(peer);
  console.log(`reference server ${peer.url} (install + start ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const direct = await runSuite(peer.url);
  const transparent = await throughProxy({ type: 'http', url: peer.url }, ['--no-namespace']);
  const namespaced = await throughProxy({ url: peer.url }, [], AUTO_DETECTED);
  printTable([
    { label: 'direct (reference server)', result: direct },
    { label: 'through proxy, --no-namespace', result: transparent },
    { label: 'through proxy, namespaced, by URL', result: namespaced },
  ]);
  const problems = verify(direct, transparent, namespaced);
  // Both protocol eras, suite 0.2.0-alpha.11 (conformance-eras.ts).
  problems.push(...(await runEras(started)));
  // A 2025 client through the bridge to the 2026 server's input_required tools (conformance-bridge.ts).
  problems.push(...(await runBridge(started)));
  // The proxy as a 2026-07-28 client (conformance-modern-clients.ts).
  problems.push(...(await runModernClients()));
  if (problems.length) {
    console.log('\nFAILED:');
    for (const p of problems) console.log(`  ${p}`);
    if (direct.failed.length) console.log(`\ndirect run output:\n${direct.output}`);
  } else {
    console.log('\nOK: transparent mode passes exactly the direct checks; namespaced failures are exactly those README lists; ' +
      'both eras keep every scored scenario that passes directly (where conformance-eras.ts gates it); ' +
      'a 2025 client gets the final answer of every input_required tool through the bridge; ' +
      'the 2026-07-28 client scenarios pass with the proxy as the client');
  }
  // Closing line in the common "N passed, N failed" form: direct checks kept / lost through the proxy.
  const kept = direct.passed.filter((c) => keys(transparent.passed).has(key(c))).length;
  console.log(`conformance: ${kept} passed, ${direct.passed.length - kept} failed`);
  return problems.length ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAll().finally(() => process.exit(130)));
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
} finally {
  await stopAll();
}
let clientCode = 1;
try {
  clientCode = await clientConformanceMain();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
}
process.exit(code || clientCode);
