// The proxy as a 2026-07-28 client: the client scenarios of the suite at 0.2.0-alpha.11 that test
// a client of that revision (request metadata, the HTTP headers, x-mcp-header rules, JSON Schema
// kept verbatim, requestState), with conformance-modern-driver.js as the client under test. Any
// FAILURE or WARNING, a timeout or a failed driver fails the scenario (the suite's own rule).
// Part of `npm run conformance`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE22, packageBin } from '../helpers/node22.js';
import { runChild } from '../helpers/run-child.js';
import { SUITE_2026_PACKAGE } from './conformance-suite.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'conformance-modern-driver.js');
/** The suite gives a client 30 s per scenario. */
const SCENARIO_RUN_TIMEOUT_MS = 90_000;

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

interface Check {
  id: string;
  status: string;
  description?: string;
}

interface ScenarioRun {
  scenario: string;
  checks: Check[];
  /** The suite's verdict line (✅ / ❌ OVERALL). */
  passed: boolean;
  output: string;
}

async function runScenario(scenario: string, specVersion: string | undefined): Promise<ScenarioRun> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-modern-'));
  try {
    const args = [packageBin(SUITE_2026_PACKAGE), 'client', '--command', `${process.execPath} ${DRIVER}`, '--scenario', scenario, '-o', outDir];
    if (specVersion) args.push('--spec-version', specVersion);
    const run = await runChild(NODE22, args, { timeoutMs: SCENARIO_RUN_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
    const output = run.stdout + run.stderr + (run.timedOut ? `\n(timed out after ${SCENARIO_RUN_TIMEOUT_MS} ms)` : '');
    const file = checkFiles(outDir)[0];
    const checks: Check[] = file ? JSON.parse(readFileSync(file, 'utf8')) : [];
    return { scenario, checks, passed: !run.timedOut && /OVERALL: PASSED/.test(output), output };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function checkFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...checkFiles(full));
    else if (name === 'checks.json') found.push(full);
  }
  return found;
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
