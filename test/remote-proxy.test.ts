// The proxy (stdio front) in front of every kind of remote backend at once: legacy SSE,
// Streamable HTTP with JSON answers and with SSE answers, WebSocket, and two auto-detected URLs.
// Also: configured headers (with ${VAR} from the environment) reach every server on every request.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer, startStreamableServer, startWsServer, type RunningServer } from './helpers/sdk-servers.js';
import { startRemoteProxy, textOf } from './helpers/remote-proxy.js';

describe('proxy with remote backends', { timeout: 60_000 }, () => {
  let sse: RunningServer, json: RunningServer, stream: RunningServer, ws: RunningServer, legacyAuto: RunningServer;
  before(async () => {
    [sse, json, stream, ws, legacyAuto] = await Promise.all([
      startSseServer('sse'),
      startStreamableServer('http-json', { json: true }),
      startStreamableServer('http-sse', { json: false }),
      startWsServer('ws'),
      startSseServer('legacy-auto', '/legacy', '/legacy/messages'),
    ]);
  });
  after(() => Promise.all([sse, json, stream, ws, legacyAuto].map((s) => s?.close())));

  const headers = { Authorization: 'Bearer ${TEST_REMOTE_TOKEN}', 'X-Client': 'multi-mcp-test' };

  it('lists and calls the tools of all of them; auto-detection picks http and sse', async (t) => {
    const proxy = await startRemoteProxy(
      t,
      {
        sse: { url: sse.url, headers },
        json: { type: 'http', url: json.url, headers },
        stream: { url: stream.url, headers },
        ws: { url: ws.url, headers },
        legacy: { url: legacyAuto.url, headers },
      },
      { env: { TEST_REMOTE_TOKEN: 's3cret' } },
    );
    const { tools } = await proxy.client.listTools();
    const names = tools.map((x) => x.name).sort();
    for (const server of ['json', 'legacy', 'sse', 'stream', 'ws']) {
      for (const tool of ['echo', 'report', 'whoami']) assert.ok(names.includes(`${server}__${tool}`), `${server}__${tool} in ${names}`);
    }
    const expected: Record<string, string> = { sse: 'sse', json: 'http-json', stream: 'http-sse', ws: 'ws', legacy: 'legacy-auto' };
    const results = await Promise.all(
      Object.keys(expected).map((server) => proxy.client.callTool({ name: `${server}__echo`, arguments: { text: `to ${server}` } })),
    );
    assert.deepEqual(
      results.map(textOf),
      Object.entries(expected).map(([server, label]) => `${label}: to ${server}`),
    );
    assert.match(proxy.stderr(), /server "stream": .*\/mcp speaks Streamable HTTP \(auto-detected\)/);
    assert.match(proxy.stderr(), /server "legacy": .*\/legacy speaks legacy SSE \(auto-detected\)/);

    // Every HTTP request (and the WebSocket handshake) carried the configured headers, interpolated.
    for (const server of [sse, json, stream, ws, legacyAuto]) {
      assert.ok(server.seen.length > 0);
      for (const r of server.seen) {
        assert.equal(r.headers.authorization, 'Bearer s3cret', `${r.method} ${r.path}`);
        assert.equal(r.headers['x-client'], 'multi-mcp-test', `${r.method} ${r.path}`);
      }
    }
    const methods = (s: RunningServer) => new Set(s.seen.map((r) => r.method));
    assert.deepEqual(methods(sse), new Set(['GET', 'POST']));
    assert.ok(methods(stream).has('GET'), 'the GET stream for server-initiated messages was opened');

    await proxy.client.close();
    // On shutdown the proxy ends its Streamable HTTP sessions.
    for (const server of [json, stream]) {
      const del = server.seen.find((r) => r.method === 'DELETE');
      assert.ok(del, 'DELETE on close');
      assert.equal(del.headers.authorization, 'Bearer s3cret');
    }
  });
});
