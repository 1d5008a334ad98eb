// Resource subscriptions through the real proxy over Streamable HTTP, one shared backend: only
// the subscribed client gets notifications/resources/updated; after it unsubscribes, or its
// session ends, it gets none, and when the last subscriber leaves the backend is unsubscribed.
// "Did not get it" is checked against a later broadcast log message: the proxy keeps each
// session's order, so an update sent before it would have arrived first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { connectHttp, type RoutingClient } from './helpers/routing-clients.js';

const URI = 'features://a';
let markers = 0;

const updates = (c: RoutingClient) => c.notifications('notifications/resources/updated').map((n) => n.params.uri);

/** Touches URI at the backend, then waits until every client has the broadcast marker after it. */
async function touchAndSettle(by: RoutingClient, everyone: RoutingClient[]): Promise<string> {
  const answer = await by.callText('features__touch', { uri: URI });
  const marker = `marker-${++markers}`;
  await by.callText('features__log', { level: 'info', message: marker });
  await Promise.all(everyone.map((c) => c.waitForNote('notifications/message', (p) => p.data === marker)));
  return answer;
}

describe('routing: resource subscriptions over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { features: fixtureServer('features') } });
  });
  after(() => proxy?.stop());

  it('delivers updates only to subscribed clients, until they unsubscribe or leave', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    const c = await connectHttp(t, proxy.url, { name: 'client-c' });
    const all = [a, b, c];

    assert.equal(await touchAndSettle(c, all), `not subscribed: ${URI}`, 'nobody subscribed yet');

    await a.client.subscribeResource({ uri: URI });
    assert.equal(await touchAndSettle(c, all), `touched ${URI}`);
    assert.deepEqual([updates(a), updates(b), updates(c)], [[URI], [], []]);

    await b.client.subscribeResource({ uri: URI });
    await a.client.unsubscribeResource({ uri: URI });
    assert.equal(await touchAndSettle(c, all), `touched ${URI}`, 'B still wants updates: the backend stays subscribed');
    assert.deepEqual([updates(a), updates(b), updates(c)], [[URI], [URI], []]);

    // B leaves without unsubscribing: its subscription goes with its session.
    await b.transport.terminateSession();
    assert.equal(await touchAndSettle(c, [a, c]), `not subscribed: ${URI}`, 'the last subscriber left: unsubscribed at the backend');
    assert.deepEqual([updates(a), updates(b), updates(c)], [[URI], [URI], []]);
  });

  it('keeps a subscription of one client when another unsubscribes a URI it never subscribed to', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    await a.client.subscribeResource({ uri: URI });
    await b.client.unsubscribeResource({ uri: URI });
    assert.equal(await touchAndSettle(b, [a, b]), `touched ${URI}`);
    assert.deepEqual([updates(a), updates(b)], [[URI], []]);
    await a.client.unsubscribeResource({ uri: URI });
    assert.equal(await touchAndSettle(b, [a, b]), `not subscribed: ${URI}`);
  });
});
