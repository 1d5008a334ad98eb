#!/usr/bin/env node
// Records what a backend receives: runs COMMAND with our stdin piped through, appending every
// byte it gets to LOGFILE first (stdout and stderr are the command's own). Lets a test check
// that the proxy sent, e.g., notifications/cancelled. Exits with the command's exit code.
// usage: node wiretap.mjs LOGFILE COMMAND [ARGS...]
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const [logFile, command, ...args] = process.argv.slice(2);
if (!logFile || !command) {
  process.stderr.write('usage: wiretap.mjs LOGFILE COMMAND [ARGS...]\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['pipe', 'inherit', 'inherit'] });
child.stdin.on('error', () => {}); // the command may be gone already
process.stdin.on('data', (chunk) => {
  appendFileSync(logFile, chunk);
  child.stdin.write(chunk);
});
process.stdin.on('end', () => child.stdin.end());
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
