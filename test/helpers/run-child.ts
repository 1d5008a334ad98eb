// Runs a command to completion in its own process group with a time limit: output captured,
// and the whole group (grandchildren too, e.g. a server a client spawned) killed when it ends.
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Sees stderr as it comes (e.g. to act on a line the command prints). */
  onStderr?: (chunk: string) => void;
}

const running = new Set<number>();

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGKILLs every group still running (for a harness interrupted by a signal). */
export function killAllRunning(): void {
  for (const pgid of running) killGroup(pgid, 'SIGKILL');
}

export function runChild(command: string, args: string[], options: RunOptions): Promise<ChildRun> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pgid = child.pid;
  if (pgid !== undefined) running.add(pgid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    options.onStderr?.(c);
  });
  let timedOut = false;
  let escalate: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    if (pgid === undefined) return;
    timedOut = true;
    killGroup(pgid, 'SIGTERM');
    escalate = setTimeout(() => killGroup(pgid, 'SIGKILL'), 3000);
  }, options.timeoutMs);
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(escalate);
      if (pgid !== undefined) running.delete(pgid);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    };
    // Whatever the command left running in its group goes with it (and so do its stdio pipes).
    child.once('exit', () => pgid !== undefined && killGroup(pgid, 'SIGKILL'));
    child.once('error', (e) => {
      stderr += String(e);
      finish(null, null);
    });
    child.once('close', finish);
  });
}
