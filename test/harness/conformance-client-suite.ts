// The proxy as a client: the auth/* client scenarios of both requirement sets of the conformance
// suite (0.2.0-alpha.11, Node 22), with conformance-client.js as the client under test. Each check
// the SDK's reference client (everything-client) passes must pass through the proxy.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers/node22.js';
import { runClientScenario, type ClientCheck } from './client-scenario-run.js';

export const CLIENT_SUITE_PACKAGE = 'conformance-2026';
export const REVISIONS = ['2025-11-25', '2026-07-28'] as const;

/**
 * What the SDK's reference client (the suite's everything-client, SDK 1.29.0 as the suite's lock
 * file pins) fails at 0.2.0-alpha.11, measured the same way (docs/oauth.md, "Conformance"): it
 * passes every scored auth/* scenario of 2025-11-25. At 2026-07-28 the scenarios' MCP server is
 * stateless (no initialize), which neither that client nor the proxy's backends speak yet, so the
 * scenarios that exempt initialize from authorization never get as far as a 401: scope-step-up and
 * scope-retry-limit fail entirely, authorization-server-migration fails its re-registration check.
 */
export const SDK_CLIENT_FAILS: Record<string, Record<string, 'all' | string[]>> = {
  '2025-11-25': {},
  '2026-07-28': {
    'auth/scope-step-up': 'all',
    'auth/scope-retry-limit': 'all',
    'auth/authorization-server-migration': ['sep-2352-reregister-on-as-change'],
  },
};

export interface ClientSuiteRun {
  revision: string;
  /** Scenarios the requirement set scores. */
  scored: string[];
  results: Map<string, ClientCheck[]>;
  output: string;
  ms: number;
}

export function suiteVersion(): string {
  const manifest = path.join(ROOT, 'node_modules', CLIENT_SUITE_PACKAGE, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The `client:` list of a bundled requirement set (a plain YAML block list). */
export function scoredClientScenarios(revision: string): string[] {
  const file = path.join(ROOT, 'node_modules', CLIENT_SUITE_PACKAGE, 'requirements', `${revision}.yaml`);
  const block = /^client:\n((?:[ \t]+-[^\n]*\n|[ \t]*#[^\n]*\n)*)/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (block === undefined) throw new Error(`${file} has no client: list`);
  return [...block.matchAll(/^[ \t]+-[ \t]+(\S+)/gm)].map((m) => m[1]);
}

/**
 * Runs every scored auth/* scenario of the requirement set the way `--requirements REV` runs it
 * (at the revision's wire version, `--spec-version REV --force`), a few at a time: the suite's own
 * requirement run starts every scenario at once, and that many proxies starting together on a
 * small machine run into the suite's per-scenario time limit.
 */
export async function runClientSuite(revision: string, concurrency = 3): Promise<ClientSuiteRun> {
  const scored = scoredClientScenarios(revision);
  const scenarios = scored.filter((s) => s.startsWith('auth/'));
  const results = new Map<string, ClientCheck[]>();
  let output = '';
  const t0 = Date.now();
  const queue = [...scenarios];
  const worker = async () => {
    for (let scenario = queue.shift(); scenario !== undefined; scenario = queue.shift()) {
      const run = await runScenario(scenario, revision);
      output += `\n===== ${scenario}\n${run.output}`;
      if (run.checks) results.set(scenario, run.checks);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { revision, scored, results, output, ms: Date.now() - t0 };
}

async function runScenario(scenario: string, revision: string): Promise<{ checks?: ClientCheck[]; output: string }> {
  const run = await runClientScenario(CLIENT_SUITE_PACKAGE, 'conformance-client.js', scenario, ['--spec-version', revision, '--force']);
  return run.timedOut ? { output: run.output } : run;
}

/** Problems: scored auth/* checks the SDK's client passes and the proxy does not. */
export function judgeClientRun(run: ClientSuiteRun): string[] {
  const problems: string[] = [];
  const sdkFails = SDK_CLIENT_FAILS[run.revision] ?? {};
  for (const scenario of run.scored.filter((s) => s.startsWith('auth/'))) {
    const checks = run.results.get(scenario);
    const excused = sdkFails[scenario];
    if (excused === 'all') continue;
    if (!checks) {
      problems.push(`${run.revision} ${scenario}: no results (the scenario did not run)`);
      continue;
    }
    for (const c of checks) {
      if (c.status === 'FAILURE' && !excused?.includes(c.id)) {
        problems.push(`${run.revision} ${scenario}: ${c.id} failed${c.description ? ` (${c.description})` : ''}`);
      }
    }
  }
  return problems;
}

function counts(checks: ClientCheck[] | undefined): { passed: number; failed: number; warnings: number } {
  const of = (status: string) => checks?.filter((c) => c.status === status).length ?? 0;
  return { passed: of('SUCCESS'), failed: of('FAILURE'), warnings: of('WARNING') };
}

/** One line per scenario: the proxy's checks next to the SDK client's result. */
export function clientRunTable(run: ClientSuiteRun): string[] {
  const sdkFails = SDK_CLIENT_FAILS[run.revision] ?? {};
  const lines = [`${'scenario'.padEnd(42)}${'through multi-mcp'.padStart(24)}   SDK client`];
  const scenarios = [...run.results.keys()].sort();
  for (const scenario of scenarios) {
    const c = counts(run.results.get(scenario));
    const mark = !run.results.has(scenario) ? 'did not run' : c.failed > 0 ? `✗ ${c.passed} passed, ${c.failed} failed` : `✓ ${c.passed} passed`;
    const sdk = sdkFails[scenario] === 'all' ? 'fails' : sdkFails[scenario] ? `fails ${(sdkFails[scenario] as string[]).join(', ')}` : 'passes';
    lines.push(`${scenario.padEnd(42)}${mark.padStart(24)}   ${sdk}`);
  }
  return lines;
}

/** Runs both requirement sets; returns the problems (none: every check the SDK client passes passes). */
export async function runClientConformance(): Promise<string[]> {
  if (!existsSync(path.join(ROOT, 'node_modules', CLIENT_SUITE_PACKAGE))) {
    return [`node_modules/${CLIENT_SUITE_PACKAGE} is missing (npm ci installs it)`];
  }
  const problems: string[] = [];
  for (const revision of REVISIONS) {
    const run = await runClientSuite(revision);
    console.log(`\n@modelcontextprotocol/conformance@${suiteVersion()} client, auth/* scenarios of --requirements ${revision}: ${(run.ms / 1000).toFixed(1)} s\n`);
    for (const line of clientRunTable(run)) console.log(`  ${line}`);
    problems.push(...judgeClientRun(run));
  }
  return problems;
}

/** Prints both runs and the problems; 0 when every check the SDK client passes passes through the proxy. */
export async function clientConformanceMain(): Promise<number> {
  const problems = await runClientConformance();
  if (problems.length > 0) {
    console.log('\nFAILED (checks the SDK client passes):');
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log('\nOK: every auth/* check the SDK client passes passes through multi-mcp, in both requirement sets');
  }
  console.log(`client conformance: ${problems.length === 0 ? 'passed' : `${problems.length} problems`}`);
  return problems.length === 0 ? 0 : 1;
}
