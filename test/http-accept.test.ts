// Streamable HTTP answer form: JSON unless the client accepts only SSE or ranks SSE first
// (higher q, or equal q and listed first); q=0 excludes a type.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAccept } from '../src/http/accept.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { rawSession } from './helpers/http-mcp.js';

describe('http: Accept negotiation', () => {
  it('parses what a client accepts and prefers', () => {
    const cases: [string | undefined, { json: boolean; sse: boolean; prefersSse: boolean }][] = [
      [undefined, { json: true, sse: false, prefersSse: false }],
      ['application/json, text/event-stream', { json: true, sse: true, prefersSse: false }],
      ['text/event-stream, application/json', { json: true, sse: true, prefersSse: true }],
      ['text/event-stream;q=0.5, application/json', { json: true, sse: true, prefersSse: false }],
      ['application/json;q=0.9, text/event-stream', { json: true, sse: true, prefersSse: true }],
      ['text/event-stream', { json: false, sse: true, prefersSse: false }],
      ['*/*', { json: true, sse: false, prefersSse: false }],
      ['text/*, application/*', { json: true, sse: true, prefersSse: true }],
      ['application/json, text/event-stream;q=0', { json: true, sse: false, prefersSse: false }],
      ['text/html', { json: false, sse: false, prefersSse: false }],
    ];
    for (const [header, expected] of cases) assert.deepEqual(parseAccept(header), expected, String(header));
  });

  describe('through the proxy', { timeout: 60_000 }, () => {
    let proxy: HttpProxy;
    before(async () => {
      proxy = await startHttpProxy({ servers: { calculator: fixtureServer('calculator') } });
    });
    after(() => proxy?.stop());

    const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };

    it('answers as SSE when the client lists text/event-stream first', async (t) => {
      const s = await rawSession(proxy.url);
      t.after(() => s.end());
      const res = await s.post(list, { Accept: 'text/event-stream, application/json' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const data = /^data: (.+)$/m.exec(await res.text())?.[1]; // after the (empty) priming event
      const answer = JSON.parse(data ?? 'null');
      assert.equal(answer.id, 7);
      assert.ok(answer.result.tools.some((tool: { name: string }) => tool.name === 'calculator__add'));
    });

    it('answers as JSON when the client lists application/json first', async (t) => {
      const s = await rawSession(proxy.url);
      t.after(() => s.end());
      const res = await s.post(list, { Accept: 'application/json, text/event-stream' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await res.json()) as { id: number }).id, 7);
    });
  });
});
