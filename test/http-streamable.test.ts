// Streamable HTTP front through the real proxy process: the SDK client end to end, two clients
// at once, and a request answered as an SSE stream when its backend sends progress first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { callBody, rawSession, streamableClient, toolText } from './helpers/http-mcp.js';
import { SseReader } from './helpers/http-sse.js';

describe('http: Streamable HTTP front', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({
      servers: { weather: fixtureServer('weather'), calculator: fixtureServer('calculator'), slow: fixtureServer('slow') },
    });
  });
  after(() => proxy?.stop());

  it('initializes, lists and calls tools with the SDK client', async (t) => {
    const { client } = await streamableClient(proxy.url);
    t.after(() => client.close());
    assert.equal(client.getServerVersion()?.name, 'multi-mcp');
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    for (const name of ['weather__get_weather', 'calculator__add', 'slow__sleep']) assert.ok(names.includes(name), name);
    const weather = await client.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    assert.match(toolText(weather), /Oslo/);
    const sum = await client.callTool({ name: 'calculator__add', arguments: { a: 2, b: 3 } });
    assert.equal(toolText(sum), '5');
  });

  it('gives two clients calling at once their own answers', async (t) => {
    const a = await streamableClient(proxy.url, { name: 'client-a' });
    const b = await streamableClient(proxy.url, { name: 'client-b' });
    t.after(() => Promise.all([a.client.close(), b.client.close()]));
    assert.notEqual(a.transport.sessionId, b.transport.sessionId);
    const calls: Promise<[string, string]>[] = [];
    for (let i = 0; i < 10; i++) {
      const call = (c: typeof a, who: string, x: number) =>
        c.client
          .callTool({ name: 'calculator__multiply', arguments: { a: x, b: 1000 } })
          .then((r) => [who, toolText(r)] as [string, string]);
      calls.push(call(a, 'a', i), call(b, 'b', 100 + i));
    }
    const results = await Promise.all(calls);
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(results[2 * i], ['a', String(i * 1000)]);
      assert.deepEqual(results[2 * i + 1], ['b', String((100 + i) * 1000)]);
    }
  });

  it('streams progress and then the result when the backend reports progress first', async () => {
    const session = await rawSession(proxy.url);
    const res = await session.post(callBody(7, 'slow__sleep', { ms: 90, steps: 3 }, 'tok-1'));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const stream = new SseReader(res);
    const messages = [];
    for (let i = 0; i < 4; i++) messages.push(await stream.nextMessage());
    assert.deepEqual(messages.slice(0, 3).map((m) => [m.method, m.params.progressToken, m.params.progress]), [
      ['notifications/progress', 'tok-1', 1],
      ['notifications/progress', 'tok-1', 2],
      ['notifications/progress', 'tok-1', 3],
    ]);
    assert.equal(messages[3].id, 7);
    assert.equal(toolText(messages[3]), 'slept 90');
    await stream.waitEnd(); // the stream ends with the answer
    assert.deepEqual([stream.events[0].id, stream.events[0].data], ['p1.0', ''], 'a priming event first (SEP-1699: an id to resume from)');
    assert.equal(stream.events.length, 5);
    assert.deepEqual(stream.events.slice(1).map((e) => e.id), ['p1.1', 'p1.2', 'p1.3', 'p1.4']);
    await session.end();
  });

  it('answers as application/json when nothing comes before the answer, or when the client accepts only JSON', async () => {
    const session = await rawSession(proxy.url);
    const plain = await session.post(callBody('p', 'calculator__add', { a: 1, b: 1 }));
    assert.match(plain.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(toolText(await plain.json()), '2');
    const jsonOnly = await session.post(callBody(8, 'slow__sleep', { ms: 30, steps: 2 }, 5), { Accept: 'application/json' });
    assert.match(jsonOnly.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await jsonOnly.json()) as any;
    assert.equal(body.id, 8);
    assert.equal(toolText(body), 'slept 30');
    await session.end();
  });

  it('delivers progress to the SDK client during a call', async (t) => {
    const { client } = await streamableClient(proxy.url);
    t.after(() => client.close());
    const seen: number[] = [];
    const result = await client.callTool({ name: 'slow__sleep', arguments: { ms: 60, steps: 3 } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    assert.equal(toolText(result), 'slept 60');
    assert.deepEqual(seen, [1, 2, 3]);
  });
});
