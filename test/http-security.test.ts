// Security and limits through the real proxy: the bearer key (401 everywhere but plain /health),
// Origin checks (403), body limits and media type (413, 415), malformed JSON (400, -32700).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { callBody, initializeBody, postMcp, rawSession, streamableClient, sseClient, toolText } from './helpers/http-mcp.js';
import { WsClient } from './helpers/http-ws.js';

const KEY = 'test-key-0123456789';
const AUTH = { Authorization: `Bearer ${KEY}` };

describe('http: auth, Origin and limits', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({
      servers: { calculator: fixtureServer('calculator') },
      env: { MULTI_MCP_API_KEY: KEY },
      args: ['--max-body', '2048', '--allow-origin', 'https://app.example.com'],
    });
  });
  after(() => proxy?.stop());

  it('answers 401 with WWW-Authenticate: Bearer without the key or with a wrong one, on every route', async () => {
    const routes = [
      'GET /mcp_servers', 'GET /mcp_tools', 'POST /mcp', 'GET /mcp', 'DELETE /mcp', 'GET /sse', 'POST /messages?sessionId=x',
      'POST /mcp_servers', 'DELETE /mcp_servers/calculator', 'GET /health?verbose=1', 'GET /nowhere',
    ].map((r) => r.split(' '));
    const wrong: Record<string, string>[] = [
      {}, { Authorization: 'Bearer wrong-key' }, { Authorization: `Basic ${KEY}` }, { Authorization: `Bearer ${KEY}x` },
    ];
    for (const [method, path] of routes) {
      for (const headers of wrong) {
        const res = await fetch(`${proxy.url}${path}`, { method, headers });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
        await res.body?.cancel();
      }
    }
    const servers = await fetch(`${proxy.url}/mcp_servers`, { headers: AUTH });
    assert.equal(servers.status, 200, 'the right key opens it');
  });

  it('serves plain /health without the key; verbose health needs it', async () => {
    const plain = await fetch(`${proxy.url}/health`);
    assert.equal(plain.status, 200);
    assert.deepEqual(await plain.json(), { status: 'ok' });
    const verbose = await fetch(`${proxy.url}/health?verbose=1`, { headers: AUTH });
    assert.equal(verbose.status, 200);
    assert.ok(Array.isArray(((await verbose.json()) as any).servers));
  });

  it('checks the key on the WebSocket handshake', async (t) => {
    const url = `${proxy.url.replace(/^http/, 'ws')}/ws`;
    await assert.rejects(WsClient.connect(url), { status: 401 });
    await assert.rejects(WsClient.connect(url, { headers: { Authorization: 'Bearer nope' } }), { status: 401 });
    const ws = await WsClient.connect(url, { headers: AUTH });
    t.after(() => ws.close());
    await ws.initialize();
    assert.equal(toolText(await ws.request('tools/call', { name: 'calculator__add', arguments: { a: 1, b: 2 } })), '3');
  });

  it('lets SDK clients with the key in through Streamable HTTP and SSE', async (t) => {
    const streamable = await streamableClient(proxy.url, { headers: AUTH });
    const sse = await sseClient(proxy.url, { headers: AUTH });
    t.after(() => Promise.all([streamable.client.close(), sse.client.close()]));
    assert.equal(toolText(await streamable.client.callTool({ name: 'calculator__subtract', arguments: { a: 5, b: 2 } })), '3');
    assert.equal(toolText(await sse.client.callTool({ name: 'calculator__multiply', arguments: { a: 5, b: 2 } })), '10');
  });

  it('answers 403 to a browser Origin that is neither loopback nor allowed, on every front', async () => {
    const evil = { ...AUTH, Origin: 'https://evil.example.com' };
    assert.equal((await postMcp(proxy.url, initializeBody(), evil)).status, 403);
    assert.equal((await fetch(`${proxy.url}/sse`, { headers: evil })).status, 403);
    assert.equal((await fetch(`${proxy.url}/mcp_servers`, { headers: evil })).status, 403);
    for (const origin of ['null', 'http://localhost.evil.com', 'https://app.example.com.evil.com']) {
      assert.equal((await fetch(`${proxy.url}/mcp_servers`, { headers: { ...AUTH, Origin: origin } })).status, 403, origin);
    }
    await assert.rejects(WsClient.connect(`${proxy.url.replace(/^http/, 'ws')}/ws`, { headers: evil }), { status: 403 });
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'http://[::1]:8080', 'https://app.example.com']) {
      const res = await postMcp(proxy.url, initializeBody(), { ...AUTH, Origin: origin });
      assert.equal(res.status, 200, origin);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      await res.body?.cancel();
    }
  });

  it('answers a CORS preflight from an allowed origin without the key', async () => {
    const headers = { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' };
    const res = await fetch(`${proxy.url}/mcp`, { method: 'OPTIONS', headers });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Mcp-Session-Id/);
    const unauthorized = await fetch(`${proxy.url}/mcp`, { headers: { Origin: 'https://app.example.com' } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('access-control-allow-origin'), 'https://app.example.com', 'the page can read the 401');
    const evil = await fetch(`${proxy.url}/mcp`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com' } });
    assert.equal(evil.status, 403);
  });

  it('answers 413 over --max-body, 415 for a wrong Content-Type, 400 for malformed JSON (-32700), and keeps serving', async () => {
    const s = await rawSession(proxy.url, {}, AUTH);
    const tooLarge = await s.post(callBody(1, 'calculator__add', { a: 1, b: 2, pad: 'x'.repeat(4096) }));
    assert.equal(tooLarge.status, 413);
    const admin = await fetch(`${proxy.url}/mcp_servers`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    assert.equal(admin.status, 413);

    const wrongType = await s.post('{}', { 'Content-Type': 'text/plain' });
    assert.equal(wrongType.status, 415);
    const noType = await fetch(`${proxy.url}/mcp`, { method: 'POST', headers: { ...s.headers }, body: '{}' });
    assert.equal(noType.status, 415);

    const malformed = await s.post('{"jsonrpc":"2.0","id":1,');
    assert.equal(malformed.status, 400);
    const body = (await malformed.json()) as any;
    assert.deepEqual([body.jsonrpc, body.id, body.error.code], ['2.0', null, -32700]);

    const batch = await s.post([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    assert.equal(batch.status, 400);
    assert.equal(((await batch.json()) as any).error.code, -32600);
    const notRpc = await s.post({ hello: 'world', id: 4 });
    assert.equal(notRpc.status, 400);
    assert.deepEqual((((await notRpc.json()) as any)).id, 4);

    const ok = await s.request('tools/call', { name: 'calculator__add', arguments: { a: 1, b: 2 } });
    assert.equal(toolText(ok), '3', 'the session still works');
    assert.equal((await s.end()).status, 204);
    assert.ok(!proxy.exited());
  });
});
