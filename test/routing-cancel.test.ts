// Cancellation through the real proxy: an SDK client aborting a call (Streamable HTTP and stdio)
// never gets its answer, and the backend receives notifications/cancelled with its own id; a
// backend that answers anyway has that late answer dropped; a raw NDJSON client sees no response
// for a cancelled id; cancelling a call whose backend is waiting on the client's sampling answer
// cancels that sampling request at the client too. The misbehaving backend (routing.mjs
// answer_after_cancel) answers because it was cancelled, the moment the cancellation reaches it,
// so everything here follows from order on the pipes, not from timing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, startRawProxy, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { callBody, pollUntil, rawSession } from './helpers/http-mcp.js';
import { connectHttp, connectStdio, gate, samplingAnswer, textOf, type RoutingClient } from './helpers/routing-clients.js';
import { SseReader } from './helpers/http-sse.js';
import { waitFor } from './helpers/wait.js';

const TOOLS_CHANGED = 'notifications/tools/list_changed';

/** The notifications/cancelled the routing fixture has received. */
async function cancellationsAtBackend(c: RoutingClient): Promise<any[]> {
  const received = JSON.parse(await c.callText('routing__received')) as { method: string; params: any }[];
  return received.filter((n) => n.method === 'notifications/cancelled').map((n) => n.params);
}

/**
 * Aborts a late_answer call, checks the backend heard of it and that the late answer never
 * arrives. Over stdio the answer to a later call is the barrier (one stream: a forwarded late
 * answer would come before it); over HTTP answers to other requests travel on other connections,
 * so `streamBarrier` must produce something on the session's own stream, after the late answer.
 */
async function abortLateAnswer(c: RoutingClient, streamBarrier?: () => Promise<void>): Promise<void> {
  const errors: Error[] = [];
  c.client.onerror = (e) => void errors.push(e);
  const before = (await cancellationsAtBackend(c)).length;
  const controller = new AbortController();
  const started = gate();
  const call = c.client.callTool({ name: 'routing__answer_after_cancel', arguments: {} }, undefined, {
    signal: controller.signal,
    onprogress: () => started.open(),
  });
  await started.promise; // the backend has the request: the cancellation cannot overtake it
  controller.abort('test aborts');
  await assert.rejects(call, /test aborts/);

  const cancelled = await pollUntil(async () => {
    const all = await cancellationsAtBackend(c);
    return all.length > before ? all[all.length - 1] : undefined;
  }, 'notifications/cancelled at the backend');
  assert.equal(typeof cancelled.requestId, 'number', "the backend's own (proxy-allocated) id");
  // The backend wrote its late answer when the cancellation reached it, before it answered the
  // request that showed the cancellation: the proxy has read the late answer by now.
  await streamBarrier?.();
  assert.deepEqual(errors.map((e) => e.message), [], 'no answer for a request the client gave up');
}

/** A tools/list_changed on the session's GET stream, caused now (the features backend adds a tool). */
async function listChangeOnStream(c: RoutingClient): Promise<void> {
  const before = c.notifications(TOOLS_CHANGED).length;
  assert.match(await c.callText('features__change_tools'), /^added extra_\d+$/);
  await c.waitForNote(TOOLS_CHANGED, () => c.notifications(TOOLS_CHANGED).length > before);
}

