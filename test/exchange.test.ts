// The exchange owns every correlation between clients and backends: each of its tables must be
// empty again after an answer, a timeout, a cancellation, the loss of the backend and the close
// of the session. Time is a ManualClock: timeouts are driven, never waited for.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTABLE_CLIENT_CAPABILITIES } from '../src/router/capabilities.js';
import type { Router } from '../src/router/router.js';
import { tool } from './helpers/fake-backend.js';
import { ManualClock } from './helpers/manual-clock.js';
import type { MemoryClient } from './helpers/memory-client.js';
import { routerHarness } from './helpers/router-harness.js';
import { waitFor } from './helpers/wait.js';

const TIMEOUT_MS = 5000;
const ANSWER_MS = 20_000;

function setup(t: TestContext, scripts: Parameters<typeof routerHarness>[1] = { a: { tools: [tool('t')], calls: 'hold' } }) {
  const clock = new ManualClock();
  const h = routerHarness(t, scripts, { clock, requestTimeoutMs: TIMEOUT_MS, clientAnswerMs: ANSWER_MS });
  return { ...h, clock };
}

/** Every table of the exchange but the connections themselves. */
function assertEmpty(router: Router, when: string): void {
  const { connections: _, ...tables } = router.exchange.counts();
  assert.deepEqual(tables, { pending: 0, asked: 0, elicitations: 0, inflight: 0, outbound: 0, tasks: 0, subscriptions: 0, parks: 0 }, when);
}

/** A round trip that must come after everything the proxy sent before it. */
async function barrier(client: MemoryClient): Promise<void> {
  const res = await client.request('ping');
  assert.deepEqual(res.result, {});
}

