// WebSocket front through the real proxy: subprotocol "mcp", one message per frame, two clients at
// once, clients on all three fronts at once, and handshakes that must be refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { sseClient, streamableClient, toolText } from './helpers/http-mcp.js';
import { WsClient } from './helpers/http-ws.js';

describe('http: WebSocket front', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  let wsUrl: string;
  before(async () => {
    proxy = await startHttpProxy({ servers: { calculator: fixtureServer('calculator'), echo: fixtureServer('echo') } });
    wsUrl = `${proxy.url.replace(/^http/, 'ws')}/ws`;
  });
  after(() => proxy?.stop());

  it('initializes, lists and calls tools over /ws with subprotocol mcp', async (t) => {
    const ws = await WsClient.connect(wsUrl);
    t.after(() => ws.close());
    assert.equal(ws.socket.protocol, 'mcp');
    const init = await ws.initialize();
    assert.equal(init.result.serverInfo.name, 'multi-mcp');
    const list = await ws.request('tools/list');
    assert.ok(list.result.tools.some((tool: { name: string }) => tool.name === 'echo__echo'));
    const echo = await ws.request('tools/call', { name: 'echo__echo', arguments: { text: 'über ws' } });
    assert.equal(toolText(echo), 'über ws');
  });

  it('answers a malformed frame with -32700 and keeps the socket open', async (t) => {
    const ws = await WsClient.connect(wsUrl);
    t.after(() => ws.close());
    await ws.initialize();
    ws.socket.send('{"jsonrpc":');
    const parseError = await ws.request('ping').then(() => ws.messages.find((m) => m.error?.code === -32700));
    assert.equal(parseError?.id, null);
  });

  it('gives two WebSocket clients calling at once their own answers', async (t) => {
    const a = await WsClient.connect(wsUrl);
    const b = await WsClient.connect(wsUrl);
    t.after(() => Promise.all([a.close(), b.close()]));
    await Promise.all([a.initialize(), b.initialize()]);
    const calls = [];
    for (let i = 0; i < 8; i++) {
      calls.push(a.request('tools/call', { name: 'calculator__add', arguments: { a: i, b: 1 } }));
      calls.push(b.request('tools/call', { name: 'calculator__add', arguments: { a: i, b: 1000 } }));
    }
    const results = (await Promise.all(calls)).map(toolText);
    for (let i = 0; i < 8; i++) assert.deepEqual([results[2 * i], results[2 * i + 1]], [String(i + 1), String(i + 1000)]);
  });

  it('serves clients on all three fronts at once', async (t) => {
    const ws = await WsClient.connect(wsUrl);
    const streamable = await streamableClient(proxy.url);
    const sse = await sseClient(proxy.url);
    t.after(() => Promise.all([ws.close(), streamable.client.close(), sse.client.close()]));
    await ws.initialize();
    const [x, y, z] = await Promise.all([
      ws.request('tools/call', { name: 'echo__echo', arguments: { text: 'ws' } }),
      streamable.client.callTool({ name: 'echo__echo', arguments: { text: 'streamable' } }),
      sse.client.callTool({ name: 'echo__echo', arguments: { text: 'sse' } }),
    ]);
    assert.deepEqual([toolText(x), toolText(y), toolText(z)], ['ws', 'streamable', 'sse']);
  });

  it('refuses a handshake without the mcp subprotocol (400) and on other paths (404)', async () => {
    await assert.rejects(WsClient.connect(wsUrl, { protocols: ['graphql-ws'] }), { status: 400 });
    await assert.rejects(WsClient.connect(wsUrl, { protocols: [] }), { status: 400 });
    await assert.rejects(WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/nowhere`), { status: 404 });
    const plain = await fetch(`${proxy.url}/ws`);
    assert.equal(plain.status, 426, 'a plain GET on /ws asks for an upgrade');
  });
});
