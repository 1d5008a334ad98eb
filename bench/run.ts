// `npm run bench`: multi-mcp against the direct path, a bare HTTP endpoint and two peer proxies,
// in one run on one machine; prints a table (or JSON with --json) with each target met or not.
//
//   --json            JSON on stdout instead of the tables (progress always goes to stderr)
//   --quick           small budgets, one round (a smoke run; figures are noisier)
//   --rounds N        call scenarios run N times, interleaved; medians reported (default 3)
//   --only A,B        only the scenarios whose name contains A or B ("stdio", "HTTP", "startup", "memory", "discovery")
//   --cpu-prof DIR    run every multi-mcp process with --cpu-prof, profiles written to DIR
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CALL_SCENARIOS, medianOfRounds, runCallScenario, type CallBudgets, type CallResult } from './calls.js';
import { runDiscovery, type DiscoveryBudgets } from './discovery/discovery.js';
import { runMemory } from './memory.js';
import { measureObserverCost } from './observer-cost.js';
import { installCleanup, stopAll, wasInterrupted } from './procs.js';
import { checkTargets, formatTables, type Results } from './report.js';
import { runStartup } from './startup.js';
import { proxyNodeFlags, removeWorkdir } from './systems.js';

const FULL: CallBudgets & { rounds: number; toolsListRuns: number; releaseMs: number; discovery: DiscoveryBudgets } = {
  rounds: 3,
  warmup: 2000,
  sequential: { count: 20_000, timeMs: 2000 },
  throughput: { count: 1_000_000, timeMs: 3000 },
  toolsListRuns: 50,
  releaseMs: 60_000,
  discovery: { warmup: 300, searches: 2000, searchMs: 3000 },
};

const QUICK: typeof FULL = {
  rounds: 1,
  warmup: 200,
  sequential: { count: 2000, timeMs: 500 },
  throughput: { count: 50_000, timeMs: 1000 },
  toolsListRuns: 10,
  releaseMs: 5000,
  discovery: { warmup: 50, searches: 200, searchMs: 500 },
};

function machine(): Record<string, string | number> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  return { cpus: cpus().length, cpu: model, node: process.version, platform: `${process.platform} ${process.arch}` };
}

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      quick: { type: 'boolean' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  installCleanup();
  process.on('exit', removeWorkdir); // also after Ctrl-C
  const budgets = { ...(values.quick ? QUICK : FULL) };
  if (values.rounds !== undefined) budgets.rounds = Math.max(1, Number(values.rounds) || 1);
  const only = values.only?.split(',').map((s) => s.trim().toLowerCase());
  const wanted = (name: string) => !only || only.some((o) => name.toLowerCase().includes(o));
  if (values['cpu-prof']) proxyNodeFlags.push('--cpu-prof', '--cpu-prof-dir', resolve(values['cpu-prof']));

  const results: Results = { calls: [] };
  const rounds: CallResult[][] = [];
  try {
    // Rounds interleave the scenarios, so a slow spell of a shared machine hits all of them.
    for (let round = 1; round <= budgets.rounds; round++) {
      const done: CallResult[] = [];
      for (const scenario of CALL_SCENARIOS) {
        if (!wanted(scenario.name)) continue;
        progress(`round ${round}/${budgets.rounds}: ${scenario.name}…`);
        const r = await runCallScenario(scenario, budgets);
        const { latency, throughput, cpuUsPerCall: cpu } = r;
        progress(
          `  p50 ${latency.p50Us.toFixed(0)} µs, p99 ${latency.p99Us.toFixed(0)} µs, ${throughput.perSecond.toFixed(0)} calls/s, ` +
            `CPU/call ${cpu.front.toFixed(0)} + ${cpu.behind.toFixed(0)} µs`,
        );
        done.push(r);
      }
      rounds.push(done);
    }
    results.calls = medianOfRounds(rounds);
    if (wanted('multi-mcp stdio + metrics')) {
      progress('observer cost per call (in process)…');
      results.observer = measureObserverCost(values.quick ? 3 : 7, values.quick ? 200_000 : 1_000_000);
    }
    if (wanted('startup')) {
      progress('start-up with 50 backends × 100 tools…');
      results.startup = await runStartup(budgets.toolsListRuns);
    }
    if (wanted('memory')) {
      progress('memory: idle, 1,000 sessions, released…');
      results.memory = await runMemory(budgets.releaseMs);
    }
    if (wanted('discovery')) results.discovery = await runDiscovery(budgets.discovery, progress);
  } finally {
    await stopAll();
    removeWorkdir();
  }
  const targets = checkTargets(results);
  if (values.json) {
    process.stdout.write(JSON.stringify({ machine: machine(), budgets, ...results, targets, rounds }, null, 2) + '\n');
    return;
  }
  const m = machine();
  process.stdout.write(`Machine: ${m.cpus} × ${m.cpu}, Node ${m.node}, ${m.platform}\n\n${formatTables(results, targets)}\n`);
  const unmet = targets.filter((t) => !t.met).length;
  process.stdout.write(`\n${targets.length - unmet} of ${targets.length} targets met\n`);
}

main().catch(async (e) => {
  if (wasInterrupted()) return; // the signal handler is stopping everything and exits
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : e}\n`);
  await stopAll();
  removeWorkdir();
  process.exit(1);
});
