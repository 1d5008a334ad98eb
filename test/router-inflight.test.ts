// The router in memory, requests in flight: progress tokens, cancellation, failing and lost
// backends, list_changed from a backend.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonRpcResponse } from '../protocol/jsonrpc.js';
import { REFUSE, tool } from './helpers/fake-backend.js';
import { routerHarness } from './helpers/router-harness.js';
import { ManualClock } from './helpers/manual-clock.js';
import { settle, sleep, waitFor } from './helpers/wait.js';

describe('router: progress', { timeout: 15_000 }, () => {
  for (const token of ['client-token-1', 42, 0]) {
    it(`rewrites the progress token towards the backend and restores ${JSON.stringify(token)} exactly`, async (t) => {
      const { client, backends } = routerHarness(t, { a: { tools: [tool('slow')], calls: 'hold' } });
      await client.initialize();
      const answer = client.request('tools/call', { name: 'a__slow', arguments: {}, _meta: { progressToken: token } }, 'p');
      const [held] = await backends.server('a').heldCalls(1);
      const backendToken = held.params!._meta.progressToken;
      assert.equal(backendToken, held.id, 'the backend sees a proxy-side token');
      const server = backends.server('a');
      server.notify('notifications/progress', { progressToken: backendToken, progress: 1, total: 2, message: 'half' });
      server.notify('notifications/progress', { progressToken: backendToken, progress: 2, total: 2 });
      server.notify('notifications/progress', { progressToken: 9999, progress: 1 }); // unknown token: dropped
      const progress = await client.waitForNotification('notifications/progress', 2);
      server.answer(held.id, { done: true });
      assert.deepEqual((await answer).result, { done: true });
      assert.deepEqual(
        progress.map((n) => n.params),
        [
          { progressToken: token, progress: 1, total: 2, message: 'half' },
          { progressToken: token, progress: 2, total: 2 },
        ],
      );
      assert.equal(typeof progress[0].params!.progressToken, typeof token);
      await settle();
      assert.equal(client.notificationsOf('notifications/progress').length, 2);
    });
  }
});

describe('router: cancellation', { timeout: 15_000 }, () => {
  it("forwards notifications/cancelled with the backend's id and drops the late answer", async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize();
    void client.call('a__t', {}, 'c1');
    const server = backends.server('a');
    const [held] = await server.heldCalls(1);
    client.cancel('c1', 'user pressed stop');
    const [cancel] = await waitFor(() => {
      const found = server.notifications('notifications/cancelled');
      return found.length > 0 && found;
    }, 'cancellation at the backend');
    assert.deepEqual(cancel.params, { requestId: held.id, reason: 'user pressed stop' });
    server.answer(held.id, { late: true });
    await settle();
    await client.request('ping');
    assert.equal(client.responses.filter((r) => r.id === 'c1').length, 0, 'late answer dropped');
    // The id is free again.
    const again = client.call('a__t', {}, 'c1');
    const [, second] = await server.heldCalls(2);
    server.answer(second.id, { again: true });
    assert.deepEqual((await again).result, { again: true });
  });

  it('ignores cancellation of an unknown request', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')] } });
    await client.initialize();
    client.notify('notifications/cancelled', { requestId: 'never-sent' });
    await settle();
    assert.equal(backends.server('a').notifications('notifications/cancelled').length, 0);
    assert.equal((await client.call('a__t')).result.structuredContent.server, 'a');
  });
});

