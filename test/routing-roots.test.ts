// Roots through the real proxy: a backend's roots/list reaches the client whose call asked for it
// (each client answers with its own roots), and a client's notifications/roots/list_changed is
// forwarded to the backends, over Streamable HTTP and stdio.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { pollUntil } from './helpers/http-mcp.js';
import { connectHttp, connectStdio, type RoutingClient } from './helpers/routing-clients.js';

const rootsOf = (who: string) => [{ uri: `file:///work/${who}`, name: `${who} root` }];

/** How many notifications/roots/list_changed each backend has received. */
async function listChangedAt(c: RoutingClient): Promise<{ features: number; routing: number }> {
  const features = JSON.parse(await c.callText('features__received')) as string[];
  const routing = JSON.parse(await c.callText('routing__received')) as { method: string }[];
  const count = (methods: string[]) => methods.filter((m) => m === 'notifications/roots/list_changed').length;
  return { features: count(features), routing: count(routing.map((n) => n.method)) };
}

async function expectForwarded(c: RoutingClient): Promise<void> {
  const before = await listChangedAt(c);
  await c.client.sendRootsListChanged();
  await pollUntil(async () => {
    const now = await listChangedAt(c);
    return now.features === before.features + 1 && now.routing === before.routing + 1 ? now : undefined;
  }, 'both backends to receive notifications/roots/list_changed once');
}

const servers = { features: fixtureServer('features'), routing: fixtureServer('routing') };

describe('routing: roots over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers });
  });
  after(() => proxy?.stop());

  it("sends a backend's roots/list to the client whose call it serves", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a', handlers: { roots: () => ({ roots: rootsOf('a') }) } });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', handlers: { roots: () => ({ roots: rootsOf('b') }) } });
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(JSON.parse(await b.callText('features__roots')), rootsOf('b'));
      assert.deepEqual(JSON.parse(await a.callText('features__roots')), rootsOf('a'));
    }
    assert.equal(a.requestsOf('roots/list').length, 3);
    assert.equal(b.requestsOf('roots/list').length, 3);
  });

  it("forwards a client's notifications/roots/list_changed to every backend, once", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a', handlers: { roots: () => ({ roots: rootsOf('a') }) } });
    await expectForwarded(a);
  });
});

describe('routing: roots over stdio', { timeout: 60_000 }, () => {
  it('answers roots/list from the stdio client and forwards its list_changed', async (t) => {
    const config = writeConfig(t, { mcpServers: servers });
    let roots = rootsOf('first');
    const c = await connectStdio(t, config, { name: 'stdio-client', handlers: { roots: () => ({ roots }) } });
    assert.deepEqual(JSON.parse(await c.callText('features__roots')), rootsOf('first'));
    roots = rootsOf('second');
    await expectForwarded(c);
    assert.deepEqual(JSON.parse(await c.callText('features__roots')), rootsOf('second'));
  });
});
