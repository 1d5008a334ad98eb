// Every process the bench starts, and the one way they all end: each is spawned in its own
// process group; on exit (normal, error or Ctrl-C) the group and every descendant found in
// /proc (backends run in groups of their own) get SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const GRACE_MS = 1500;

interface Tracked {
  child: ChildProcess;
  /** Descendants seen so far (pid → start time, so a recycled pid is never signalled). */
  seen: Map<number, string>;
}

const tracked = new Set<Tracked>();

export function startProcess(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options, detached: true });
  const entry: Tracked = { child, seen: new Map() };
  tracked.add(entry);
  return child;
}

function childGone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Stops one process and everything below it; resolves once they are gone (or SIGKILLed). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  const entry = [...tracked].find((t) => t.child === child);
  if (!entry) return;
  tracked.delete(entry);
  await stopEntries([entry]);
}

/** Stops everything still tracked. */
export async function stopAll(): Promise<void> {
  const all = [...tracked];
  tracked.clear();
  await stopEntries(all);
}

async function stopEntries(entries: Tracked[]): Promise<void> {
  const targets = new Map<number, string>();
  for (const e of entries) {
    if (e.child.pid !== undefined) for (const [pid, start] of descendants(e.child.pid)) e.seen.set(pid, start);
    for (const [pid, start] of e.seen) targets.set(pid, start);
  }
  for (const e of entries) signalGroup(e.child, 'SIGTERM');
  for (const [pid, start] of targets) signalPid(pid, start, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline) {
    const alive = entries.some((e) => !childGone(e.child)) || [...targets].some(([pid, start]) => startTime(pid) === start);
    if (!alive) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const e of entries) signalGroup(e.child, 'SIGKILL');
  for (const [pid, start] of targets) signalPid(pid, start, 'SIGKILL');
}

/** Synchronous last resort for process exit: SIGKILL everything known, no waiting. */
export function killAllNow(): void {
  for (const e of tracked) {
    if (e.child.pid !== undefined) for (const [pid, start] of descendants(e.child.pid)) e.seen.set(pid, start);
    signalGroup(e.child, 'SIGKILL');
    for (const [pid, start] of e.seen) signalPid(pid, start, 'SIGKILL');
  }
  tracked.clear();
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function signalPid(pid: number, start: string, signal: NodeJS.Signals): void {
  if (startTime(pid) !== start) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function startTime(pid: number): string | undefined {
  return stat(pid)?.start;
}

function stat(pid: number): { ppid: number; start: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return undefined;
  }
}

/** Every live process below `root`, with its start time (bounded depth). */
export function descendants(root: number): Map<number, string> {
  const children = new Map<number, { pid: number; start: string }[]>();
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return new Map();
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push({ pid: Number(name), start: s.start });
    children.set(s.ppid, list);
  }
  const found = new Map<number, string>();
  let level = [root];
  for (let depth = 0; depth < 10 && level.length > 0; depth++) {
    const next: number[] = [];
    for (const p of level) for (const c of children.get(p) ?? []) (found.set(c.pid, c.start), next.push(c.pid));
    level = next;
  }
  return found;
}

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat) are in clock ticks: 100 per second on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = 100;

/** Resident set size of one process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Resolves with the first stderr/stdout match of `pattern`, or rejects after `timeoutMs`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number, stream: 'stdout' | 'stderr' = 'stderr'): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const source = child[stream]!;
    const timer = setTimeout(() => finish(new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms; got: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-20_000);
      const m = pattern.exec(seen);
      if (m) finish(undefined, m);
    };
    const onExit = () => finish(new Error(`process exited before ${pattern}; output: ${seen.slice(-500)}`));
    function finish(err?: Error, m?: RegExpExecArray): void {
      clearTimeout(timer);
      source.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    }
    source.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Keeps a child's output from filling its pipe (we read only what we wait for). */
export function drain(child: ChildProcess, stream: 'stdout' | 'stderr' = 'stderr'): void {
  child[stream]?.resume();
}

let hooked = false;
let interrupted = false;

/** A signal is stopping the bench: errors from the processes it kills are expected. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Kills everything on exit, Ctrl-C, SIGTERM or a crash. */
export function installCleanup(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      interrupted = true;
      process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  process.on('uncaughtException', (e) => {
    process.stderr.write(`bench: ${e.stack ?? e}\n`);
    void stopAll().finally(() => process.exit(1));
  });
}
