// MCP 2026-07-28 through the router: stateless requests (a session per request, told about its
// client by `_meta`), server/discover, the answers' resultType and caching hints, listen streams,
// and the bridge both ways: a 2025 backend's sampling/elicitation/roots become input_required
// for a 2026 client, and a 2026 backend's input_required becomes requests to a 2025 client.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MetaKey } from '../protocol/modern.js';
import { tool } from './helpers/fake-backend.js';
import { ManualClock } from './helpers/manual-clock.js';
import { envelope, modernRequest } from './helpers/modern-client.js';
import { routerHarness } from './helpers/router-harness.js';
import { waitFor } from './helpers/wait.js';

const ANSWER_MS = 60_000;

function setup(t: TestContext, scripts: Parameters<typeof routerHarness>[1]) {
  const clock = new ManualClock();
  const h = routerHarness(t, scripts, { clock, clientAnswerMs: ANSWER_MS });
  /** Only the harness's own 2025 client session is left. */
  const idle = () => waitFor(() => h.router.sessionCount === 1, 'every request session closed');
  return { ...h, clock, idle };
}

function assertEmpty(h: ReturnType<typeof setup>, when: string): void {
  const { connections: _, ...tables } = h.router.exchange.counts();
  assert.deepEqual(tables, { pending: 0, asked: 0, elicitations: 0, inflight: 0, outbound: 0, tasks: 0, subscriptions: 0, parks: 0 }, when);
}

describe('2026-07-28 front: stateless requests', () => {
  it('answers server/discover, lists with resultType, caching hints and serverInfo, and refuses removed methods', async (t) => {
    const h = setup(t, { a: { tools: [tool('t')], capabilities: { logging: {} } } });
    await h.router.start({}, { perClient: false });
    const discover = (await modernRequest(h.router, 'server/discover').answer).result;
    assert.deepEqual(discover.supportedVersions, ['2026-07-28']);
    assert.equal(discover.resultType, 'complete');
    assert.deepEqual([discover.ttlMs, discover.cacheScope], [0, 'private']);
    assert.equal(discover._meta[MetaKey.serverInfo].name, 'multi-mcp');
    assert.deepEqual(discover.capabilities.tools, { listChanged: true });
    const list = (await modernRequest(h.router, 'tools/list').answer).result;
    assert.deepEqual(list.tools.map((x: { name: string }) => x.name), ['a__t']);
    assert.equal(list.resultType, 'complete');
    assert.equal(list.ttlMs, 300_000, 'a 2025 server that announces tool changes: the proxy keeps the list fresh');
    assert.equal(list.cacheScope, 'public');
    for (const method of ['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'tasks/get']) {
      const res = await modernRequest(h.router, method).answer;
      assert.equal(res.error?.code, -32601, method);
    }
    const call = await modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {} }).answer;
    assert.equal(call.result.resultType, 'complete');
    assert.equal(h.backends.server('a').requests('tools/call')[0].params?._meta?.[MetaKey.protocolVersion], undefined, 'a 2025 backend sees no envelope');
    await h.idle();
    assertEmpty(h, 'after stateless requests');
  });

  it('an unknown resource is -32602 with its URI; logs only when the request asked for them', async (t) => {
    const h = setup(t, {
      a: { tools: [tool('t')], resources: [{ uri: 'file:///a', name: 'a' }], calls: 'hold', capabilities: { logging: {} } },
      b: { resources: [{ uri: 'file:///b', name: 'b' }] }, // two resource servers: an unknown URI has no owner
    });
    await h.router.start({}, { perClient: false });
    const missing = await modernRequest(h.router, 'resources/read', { uri: 'file:///nowhere' }).answer;
    assert.equal(missing.error?.code, -32602);
    assert.deepEqual(missing.error?.data, { uri: 'file:///nowhere' });
    const quiet = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {} });
    const loud = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {} }, envelope({}, { logLevel: 'info' }));
    const [q, l] = await h.backends.server('a').heldCalls(2);
    h.backends.server('a').notify('notifications/message', { level: 'info', data: 'q' }, q.id);
    h.backends.server('a').notify('notifications/message', { level: 'info', data: 'l' }, l.id);
    h.backends.server('a').notify('notifications/message', { level: 'error', data: 'unrelated' });
    h.backends.server('a').answer(q.id, { content: [] });
    h.backends.server('a').answer(l.id, { content: [] });
    await quiet.answer;
    await loud.answer;
    assert.deepEqual(quiet.messages.filter((m) => m.method === 'notifications/message'), [], 'no logLevel: no logs');
    assert.deepEqual(loud.messages.filter((m) => m.method === 'notifications/message').map((m) => m.params.data), ['l']);
    assert.equal(h.backends.server('a').requests('tools/call')[1].params?._meta?.[MetaKey.logLevel], undefined);
  });

  it('subscriptions/listen: acknowledged first, then only the list changes asked for, tagged', async (t) => {
    const h = setup(t, { a: { tools: [tool('t')], prompts: [{ name: 'p' }] } });
    await h.router.start({}, { perClient: false });
    const tools = modernRequest(h.router, 'subscriptions/listen', { notifications: { toolsListChanged: true } }, envelope(), 'L1');
    const prompts = modernRequest(h.router, 'subscriptions/listen', { notifications: { promptsListChanged: true } }, envelope(), 7);
    await waitFor(() => tools.messages.length === 1 && prompts.messages.length === 1, 'both acks');
    assert.deepEqual(tools.messages[0], {
      jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { [MetaKey.subscriptionId]: 'L1' }, notifications: { toolsListChanged: true } },
    });
    h.backends.server('a').script.tools = [tool('t'), tool('u')];
    h.backends.server('a').notify('notifications/tools/list_changed');
    await waitFor(() => tools.messages.length === 2, 'the tools change');
    assert.deepEqual(tools.messages[1], { jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { [MetaKey.subscriptionId]: 'L1' } } });
    h.backends.server('a').script.prompts = [{ name: 'p' }, { name: 'q' }];
    h.backends.server('a').notify('notifications/prompts/list_changed');
    await waitFor(() => prompts.messages.length === 2, 'the prompts change');
    assert.equal(prompts.messages[1].params._meta[MetaKey.subscriptionId], 7, "the listen request's own id, same type");
    assert.equal(tools.messages.length, 2, 'the tools stream did not get the prompts change');
    tools.close();
    prompts.close();
    await h.idle();
  });
});

