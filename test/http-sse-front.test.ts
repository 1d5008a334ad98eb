// Legacy SSE front (2024-11-05) through the real proxy: the SDK's SSEClientTransport end to end,
// two clients at once, and the raw protocol: endpoint event, 202 on POST, 400/404 on bad session ids.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { initializeBody, sseClient, toolText } from './helpers/http-mcp.js';
import { SseReader } from './helpers/http-sse.js';

const post = (url: string, body: string, contentType = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });

describe('http: legacy SSE front', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    const servers = { weather: fixtureServer('weather'), unit_converter: fixtureServer('unit_converter') };
    proxy = await startHttpProxy({ servers });
  });
  after(() => proxy?.stop());

  it('initializes, lists and calls tools with the SDK SSE client', async (t) => {
    const { client } = await sseClient(proxy.url);
    t.after(() => client.close());
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === 'unit_converter__convert_length'));
    const res = await client.callTool({ name: 'unit_converter__convert_length', arguments: { value: 1, from: 'km', to: 'm' } });
    assert.match(toolText(res), /1000/);
    const prompts = await client.listPrompts();
    assert.ok(prompts.prompts.some((p) => p.name === 'weather__weather_report'));
  });

  it('gives two SSE clients calling at once their own answers', async (t) => {
    const a = await sseClient(proxy.url, { name: 'a' });
    const b = await sseClient(proxy.url, { name: 'b' });
    t.after(() => Promise.all([a.client.close(), b.client.close()]));
    const cities = ['Oslo', 'Lima', 'Kyoto', 'Quito', 'Cairo', 'Perth'];
    const results = await Promise.all(
      cities.map((city, i) => ((i % 2 ? b : a).client.callTool({ name: 'weather__get_weather', arguments: { city } }))),
    );
    results.forEach((r, i) => assert.match(toolText(r), new RegExp(cities[i])));
  });

  it('sends the endpoint first, accepts POSTs with 202 and answers on the stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${proxy.url}/sse`, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const stream = new SseReader(res);
    const endpoint = await stream.next();
    assert.equal(endpoint.event, 'endpoint');
    assert.match(endpoint.data, /^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const target = new URL(endpoint.data, proxy.url).href;

    const accepted = await post(target, JSON.stringify(initializeBody(1, {}, '2024-11-05')));
    assert.equal(accepted.status, 202);
    const init = await stream.next();
    assert.equal(init.event, 'message');
    const answer = JSON.parse(init.data);
    assert.deepEqual([answer.id, answer.result.protocolVersion], [1, '2024-11-05']);

    const malformed = await post(target, '{"jsonrpc":');
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as any).error.code, -32700);
    const batch = await post(target, '[{"jsonrpc":"2.0","id":2,"method":"ping"}]');
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as any).error.code, -32600);
    const wrongType = await post(target, '{}', 'text/plain');
    assert.equal(wrongType.status, 415);

    assert.equal((await post(target, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }))).status, 202);
    const pong = JSON.parse((await stream.next()).data);
    assert.deepEqual(pong, { jsonrpc: '2.0', id: 3, result: {} });
    controller.abort();
  });

  it('answers 400 without a sessionId and 404 for an unknown one', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal((await post(`${proxy.url}/messages`, body)).status, 400);
    const unknown = await post(`${proxy.url}/messages?sessionId=00000000-0000-0000-0000-000000000000`, body);
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as any).error.message, /Session not found/);
  });

  it('forgets a session once its stream is closed by the client', async () => {
    const controller = new AbortController();
    const stream = new SseReader(await fetch(`${proxy.url}/sse`, { signal: controller.signal }));
    const target = new URL((await stream.next()).data, proxy.url).href;
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.equal((await post(target, ping)).status, 202);
    controller.abort();
    let status = 0;
    for (let i = 0; i < 100 && status !== 404; i++) {
      status = (await post(target, ping)).status;
      if (status !== 404) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 404);
  });
});