describe('exchange: every table empties', () => {
  it('after an answer', async (t) => {
    const { router, client, backends } = setup(t);
    await client.initialize();
    const call = client.call('a__t', {}, 'c1');
    const [held] = await backends.server('a').heldCalls(1);
    assert.equal(router.exchange.counts().inflight, 1);
    backends.server('a').answer(held.id, { content: [] });
    assert.deepEqual((await call).result, { content: [] });
    assertEmpty(router, 'after the answer');
  });

  it('after a timeout: the client gets -32001, the backend a cancellation, the late answer is dropped', async (t) => {
    const { router, client, backends, clock } = setup(t);
    await client.initialize();
    const call = client.call('a__t', {}, 'c1');
    const [held] = await backends.server('a').heldCalls(1);
    clock.advance(TIMEOUT_MS + 500);
    const res = await call;
    assert.equal(res.error?.code, -32001);
    assert.match(res.error!.message, /did not answer tools\/call within 5 s/);
    await waitFor(() => backends.server('a').notifications('notifications/cancelled').length === 1, 'the cancellation');
    assert.deepEqual(backends.server('a').notifications('notifications/cancelled')[0].params, { requestId: held.id, reason: 'timeout' });
    backends.server('a').answer(held.id, { content: [] });
    await barrier(client);
    assert.equal(client.responses.filter((r) => r.id === 'c1').length, 1, 'the late answer was dropped');
    assertEmpty(router, 'after the timeout');
  });

  it('after a cancellation', async (t) => {
    const { router, client, backends } = setup(t);
    await client.initialize();
    void client.call('a__t', {}, 7);
    const [held] = await backends.server('a').heldCalls(1);
    client.cancel(7, 'changed my mind');
    await waitFor(() => backends.server('a').notifications('notifications/cancelled').length === 1, 'the cancellation');
    assert.deepEqual(backends.server('a').notifications('notifications/cancelled')[0].params, { requestId: held.id, reason: 'changed my mind' });
    backends.server('a').answer(held.id, { content: [] });
    await barrier(client);
    assert.equal(client.responses.filter((r) => r.id === 7).length, 0, 'no answer after the cancellation');
    assertEmpty(router, 'after the cancellation');
  });

  it('after the backend is lost: calls fail at once, its requests to clients are withdrawn', async (t) => {
    const { router, client, backends } = setup(t);
    await client.initialize('2025-11-25', { roots: {} });
    const call = client.call('a__t', {}, 'c1');
    await backends.server('a').heldCalls(1);
    backends.server('a').send({ jsonrpc: '2.0', id: 'r1', method: 'roots/list' });
    await waitFor(() => client.requests.length === 1, 'roots/list at the client');
    assert.equal(router.exchange.counts().outbound, 1);
    backends.server('a').loseConnection('crashed');
    const res = await call;
    assert.equal(res.error?.code, -32603);
    assert.match(res.error!.message, /server "a" crashed while handling tools\/call/);
    const cancelled = await client.waitForNotification('notifications/cancelled');
    assert.equal(cancelled[0].params?.requestId, client.requests[0].id, 'the client is told to stop answering');
    assertEmpty(router, 'after the loss');
  });

  it('after the session closes: its calls are cancelled, backends asking it get an error, subscriptions go', async (t) => {
    const { router, client, backends } = setup(t, {
      a: { tools: [tool('t')], resources: [{ uri: 'file:///x', name: 'x' }], calls: 'hold', capabilities: { resources: { subscribe: true } } },
    });
    await client.initialize('2025-11-25', { sampling: {} });
    assert.equal((await client.request('resources/subscribe', { uri: 'file:///x' })).error, undefined);
    void client.call('a__t', {}, 'c1');
    const [held] = await backends.server('a').heldCalls(1);
    const asked = backends.server('a').ask('sampling/createMessage', { messages: [], maxTokens: 1 }, 's1');
    await waitFor(() => client.requests.length === 1, 'sampling at the client');
    client.channel.close();
    const answer = await asked;
    assert.equal(answer.error?.code, -32603);
    await waitFor(() => backends.server('a').requests('resources/unsubscribe').length === 1, 'the unsubscribe');
    assert.deepEqual(backends.server('a').notifications('notifications/cancelled')[0].params?.requestId, held.id);
    assertEmpty(router, 'after the close');
    assert.equal(router.sessionCount, 0);
  });

  it("after a backend's request cannot be sent to the client: the backend is answered at once", async (t) => {
    const { router, client, backends } = setup(t);
    await client.initialize('2025-11-25', { sampling: {} });
    const server = backends.server('a');
    const answered = waitFor(() => server.received.find((m) => !('method' in m) && m.id === 'deep1'), 'the answer to the deep request');
    // Parsed fine, but nested too deep for JSON.stringify on the way to the client.
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    server.sendRaw(`{"jsonrpc":"2.0","id":"deep1","method":"sampling/createMessage","params":{"messages":${deep},"maxTokens":1}}`);
    const answer = (await answered) as { error?: { code: number; message: string } };
    assert.equal(answer.error?.code, -32603);
    assert.match(answer.error!.message, /sampling\/createMessage could not be sent to the client/);
    await barrier(client);
    assert.equal(client.requests.length, 0, 'nothing half-sent reached the client');
    assertEmpty(router, 'after the unsendable request');
  });

  it("after a client never answers a backend's request: the backend gets -32001, the client a cancellation", async (t) => {
    const { router, client, backends, clock } = setup(t);
    await client.initialize('2025-11-25', { elicitation: {} });
    const asked = backends.server('a').ask('elicitation/create', { message: 'name?', requestedSchema: { type: 'object', properties: {} } }, 'e1');
    await waitFor(() => client.requests.length === 1, 'elicitation at the client');
    clock.advance(ANSWER_MS + 500);
    const answer = await asked;
    assert.equal(answer.error?.code, -32001);
    assert.match(answer.error!.message, /the client did not answer elicitation\/create within 20 s/);
    const [cancelled] = await client.waitForNotification('notifications/cancelled');
    assert.equal(cancelled.params?.requestId, client.requests[0].id);
    assertEmpty(router, 'after the client timeout');
  });

  it("a client's late answer never reaches the backend's next connection (old ids mean nothing there)", async (t) => {
    const { router, client, backends } = setup(t, { a: { tools: [tool('t')] } });
    await client.initialize('2025-11-25', { roots: {} });
    backends.server('a').send({ jsonrpc: '2.0', id: 1, method: 'roots/list' });
    await waitFor(() => client.requests.length === 1, 'roots/list at the client');
    const first = backends.server('a');
    first.loseConnection();
    const backend = router.registry.get('a')!;
    await backend.start({ roots: {} }, false);
    const second = backends.server('a');
    assert.notEqual(first, second);
    client.send({ jsonrpc: '2.0', id: client.requests[0].id, result: { roots: [] } });
    await barrier(client);
    await backends.server('a').ask('ping', undefined, 'p').then((r) => assert.deepEqual(r.result, {}));
    assert.deepEqual(second.received.filter((m) => !('method' in m)).map((m) => (m as { id: unknown }).id), ['p'], 'the new connection got no stray answer');
    assertEmpty(router, 'after the late answer');
  });
});

