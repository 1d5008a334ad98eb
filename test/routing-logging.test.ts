// Logging through the real proxy: logging/setLevel reaches the backends; notifications/message
// arrives with `logger` prefixed by the server name; a client whose level is above a message's
// level does not get it, while a client that asked for more still does. "Did not get it" is
// checked against a later message every client gets: each session's order is kept.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { connectHttp, connectStdio, type RoutingClient } from './helpers/routing-clients.js';

let markers = 0;

const messages = (c: RoutingClient) => c.notifications('notifications/message').map((n) => n.params);
const texts = (c: RoutingClient) => messages(c).map((p) => p.data);

/** Has feat log `text` at `level`, then an emergency marker; waits until every client has the marker. */
async function logAndSettle(by: RoutingClient, everyone: RoutingClient[], level: string, text: string): Promise<void> {
  await by.callText('feat__log', { level, message: text });
  const marker = `marker-${++markers}`;
  await by.callText('feat__log', { level: 'emergency', message: marker });
  await Promise.all(everyone.map((c) => c.waitForNote('notifications/message', (p) => p.data === marker)));
}

describe('routing: logging over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    // "feat" differs from the logger the fixture uses ("features"), so the prefix is visible.
    proxy = await startHttpProxy({ servers: { feat: fixtureServer('features'), routing: fixtureServer('routing') } });
  });
  after(() => proxy?.stop());

  it('fans logging/setLevel out to the backends', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    await a.client.setLoggingLevel('warning');
    await a.client.setLoggingLevel('info');
    const levels = JSON.parse(await a.callText('routing__levels')) as string[];
    assert.deepEqual(levels.slice(-2), ['warning', 'info']);
  });

  it('prefixes logger with the server name and keeps the rest of the message', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    await logAndSettle(a, [a, b], 'alert', 'disk on fire');
    for (const c of [a, b]) {
      assert.deepEqual(messages(c).find((p) => p.data === 'disk on fire'), { level: 'alert', logger: 'feat/features', data: 'disk on fire' });
    }
  });

  it('does not send a client messages below the level it set; another client still gets them', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    await a.client.setLoggingLevel('error');
    await b.client.setLoggingLevel('debug');
    await logAndSettle(b, [a, b], 'warning', 'w-1');
    await logAndSettle(b, [a, b], 'error', 'e-1');
    assert.ok(!texts(a).includes('w-1'), `A (error) got: ${texts(a)}`);
    assert.ok(texts(a).includes('e-1'));
    assert.ok(texts(b).includes('w-1') && texts(b).includes('e-1'), `B (debug) got: ${texts(b)}`);
  });

  it('still sends a client messages at its level when another client later set a higher one', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    await b.client.setLoggingLevel('debug');
    await a.client.setLoggingLevel('error'); // must not silence the shared backend for B
    await logAndSettle(b, [a, b], 'warning', 'w-2');
    assert.ok(!texts(a).includes('w-2'), `A (error) got: ${texts(a)}`);
    assert.ok(texts(b).includes('w-2'), `B (debug) missed a warning: ${texts(b)}`);
  });
});

describe('routing: logging over stdio', { timeout: 60_000 }, () => {
  it('sets the backend level and filters by it; messages carry the server prefix', async (t) => {
    const config = writeConfig(t, { mcpServers: { feat: fixtureServer('features'), routing: fixtureServer('routing') } });
    const c = await connectStdio(t, config, { name: 'stdio-client' });
    await c.client.setLoggingLevel('notice');
    assert.deepEqual(JSON.parse(await c.callText('routing__levels')), ['notice']);
    await logAndSettle(c, [c], 'info', 'i-1');
    await logAndSettle(c, [c], 'notice', 'n-1');
    assert.ok(!texts(c).includes('i-1'));
    assert.deepEqual(messages(c).find((p) => p.data === 'n-1'), { level: 'notice', logger: 'feat/features', data: 'n-1' });
  });
});
