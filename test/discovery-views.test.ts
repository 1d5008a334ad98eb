// Views through the real proxy: /mcp/NAME, /sse/NAME and /ws/NAME serve the view's servers and
// tools (include/exclude globs, its own discovery mode), the same lists to every connection;
// unknown views answer 404 on every front; a session belongs to the endpoint that created it;
// stdio serves a view with --view, and an unknown --view stops with the names of the views.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MetaKey } from '../protocol/modern.js';
import { ACCEPT_BOTH, initializeBody } from './helpers/http-mcp.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { WsClient } from './helpers/http-ws.js';
import { CLI, fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { connectStdio, textOf } from './helpers/routing-clients.js';
import { runChild } from './helpers/run-child.js';
import { PATIENCE_MS } from './helpers/wait.js';

const servers = {
  calculator: fixtureServer('calculator'),
  weather: fixtureServer('weather'),
  unit_converter: fixtureServer('unit_converter'),
};

const views = {
  math: { servers: ['calculator', 'unit_converter'], tools: { exclude: ['*__convert_weight', 'calculator__div*'] } },
  sky: { servers: ['weather'], toolDiscovery: { mode: 'search', pinned: ['weather__get_weather'] } },
  conversions: { tools: { include: ['unit_converter__*'] } },
};

const MATH_TOOLS = ['calculator__add', 'calculator__subtract', 'calculator__multiply', 'unit_converter__convert_length', 'unit_converter__convert_temperature'];
const SKY_TOOLS = ['weather__get_weather', 'search_tools', 'describe_tools', 'call_tool'];

async function sdkClient(transport: StreamableHTTPClientTransport | SSEClientTransport): Promise<Client> {
  const client = new Client({ name: 'views-test', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return client;
}

const names = (list: { name: string }[]) => list.map((x) => x.name);

describe('discovery: views over HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  const clients: Client[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-views-'));
  before(async () => {
    const configFile = path.join(dir, 'mcp.json');
    writeFileSync(configFile, JSON.stringify({ views, mcpServers: servers }));
    proxy = await startHttpProxy({ configFile });
    await proxy.waitForLog(/3 of 3 servers ready/);
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await proxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const streamable = async (path: string) => {
    const client = await sdkClient(new StreamableHTTPClientTransport(new URL(`${proxy.url}${path}`)));
    clients.push(client);
    return client;
  };
  const legacy = async (path: string) => {
    const client = await sdkClient(new SSEClientTransport(new URL(`${proxy.url}${path}`)));
    clients.push(client);
    return client;
  };

  it('/mcp/NAME lists and calls only the view’s tools; the root /mcp still has them all', async () => {
    const math = await streamable('/mcp/math');
    assert.deepEqual(names((await math.listTools()).tools), MATH_TOOLS);
    assert.equal(textOf(await math.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } })), '5');
    for (const hidden of ['weather__get_weather', 'calculator__divide', 'unit_converter__convert_weight']) {
      await assert.rejects(math.callTool({ name: hidden, arguments: {} }), new RegExp(`Unknown tool: ${hidden}`));
    }
    // Prompts and resources follow the view's servers too.
    assert.deepEqual(names((await math.listPrompts()).prompts), ['calculator__explain_operation']);
    await assert.rejects(math.readResource({ uri: 'weather://cities' }), /Resource not found/);

    const conversions = await streamable('/mcp/conversions');
    assert.deepEqual(names((await conversions.listTools()).tools), [
      'unit_converter__convert_length',
      'unit_converter__convert_temperature',
      'unit_converter__convert_weight',
    ]);
    const root = await streamable('/mcp');
    assert.equal((await root.listTools()).tools.length, 9);
  });

  it('a view in search mode: pinned + meta-tools, and search_tools sees only the view’s tools', async () => {
    const sky = await streamable('/mcp/sky');
    assert.deepEqual(names((await sky.listTools()).tools), SKY_TOOLS);
    const found = (await sky.callTool({ name: 'search_tools', arguments: { query: 'add two numbers or convert a length' } })) as any;
    assert.deepEqual(found.structuredContent.tools, [], 'calculator and unit_converter are not in this view');
    const forecast = (await sky.callTool({ name: 'call_tool', arguments: { name: 'weather__get_forecast', arguments: { city: 'Oslo', days: 2 } } })) as any;
    assert.match(textOf(forecast), /Oslo/);
    const outside = (await sky.callTool({ name: 'call_tool', arguments: { name: 'calculator__add', arguments: { a: 1, b: 1 } } })) as any;
    assert.equal(outside.isError, true);
  });

  it('/sse/NAME and /ws/NAME serve the same lists as /mcp/NAME', async () => {
    const viaSse = await legacy('/sse/math');
    assert.deepEqual(names((await viaSse.listTools()).tools), MATH_TOOLS);
    assert.equal(textOf(await viaSse.callTool({ name: 'calculator__multiply', arguments: { a: 6, b: 7 } })), '42');
    const skySse = await legacy('/sse/sky');
    assert.deepEqual(names((await skySse.listTools()).tools), SKY_TOOLS);

    const ws = await WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws/sky`);
    try {
      await ws.initialize();
      assert.deepEqual(names((await ws.request('tools/list')).result.tools), SKY_TOOLS);
    } finally {
      await ws.close();
    }
  });

  it('2026-07-28 requests on /mcp/NAME see the view: its list, search_tools and call_tool', async () => {
    const meta = { [MetaKey.protocolVersion]: '2026-07-28', [MetaKey.clientCapabilities]: {}, [MetaKey.clientInfo]: { name: 'views-2026', version: '1' } };
    const modern = async (path: string, method: string, params: Record<string, unknown>, name?: string) => {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': method };
      if (name) headers['Mcp-Name'] = name;
      const res = await fetch(`${proxy.url}${path}`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } }) });
      assert.equal(res.status, 200, `${method} on ${path}`);
      return ((await res.json()) as any).result;
    };
    assert.deepEqual(names((await modern('/mcp/sky', 'tools/list', {})).tools), SKY_TOOLS);
    assert.deepEqual(names((await modern('/mcp/math', 'tools/list', {})).tools), MATH_TOOLS);
    const viaMeta = await modern('/mcp/sky', 'tools/call', { name: 'call_tool', arguments: { name: 'weather__get_weather', arguments: { city: 'Rome' } } }, 'call_tool');
    assert.match(textOf(viaMeta), /Rome/);
  });

  it('an unknown view is 404 on every front, naming the views there are', async () => {
    const post = await fetch(`${proxy.url}/mcp/nope`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH },
      body: JSON.stringify(initializeBody()),
    });
    assert.equal(post.status, 404);
    assert.match(await post.text(), /no view named \\?"nope\\?" \(configured views: math, sky, conversions\)/);
    const sse = await fetch(`${proxy.url}/sse/nope`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(sse.status, 404);
    await sse.body?.cancel();
    await assert.rejects(WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws/nope`), (e: any) => e.status === 404);
    assert.equal((await fetch(`${proxy.url}/mcp/math/extra`, { method: 'POST' })).status, 404);
  });

  it('a session belongs to the endpoint that created it', async () => {
    const init = await fetch(`${proxy.url}/mcp/math`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH },
      body: JSON.stringify(initializeBody()),
    });
    assert.equal(init.status, 200);
    const session = init.headers.get('mcp-session-id')!;
    await init.body?.cancel();
    const headers = { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, 'Mcp-Session-Id': session };
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    for (const path of ['/mcp', '/mcp/sky']) {
      const elsewhere = await fetch(`${proxy.url}${path}`, { method: 'POST', headers, body: list });
      assert.equal(elsewhere.status, 404, path);
      await elsewhere.body?.cancel();
    }
    const own = await fetch(`${proxy.url}/mcp/math`, { method: 'POST', headers, body: list });
    assert.equal(own.status, 200);
    await own.body?.cancel();
    assert.equal((await fetch(`${proxy.url}/mcp/math`, { method: 'DELETE', headers })).status, 204);
  });
});

describe('discovery: views over stdio', { timeout: 60_000 }, () => {
  it('--view NAME serves that view', async (t) => {
    const config = writeConfig(t, { views, mcpServers: servers });
    const math = await connectStdio(t, config, { name: 'stdio-view' }, ['--view', 'math']);
    assert.deepEqual(names((await math.client.listTools()).tools), MATH_TOOLS);
    const sky = await connectStdio(t, config, { name: 'stdio-view' }, ['--view', 'sky']);
    assert.deepEqual(names((await sky.client.listTools()).tools), SKY_TOOLS);
  });

  it('an unknown --view exits 1 naming the configured views, before starting any server', async (t) => {
    const config = writeConfig(t, { views, mcpServers: servers });
    const run = await runChild(process.execPath, [CLI, '--config', config, '--view', 'nope'], { timeoutMs: PATIENCE_MS });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no view named "nope" in .*mcp\.json \(views: math, sky, conversions\)/);
    assert.equal(run.stdout, '');
  });
});
