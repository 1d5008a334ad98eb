// Any command that ends up running the proxy in HTTP mode (an image's ENTRYPOINT+CMD, a start
// script): spawned with its own cwd and env, its URL read from the "listening on http://…" log
// line. stop() sends SIGTERM, waits (bounded), then SIGKILLs whatever is left of its process tree.
import { spawn } from 'node:child_process';
import { Reaper } from './process-tree.js';
import { PATIENCE_MS, waitFor } from './wait.js';

export interface ListeningProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Starts the command and resolves once it listens, or rejects with its output if it exits first. */
export async function startListening(command: string, args: string[], options: SpawnOptions): Promise<ListeningProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));
  const reaper = new Reaper();
  const stop = async () => {
    if (exited === undefined && child.pid !== undefined) {
      reaper.rememberTree(child.pid);
      child.kill('SIGTERM');
      await Promise.race([exit, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    }
    reaper.killAll();
  };
  try {
    const url = await waitFor(
      () => {
        if (exited !== undefined) throw new Error(`exited with code ${exited} before listening:\n${stdout}\n${stderr}`);
        return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      },
      `"${command} ${args.join(' ')}" to listen`,
      options.timeoutMs ?? PATIENCE_MS,
      10,
    );
    return { url, pid: child.pid!, stdout: () => stdout, stderr: () => stderr, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs a command that is expected to exit on its own (bounded: SIGKILL after timeoutMs). */
export function runToExit(command: string, args: string[], options: SpawnOptions): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? PATIENCE_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
