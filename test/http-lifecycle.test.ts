// The HTTP server in-process: stream heartbeats, sessions ending with their connection or when
// idle, a chunked body over the limit, and close() ending every stream, socket and session.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { inProcessServer } from './helpers/http-inprocess.js';
import { callBody, initializeBody, postMcp, rawSession } from './helpers/http-mcp.js';
import { SseReader } from './helpers/http-sse.js';
import { WsClient } from './helpers/http-ws.js';
import { waitFor } from './helpers/wait.js';

describe('http: server lifecycle (in process)', { timeout: 60_000 }, () => {
  it('sends comment heartbeats on SSE and GET /mcp streams; keeps idle connections 65 s', async (t) => {
    const { http } = await inProcessServer(t, [], { heartbeatMs: 20 });
    assert.deepEqual([http.server.keepAliveTimeout, http.server.headersTimeout], [65_000, 66_000]);
    const controller = new AbortController();
    t.after(() => controller.abort());
    const sse = new SseReader(await fetch(`${http.url}/sse`, { signal: controller.signal }));
    const session = await rawSession(http.url);
    const get = new SseReader(await session.openStream({}, controller.signal));
    await waitFor(() => sse.comments.length >= 2 && get.comments.length >= 2, 'two heartbeats on each stream');
    assert.equal(sse.comments[0].trim(), 'ping');
  });

  it('closes a session when its SSE stream or WebSocket closes, and a Streamable session when idle', async (t) => {
    // Long enough that a loaded machine still gets the initialized notification in before expiry.
    const { http, router } = await inProcessServer(t, [], { sessionIdleMs: 1000 });
    const controller = new AbortController();
    const sse = new SseReader(await fetch(`${http.url}/sse`, { signal: controller.signal }));
    await sse.next();
    const ws = await WsClient.connect(`${http.url.replace(/^http/, 'ws')}/ws`);
    await ws.initialize();
    assert.equal(router.sessionCount, 2);
    controller.abort();
    await waitFor(() => router.sessionCount === 1, 'the SSE session to close');
    await ws.close();
    await waitFor(() => router.sessionCount === 0, 'the WebSocket session to close');

    // Only initialize: with a 50 ms idle limit, any later setup request could already find the
    // session expired on a loaded machine. No request touches it afterwards, so it expires.
    const init = await postMcp(http.url, initializeBody(1));
    assert.equal(init.status, 200);
    const sessionId = init.headers.get('mcp-session-id');
    assert.ok(sessionId, 'a session was created');
    await waitFor(() => router.sessionCount === 0, 'the idle Streamable session to expire');
    const late = await postMcp(http.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': '2025-11-25' });
    assert.equal(late.status, 404);
  });

  it('answers 413 to a chunked body that grows past the limit', async (t) => {
    const { http } = await inProcessServer(t, [], { maxBodyBytes: 1000 });
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' };
      const req = request(`${http.url}/mcp`, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"');
      for (let i = 0; i < 4; i++) req.write('x'.repeat(500));
      req.end('"}}');
    });
    assert.equal(status, 413);
  });

  it('close() ends streams, answers waiting POSTs, closes sockets and sessions', async (t) => {
    const { http, router } = await inProcessServer(t, ['slow']);
    const sse = new SseReader(await fetch(`${http.url}/sse`));
    await sse.next();
    const session = await rawSession(http.url);
    const get = new SseReader(await session.openStream());
    const pending = session.post(callBody(5, 'slow__wait_for_cancel'));
    const ws = await WsClient.connect(`${http.url.replace(/^http/, 'ws')}/ws`);
    const wsClosed = new Promise<number>((resolve) => ws.socket.once('close', (code) => resolve(code)));
    await ws.initialize();
    await waitFor(() => router.sessionCount === 3, 'three sessions');
    await waitFor(() => router.exchange.counts().pending === 1, 'the call to reach the backend');

    await http.close();
    const answer = (await (await pending).json()) as any;
    assert.deepEqual([answer.id, answer.error.code], [5, -32000]);
    await sse.waitEnd();
    await get.waitEnd();
    assert.equal(await wsClosed, 1000);
    assert.equal(router.sessionCount, 0);
    assert.equal(router.exchange.counts().pending, 0, 'the call was cancelled at the backend');
    await assert.rejects(fetch(`${http.url}/health`), 'no longer accepting');
  });
});
