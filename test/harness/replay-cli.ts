// npm run replay -- FILE [--timeout MS] [--logs]
// Replays one transcript; prints "ok: N messages matched" or the first divergence as a diff.
// Exit code: 0 ok, 1 divergence, 2 usage or unreadable transcript.
import { parseArgs } from 'node:util';
import { formatDivergence } from './divergence.js';
import { replayFile } from './replay.js';
import { TranscriptError } from './transcript.js';

const LOG_TAIL = 20;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { timeout: { type: 'string' }, logs: { type: 'boolean' } },
    });
  } catch (e) {
    process.stderr.write(`replay: ${(e as Error).message}\n`);
    return 2;
  }
  const [file, ...rest] = parsed.positionals;
  const timeoutMs = parsed.values.timeout === undefined ? undefined : Number(parsed.values.timeout);
  if (!file || rest.length > 0 || (timeoutMs !== undefined && !(timeoutMs > 0))) {
    process.stderr.write('usage: npm run replay -- FILE [--timeout MS] [--logs]\n');
    return 2;
  }
  let result;
  try {
    result = await replayFile(file, { timeoutMs });
  } catch (e) {
    if (!(e instanceof TranscriptError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    process.stderr.write(`replay: ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.values.logs) for (const line of result.logs) process.stderr.write(`${line}\n`);
  if (result.ok) {
    process.stdout.write(`ok: ${result.matched} messages matched\n`);
    return 0;
  }
  process.stdout.write(`${formatDivergence(result.divergence!, file)}\n`);
  process.stdout.write(`(${result.matched} of ${result.expected} expected messages matched before it)\n`);
  if (!parsed.values.logs && result.logs.length > 0) {
    process.stdout.write(`last proxy log lines:\n${result.logs.slice(-LOG_TAIL).map((l) => `  ${l}`).join('\n')}\n`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`replay: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(2);
  },
);
