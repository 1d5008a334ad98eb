// The proxy as the client under test of `conformance client --command CMD`: the suite runs
// `CMD <server URL>` per scenario (scenario name and data in MCP_CONFORMANCE_SCENARIO and
// MCP_CONFORMANCE_CONTEXT). This driver starts multi-mcp (stdio mode) with that URL as its only
// backend, a fresh token store, and browser.js as the sign-in opener, then acts as the proxy's
// client per client-scenarios.ts (by default: wait for the server's tools, call the first one).
// The proxy's stderr is passed on, so the suite's per-scenario stderr.txt shows what happened.
// Run: node dist/test/harness/conformance-client.js URL
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFor, type ScenarioContext } from './client-scenarios.js';
import { runDriver, startProxy } from './driven-proxy.js';

const BROWSER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'browser.js');
/** Longest wait for the server's tools (the suite's own limit per scenario is 30 s). */
const TOOLS_WAIT_MS = 20_000;
/** Proxy log lines after which the server's tools will not come (nothing more is worth waiting for). */
const HOPELESS = /server "server"(: sign-in failed| failed to start|: the server (still wants|refused))/;

async function main(): Promise<number> {
  const serverUrl = process.argv[process.argv.length - 1];
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as ScenarioContext;
  const plan = planFor(scenario, serverUrl, context);
  let hopeless = false;
  let stderr = '';
  let wake: () => void = () => {};
  const proxy = startProxy({
    server: plan.server,
    args: (dir) => ['--log-level', 'debug', '--oauth-store', path.join(dir, 'oauth'), '--oauth-open-command', `${process.execPath} ${BROWSER}`],
    onStderr: (chunk) => {
      stderr += chunk;
      if (HOPELESS.test(stderr)) {
        hopeless = true;
        wake();
      }
    },
    onNotification: (msg) => msg.method === 'notifications/tools/list_changed' && wake(),
  });
  try {
    await proxy.initialize({}, 'conformance-driver');
    const deadline = Date.now() + TOOLS_WAIT_MS;
    let tools: { name: string }[] = [];
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      tools = (await proxy.request('tools/list')).result?.tools ?? [];
      if (tools.length > 0 || hopeless || Date.now() > deadline) break;
      const left = deadline - Date.now();
      await Promise.race([changed, new Promise((resolve) => setTimeout(resolve, left).unref())]);
    }
    process.stderr.write(`driver: ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}\n`);
    if (tools.length === 0) return 1;
    if (plan.action === 'list-tools') return 0;
    const result = await proxy.request('tools/call', { name: tools[0].name, arguments: {} });
    process.stderr.write(`driver: tools/call ${tools[0].name}: ${JSON.stringify(result.error ?? result.result).slice(0, 500)}\n`);
    return result.error || result.result?.isError ? 1 : 0;
  } finally {
    await proxy.close();
  }
}

runDriver(main);