describe('exchange: no cross-talk between sessions', () => {
  it("a log message related to A's request reaches only A, on that request", async (t) => {
    const { client: a, openClient, backends } = setup(t);
    const b = openClient();
    await a.initialize();
    await b.initialize();
    void a.call('a__t', {}, 'a1');
    void b.call('a__t', {}, 'b1');
    const [heldA] = await backends.server('a').heldCalls(2);
    backends.server('a').notify('notifications/message', { level: 'info', data: 'for A' }, heldA.id);
    backends.server('a').notify('notifications/message', { level: 'info', data: 'for all' });
    await a.waitForNotification('notifications/message', 2);
    await b.waitForNotification('notifications/message', 1);
    await barrier(b);
    assert.deepEqual(b.notificationsOf('notifications/message').map((n) => n.params?.data), ['for all']);
    const [forA] = a.notificationsOf('notifications/message');
    assert.equal(a.relatedOf.get(forA), 'a1', "sent on A's request (its POST stream)");
  });

  it("roots/list after B's roots change goes to B, even while only A has a call in flight", async (t) => {
    const { client: a, openClient, backends } = setup(t);
    const b = openClient();
    await a.initialize('2025-11-25', { roots: { listChanged: true } });
    await b.initialize('2025-11-25', { roots: { listChanged: true } });
    void a.call('a__t', {}, 'a1');
    await backends.server('a').heldCalls(1);
    b.notify('notifications/roots/list_changed');
    await waitFor(() => backends.server('a').notifications('notifications/roots/list_changed').length === 1, 'the change at the backend');
    const asked = backends.server('a').ask('roots/list', undefined, 'r1');
    await waitFor(() => b.requests.length === 1, 'roots/list at B');
    b.send({ jsonrpc: '2.0', id: b.requests[0].id, result: { roots: [{ uri: 'file:///b' }] } });
    assert.deepEqual((await asked).result, { roots: [{ uri: 'file:///b' }] });
    assert.equal(a.requests.length, 0, 'A was never asked');
  });

  it('a backend request needing what the session did not declare is refused to the backend, never sent on', async (t) => {
    const { router, client, backends } = setup(t);
    await router.start(ROUTABLE_CLIENT_CAPABILITIES, { perClient: false });
    await client.initialize('2025-11-25', { sampling: {}, elicitation: { form: {} } });
    const server = backends.server('a');
    assert.deepEqual(server.requests('initialize')[0].params?.capabilities, ROUTABLE_CLIENT_CAPABILITIES, 'HTTP mode offers every routable capability');
    const cases: [string, Record<string, unknown>, string][] = [
      ['sampling/createMessage', { messages: [], maxTokens: 1, tools: [] }, 'sampling.tools'],
      ['sampling/createMessage', { messages: [], maxTokens: 1, includeContext: 'allServers' }, 'sampling.context'],
      ['elicitation/create', { mode: 'url', url: 'https://x.test', message: 'go', elicitationId: 'u1' }, 'elicitation.url'],
      ['roots/list', {}, 'roots'],
      ['sampling/createMessage', { messages: [], maxTokens: 1, task: { ttl: 1000 } }, 'tasks.requests.sampling.createMessage'],
    ];
    for (const [i, [method, params, missing]] of cases.entries()) {
      const answer = await server.ask(method, params, `x${i}`);
      assert.equal(answer.error?.code, -32601, method);
      assert.match(answer.error!.message, new RegExp(`does not support ${missing.replace(/\./g, '\\.')}$`), method);
    }
    await barrier(client);
    assert.equal(client.requests.length, 0, 'nothing reached the client');
    const allowed = server.ask('sampling/createMessage', { messages: [], maxTokens: 1 }, 'ok');
    await waitFor(() => client.requests.length === 1, 'plain sampling reaches the client');
    client.send({ jsonrpc: '2.0', id: client.requests[0].id, result: { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' } });
    assert.equal((await allowed).result?.model, 'm');
  });
});

describe('exchange: tasks', () => {
  const taskScript = (prefix: string) => ({
    tools: [tool('long', { execution: { taskSupport: 'optional' } })],
    capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    handlers: {
      'tools/call': () => ({ task: { taskId: 'T1', status: 'working', createdAt: 'now', lastUpdatedAt: 'now', ttl: 60_000 } }),
      'tasks/get': (p: any) => ({ taskId: p.taskId, status: 'working', createdAt: 'now', lastUpdatedAt: 'now', ttl: 60_000, from: prefix }),
      'tasks/result': (p: any) => ({ content: [{ type: 'text', text: prefix }], _meta: { 'io.modelcontextprotocol/related-task': { taskId: p.taskId } } }),
      'tasks/cancel': (p: any) => ({ taskId: p.taskId, status: 'cancelled', createdAt: 'now', lastUpdatedAt: 'now', ttl: 60_000 }),
      'tasks/list': () => ({ tasks: [{ taskId: 'T1', status: 'working' }, { taskId: 'someone-else', status: 'working' }] }),
    },
  });

  it('two backends using the same task id stay apart; get, result, cancel and list reach the right one', async (t) => {
    const { router, client, openClient, backends } = setup(t, { a: taskScript('A'), b: taskScript('B') });
    const init = await client.initialize();
    assert.deepEqual(init.capabilities.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const other = openClient();
    await other.initialize();
    const ta = (await client.request('tools/call', { name: 'a__long', arguments: {}, task: {} })).result.task.taskId;
    const tb = (await client.request('tools/call', { name: 'b__long', arguments: {}, task: { ttl: 1000 } })).result.task.taskId;
    assert.notEqual(ta, 'T1');
    assert.notEqual(ta, tb);
    assert.equal((await client.request('tasks/get', { taskId: tb })).result.from, 'B');
    assert.equal(backends.server('b').requests('tasks/get')[0].params?.taskId, 'T1', 'the backend sees its own id');
    const result = (await client.request('tasks/result', { taskId: ta })).result;
    assert.deepEqual([result.content[0].text, result._meta['io.modelcontextprotocol/related-task'].taskId], ['A', ta]);
    const listed = (await client.request('tasks/list', {})).result.tasks.map((x: any) => x.taskId).sort();
    assert.deepEqual(listed, [ta, tb].sort(), "only this session's tasks, under the proxy's ids");
    assert.equal((await other.request('tasks/get', { taskId: ta })).error?.code, -32602, "another session cannot reach A's task");
    assert.deepEqual((await other.request('tasks/list', {})).result.tasks, []);
    assert.equal((await client.request('tasks/cancel', { taskId: ta })).result.taskId, ta);
    assert.equal(router.exchange.counts().tasks, 2);
    client.channel.close();
    await waitFor(() => router.exchange.counts().tasks === 0, 'the tasks go with the session');
  });

  it("task status and the task's progress reach only the session that created it", async (t) => {
    const { router, client, openClient, backends } = setup(t, { a: taskScript('A') });
    const other = openClient();
    await client.initialize();
    await other.initialize();
    const created = await client.request('tools/call', { name: 'a__long', arguments: {}, task: {}, _meta: { progressToken: 'p' } });
    const taskId = created.result.task.taskId;
    const call = backends.server('a').requests('tools/call')[0];
    backends.server('a').notify('notifications/progress', { progressToken: call.params?._meta.progressToken, progress: 1 });
    backends.server('a').notify('notifications/tasks/status', { taskId: 'T1', status: 'completed', createdAt: 'now', lastUpdatedAt: 'now', ttl: 1 });
    const [status] = await client.waitForNotification('notifications/tasks/status');
    assert.equal(status.params?.taskId, taskId);
    const [progress] = await client.waitForNotification('notifications/progress');
    assert.equal(progress.params?.progressToken, 'p', 'progress after the CreateTaskResult keeps the client token');
    await barrier(other);
    assert.equal(other.notifications.length, 0, 'the other session heard nothing');
    backends.server('a').loseConnection();
    await waitFor(() => router.exchange.counts().tasks === 0, 'the tasks go with the connection');
  });

  it("a backend's task-augmented request runs as a client task: ids mapped both ways", async (t) => {
    const { router, client, backends } = setup(t);
    await client.initialize('2025-11-25', { sampling: {}, tasks: { requests: { sampling: { createMessage: {} } } } });
    const server = backends.server('a');
    const created = server.ask('sampling/createMessage', { messages: [], maxTokens: 1, task: { ttl: 5000 } }, 'q1');
    await waitFor(() => client.requests.length === 1, 'the request at the client');
    client.send({ jsonrpc: '2.0', id: client.requests[0].id, result: { task: { taskId: 'client-7', status: 'working', ttl: 5000 } } });
    const proxyTaskId = (await created).result.task.taskId;
    assert.notEqual(proxyTaskId, 'client-7');
    const polled = server.ask('tasks/get', { taskId: proxyTaskId }, 'q2');
    await waitFor(() => client.requests.length === 2, 'tasks/get at the client');
    assert.equal(client.requests[1].params?.taskId, 'client-7');
    client.send({ jsonrpc: '2.0', id: client.requests[1].id, result: { taskId: 'client-7', status: 'completed' } });
    assert.equal((await polled).result.taskId, proxyTaskId);
    client.notify('notifications/tasks/status', { taskId: 'client-7', status: 'completed' });
    await waitFor(() => server.notifications('notifications/tasks/status').length === 1, 'the status at the backend');
    assert.equal(server.notifications('notifications/tasks/status')[0].params?.taskId, proxyTaskId);
    assert.equal((await server.ask('tasks/get', { taskId: 'client-7' }, 'q3')).error?.code, -32602, "the client's own id means nothing to the backend");
    assert.equal(router.exchange.counts().tasks, 1);
  });
});
