// A backend as a child process speaking NDJSON on stdin/stdout.
// The child runs in its own process group so that stopping it takes its children too, and a
// terminal's Ctrl-C reaches only the proxy, which then stops the children in order. The watchdog
// knows every group, for the case where the proxy dies without stopping them.
import type { ChildProcess } from 'node:child_process';
import spawn from 'cross-spawn';
import type { ServerSpec } from '../config/spec.js';
import { childEnv } from './child-env.js';
import { backendOutput, log } from '../log.js';
import { MAX_PEER_BACKLOG_BYTES } from '../transports/backlog.js';
import { ndjsonChannel } from '../transports/ndjson.js';
import type { BackendConnection, ConnectOptions } from './connection.js';
import { watchdog } from './watchdog.js';

export const STOP_GRACE_MS = 2000;

export function connectStdio(spec: ServerSpec, options: ConnectOptions): Promise<BackendConnection> {
  if (!spec.command) return Promise.reject(new Error('no command configured'));
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: childEnv(spec.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(new Error(`cannot start "${spec.command}": ${err.message}`));
    child.once('error', fail);
    child.once('spawn', () => {
      child.off('error', fail);
      if (child.pid !== undefined) watchdog()?.watch(child.pid);
      resolve(new StdioConnection(spec.name, child, options.maxMessageBytes));
    });
  });
}

class StdioConnection implements BackendConnection {
  readonly channel;
  readonly transport = 'stdio';
  readonly pid: number | undefined;
  private lostCallback: ((reason: string) => void) | undefined;
  private closing = false;
  private stopping: Promise<void> | undefined;
  private readonly exited: Promise<void>;

  constructor(
    name: string,
    private readonly child: ChildProcess,
    maxMessageBytes?: number,
  ) {
    this.pid = child.pid;
    // A server that stops reading its stdin is restarted (its requests fail) rather than buffered for.
    this.channel = ndjsonChannel(child.stdout!, child.stdin!, maxMessageBytes, {
      maxBytes: MAX_PEER_BACKLOG_BYTES,
      onOverflow: (reason) => {
        if (!this.closing) this.lostCallback?.(reason);
      },
    });
    const lastError = pipeStderr(name, child);
    // EPIPE on a dead child's stdin is expected; the exit event reports the real cause.
    child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const said = lastError();
        const why = signal ? `exited on signal ${signal}` : `exited with code ${code}`;
        if (!this.closing) this.lostCallback?.(said ? `${why}: ${said}` : why);
        resolve();
      });
      child.once('error', (err) => {
        if (!this.closing) this.lostCallback?.(err.message);
      });
    });
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
  }

  close(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    this.closing = true;
    const { child } = this;
    if (child.exitCode === null && child.signalCode === null) {
      this.channel.close();
      if (!(await exitsWithin(this.exited, STOP_GRACE_MS))) {
        killGroup(child, 'SIGTERM');
        if (!(await exitsWithin(this.exited, STOP_GRACE_MS))) {
          killGroup(child, 'SIGKILL');
          await this.exited;
        }
      }
    }
    reapGroup(child);
  }
}

/**
 * The server is gone; what it started in its group may not be (children that ignore stdin EOF or
 * SIGTERM): SIGTERM now, SIGKILL after the grace if any is left. Not awaited: if the proxy exits
 * first, the watchdog, which still lists the group, finishes the job.
 */
function reapGroup(child: ChildProcess): void {
  const pgid = child.pid;
  if (pgid === undefined || process.platform === 'win32') return;
  if (!groupAlive(pgid)) return watchdog()?.unwatch(pgid);
  killGroup(child, 'SIGTERM');
  setTimeout(() => {
    if (groupAlive(pgid)) killGroup(child, 'SIGKILL');
    watchdog()?.unwatch(pgid);
  }, STOP_GRACE_MS).unref();
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/** Signals the child's whole process group (its own children too); ignores "no such process". */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Copies the child's stderr to ours, line by line, each prefixed with the server name. Returns
 * the last line that looks like an error, which tells why a server exits (e.g. a missing script).
 */
function pipeStderr(name: string, child: ChildProcess): () => string | undefined {
  let partial = '';
  let lastError: string | undefined;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > 65536) lines.push(partial), (partial = ''); // no unbounded buffering
    for (const line of lines) {
      backendOutput(name, line);
      if (/error|cannot|can't|not found|no such/i.test(line) && !/^\s+at /.test(line)) lastError = line.trim().slice(0, 300);
    }
  });
  child.stderr!.on('end', () => {
    if (partial) backendOutput(name, partial);
  });
  child.stderr!.on('error', (err) => log.debug(`[${name}] stderr: ${err.message}`));
  return () => lastError;
}
