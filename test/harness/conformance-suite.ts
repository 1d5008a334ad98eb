// One run of the official MCP conformance suite (@modelcontextprotocol/conformance, `server`
// command, active suite) against a URL, with Node 22. Results come from the checks.json it writes
// per scenario (-o DIR) and from its summary lines; SUCCESS and FAILURE checks count, as in its
// own "Total: N passed, M failed" (INFO and WARNING do not).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NODE22, packageBin } from '../helpers/node22.js';
import { runChild } from '../helpers/run-child.js';

export const SUITE_PACKAGE = '@modelcontextprotocol/conformance';
/** 0.2.0-alpha.11, the suite of both eras (`--requirements 2025-11-25 | 2026-07-28`). */
export const SUITE_2026_PACKAGE = 'conformance-2026';
const SUITE_TIMEOUT_MS = 5 * 60_000;

export interface Check {
  scenario: string;
  id: string;
  status: string;
  message?: string;
}

export interface SuiteResult {
  passed: Check[];
  failed: Check[];
  /** The suite's own totals, from its summary line (cross-checked against the checks). */
  total: { passed: number; failed: number } | undefined;
  output: string;
  ms: number;
  /** Per scenario, from the summary: passed (✓) or not; and the ones the requirement set does not score. */
  scenarios: Map<string, boolean>;
  notScored: Set<string>;
}

export interface SuiteOptions {
  /** Which installed suite (default: 0.1.16, its active suite). */
  pkg?: string;
  /** `--requirements` (0.2.0 suites): the requirement set whose scenarios run. */
  requirements?: string;
}

/** `server-<scenario>-<ISO time>` → scenario. */
function scenarioOf(dirName: string): string {
  return dirName.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
}

export async function runSuite(url: string, options: SuiteOptions = {}): Promise<SuiteResult> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-out-'));
  try {
    const which = options.requirements ? ['--requirements', options.requirements] : ['--suite', 'active'];
    const args = [packageBin(options.pkg ?? SUITE_PACKAGE), 'server', '--url', url, ...which, '-o', outDir];
    const run = await runChild(NODE22, args, { timeoutMs: SUITE_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
    const output = run.stdout + run.stderr;
    if (run.timedOut) throw new Error(`the conformance suite timed out after ${SUITE_TIMEOUT_MS} ms:\n${output}`);
    const checks: Check[] = [];
    for (const dir of readdirSync(outDir)) {
      const file = path.join(outDir, dir, 'checks.json');
      if (!existsSync(file)) continue;
      const list = JSON.parse(readFileSync(file, 'utf8')) as { id: string; status: string; errorMessage?: string }[];
      for (const c of list) checks.push({ scenario: scenarioOf(dir), id: c.id, status: c.status, message: c.errorMessage });
    }
    // A scenario that threw writes no checks.json; the suite counts it as one failure.
    for (const m of output.matchAll(/^Failed to run scenario (\S+?):/gm)) {
      checks.push({ scenario: m[1], id: m[1], status: 'FAILURE', message: 'the scenario failed to run' });
    }
    const total = /^Total: (\d+) passed, (\d+) failed/m.exec(output);
    const scenarios = new Map<string, boolean>();
    for (const m of output.matchAll(/^([✓✗]) ([\w./-]+): \d+ passed, \d+ failed/gm)) scenarios.set(m[2], m[1] === '✓');
    const notScored = new Set([...output.matchAll(/^ {2}[✓✗] ([\w./-]+) \(/gm)].map((m) => m[1]));
    return {
      scenarios,
      notScored,
      passed: checks.filter((c) => c.status === 'SUCCESS'),
      failed: checks.filter((c) => c.status === 'FAILURE'),
      total: total ? { passed: Number(total[1]), failed: Number(total[2]) } : undefined,
      output,
      ms: run.ms,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
