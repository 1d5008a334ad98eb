// Views built from the config object: a reload is views.configure() with the new config (in
// memory, fake backends, and through the real proxy on SIGHUP). Sessions keep their view across it
// and hear list_changed only when their own list changed; a removed view's sessions are closed and
// its URLs answer 404; a backend's list change is announced only to the views whose lists it changes.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ToolDiscovery, ViewConfig } from '../src/config/discovery.js';
import type { View } from '../src/discovery/view.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { tool } from './helpers/fake-backend.js';
import { ACCEPT_BOTH, initializeBody } from './helpers/http-mcp.js';
import { startHttpProxy } from './helpers/http-proxy.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { MemoryClient } from './helpers/memory-client.js';
import { routerHarness, type Harness } from './helpers/router-harness.js';
import { waitFor } from './helpers/wait.js';

const META = ['search_tools', 'describe_tools', 'call_tool'];
const all: ToolDiscovery = { mode: 'all', pinned: [] };

function harness(t: TestContext): Harness {
  return routerHarness(t, {
    alpha: { tools: [tool('read'), tool('write')] },
    beta: { tools: [tool('list'), tool('delete')], prompts: [{ name: 'greet' }] },
  });
}

async function clientOn(h: Harness, view: View | undefined): Promise<MemoryClient> {
  const [clientSide, proxySide] = memoryChannelPair();
  h.router.openSession(proxySide, undefined, view);
  const client = new MemoryClient(clientSide);
  await client.initialize();
  return client;
}

async function toolNames(c: MemoryClient): Promise<string[]> {
  return (await c.listAll('tools/list', 'tools')).map((x: { name: string }) => x.name);
}

const listChanged = (c: MemoryClient) => c.notifications.filter((n) => n.method === 'notifications/tools/list_changed').length;

describe('discovery: views follow reloads of the config', () => {
  it('a changed view re-lists, announces once, and keeps its sessions; an unchanged one stays quiet', async (t) => {
    const h = harness(t);
    const config = (views: ViewConfig[], toolDiscovery = all) => ({ toolDiscovery, views });
    const a: ViewConfig = { name: 'a', servers: ['alpha'] };
    const b: ViewConfig = { name: 'b', servers: ['beta'] };
    h.router.views.configure(config([a, b]));
    const onA = await clientOn(h, h.router.views.get('a'));
    const onB = await clientOn(h, h.router.views.get('b'));
    const onRoot = await clientOn(h, undefined);
    assert.deepEqual(await toolNames(onA), ['alpha__read', 'alpha__write']);

    const a2: ViewConfig = { name: 'a', servers: ['alpha', 'beta'], exclude: ['*__delete'] };
    h.router.views.configure(config([a2, b]));
    await waitFor(() => listChanged(onA) === 1, 'tools/list_changed on view a');
    assert.deepEqual(await toolNames(onA), ['alpha__read', 'alpha__write', 'beta__list']);

    // The top-level discovery mode changes the root view and the views without their own. The
    // counts after this later change show that the first one reached view a alone.
    h.router.views.configure(config([a2, b], { mode: 'search', pinned: ['alpha__*'] }));
    await waitFor(() => listChanged(onRoot) === 1 && listChanged(onB) === 1 && listChanged(onA) === 2, 'list_changed everywhere');
    assert.deepEqual(await toolNames(onRoot), ['alpha__read', 'alpha__write', ...META]);
    assert.deepEqual(await toolNames(onB), META);
    assert.deepEqual(await toolNames(onA), ['alpha__read', 'alpha__write', ...META]);
    assert.deepEqual([listChanged(onRoot), listChanged(onA), listChanged(onB)], [1, 2, 1]);
  });

  it('a view removed from the config closes its sessions and is gone; a new one is served', async (t) => {
    const h = harness(t);
    h.router.views.configure({ toolDiscovery: all, views: [{ name: 'a', servers: ['alpha'] }] });
    const onA = await clientOn(h, h.router.views.get('a'));
    const onRoot = await clientOn(h, undefined);
    let closed = false;
    onA.channel.reader.onClose(() => (closed = true));

    h.router.views.configure({ toolDiscovery: all, views: [{ name: 'c', servers: ['beta'] }] });
    await waitFor(() => closed, 'the session on the removed view closed');
    assert.equal(h.router.views.get('a'), undefined);
    assert.deepEqual(h.router.views.names(), ['c']);
    assert.equal(h.router.sessionCount, 2, "the root sessions are left (the harness's own and onRoot)");
    const onC = await clientOn(h, h.router.views.get('c'));
    assert.deepEqual(await toolNames(onC), ['beta__list', 'beta__delete']);
    assert.equal((await onRoot.call('alpha__read')).error, undefined);
  });

  it('a backend list change is announced to the views it changes, not to a search-mode view whose list stays', async (t) => {
    const h = harness(t);
    const search: ViewConfig = { name: 'search', toolDiscovery: { mode: 'search', pinned: ['alpha__read'] } };
    const alphaOnly: ViewConfig = { name: 'alphaOnly', servers: ['alpha'] };
    h.router.views.configure({ toolDiscovery: all, views: [search, alphaOnly] });
    const onSearch = await clientOn(h, h.router.views.get('search'));
    const onAlpha = await clientOn(h, h.router.views.get('alphaOnly'));
    const onRoot = await clientOn(h, undefined);
    const change = (server: string, name: string) => {
      h.backends.server(server).script.tools!.push(tool(name));
      h.backends.server(server).notify('notifications/tools/list_changed');
    };
    change('beta', 'archive');
    await waitFor(() => listChanged(onRoot) === 1, 'the root view hears of beta__archive');
    // search_tools finds the new tool at once, though the search view's list did not change.
    const found = await onSearch.call('search_tools', { query: 'archive' });
    assert.deepEqual(found.result.structuredContent.tools.map((x: { name: string }) => x.name), ['beta__archive']);
    change('alpha', 'erase');
    await waitFor(() => listChanged(onRoot) === 2 && listChanged(onAlpha) === 1, 'root and alphaOnly hear of alpha__erase');
    h.router.views.configure({ toolDiscovery: all, views: [{ ...search, toolDiscovery: { mode: 'search', pinned: ['alpha__*'] } }, alphaOnly] });
    await waitFor(() => listChanged(onSearch) === 1, 'the search view hears of its new pinned tools');
    // Announced once each: neither backend change reached the search view, beta's did not reach alphaOnly.
    assert.deepEqual([listChanged(onRoot), listChanged(onAlpha), listChanged(onSearch)], [2, 1, 1]);
    assert.deepEqual(await toolNames(onSearch), ['alpha__read', 'alpha__write', 'alpha__erase', ...META]);
  });
});

