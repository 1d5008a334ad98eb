// The proxy as the client under test of `conformance client --command CMD`: the suite runs
// `CMD <server URL>` per scenario (scenario name and data in MCP_CONFORMANCE_SCENARIO and
// MCP_CONFORMANCE_CONTEXT). This driver starts multi-mcp (stdio mode) with that URL as its only
// backend, a fresh token store, and browser.js as the sign-in opener, then acts as the proxy's
// client per client-scenarios.ts (by default: wait for the server's tools, call the first one).
// The proxy's stderr is passed on, so the suite's per-scenario stderr.txt shows what happened.
// Run: node dist/test/harness/conformance-client.js URL
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFor, type ScenarioContext } from './client-scenarios.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/test/harness
const CLI = path.resolve(here, '../../src/cli.js');
const BROWSER = path.join(here, 'browser.js');
const SERVER = 'server';
/** Longest wait for the server's tools (the suite's own limit per scenario is 30 s). */
const TOOLS_WAIT_MS = 20_000;
/** Proxy log lines after which the server's tools will not come (nothing more is worth waiting for). */
const HOPELESS = new RegExp(`server "${SERVER}"(: sign-in failed| failed to start|: the server (still wants|refused))`);

async function main(): Promise<number> {
  const serverUrl = process.argv[process.argv.length - 1];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
  const plan = planFor(scenario, serverUrl, context);
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-conformance-client-'));
  const config = path.join(dir, 'mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { [SERVER]: plan.server } }, null, 2));
  const args = [CLI, '--config', config, '--log-level', 'debug', '--oauth-store', path.join(dir, 'oauth'), '--oauth-open-command', `${process.execPath} ${BROWSER}`];
  const proxy = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => proxy.once('exit', () => resolve()));
  let hopeless = false;
  let stderr = '';
  proxy.stderr.setEncoding('utf8');
  proxy.stderr.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderr += chunk;
    if (HOPELESS.test(stderr)) {
      hopeless = true;
      wake();
    }
  });

  // A minimal NDJSON client.
  let nextId = 1;
  const answers = new Map<number, (msg: any) => void>();
  let wake: () => void = () => {};
  let partial = '';
  proxy.stdout.setEncoding('utf8');
  proxy.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line);
      if ('id' in msg && !('method' in msg)) answers.get(msg.id)?.(msg);
      else if (msg.method === 'notifications/tools/list_changed') wake();
    }
  });
  const request = (method: string, params: object = {}): Promise<any> => {
    const id = nextId++;
    proxy.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return new Promise((resolve) => answers.set(id, resolve));
  };

  try {
    await request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'conformance-driver', version: '1' } });
    proxy.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const deadline = Date.now() + TOOLS_WAIT_MS;
    let tools: { name: string }[] = [];
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      tools = (await request('tools/list')).result?.tools ?? [];
      if (tools.length > 0 || hopeless || Date.now() > deadline) break;
      const left = deadline - Date.now();
      await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
    process.stderr.write(`driver: ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}\n`);
    if (tools.length === 0) return 1;
    if (plan.action === 'list-tools') return 0;
    const result = await request('tools/call', { name: tools[0].name, arguments: {} });
    process.stderr.write(`driver: tools/call ${tools[0].name}: ${JSON.stringify(result.error ?? result.result).slice(0, 500)}\n`);
    return result.error || result.result?.isError ? 1 : 0;
  } finally {
    proxy.stdin.end();
    const timer = setTimeout(() => proxy.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`driver: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  },
);