describe('routing: cancellation over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({
      servers: { routing: fixtureServer('routing'), features: fixtureServer('features'), slow: fixtureServer('slow') },
    });
  });
  after(() => proxy?.stop());

  it("an aborted SDK call gets no answer; the backend receives notifications/cancelled; its late answer is dropped", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    await abortLateAnswer(a, () => listChangeOnStream(a));
  });

  it("cancelling a call cancels the backend's pending sampling request at the client", async (t) => {
    const waiting = gate();
    let handlerSignal: AbortSignal | undefined;
    const a = await connectHttp(t, proxy.url, {
      name: 'client-a',
      handlers: {
        sampling: async (_req, extra) => {
          handlerSignal = extra.signal;
          waiting.open();
          await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
          return samplingAnswer('too late');
        },
      },
    });
    const controller = new AbortController();
    const call = a.client.callTool({ name: 'features__sample', arguments: { prompt: 'hi' } }, undefined, { signal: controller.signal });
    await waiting.promise; // the backend is now waiting for our sampling answer
    controller.abort('user gave up');
    await assert.rejects(call, /user gave up/);
    await waitFor(() => handlerSignal?.aborted, 'the sampling request to be cancelled at the client');
    const received = JSON.parse(await a.callText('features__received')) as string[];
    assert.ok(received.includes('notifications/cancelled'), `features received: ${received}`);
  });

  it("ends the cancelled request's POST stream without an answer for it", async () => {
    const s = await rawSession(proxy.url);
    const res = await s.post(callBody('doomed', 'routing__answer_after_cancel', {}, 'tok'));
    const stream = new SseReader(res);
    assert.equal((await stream.nextMessage()).method, 'notifications/progress', 'the request is at the backend');
    const note = await s.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'doomed', reason: 'test' } });
    assert.equal(note.status, 202);
    // Bounded: a POST held open until the session ends would leak a connection per cancelled call.
    const ended = await stream.waitEnd().then(() => true, () => false);
    await s.end(); // nor may ending the session answer it later
    await stream.waitEnd();
    const answers = stream.events.filter((e) => e.data !== '').map((e) => JSON.parse(e.data)).filter((m) => !('method' in m));
    assert.ok(ended, 'the POST stream of the cancelled request ends');
    assert.deepEqual(answers, [], 'no answer for the cancelled id, not even at session end');
  });
});

describe('routing: cancellation over stdio', { timeout: 60_000 }, () => {
  it("an aborted SDK call gets no answer; the backend receives notifications/cancelled; its late answer is dropped", async (t) => {
    const config = writeConfig(t, { mcpServers: { routing: fixtureServer('routing') } });
    const c = await connectStdio(t, config, { name: 'stdio-client' });
    await abortLateAnswer(c);
  });

  it('a raw client gets no response for cancelled ids, later requests are answered', async (t) => {
    const config = writeConfig(t, { mcpServers: { routing: fixtureServer('routing'), slow: fixtureServer('slow') } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    await proxy.initialize();
    const call = (id: number | string, name: string, args: object = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
    const cancel = (requestId: number | string) => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId, reason: 'raw test' } });
    proxy.send(call(41, 'slow__wait_for_cancel'));
    proxy.send(call('42', 'routing__answer_after_cancel'));
    proxy.send(cancel(41));
    proxy.send(cancel('42'));
    // One pipe, read in order: the proxy forwards the calls before their cancellations, and the
    // cancellations before the calls below. Each backend reads in order too: routing wrote its late
    // answer to '42' before it answered 43, slow stopped 41 (silently) before it answered 44, so an
    // answer to either, from a backend or from the proxy, would have come before these two.
    const received = JSON.parse(textOf(((await proxy.request(43, 'tools/call', { name: 'routing__received', arguments: {} })) as any).result));
    const slow = await proxy.request(44, 'tools/call', { name: 'slow__sleep', arguments: { ms: 10 } });
    assert.equal(textOf((slow as any).result), 'slept 10');
    const answered = proxy.messages().filter((m) => !('method' in m)).map((m) => m.id);
    assert.deepEqual(answered.filter((id) => id === 41 || id === '42'), [], `answers seen: ${JSON.stringify(answered)}`);

    const cancels = received.filter((n: any) => n.method === 'notifications/cancelled');
    assert.equal(cancels.length, 1);
    assert.equal(typeof cancels[0].params.requestId, 'number');
    assert.equal(cancels[0].params.reason, 'raw test', 'the reason is passed on');
  });
});
