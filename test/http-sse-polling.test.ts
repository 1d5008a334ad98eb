// SEP-1699 polling through the proxy (2025-11-25): a POST's SSE stream starts with a priming
// event (an id, a retry time); when the backend closes its stream of the request to be polled,
// the proxy resumes at once at the backend (an SDK 1.x server keeps the answer only while a
// stream is open), pauses the client's stream, and a GET with its Last-Event-ID gets the answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { callBody, rawSession } from './helpers/http-mcp.js';
import { SseReader } from './helpers/http-sse.js';
import { startStreamableServer, type RunningServer } from './helpers/sdk-servers.js';

describe('http: SSE polling (SEP-1699) through the proxy', { timeout: 60_000 }, () => {
  let backend: RunningServer;
  let proxy: HttpProxy;
  before(async () => {
    // retry 5 s: a client that waited that long before resuming would lose the answer.
    backend = await startStreamableServer('polled', { json: false, resumableRetryMs: 5000 });
    proxy = await startHttpProxy({ servers: { polled: { type: 'http', url: backend.url } } });
  });
  after(async () => {
    await proxy?.stop();
    await backend?.close();
  });

  it("pauses the client's stream when the backend pauses its own, and resumes it on GET with Last-Event-ID", async (t) => {
    const session = await rawSession(proxy.url);
    t.after(() => session.end());
    const res = await session.post(callBody(9, 'polled__drop_stream', { waitMs: 1000 }), { Accept: 'text/event-stream, application/json' });
    const stream = new SseReader(res);
    await stream.waitEnd(30_000);
    assert.equal(stream.events.length, 1, 'only the priming event before the pause');
    const [priming] = stream.events;
    assert.equal(priming.data, '');
    assert.match(priming.id ?? '', /^p\d+\.0$/);
    const resumed = new SseReader(await session.openStream({ 'Last-Event-ID': priming.id! }));
    const answer = await resumed.nextMessage(30_000);
    assert.equal(answer.id, 9);
    assert.equal(answer.result.content[0].text, 'polled resumed');
    await resumed.waitEnd();
    const backendGets = backend.seen.filter((r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined);
    assert.ok(backendGets.length >= 1, 'the proxy resumed at the backend with Last-Event-ID');
  });

  it('a request answered as JSON is untouched by polling', async (t) => {
    const session = await rawSession(proxy.url);
    t.after(() => session.end());
    const plain = await session.request('tools/call', { name: 'polled__whoami', arguments: {} });
    assert.equal(plain.result.content[0].text, 'polled', 'a JSON answer carries no priming event');
  });
});
