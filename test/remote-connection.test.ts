// The remote connectors on their own (no router): a channel to a real SDK server, auto-detection,
// session id and protocol version headers, session expiry, DELETE on close, connect failures.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendConnection } from '../src/backends/connection.js';
import type { ServerSpec } from '../src/config/spec.js';
import { connect } from '../src/connectors.js';
import { setLogSink } from '../src/log.js';
import { startSseServer, startStreamableServer, startWsServer, type RunningServer } from './helpers/sdk-servers.js';
import { ChannelClient, remoteSpec as spec } from './helpers/channel-client.js';
import { waitFor } from './helpers/wait.js';

const logs: string[] = [];
const restoreLog = setLogSink((line) => logs.push(line));
const servers: RunningServer[] = [];
const connections: BackendConnection[] = [];
after(async () => {
  restoreLog();
  await Promise.allSettled(connections.map((c) => c.close()));
  await Promise.allSettled(servers.map((s) => s.close()));
});

async function open(s: ServerSpec): Promise<ChannelClient> {
  const connection = await connect(s, { timeoutMs: 5000 });
  connections.push(connection);
  return new ChannelClient(connection);
}

describe('remote connectors', { timeout: 60_000 }, () => {
  it('auto-http picks Streamable HTTP for a Streamable server and initializes it once', async () => {
    const server = await startStreamableServer('auto-http', { json: true });
    servers.push(server);
    const client = await open(spec('auto-http', server.url));
    assert.equal(client.connection.transport, 'auto-http', 'undecided before the first answer');
    const init = await client.handshake();
    assert.equal(init.result.serverInfo.name, 'test-auto-http');
    assert.equal(client.connection.transport, 'http');
    assert.ok(logs.some((l) => /info: server "t": .* speaks Streamable HTTP \(auto-detected\)/.test(l)), 'choice logged');
    const call = await client.request('tools/call', { name: 'echo', arguments: { text: 'hi' } });
    assert.equal(call.result.content[0].text, 'auto-http: hi');
    assert.equal(server.initializations, 1);
    assert.equal(server.seen.filter((r) => r.method === 'POST').length >= 3, true);
    const later = server.seen.filter((r) => r.method === 'POST').slice(1);
    for (const r of later) {
      assert.equal(typeof r.headers['mcp-session-id'], 'string', 'session id on every POST after initialize');
      assert.equal(r.headers['mcp-protocol-version'], '2025-06-18', 'negotiated version on every POST after initialize');
    }
  });

  it('auto-http falls back to legacy SSE when initialize answers 405, on a path not ending in /sse', async () => {
    const server = await startSseServer('legacy', '/events', '/events/post');
    servers.push(server);
    const client = await open(spec('auto-http', server.url));
    const init = await client.handshake();
    assert.equal(init.result.serverInfo.name, 'test-legacy');
    assert.equal(client.connection.transport, 'sse');
    assert.ok(logs.some((l) => /info: server "t": .*\/events speaks legacy SSE \(auto-detected\)/.test(l)), 'choice logged');
    const call = await client.request('tools/call', { name: 'whoami', arguments: {} });
    assert.equal(call.result.content[0].text, 'legacy');
    assert.ok(server.seen.some((r) => r.method === 'POST' && r.path === '/events'), 'tried Streamable HTTP first');
  });

  it('a Streamable HTTP session that the server forgot (404) is reported lost, and the request fails', async () => {
    const first = await startStreamableServer('old', { json: false });
    servers.push(first);
    const client = await open(spec('http', first.url));
    await client.handshake();
    const lost: string[] = [];
    client.connection.onLost((reason) => lost.push(reason));
    await first.close();
    const second = await startStreamableServer('new', { json: false, port: first.port });
    servers.push(second);
    const answer = await client.request('tools/call', { name: 'whoami', arguments: {} });
    assert.match(answer.error.message, /session expired|404/);
    await waitFor(() => lost.length > 0, 'onLost');
    assert.equal(lost[0], 'session expired (HTTP 404)');
  });

  it('close() ends the Streamable HTTP session with DELETE, headers included', async () => {
    const server = await startStreamableServer('del', { json: true });
    servers.push(server);
    const client = await open(spec('http', server.url, { 'X-Token': 'abc' }));
    await client.handshake();
    await client.connection.close();
    const del = server.seen.find((r) => r.method === 'DELETE');
    assert.ok(del, 'DELETE sent');
    assert.equal(del.headers['x-token'], 'abc');
    assert.equal(typeof del.headers['mcp-session-id'], 'string');
  });

  it('a closed WebSocket is reported lost', async () => {
    const server = await startWsServer('ws');
    servers.push(server);
    const client = await open(spec('ws', server.url));
    assert.equal(client.connection.transport, 'ws');
    await client.handshake();
    const lost: string[] = [];
    client.connection.onLost((reason) => lost.push(reason));
    await server.close();
    await waitFor(() => lost.length > 0, 'onLost');
    assert.match(lost[0], /WebSocket closed/);
  });

  it('connection failures reject with the URL and the cause', async () => {
    const server = await startSseServer('x');
    servers.push(server);
    await assert.rejects(connect(spec('sse', server.url.replace('/sse', '/nope')), { timeoutMs: 5000 }), /\/nope.*HTTP 404/);
    await assert.rejects(connect(spec('ws', `ws://127.0.0.1:${server.port}/ws`), { timeoutMs: 5000 }), /cannot open WebSocket.*404/);
  });
});

describe('Streamable HTTP answer streams', { timeout: 30_000 }, () => {
  it('a stream the server closes before the answer is resumed with GET + Last-Event-ID', async () => {
    const server = await startStreamableServer('resumable', { json: false, resumableRetryMs: 100 });
    servers.push(server);
    const client = await open(spec('http', server.url));
    await client.handshake('2025-11-25'); // servers close streams for polling only from this version on
    const answer = await client.request('tools/call', { name: 'drop_stream', arguments: {} });
    assert.equal(answer.result?.content[0].text, 'resumable resumed');
    const resumed = server.seen.filter((r) => r.method === 'GET' && r.headers['last-event-id'] !== undefined);
    assert.equal(resumed.length >= 1, true, 'resumed with Last-Event-ID');
    assert.equal(typeof resumed[0].headers['mcp-session-id'], 'string');
  });

});