describe('router: failing backends', { timeout: 15_000 }, () => {
  it('leaves out a backend that fails to initialize or to connect; the others serve', async (t) => {
    const { client, router } = routerHarness(t, {
      good: { tools: [tool('ok')] },
      refusesInit: { tools: [tool('never')], initialize: 'error' },
      unreachable: REFUSE,
      alsoGood: { tools: [tool('fine')] },
    });
    const init = await client.initialize();
    assert.equal(init.serverInfo.name, 'multi-mcp');
    const names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
    assert.deepEqual(names, ['good__ok', 'alsoGood__fine']);
    assert.equal((await client.call('alsoGood__fine')).result.structuredContent.server, 'alsoGood');
    const states = Object.fromEntries([...router.registry.list()].map((b) => [b.name, b.state]));
    assert.deepEqual(states, { good: 'ready', refusesInit: 'failed', unreachable: 'failed', alsoGood: 'ready' });
  });

  it('fails a call at once, naming the server, when the connection is lost mid-call', async (t) => {
    const { client, backends } = routerHarness(t, { flaky: { tools: [tool('t')], calls: 'hold' }, steady: { tools: [tool('t')] } });
    await client.initialize();
    const answers = [client.call('flaky__t', {}, 1), client.call('flaky__t', {}, '1')];
    await backends.server('flaky').heldCalls(2);
    backends.server('flaky').loseConnection('pipe broke');
    for (const res of await Promise.all(answers)) {
      assert.ok(res.error, `an error for id ${JSON.stringify(res.id)}`);
      assert.match(res.error.message, /flaky/);
    }
    assert.deepEqual(client.responses.slice(-2).map((r) => r.id).sort(), [1, '1'].sort());
    assert.equal((await client.call('steady__t')).result.structuredContent.server, 'steady');
    const gone = await client.call('flaky__t', {}, 'after');
    assert.ok(gone.error, 'the lost server no longer takes calls');
    const names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
    assert.deepEqual(names, ['steady__t']);
  });
});

describe('router: list_changed', { timeout: 15_000 }, () => {
  it('re-lists a backend on list_changed and sends the client one notification for a burst', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('one')], prompts: [] }, b: { tools: [tool('other')] } });
    await client.initialize();
    const server = backends.server('a');
    server.script.tools = [tool('one'), tool('two')];
    for (let i = 0; i < 3; i++) server.notify('notifications/tools/list_changed');
    await client.waitForNotification('notifications/tools/list_changed');
    // The same server then changes another list: that is re-listed and announced after everything
    // the burst caused, so once its notification is here, a second tools one would be too.
    server.script.prompts = [{ name: 'p' }];
    server.notify('notifications/prompts/list_changed');
    await client.waitForNotification('notifications/prompts/list_changed');
    assert.equal(client.notificationsOf('notifications/tools/list_changed').length, 1);
    assert.ok(server.requests('tools/list').length >= 2, 'the backend was re-listed');
    const names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
    assert.deepEqual(names, ['a__one', 'a__two', 'b__other']);
    assert.equal((await client.call('a__two')).result.structuredContent.tool, 'two');
  });

  it('does not lose a list_changed that arrives while the backend is still being listed at start', async (t) => {
    const script = { tools: [tool('one')], prompts: [{ name: 'p' }], holdLists: ['prompts/list'] };
    const { client, backends } = routerHarness(t, { a: script });
    const init = client.initialize();
    const server = await waitFor(() => {
      try {
        return backends.server('a');
      } catch {
        return undefined;
      }
    }, 'the backend to connect');
    const heldPrompts = await server.heldRequest('prompts/list');
    assert.equal(server.requests('tools/list').length, 1, 'tools already listed');
    // The server adds a tool after its tools/list answer, while the proxy still waits for prompts.
    server.script.tools = [tool('one'), tool('two')];
    server.notify('notifications/tools/list_changed');
    await settle();
    server.answerList(heldPrompts);
    await init;
    let names: string[] = [];
    for (let i = 0; i < 50 && !names.includes('a__two'); i++) {
      names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
      if (!names.includes('a__two')) await sleep(20);
    }
    assert.deepEqual(names, ['a__one', 'a__two'], 'the proxy must re-list (or list after) a change announced during start-up');
  });

  it('announces prompt and resource changes with their own notifications', async (t) => {
    const { client, backends } = routerHarness(t, {
      a: { prompts: [{ name: 'p1' }], resources: [{ uri: 'a://1', name: '1' }] },
    });
    await client.initialize();
    const server = backends.server('a');
    server.script.prompts = [{ name: 'p1' }, { name: 'p2' }];
    server.script.resources = [{ uri: 'a://2', name: '2' }];
    server.notify('notifications/prompts/list_changed');
    server.notify('notifications/resources/list_changed');
    await client.waitForNotification('notifications/prompts/list_changed');
    await client.waitForNotification('notifications/resources/list_changed');
    assert.deepEqual((await client.listAll('prompts/list', 'prompts')).map((p) => p.name), ['a__p1', 'a__p2']);
    assert.deepEqual((await client.listAll('resources/list', 'resources')).map((r) => r.uri), ['a://2']);
    assert.equal(client.notificationsOf('notifications/tools/list_changed').length, 0);
  });
});

