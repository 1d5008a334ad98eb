// Top self-time functions of a V8 .cpuprofile (as written by `node --cpu-prof`):
//   node dist/bench/cpuprofile-top.js FILE.cpuprofile [N] [--callers NAME]
// With --callers, also the call paths (up to 10 frames) that lead to the functions named NAME.
// Self time of a function = the time of the samples that caught it running (each sample lasts
// until the next one), summed over its call sites.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs since the previous sample, one per sample. */
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const callersAt = args.indexOf('--callers');
const callersOf = callersAt === -1 ? undefined : args.splice(callersAt, 2)[1];
const [file, count = '25'] = args;
if (!file) {
  process.stderr.write('usage: node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const hits = new Map<number, number>();
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i + 1] ?? 0;
  hits.set(id, (hits.get(id) ?? 0) + us / 1000);
});

const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const n = hits.get(node.id);
  if (!n) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + n);
}
const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
const idle = byFunction.get('(idle)') ?? 0;
const busy = total - idle;
process.stdout.write(`${basename(file)}: ${total.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy; % of busy time:\n`);
for (const [key, ms] of [...byFunction].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  process.stdout.write(`${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${key}\n`);
}

if (callersOf !== undefined) {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node);
  const paths = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = hits.get(node.id);
    if (!ms || node.callFrame.functionName !== callersOf) continue;
    const frames: string[] = [];
    for (let p = parent.get(node.id); p && frames.length < 10; p = parent.get(p.id)) {
      const { functionName, url, lineNumber } = p.callFrame;
      frames.push(`${functionName || '(anonymous)'}${url ? ` ${basename(url)}:${lineNumber + 1}` : ''}`);
    }
    const key = frames.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + ms);
  }
  process.stdout.write(`\ncallers of ${callersOf}:\n`);
  for (const [path, ms] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    process.stdout.write(`${ms.toFixed(0).padStart(6)} ms  ${path}\n`);
  }
}
