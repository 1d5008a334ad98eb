// The floor of any stdio proxy: one more process between the client and the server, forwarding
// bytes both ways without parsing them. `node byte-relay.js <command> [args...]`.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
child.on('exit', (code) => process.exit(code ?? 0));