describe('discovery: views follow a reload of the real proxy (SIGHUP)', { timeout: 120_000 }, () => {
  it('a changed view re-lists and tells its clients, a new one is served, a removed one closes and answers 404', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-views-reload-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'mcp.json');
    const mcpServers = { calculator: fixtureServer('calculator'), weather: fixtureServer('weather') };
    writeFileSync(file, JSON.stringify({ views: { a: { servers: ['calculator'] }, gone: { servers: ['weather'] } }, mcpServers }));
    const proxy = await startHttpProxy({ configFile: file, args: ['--no-watch'] });
    t.after(() => proxy.stop());
    await proxy.waitForLog(/2 of 2 servers ready/);
    const notes: string[] = [];
    const connect = async (view: string) => {
      const client = new Client({ name: `reload-${view}`, version: '1' }, { capabilities: {} });
      client.fallbackNotificationHandler = async (n) => void notes.push(`${view} ${n.method}`);
      await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp/${view}`)));
      t.after(() => client.close());
      return client;
    };
    const onA = await connect('a');
    const onGone = await connect('gone');
    assert.deepEqual((await onA.listTools()).tools.map((x) => x.name), ['calculator__add', 'calculator__subtract', 'calculator__multiply', 'calculator__divide']);

    writeFileSync(file, JSON.stringify({
      views: { a: { servers: ['calculator', 'weather'], tools: { exclude: ['calculator__*'] } }, fresh: { toolDiscovery: { mode: 'search' } } },
      mcpServers,
    }));
    process.kill(proxy.pid, 'SIGHUP');
    await proxy.waitForLog(/config reloaded \(SIGHUP\)/);
    await waitFor(() => notes.includes('a notifications/tools/list_changed'), 'view a announces its new list');
    assert.deepEqual((await onA.listTools()).tools.map((x) => x.name), ['weather__get_weather', 'weather__get_forecast']);
    const fresh = await connect('fresh');
    assert.deepEqual((await fresh.listTools()).tools.map((x) => x.name), META);
    await assert.rejects(onGone.listTools(), /no view named \\"gone\\"/);
    const init = await fetch(`${proxy.url}/mcp/gone`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH },
      body: JSON.stringify(initializeBody()),
    });
    assert.equal(init.status, 404);
    assert.match(await init.text(), /no view named \\?"gone\\?" \(configured views: a, fresh\)/);
  });
});
