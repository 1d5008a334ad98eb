// A raw NDJSON client for a fixture server run directly (no proxy): what the backend itself says,
// byte for byte, to compare with what comes out of the proxy. Stopped after the test.
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { PATIENCE_MS, waitFor } from './wait.js';

export interface DirectPeer {
  request(method: string, params?: object): Promise<any>;
}

/** Spawns `command args`, initializes it (no client capabilities) and returns a request helper. */
export async function directPeer(t: TestContext, command: string, args: string[]): Promise<DirectPeer> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  t.after(() => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => clearTimeout(timer));
  });
  const answers = new Map<unknown, any>();
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line);
      if (!('method' in msg)) answers.set(msg.id, msg);
    }
  });
  let nextId = 1;
  const request = async (method: string, params?: object) => {
    const id = nextId++;
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return waitFor(() => answers.get(id), `${method} answer from ${args.join(' ')}`, PATIENCE_MS);
  };
  await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'direct', version: '1.0' } });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  return { request };
}
