// Streamable HTTP and legacy SSE wire failures answered locally, so nothing waits forever: an
// answer stream that ends without the answer (and without event ids to resume from), an HTTP error
// on a request's POST, and a legacy SSE endpoint that refuses a POST. A hand-written server
// misbehaves on purpose; the SDK servers never would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackendConnection } from '../src/backends/connection.js';
import { connect } from '../src/connectors.js';
import { setLogSink } from '../src/log.js';
import { ChannelClient, remoteSpec } from './helpers/channel-client.js';
import { onPostedRequest } from './helpers/posted-request.js';
import { waitFor } from './helpers/wait.js';

const INIT_RESULT = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1' } };

/**
 * POST /mcp (and /forgetful before it has a session): initialize → JSON; notifications → 202; tool
 * "cut" → SSE stream ending early; others → 500. /forgetful with a session → 400. /moved → 308 to
 * /mcp. GET /sse: legacy stream whose endpoint refuses POSTs.
 */
function rawServer(): http.Server {
  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/sse') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('event: endpoint\ndata: /refuse?sessionId=1\n\n');
      return;
    }
    if (req.method === 'POST' && req.url?.startsWith('/refuse')) return void res.writeHead(503).end('busy');
    if (req.url === '/moved') return void res.writeHead(308, { Location: '/mcp' }).end();
    if (req.url === '/forgetful' && req.headers['mcp-session-id'] !== undefined) {
      // What servers built on the SDK's examples answer for a session they do not know.
      res.writeHead(400, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: No valid session ID provided' } }));
    }
    onPostedRequest(req, res, (msg) => {
      if (msg.method === 'initialize') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'raw-session' });
        return void res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: INIT_RESULT }));
      }
      if (msg.params?.name === 'cut') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } })}\n\n`);
        return void res.end();
      }
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('kaboom');
    });
  });
}

describe('remote wire failures', { timeout: 30_000 }, () => {
  let server: http.Server;
  let base: string;
  const connections: BackendConnection[] = [];
  const restoreLog = setLogSink(() => {});
  before(async () => {
    server = rawServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    restoreLog();
    await Promise.allSettled(connections.map((c) => c.close()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function open(transport: 'http' | 'sse', path: string): Promise<ChannelClient> {
    const connection = await connect(remoteSpec(transport, base + path), { timeoutMs: 5000 });
    connections.push(connection);
    return new ChannelClient(connection);
  }

  it('an answer stream that ends without the answer fails that request, after delivering what it carried', async () => {
    const client = await open('http', '/mcp');
    await client.handshake();
    const answer = await client.request('tools/call', { name: 'cut', arguments: {} });
    assert.match(answer.error.message, /ended without the answer/);
    assert.ok(client.received.some((m) => m.method === 'notifications/message'), 'the notification before it was delivered');
  });

  it('an HTTP error on the POST of a request answers it with an error naming the status', async () => {
    const client = await open('http', '/mcp');
    await client.handshake();
    const answer = await client.request('tools/call', { name: 'other', arguments: {} });
    assert.match(answer.error.message, /HTTP 500 Internal Server Error: kaboom/);
  });

  it('a 400 naming the session, for a request sent with one, means the session is gone', async () => {
    const client = await open('http', '/forgetful');
    await client.handshake();
    const lost: string[] = [];
    client.connection.onLost((reason) => lost.push(reason));
    // The initialized notification already meets the 400; the request fails either way.
    const answer = await client.request('tools/list');
    assert.match(answer.error.message, /session expired|connection closed/);
    await waitFor(() => lost.length > 0, 'onLost');
    assert.equal(lost[0], 'session expired (HTTP 400)');
  });

  it('a same-origin 308 redirect is followed with method and body', async () => {
    const client = await open('http', '/moved');
    const init = await client.handshake();
    assert.equal(init.result.serverInfo.name, 'raw');
  });

  it('a legacy SSE endpoint refusing a POST answers the request with an error', async () => {
    const client = await open('sse', '/sse');
    const answer = await client.request('tools/list');
    assert.match(answer.error.message, /refuse\?sessionId=\*\*\* of tools\/list answered HTTP 503/);
  });
});
