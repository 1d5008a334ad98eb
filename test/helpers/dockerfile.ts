// Reads a Dockerfile and replays its stages outside Docker (no engine here): each stage gets a
// temp directory standing in for its filesystem root; WORKDIR, ENV and COPY are applied to it and
// RUN steps run with sh in it. Only npm RUN steps are accepted, so nothing else touches the host.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export interface Instruction {
  keyword: string;
  /** Leading `--name=value` options (COPY --from, RUN --mount, HEALTHCHECK --interval, …). */
  flags: Record<string, string>;
  /** The rest of the line after the flags. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  base: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (continuations joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i].trim();
    if (logical === '' || logical.startsWith('#')) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = logical.slice(0, -1);
      const next = lines[++i].trim();
      if (!next.startsWith('#')) logical += ' ' + next; // comments inside a continuation are dropped too
    }
    const match = /^(\S+)\s*(.*)$/s.exec(logical.trim())!;
    const keyword = match[1].toUpperCase();
    let rest = match[2].trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([\w-]+)=(\S+)\s*/.exec(rest); flag; flag = /^--([\w-]+)=(\S+)\s*/.exec(rest)) {
      flags[flag[1]] = flag[2];
      rest = rest.slice(flag[0].length);
    }
    const instruction = { keyword, flags, args: rest, line: start + 1 };
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (!from) throw new Error(`Dockerfile line ${start + 1}: cannot read FROM ${rest}`);
      stages.push({ base: from[1], name: from[2], instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return stages;
}

/** The exec (JSON array) form of CMD / ENTRYPOINT / HEALTHCHECK CMD; throws on the shell form. */
export function execForm(args: string): string[] {
  const value: unknown = JSON.parse(args);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return value;
}

/** The last instruction with this keyword in a stage, if any. */
export function lastOf(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

export interface StageResult {
  /** Host directory standing in for the stage's `/`. */
  root: string;
  /** Container path of the final WORKDIR. */
  workdir: string;
  env: Record<string, string>;
  /** Host path for a container path of this stage. */
  host(containerPath: string): string;
}

export interface ReplayOptions {
  /** Directory the COPY sources (without --from) are read from. */
  context: string;
  /** Earlier stages by name, for COPY --from. */
  stages?: Record<string, StageResult>;
  /** Extra environment for RUN steps (e.g. npm offline flags). */
  runEnv?: Record<string, string>;
  /** Upper bound for each RUN step. */
  runTimeoutMs: number;
}

/** Applies a stage's WORKDIR/ENV/COPY/RUN steps in a fresh temp root; the caller removes `root`. */
export async function replayStage(stage: Stage, options: ReplayOptions): Promise<StageResult> {
  const root = mkdtempSync(path.join(tmpdir(), `multi-mcp-docker-${stage.name ?? 'stage'}-`));
  const result: StageResult = {
    root,
    workdir: '/',
    env: {},
    host: (p) => path.join(root, path.posix.resolve(result.workdir, p)),
  };
  for (const step of stage.instructions) {
    const where = `Dockerfile line ${step.line}`;
    switch (step.keyword) {
      case 'WORKDIR':
        result.workdir = path.posix.resolve(result.workdir, step.args);
        mkdirSync(result.host('.'), { recursive: true });
        break;
      case 'ENV': {
        const pair = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(step.args);
        if (!pair) throw new Error(`${where}: cannot read ENV ${step.args}`);
        result.env[pair[1]] = pair[2].replace(/^"(.*)"$/, '$1');
        break;
      }
      case 'COPY':
        copy(step, result, options);
        break;
      case 'RUN':
        await run(step, result, options);
        break;
      case 'USER':
      case 'EXPOSE':
      case 'HEALTHCHECK':
      case 'ENTRYPOINT':
      case 'CMD':
      case 'LABEL':
        break; // image metadata: the caller checks and applies these
      default:
        throw new Error(`${where}: ${step.keyword} is not replayed by test/helpers/dockerfile.ts; teach it first`);
    }
  }
  return result;
}

function copy(step: Instruction, into: StageResult, options: ReplayOptions): void {
  const parts = step.args.split(/\s+/);
  const dest = parts.pop()!;
  const from = step.flags.from;
  const source = from === undefined ? undefined : options.stages?.[from];
  if (from !== undefined && !source) throw new Error(`Dockerfile line ${step.line}: no stage named ${from}`);
  const toDir = dest.endsWith('/') || parts.length > 1;
  for (const src of parts) {
    // --from paths are container paths of that stage (relative ones from its root).
    const hostSrc = source ? path.join(source.root, path.posix.resolve('/', src)) : path.join(options.context, src);
    if (!existsSync(hostSrc)) throw new Error(`Dockerfile line ${step.line}: COPY source ${src} does not exist (${hostSrc})`);
    const isDir = statSync(hostSrc).isDirectory();
    const hostDest = toDir && !isDir ? path.join(into.host(dest), path.basename(src)) : into.host(dest);
    mkdirSync(isDir ? hostDest : path.dirname(hostDest), { recursive: true });
    cpSync(hostSrc, hostDest, { recursive: true });
  }
}

function run(step: Instruction, stage: StageResult, options: ReplayOptions): Promise<void> {
  const command = step.args;
  if (!/^npm\s/.test(command) || /[;&|`$<>]/.test(command)) {
    throw new Error(`Dockerfile line ${step.line}: only plain npm RUN steps are replayed, got: ${command}`);
  }
  const env = { ...process.env, ...stage.env, ...options.runEnv };
  return new Promise((resolve, reject) => {
    // Own process group, so a step that runs too long is killed with everything it started.
    const child = spawn('sh', ['-c', command], { cwd: stage.host('.'), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), options.runTimeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`Dockerfile line ${step.line}: "${command}" failed (${signal ?? `exit ${code}`}):\n${output.slice(-3000)}`));
    });
  });
}
