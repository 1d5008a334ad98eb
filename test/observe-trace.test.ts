// W3C trace context through the proxy: a client's traceparent (HTTP header or `_meta`) reaches
// HTTP backends as a header and every backend in `_meta`, unchanged; invalid ones are not taken
// from headers; the proxy's call log line carries the trace id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setLogLevel } from '../src/log.js';
import { traceHeaders, traceIdOf } from '../src/observe/trace.js';
import { ProxyObserver } from '../src/observe/proxy-observer.js';
import { rawSession, toolText } from './helpers/http-mcp.js';
import { inProcessServer } from './helpers/http-inprocess.js';
import { startSseServer, startStreamableServer, type RunningServer } from './helpers/sdk-servers.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

test('traceparent validation follows W3C Trace Context', () => {
  assert.equal(traceIdOf(TRACEPARENT), TRACE_ID);
  assert.equal(traceIdOf('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future'), TRACE_ID, 'a later version may add fields');
  for (const bad of [
    TRACEPARENT.toUpperCase(),
    `${TRACEPARENT}-extra`, // version 00 has exactly four fields
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    `${TRACEPARENT}, ${OTHER}`, // two headers joined
    42,
    undefined,
  ]) {
    assert.equal(traceIdOf(bad), undefined, String(bad));
  }
  assert.deepEqual(traceHeaders({ params: { _meta: { traceparent: TRACEPARENT, tracestate: 'a=1', baggage: 'k=v' } } }), {
    traceparent: TRACEPARENT,
    tracestate: 'a=1',
    baggage: 'k=v',
  });
  assert.deepEqual(traceHeaders({ params: { _meta: { traceparent: TRACEPARENT, tracestate: 'a=1\r\nX-Evil: 1' } } }), { traceparent: TRACEPARENT });
  assert.equal(traceHeaders({ params: { _meta: { traceparent: 'nonsense', tracestate: 'a=1' } } }), undefined);
  assert.equal(traceHeaders({ params: {} }), undefined);
});

/** The trace headers the backend saw on the POST that carried the `meta` tool call. */
function traceHeadersSeen(server: RunningServer, nth: number): Record<string, string | undefined> {
  const posts = server.seen.filter((r) => r.method === 'POST' && r.headers['content-length'] !== undefined);
  const h = posts[posts.length - 1 - nth]?.headers ?? {};
  return { traceparent: h.traceparent as string, tracestate: h.tracestate as string };
}

test('a traceparent in the HTTP header or in _meta reaches Streamable HTTP and SSE backends as header and _meta', async (t) => {
  const streamable = await startStreamableServer('s', { json: true });
  const sse = await startSseServer('e');
  t.after(() => Promise.all([streamable.close(), sse.close()]));
  const observer = new ProxyObserver();
  const { http, logs } = await inProcessServer(t, { http: { type: 'http', url: streamable.url }, legacy: { type: 'sse', url: sse.url } }, {}, { observer });
  setLogLevel('debug');
  t.after(() => setLogLevel('info'));
  const session = await rawSession(http.url);
  const meta = async (server: string, headers: Record<string, string>, _meta?: Record<string, string>) => {
    const params = { name: `${server}__meta`, arguments: {}, ...(_meta ? { _meta } : {}) };
    const res = await session.post({ jsonrpc: '2.0', id: `${server}-${Math.random()}`, method: 'tools/call', params }, { ...headers, Accept: 'application/json' });
    return JSON.parse(toolText(await res.json())) as Record<string, unknown>;
  };

  for (const [server, backend] of [['http', streamable], ['legacy', sse]] as const) {
    // From the client's HTTP headers.
    const fromHeader = await meta(server, { traceparent: TRACEPARENT, tracestate: 'vendor=1' });
    assert.equal(fromHeader.traceparent, TRACEPARENT, `${server}: _meta from the header`);
    assert.equal(fromHeader.tracestate, 'vendor=1');
    assert.deepEqual(traceHeadersSeen(backend, 0), { traceparent: TRACEPARENT, tracestate: 'vendor=1' }, `${server}: header`);

    // From _meta only: the HTTP backend still gets the header.
    const fromMeta = await meta(server, {}, { traceparent: OTHER });
    assert.equal(fromMeta.traceparent, OTHER);
    assert.deepEqual(traceHeadersSeen(backend, 0), { traceparent: OTHER, tracestate: undefined });

    // Both: the message's own _meta wins over the request's header.
    const both = await meta(server, { traceparent: TRACEPARENT }, { traceparent: OTHER });
    assert.equal(both.traceparent, OTHER);
    assert.equal(traceHeadersSeen(backend, 0).traceparent, OTHER);

    // An invalid header is not taken; nothing is invented.
    const invalid = await meta(server, { traceparent: 'not-a-traceparent', tracestate: 'vendor=1' });
    assert.deepEqual(invalid, {});
    assert.deepEqual(traceHeadersSeen(backend, 0), { traceparent: undefined, tracestate: undefined });
  }

  const callLines = logs.filter((l) => l.includes('tools/call meta on "http"'));
  assert.equal(callLines.length, 4);
  assert.match(callLines[0], new RegExp(`trace_id=${TRACE_ID}`));
  assert.doesNotMatch(callLines[3], /trace_id=/);
  assert.deepEqual(
    observer.recentCalls().map((c) => c.traceId),
    [undefined, OTHER.slice(3, 35), OTHER.slice(3, 35), TRACE_ID, undefined, OTHER.slice(3, 35), OTHER.slice(3, 35), TRACE_ID],
  );
});