describe('router: requests from backends and session end', { timeout: 15_000 }, () => {
  it('routes a server→client request to the calling session and maps the answer back to the backend id', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('sample')], calls: 'hold' } });
    await client.initialize('2025-11-25', { sampling: {} });
    const answer = client.call('a__sample', {}, 'outer');
    const server = backends.server('a');
    const [held] = await server.heldCalls(1);
    server.send({ jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } });
    const [request] = await waitFor(() => client.requests.length > 0 && client.requests, 'sampling request at the client');
    assert.equal(request.method, 'sampling/createMessage');
    assert.deepEqual(request.params, { messages: [], maxTokens: 5 });
    client.send({ jsonrpc: '2.0', id: request.id, result: { role: 'assistant', content: { type: 'text', text: 'hi' } } });
    const reply = await waitFor(() => server.received.find((m) => !('method' in m)), 'the sampling answer at the backend');
    assert.deepEqual(reply, { jsonrpc: '2.0', id: 'srv-1', result: { role: 'assistant', content: { type: 'text', text: 'hi' } } });
    server.answer(held.id, { ok: true });
    assert.deepEqual((await answer).result, { ok: true });
  });

  it('refuses a server→client request the client has no capability for', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize('2025-11-25', {});
    void client.call('a__t', {}, 1);
    const server = backends.server('a');
    await server.heldCalls(1);
    server.send({ jsonrpc: '2.0', id: 77, method: 'elicitation/create', params: { message: 'q', requestedSchema: {} } });
    const reply = await waitFor(() => server.received.find((m) => !('method' in m)), 'the refusal at the backend');
    assert.deepEqual([(reply as JsonRpcResponse).id, (reply as JsonRpcResponse).error?.code], [77, -32601]);
    assert.equal(client.requests.length, 0);
  });

  it('cancels the requests of a client session at its backends when the session ends', async (t) => {
    const { client, backends, router } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize();
    void client.call('a__t', {}, 1);
    const server = backends.server('a');
    const [held] = await server.heldCalls(1);
    client.channel.close();
    const [cancel] = await waitFor(() => {
      const found = server.notifications('notifications/cancelled');
      return found.length > 0 && found;
    }, 'cancellation after the session ended');
    assert.equal(cancel.params!.requestId, held.id);
    assert.equal(router.sessionCount, 0);
  });

  it('fails a request the backend does not answer in time with -32001 and cancels it at the backend', async (t) => {
    // Time is driven (a ManualClock), so nothing else can time out on a slow machine.
    const clock = new ManualClock();
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } }, { requestTimeoutMs: 200, clock });
    await client.initialize();
    const call = client.call('a__t', {}, 'slow');
    await backends.server('a').heldCalls(1);
    clock.advance(200 + 500);
    const res = await call;
    assert.equal(res.id, 'slow');
    assert.equal(res.error?.code, -32001);
    assert.match(res.error!.message, /"a"/);
    const [held] = backends.server('a').held;
    assert.deepEqual(backends.server('a').notifications('notifications/cancelled').map((n) => n.params!.requestId), [held.id]);
  });

  it('does not send the client progress for a request that asked for none', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize();
    const answer = client.call('a__t', {}, 'np');
    const server = backends.server('a');
    const [held] = await server.heldCalls(1);
    // A misbehaving backend reports progress on its request id although no token was given.
    server.notify('notifications/progress', { progressToken: held.id, progress: 1 });
    await settle();
    server.answer(held.id, {});
    await answer;
    const progress = client.notificationsOf('notifications/progress');
    assert.deepEqual(progress, [], `client got ${JSON.stringify(progress)}`);
  });
});
