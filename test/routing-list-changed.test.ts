// list_changed through the real proxy: a backend adding a tool (features `change_tools`) makes
// every connected client get exactly one notifications/tools/list_changed, after which the new
// tool is listed and callable under its exposed name; over Streamable HTTP and stdio.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { connectHttp, connectStdio, type RoutingClient } from './helpers/routing-clients.js';

const CHANGED = 'notifications/tools/list_changed';
const RESOURCES_CHANGED = 'notifications/resources/list_changed';

/** Adds a tool through `by`; waits for every client's notification; returns the new exposed name. */
async function addTool(by: RoutingClient, everyone: RoutingClient[]): Promise<string> {
  const before = everyone.map((c) => c.notifications(CHANGED).length);
  const answer = await by.callText('features__change_tools');
  const added = /^added (extra_\d+)$/.exec(answer)?.[1];
  assert.ok(added, answer);
  await Promise.all(everyone.map((c, i) => c.waitForNote(CHANGED, () => c.notifications(CHANGED).length > before[i])));
  // A later change of another list is announced on the same stream after anything the tool change
  // caused: once its notification is here, a duplicate tools/list_changed would be too.
  const resourcesBefore = everyone.map((c) => c.notifications(RESOURCES_CHANGED).length);
  assert.match(await by.callText('features__change_resources'), /^added features:\/\/extra_\d+$/);
  await Promise.all(everyone.map((c, i) => c.waitForNote(RESOURCES_CHANGED, () => c.notifications(RESOURCES_CHANGED).length > resourcesBefore[i])));
  assert.deepEqual(
    everyone.map((c, i) => c.notifications(CHANGED).length - before[i]),
    everyone.map(() => 1),
    'exactly one list_changed per client',
  );
  return `features__${added}`;
}

async function expectListedAndCallable(c: RoutingClient, name: string): Promise<void> {
  const { tools } = await c.client.listTools();
  assert.ok(tools.some((tool) => tool.name === name), `${c.name} lists ${name}`);
  assert.equal(await c.callText(name), name.slice('features__'.length));
}

describe('routing: tools/list_changed over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { features: fixtureServer('features'), calculator: fixtureServer('calculator') } });
  });
  after(() => proxy?.stop());

  it('tells every client once; the new tool is listed and callable by all', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    const name = await addTool(a, [a, b]);
    await expectListedAndCallable(a, name);
    await expectListedAndCallable(b, name);
    assert.equal(await b.callText('calculator__add', { a: 1, b: 2 }), '3', 'the other backend is untouched');
  });
});

describe('routing: tools/list_changed over stdio', { timeout: 60_000 }, () => {
  it('tells the client once; the new tool is listed and callable', async (t) => {
    const config = writeConfig(t, { mcpServers: { features: fixtureServer('features') } });
    const c = await connectStdio(t, config, { name: 'stdio-client' });
    const name = await addTool(c, [c]);
    await expectListedAndCallable(c, name);
  });
});
