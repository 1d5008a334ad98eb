// One `conformance client` scenario run with one of our drivers as the client under test, for both
// client suites (the auth/* scenarios and the 2026-07-28 client scenarios).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE22, packageBin } from '../helpers/node22.js';
import { runChild } from '../helpers/run-child.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** One scenario run: the suite gives the client 30 s, then stops the scenario's servers. */
export const SCENARIO_RUN_TIMEOUT_MS = 90_000;

export interface ClientCheck {
  id: string;
  status: string;
  description?: string;
}

export interface ClientScenarioRun {
  /** The suite's stdout and stderr (and a line saying so when it timed out). */
  output: string;
  timedOut: boolean;
  /** The checks.json the suite wrote; undefined when it wrote none. */
  checks?: ClientCheck[];
}

/** `suitePackage client --command "node <driver>" --scenario S …flags`, its checks read back. */
export async function runClientScenario(suitePackage: string, driver: string, scenario: string, flags: string[]): Promise<ClientScenarioRun> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-client-out-'));
  try {
    const args = [packageBin(suitePackage), 'client', '--command', `${process.execPath} ${path.join(HERE, driver)}`, '--scenario', scenario, ...flags, '-o', outDir];
    const run = await runChild(NODE22, args, { timeoutMs: SCENARIO_RUN_TIMEOUT_MS, env: { ...process.env, NO_COLOR: '1' } });
    const output = run.stdout + run.stderr + (run.timedOut ? `\n(timed out after ${SCENARIO_RUN_TIMEOUT_MS} ms)` : '');
    const file = checkFiles(outDir)[0];
    if (!file) return { output, timedOut: run.timedOut };
    const checks = JSON.parse(readFileSync(file, 'utf8')) as ClientCheck[];
    return { output, timedOut: run.timedOut, checks: checks.map(({ id, status, description }) => ({ id, status, ...(description ? { description } : {}) })) };
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
