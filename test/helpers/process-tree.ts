// Linux /proc views of processes for end-to-end tests: children, descendants, RSS, and a reaper
// that SIGKILLs only the very processes it was shown (pid plus start time, so a recycled pid of
// some other process is never hit).
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from './proxy-process.js';
import { PATIENCE_MS, sleep } from './wait.js';

interface Stat {
  ppid: number;
  startTime: string;
}

/** Fields of /proc/<pid>/stat we use; undefined if the process is gone. */
function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), startTime: fields[19] };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Direct children of `pid` that are still running. */
export function childPids(pid: number): number[] {
  return allPids().filter((p) => stat(p)?.ppid === pid && isAlive(p));
}

/** Every live process below `pid` (children, grandchildren, ...), bounded in depth. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of allPids()) {
    const s = stat(p);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(p);
    children.set(s.ppid, list);
  }
  const found: number[] = [];
  let level = [pid];
  for (let depth = 0; depth < 10 && level.length > 0; depth++) {
    level = level.flatMap((p) => children.get(p) ?? []);
    found.push(...level.filter(isAlive));
  }
  return found;
}

/** The command line of a process, arguments joined by spaces ('' if it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Resident set size in kB (VmRSS), or undefined if the process is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until none of `pids` is alive or `timeoutMs` passes; returns those still alive. */
export async function waitGone(pids: number[], timeoutMs = PATIENCE_MS): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(20);
  }
}

/** Remembers processes a test caused, and SIGKILLs whichever of them are left at the end. */
export class Reaper {
  private readonly known = new Map<number, string>();

  remember(...pids: number[]): void {
    for (const pid of pids) {
      const s = stat(pid);
      if (s && !this.known.has(pid)) this.known.set(pid, s.startTime);
    }
  }

  /** Remembers `pid` and everything below it right now. */
  rememberTree(pid: number): void {
    this.remember(pid, ...descendantPids(pid));
  }

  killAll(): void {
    for (const [pid, startTime] of this.known) {
      if (stat(pid)?.startTime !== startTime || !isAlive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
