// The proxy as a 2026-07-28 client: the client scenarios of the suite at 0.2.0-alpha.11 that test
// a client of that revision (request metadata, the HTTP headers, x-mcp-header rules, JSON Schema
// kept verbatim, requestState), with conformance-modern-driver.js as the client under test. Any
// FAILURE or WARNING, a timeout or a failed driver fails the scenario (the suite's own rule).
// Part of `npm run conformance`.
import { runClientScenario, type ClientCheck } from './client-scenario-run.js';
import { SUITE_2026_PACKAGE } from './conformance-suite.js';

/**
 * The scenarios, and the wire version to run each at: the suite runs a scenario introduced
 * before 2026-07-28 at 2025-11-25 unless told otherwise.
 */
export const MODERN_CLIENT_SCENARIOS: Record<string, string | undefined> = {
  'request-metadata': undefined,
  'http-standard-headers': undefined,
  'http-custom-headers': undefined,
  'http-invalid-tool-headers': undefined,
  'json-schema-ref-no-deref': undefined,
  'json-schema-2020-12-preservation': '2026-07-28',
  tools_call: '2026-07-28',
  'sep-2322-client-request-state': undefined,
};

interface ScenarioRun {
  scenario: string;
  checks: ClientCheck[];
  /** The suite's verdict line (✅ / ❌ OVERALL). */
  passed: boolean;
  output: string;
}

async function runScenario(scenario: string, specVersion: string | undefined): Promise<ScenarioRun> {
  const run = await runClientScenario(SUITE_2026_PACKAGE, 'conformance-modern-driver.js', scenario, specVersion ? ['--spec-version', specVersion] : []);
  return { scenario, checks: run.checks ?? [], passed: !run.timedOut && /OVERALL: PASSED/.test(run.output), output: run.output };
}

/** Runs every scenario; prints one line each; returns the problems (none: all pass). */
export async function runModernClients(): Promise<string[]> {
  const t0 = Date.now();
  const runs: ScenarioRun[] = [];
  for (const [scenario, version] of Object.entries(MODERN_CLIENT_SCENARIOS)) runs.push(await runScenario(scenario, version));
  console.log(`\n${SUITE_2026_PACKAGE} client scenarios of 2026-07-28, multi-mcp as the client: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const problems: string[] = [];
  for (const run of runs) {
    const of = (status: string) => run.checks.filter((c) => c.status === status);
    const bad = [...of('FAILURE'), ...of('WARNING')];
    const version = MODERN_CLIENT_SCENARIOS[run.scenario] ? ` (--spec-version ${MODERN_CLIENT_SCENARIOS[run.scenario]})` : '';
    console.log(`  ${(run.scenario + version).padEnd(58)}${run.passed && bad.length === 0 ? '✓' : '✗'} ${of('SUCCESS').length} passed, ${bad.length} failed`);
    if (run.passed && bad.length === 0 && run.checks.length > 0) continue;
    const why = bad.map((c) => `${c.id} ${c.status}${c.description ? ` (${c.description})` : ''}`).join('; ') || 'no checks passed or the run failed';
    problems.push(`client scenario ${run.scenario}: ${why}\n${run.output.slice(-3000)}`);
  }
  return problems;
}
