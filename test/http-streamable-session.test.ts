// Streamable HTTP session rules through the real proxy: Mcp-Session-Id (400 missing, 404 unknown),
// MCP-Protocol-Version (400 unsupported), DELETE cancelling in-flight calls at the backend,
// and the GET stream: queued events, event ids and Last-Event-ID resumption.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { callBody, initializeBody, pollUntil, postMcp, rawSession, toolText, type RawSession } from './helpers/http-mcp.js';
import { SseReader } from './helpers/http-sse.js';
import { sleep } from './helpers/wait.js';

const listTools = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

describe('http: Streamable HTTP sessions', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { features: fixtureServer('features'), calculator: fixtureServer('calculator') } });
  });
  after(() => proxy?.stop());

  it('issues a random session id on initialize and requires it afterwards (400 missing, 404 unknown)', async () => {
    const a = await rawSession(proxy.url);
    const b = await rawSession(proxy.url);
    assert.match(a.sessionId, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.sessionId, b.sessionId);

    const missing = await postMcp(proxy.url, listTools);
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as any).error.message, /Mcp-Session-Id/);

    const unknown = await postMcp(proxy.url, listTools, { 'Mcp-Session-Id': 'no-such-session' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as any).error.code, -32600);

    const again = await a.post(initializeBody(3));
    assert.equal(again.status, 400, 'a second initialize in a session');

    const ok = await a.post(listTools);
    assert.equal(ok.status, 200);
    assert.ok(((await ok.json()) as any).result.tools.length > 0);
    await Promise.all([a.end(), b.end()]);
  });

  it('keeps no session after a failed initialize', async () => {
    const bad = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } };
    const res = await postMcp(proxy.url, bad);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).error.code, -32602);
    const id = res.headers.get('mcp-session-id')!;
    let status = 0;
    for (let i = 0; i < 50 && status !== 404; i++) {
      status = (await postMcp(proxy.url, listTools, { 'Mcp-Session-Id': id })).status;
      if (status !== 404) await sleep(10);
    }
    assert.equal(status, 404);
  });

  it('checks MCP-Protocol-Version: unsupported → 400, supported or missing → served', async () => {
    const s = await rawSession(proxy.url);
    const bad = await s.post(listTools, { 'MCP-Protocol-Version': '1999-01-01' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).error.message, /1999-01-01/);
    const older = await s.post(listTools, { 'MCP-Protocol-Version': '2025-03-26' });
    assert.equal(older.status, 200);
    const { 'MCP-Protocol-Version': _, ...withoutVersion } = s.headers;
    const missing = await postMcp(proxy.url, listTools, withoutVersion);
    assert.equal(missing.status, 200);
    const badGet = await s.openStream({ 'MCP-Protocol-Version': 'nope' });
    assert.equal(badGet.status, 400);
    await s.end();
  });

  it('answers notifications and responses with 202 and no body', async () => {
    const s = await rawSession(proxy.url);
    const note = await s.post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    assert.equal(note.status, 202);
    assert.equal(await note.text(), '');
    const answer = await s.post({ jsonrpc: '2.0', id: 'srv-unknown', result: {} });
    assert.equal(answer.status, 202);
    await s.end();
  });

  it('DELETE ends the session and cancels its in-flight call at the backend', async () => {
    const observer = await rawSession(proxy.url);
    const before = JSON.parse(toolText(await observer.request('tools/call', { name: 'features__received', arguments: {} })));
    assert.ok(!before.includes('notifications/cancelled'), `nothing cancelled yet: ${before}`);

    // `sample` waits for the client's sampling answer, which never comes: the call stays in flight.
    const s = await rawSession(proxy.url, { sampling: {} });
    const res = await s.post(callBody(9, 'features__sample', { prompt: 'hi' }));
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const stream = new SseReader(res);
    const sampling = await stream.nextMessage();
    assert.equal(sampling.method, 'sampling/createMessage', 'the backend request rides on the POST stream');

    const ended = await s.end();
    assert.equal(ended.status, 204);
    const last = await stream.nextMessage();
    assert.deepEqual([last.id, last.error?.code], [9, -32000]);
    await stream.waitEnd();

    await pollUntil(async () => {
      const seen = JSON.parse(toolText(await observer.request('tools/call', { name: 'features__received', arguments: {} })));
      return seen.includes('notifications/cancelled') ? seen : undefined;
    }, 'the backend to receive notifications/cancelled');
    const gone = await s.post(listTools);
    assert.equal(gone.status, 404, 'the session is gone');
    assert.equal((await s.end()).status, 404);
    await observer.end();
  });

  it('queues server→client messages until a GET stream opens, numbers them, and replays after Last-Event-ID', async () => {
    const s = await rawSession(proxy.url);
    const witness = await rawSession(proxy.url);
    const witnessStream = new SseReader(await witness.openStream());
    assert.equal((await witnessStream.next()).data, '', 'an id-only priming event first');

    // No GET stream yet: the list_changed caused by change_tools is queued for s.
    await s.request('tools/call', { name: 'features__change_tools', arguments: {} });
    assert.equal((await witnessStream.nextMessage()).method, 'notifications/tools/list_changed');

    const controller1 = new AbortController();
    const first = await s.openStream({}, controller1.signal);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/event-stream/);
    const stream1 = new SseReader(first);
    const queued = await stream1.next();
    assert.equal(queued.id, '1');
    assert.equal(JSON.parse(queued.data).method, 'notifications/tools/list_changed');

    await s.request('tools/call', { name: 'features__change_tools', arguments: {} });
    const live = await stream1.next();
    assert.equal(live.id, '2');
    controller1.abort();

    await s.request('tools/call', { name: 'features__change_tools', arguments: {} });
    assert.equal((await witnessStream.nextMessage()).method, 'notifications/tools/list_changed');
    assert.equal((await witnessStream.nextMessage()).method, 'notifications/tools/list_changed');

    const resumed = new SseReader(await s.openStream({ 'Last-Event-ID': '1' }));
    const replay = [await resumed.next(), await resumed.next()];
    assert.deepEqual(replay.map((e) => e.id), ['2', '3']);
    for (const e of replay) assert.equal(JSON.parse(e.data).method, 'notifications/tools/list_changed');

    // A new GET replaces the old one, which ends.
    const fromStart = new SseReader(await s.openStream({ 'Last-Event-ID': '0' }));
    await resumed.waitEnd();
    const all = [await fromStart.next(), await fromStart.next(), await fromStart.next()];
    assert.deepEqual(all.map((e) => e.id), ['1', '2', '3']);
    // A live event comes after the replay on the same stream: the next one is it, nothing else was replayed.
    await s.request('tools/call', { name: 'features__change_tools', arguments: {} });
    const live2 = await fromStart.next();
    assert.deepEqual([live2.id, JSON.parse(live2.data).method], ['4', 'notifications/tools/list_changed'], 'nothing else replayed');
    assert.equal((await witnessStream.nextMessage()).method, 'notifications/tools/list_changed');

    await Promise.all([s.end(), witness.end()]);
    await fromStart.waitEnd();
    await witnessStream.waitEnd();
  });

  it('refuses a GET without Accept: text/event-stream (406) and unknown sessions (404)', async () => {
    const s: RawSession = await rawSession(proxy.url);
    const notSse = await fetch(`${proxy.url}/mcp`, { headers: { ...s.headers, Accept: 'application/json' } });
    assert.equal(notSse.status, 406);
    const unknown = await fetch(`${proxy.url}/mcp`, { headers: { Accept: 'text/event-stream', 'Mcp-Session-Id': 'nope' } });
    assert.equal(unknown.status, 404);
    const noId = await fetch(`${proxy.url}/mcp`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(noId.status, 400);
    await s.end();
  });
});
