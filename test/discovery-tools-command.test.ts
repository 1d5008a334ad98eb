// `multi-mcp tools [--view NAME] [--json]`: per server and in total, the tools and the size of
// their definitions (bytes, ~tokens), and the same for search mode; the servers are stopped after.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { connectStdio } from './helpers/routing-clients.js';
import { runChild } from './helpers/run-child.js';
import { PATIENCE_MS } from './helpers/wait.js';

const servers = { calculator: fixtureServer('calculator'), weather: fixtureServer('weather') };
const config = {
  toolDiscovery: { pinned: ['weather__get_weather'] },
  views: { math: { servers: ['calculator'], tools: { exclude: ['calculator__divide'] } } },
  mcpServers: servers,
};

const run = (args: string[]) => runChild(process.execPath, [CLI, ...args, '--log-level', 'warn'], { timeoutMs: PATIENCE_MS });

describe('discovery: the tools command', { timeout: 60_000 }, () => {
  it('--json: counts and bytes per server and in total, ~tokens = bytes / 4, and search mode', async (t) => {
    const file = writeConfig(t, config);
    const result = await run(['tools', '--config', file, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const costs = JSON.parse(result.stdout);
    assert.equal(costs.view, null);
    assert.equal(costs.mode, 'all');
    assert.deepEqual(costs.servers.map((s: any) => [s.name, s.state, s.tools]), [['calculator', 'ready', 4], ['weather', 'ready', 2]]);
    for (const c of [...costs.servers, costs.total, costs.search]) assert.equal(c.tokens, Math.ceil(c.bytes / 4));
    assert.equal(costs.total.tools, 6);
    // The bytes are those of the list a client gets.
    const client = await connectStdio(t, file, { name: 'sizes' });
    const { tools } = await client.client.listTools();
    assert.equal(costs.total.bytes, Buffer.byteLength(JSON.stringify(tools)));
    assert.deepEqual([costs.search.tools, costs.search.pinned], [4, 1]);
    assert.ok(costs.search.bytes < costs.total.bytes);
  });

  it('prints a table, and --view restricts it to the view', async (t) => {
    const file = writeConfig(t, config);
    const table = await run(['tools', '--config', file]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^root endpoints: tool discovery mode all/);
    assert.match(table.stdout, /calculator\s+ready\s+4\s+[\d,]+\s+[\d,]+/);
    assert.match(table.stdout, /total \(mode all\)\s+6/);
    assert.match(table.stdout, /search mode\s+4/);
    assert.match(table.stdout, /tokens ≈ bytes \/ 4/);

    const view = JSON.parse((await run(['tools', '--config', file, '--view', 'math', '--json'])).stdout);
    assert.equal(view.view, 'math');
    assert.deepEqual(view.servers.map((s: any) => [s.name, s.tools]), [['calculator', 3]]);
    assert.equal(view.search.pinned, 0, 'weather__get_weather is not in this view');

    const search = JSON.parse((await run(['tools', '--config', file, '--tool-discovery', 'search', '--json'])).stdout);
    assert.equal(search.mode, 'search');
  });

  it('an unknown view exits 1; --json without the command is a usage error', async (t) => {
    const file = writeConfig(t, config);
    const unknown = await run(['tools', '--config', file, '--view', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no view named "nope".*\(views: math\)/);
    const usage = await run(['--config', file, '--json']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--json goes with the "tools" command/);
    const stray = await run(['--config', file, 'serve']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /unexpected argument "serve"/);
  });
});
