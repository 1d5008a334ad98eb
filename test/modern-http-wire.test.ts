// The stateless 2026-07-28 Streamable HTTP wire on its own, against a scripted HTTP server: how
// answers are read (JSON, several values in one application/json body, SSE), what a 4xx means,
// notifications delivered beside the request they belong to, trace context as a header,
// cancellation closing the POST, and
// the table of open POSTs draining after answer, cancel, failure and close.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageExtra } from '../src/transports/channel.js';
import { ModernHttpWire } from '../src/transports/modern-http-client.js';
import { RemoteReader } from '../src/transports/remote-channel.js';
import { waitFor } from './helpers/wait.js';

type Handler = (body: any, req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: http.Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

async function serve(handler: Handler): Promise<{ url: URL; seen: { headers: http.IncomingHttpHeaders; body: any }[]; closed: number[] }> {
  const seen: { headers: http.IncomingHttpHeaders; body: any }[] = [];
  const closed: number[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text);
      seen.push({ headers: req.headers, body });
      res.on('close', () => !res.writableEnded && closed.push(body.id));
      handler(body, req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`), seen, closed };
}

function wire(url: URL) {
  const reader = new RemoteReader();
  const got: { msg: any; extra?: MessageExtra }[] = [];
  const invalid: string[] = [];
  reader.listen((msg, extra) => got.push({ msg, extra }));
  reader.onInvalid((bad) => invalid.push(bad.message));
  const w = new ModernHttpWire({ name: 't', url, headers: { 'X-Custom': 'yes' }, timeoutMs: 5000 }, reader);
  const request = (id: number, method: string, params: object = {}) => w.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }), undefined);
  const answer = (id: number) => waitFor(() => got.find((g) => g.msg.id === id && !('method' in g.msg))?.msg, `the answer to ${id}`);
  return { w, got, invalid, request, answer };
}

const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

describe('2026-07-28 Streamable HTTP wire', () => {
  it('reads JSON, several values in one application/json body, and SSE; notifications come with their request id; the session id is ignored', async () => {
    const { url, seen } = await serve((body, _req, res) => {
      const result = { jsonrpc: '2.0', id: body.id, result: { ok: body.params.mode } };
      const note = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: body.id, progress: 1 } };
      res.setHeader('Mcp-Session-Id', 'should-be-ignored');
      if (body.params.mode === 'json') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result, null, 2));
      if (body.params.mode === 'ndjson') return void res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(`${JSON.stringify(note)}\n${JSON.stringify(result)}\n`);
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(`: keep-alive\n\nevent: message\ndata: ${JSON.stringify(note)}\n\n`);
      res.end(`data: ${JSON.stringify(result)}\n\n`);
    });
    const { w, got, request, answer } = wire(url);
    request(1, 'tools/call', { _meta: meta, name: 'x', mode: 'json' });
    request(2, 'tools/call', { _meta: meta, name: 'x', mode: 'ndjson' });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    request(3, 'tools/call', { _meta: { ...meta, traceparent }, name: 'x', mode: 'sse' });
    for (const [id, mode] of [[1, 'json'], [2, 'ndjson'], [3, 'sse']] as const) assert.deepEqual((await answer(id)).result, { ok: mode });
    for (const id of [2, 3]) {
      const note = got.find((g) => g.msg.method === 'notifications/progress' && g.msg.params.progressToken === id)!;
      assert.deepEqual(note.extra, { relatedRequestId: id });
    }
    assert.equal(w.inflight, 0, 'every POST done');
    assert.equal(seen.find((r) => r.body.id === 3)!.headers.traceparent, traceparent, 'trace context from _meta as a header, as on 2025 wires');
    for (const { headers } of seen) {
      assert.equal(headers['mcp-session-id'], undefined);
      assert.equal(headers['x-custom'], 'yes');
      assert.equal(headers.accept, 'application/json, text/event-stream');
      assert.equal(headers['mcp-protocol-version'], '2026-07-28');
      assert.equal(headers['mcp-method'], 'tools/call');
      assert.equal(headers['mcp-name'], 'x');
    }
    w.close();
  });

  it('a 4xx with a JSON-RPC error body is that error, in-band; without one, an error naming the status; a stream ending early fails the request', async () => {
    const { url } = await serve((body, _req, res) => {
      if (body.method === 'a') return void res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28'] } } }));
      if (body.method === 'b') return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing\nmore');
      res.writeHead(200, { 'Content-Type': 'text/event-stream' }).end(': nothing\n\n');
    });
    const { w, request, answer } = wire(url);
    request(1, 'a');
    request(2, 'b');
    request(3, 'c');
    assert.deepEqual((await answer(1)).error, { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2026-07-28'] } });
    assert.match((await answer(2)).error.message, /answered HTTP 404 Not Found: no such thing$/);
    assert.match((await answer(3)).error.message, /the answer stream of request 3 ended without the answer/);
    assert.equal(w.inflight, 0);
    w.close();
  });

  it('notifications/cancelled for a request closes its POST and is not sent; close() ends every POST; a dead server fails the request', async () => {
    const { url, seen, closed } = await serve(() => {}); // never answers
    const { w, got, request } = wire(url);
    request(1, 'tools/call', { _meta: meta, name: 'slow' });
    request(2, 'tools/call', { _meta: meta, name: 'slow' });
    await waitFor(() => seen.length === 2, 'both POSTs at the server');
    assert.equal(w.inflight, 2);
    w.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }), undefined);
    await waitFor(() => closed.includes(1), 'the server to see POST 1 closed');
    assert.equal(w.inflight, 1);
    assert.equal(seen.length, 2, 'the notification was not POSTed');
    w.close();
    await waitFor(() => closed.includes(2), 'POST 2 closed by close()');
    assert.equal(w.inflight, 0);
    assert.equal(got.length, 0, 'no answer invented for cancelled or closed requests');
    // A server that is gone: the request fails with the cause.
    const dead = new URL(url.href);
    dead.port = String((await serve(() => {})).url.port);
    servers.at(-1)!.close();
    await new Promise((resolve) => servers.at(-1)!.once('close', resolve));
    const lone = wire(dead);
    lone.request(7, 'tools/list', { _meta: meta });
    assert.match((await lone.answer(7)).error.message, /POST .* of tools\/list failed: .*ECONNREFUSED/);
    assert.equal(lone.w.inflight, 0);
    lone.w.close();
  });
});