describe('2026-07-28 bridge: a 2025 backend asks a 2026 client for input', () => {
  const holdScript = { tools: [tool('t')], calls: 'hold' as const };

  it('sampling becomes input_required; the retry answers the parked request; the final result answers the retry', async (t) => {
    const h = setup(t, { a: holdScript });
    await h.router.start({}, { perClient: false });
    const caps = { sampling: {}, elicitation: {} };
    const first = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: { x: 1 } }, envelope(caps));
    const [call] = await h.backends.server('a').heldCalls(1);
    const sampled = h.backends.server('a').ask('sampling/createMessage', { messages: [{ role: 'user', content: { type: 'text', text: '?' } }], maxTokens: 5 }, 'b1', call.id);
    const ir = (await first.answer).result;
    assert.equal(ir.resultType, 'input_required');
    assert.deepEqual(Object.keys(ir.inputRequests), ['sampling_1']);
    assert.equal(ir.inputRequests.sampling_1.method, 'sampling/createMessage');
    assert.equal(typeof ir.requestState, 'string');
    await h.idle();
    assert.equal(h.router.exchange.counts().parks, 1, 'the backend request waits in a park');

    const answer = { role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'm', stopReason: 'endTurn' };
    const retry = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: { x: 1 }, inputResponses: { sampling_1: answer }, requestState: ir.requestState }, envelope(caps));
    assert.deepEqual((await sampled).result, answer, 'the parked request got the client’s answer');
    // A second round: elicitation, then the final result.
    const elicited = h.backends.server('a').ask('elicitation/create', { message: 'name?', requestedSchema: { type: 'object', properties: {} } }, 'b2', call.id);
    const ir2 = (await retry.answer).result;
    assert.deepEqual(Object.keys(ir2.inputRequests), ['elicitation_2']);
    assert.notEqual(ir2.requestState, ir.requestState);
    const replay = await modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: { x: 1 }, inputResponses: { sampling_1: answer }, requestState: ir.requestState }, envelope(caps)).answer;
    assert.equal(replay.error?.code, -32602, 'a used requestState is refused');
    const tampered = await modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {}, inputResponses: {}, requestState: ir2.requestState.slice(0, -2) + 'xx' }, envelope(caps)).answer;
    assert.equal(tampered.error?.code, -32602);
    assert.match(tampered.error!.message, /integrity/);
    const last = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: { x: 1 }, inputResponses: { elicitation_2: { action: 'accept', content: {} } }, requestState: ir2.requestState }, envelope(caps));
    assert.deepEqual((await elicited).result, { action: 'accept', content: {} });
    h.backends.server('a').answer(call.id, { content: [{ type: 'text', text: 'done' }] });
    const final = (await last.answer).result;
    assert.deepEqual([final.content[0].text, final.resultType], ['done', 'complete']);
    await h.idle();
    assertEmpty(h, 'after the bridged call');
  });

  it('several inputs at once go in one input_required; an input left out is asked again', async (t) => {
    const h = setup(t, { a: holdScript });
    await h.router.start({}, { perClient: false });
    const caps = { sampling: {}, roots: {} };
    const first = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {} }, envelope(caps));
    const [call] = await h.backends.server('a').heldCalls(1);
    const roots = h.backends.server('a').ask('roots/list', {}, 'r', call.id);
    const sample = h.backends.server('a').ask('sampling/createMessage', { messages: [], maxTokens: 1 }, 's', call.id);
    const ir = (await first.answer).result;
    assert.deepEqual(Object.keys(ir.inputRequests).sort(), ['roots_1', 'sampling_2']);
    const partial = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {}, inputResponses: { roots_1: { roots: [] } }, requestState: ir.requestState }, envelope(caps));
    assert.deepEqual((await roots).result, { roots: [] });
    const again = (await partial.answer).result;
    assert.deepEqual(Object.keys(again.inputRequests), ['sampling_2'], 'what it did not answer is asked again');
    const done = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {}, inputResponses: { sampling_2: { role: 'assistant', content: { type: 'text', text: 'x' }, model: 'm' } }, requestState: again.requestState }, envelope(caps));
    await sample;
    h.backends.server('a').answer(call.id, { content: [] });
    assert.equal((await done.answer).result.resultType, 'complete');
  });

  it('a capability the request did not declare is refused to the backend; a client that never retries lets the park expire', async (t) => {
    const h = setup(t, { a: holdScript });
    await h.router.start({}, { perClient: false });
    const first = modernRequest(h.router, 'tools/call', { name: 'a__t', arguments: {} }, envelope({ elicitation: {} }));
    const [call] = await h.backends.server('a').heldCalls(1);
    const refused = await h.backends.server('a').ask('sampling/createMessage', { messages: [], maxTokens: 1 }, 'nope', call.id);
    assert.equal(refused.error?.code, -32601);
    const elicited = h.backends.server('a').ask('elicitation/create', { message: 'm', requestedSchema: { type: 'object', properties: {} } }, 'e', call.id);
    assert.equal((await first.answer).result.resultType, 'input_required');
    h.clock.advance(ANSWER_MS + 1000);
    const expired = await elicited;
    assert.equal(expired.error?.code, -32001);
    await waitFor(() => h.backends.server('a').notifications('notifications/cancelled').length === 1, 'the call cancelled at the backend');
    assert.equal(h.backends.server('a').notifications('notifications/cancelled')[0].params?.requestId, call.id);
    await h.idle();
    assertEmpty(h, 'after the park expired');
  });
});

describe('2026-07-28 bridge: a 2026 backend answers input_required to a 2025 client', () => {
  it("asks the client on its own session, retries with the answers and requestState, returns the final result to the client's request", async (t) => {
    let round = 0;
    const h = setup(t, {
      m: {
        tools: [tool('t')],
        handlers: {
          'tools/call': (p: any) => {
            round++;
            if (!p.inputResponses) {
              return { resultType: 'input_required', inputRequests: { who: { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } } }, requestState: 'server-state-1' };
            }
            return { resultType: 'complete', content: [{ type: 'text', text: `hello ${p.inputResponses.who.content.name} (${p.requestState})` }] };
          },
        },
      },
    });
    const client = h.client;
    await client.initialize('2025-11-25', { elicitation: {} });
    h.router.registry.get('m')!.modern = true; // as the probe would find it
    const call = client.request('tools/call', { name: 'm__t', arguments: {}, _meta: { progressToken: 'p1' } }, 'c1');
    await waitFor(() => client.requests.length === 1, 'the elicitation at the client');
    assert.equal(client.requests[0].method, 'elicitation/create');
    assert.equal(client.relatedOf.get(client.requests[0]), 'c1', "on the client request's stream");
    client.send({ jsonrpc: '2.0', id: client.requests[0].id, result: { action: 'accept', content: { name: 'Ada' } } });
    const res = await call;
    assert.equal(res.id, 'c1');
    assert.equal(res.result.content[0].text, 'hello Ada (server-state-1)');
    const calls = h.backends.server('m').requests('tools/call');
    assert.equal(calls.length, 2);
    assert.notEqual(calls[0].id, calls[1].id, 'the retry is a new request');
    assert.deepEqual(calls[1].params?.inputResponses, { who: { action: 'accept', content: { name: 'Ada' } } });
    assert.equal(calls[1].params?._meta?.[MetaKey.protocolVersion], '2026-07-28');
    assert.deepEqual(calls[1].params?._meta?.[MetaKey.clientCapabilities], { elicitation: {} }, "the 2025 client's capabilities, in the 2026 shape");
    assert.equal(round, 2);
    assertEmpty(h, 'after the rounds');
  });
});
