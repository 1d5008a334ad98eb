// Defects found by reading the router before the exchange owned every correlation; each test
// here failed on that code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Backend } from '../src/backends/backend.js';
import type { BackendConnection, Connector } from '../src/backends/connection.js';
import { systemClock } from '../src/router/clock.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { ROUTABLE_CLIENT_CAPABILITIES } from '../src/router/capabilities.js';
import { NdjsonReader } from '../src/transports/ndjson.js';
import { fakeSpec, tool } from './helpers/fake-backend.js';
import { routerHarness } from './helpers/router-harness.js';
import { waitFor } from './helpers/wait.js';

describe('exchange: defects found by reading', () => {
  it("relates a backend's message to the right client request when its id is another request's client id", async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize('2025-11-25', { sampling: {} });
    // The second call's client id is the backend id the proxy gave the first one.
    void client.call('a__t', {}, 'first');
    const [first] = await backends.server('a').heldCalls(1);
    void client.call('a__t', {}, first.id);
    await backends.server('a').heldCalls(2);
    backends.server('a').send({ jsonrpc: '2.0', id: 'q', method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } }, first.id);
    backends.server('a').notify('notifications/message', { level: 'info', data: 'log' }, first.id);
    await waitFor(() => client.requests.length === 1 && client.notifications.length === 1, 'the sampling request and the log');
    assert.equal(client.relatedOf.get(client.requests[0]), 'first', 'the client id of the request the backend named');
    assert.equal(client.relatedOf.get(client.notifications[0]), 'first');
  });

  it('stop() while a start is connecting: the backend stays stopped and its connection is closed', async (t) => {
    let release!: (c: BackendConnection) => void;
    let closed = false;
    const connecting = new Promise<BackendConnection>((resolve) => (release = resolve));
    const { router } = routerHarness(t, {});
    const connector: Connector = () => connecting;
    // A backend of its own, reaching the slow connector.
    const backend = new Backend(fakeSpec('x'), { connector, host: router.exchange, clock: systemClock, connectTimeoutMs: 60_000, requestTimeoutMs: 1000 });
    const started = backend.start({}, true);
    await backend.stop('was removed');
    const [proxySide] = memoryChannelPair();
    release({ channel: proxySide, transport: 'memory', onLost: () => {}, close: async () => void (closed = true) });
    await assert.rejects(started);
    assert.equal(backend.state, 'stopped');
    await waitFor(() => closed, 'the late connection to be closed');
    assert.equal(router.exchange.counts().connections, 0);
  });

  it("one listener exception does not lose the rest of a chunk's messages, and is reported", async () => {
    const input = new PassThrough();
    const reader = new NdjsonReader(input);
    const seen: unknown[] = [];
    const errors: Error[] = [];
    reader.onError((e) => errors.push(e));
    reader.listen((msg) => {
      seen.push((msg as unknown as { id: unknown }).id);
      if (seen.length === 1) throw new Error('listener bug');
    });
    input.write('{"jsonrpc":"2.0","id":1,"method":"a"}\n{"jsonrpc":"2.0","id":2,"method":"b"}\n');
    await waitFor(() => seen.length === 2, 'both messages');
    assert.deepEqual(seen, [1, 2]);
    assert.match(errors[0].message, /listener bug/);
  });

  it('the shared log level relaxes when the session that asked for debug leaves', async (t) => {
    const { client: a, openClient, backends } = routerHarness(t, { s: { tools: [tool('t')], capabilities: { logging: {} } } });
    const b = openClient();
    await a.initialize();
    await b.initialize();
    await b.request('logging/setLevel', { level: 'error' });
    await a.request('logging/setLevel', { level: 'debug' });
    const levels = () => backends.server('s').requests('logging/setLevel').map((r) => r.params?.level);
    assert.equal(levels().at(-1), 'debug');
    a.channel.close();
    await waitFor(() => levels().at(-1) === 'error', 'the shared backend back to the remaining level');
  });

  it('HTTP mode: a per-client server is listed but its registered entry does not keep running or broadcast', async (t) => {
    const { router, client, backends } = routerHarness(t, { p: { tools: [tool('mine')] } }, { specs: { p: { session: 'per-client' } } });
    await router.start(ROUTABLE_CLIENT_CAPABILITIES, { perClient: false });
    const probe = backends.server('p');
    assert.equal(router.registry.get('p')!.state, 'idle');
    assert.equal(probe.closed, true, 'the probe instance was stopped once listed');
    await client.initialize();
    assert.deepEqual((await client.request('tools/list')).result.tools.map((x: { name: string }) => x.name), ['p__mine']);
    const res = await client.call('p__mine');
    assert.equal(res.result.structuredContent.server, 'p');
    assert.notEqual(backends.server('p'), probe, "the call went to the session's own instance");
  });

  it("stdio mode: backends see the client's own capabilities (experimental, tasks) and clientInfo", async (t) => {
    const { client, backends } = routerHarness(t, { s: { tools: [tool('t')] } });
    const capabilities = { roots: { listChanged: true }, experimental: { 'x.y': { on: true } }, tasks: { list: {} } };
    await client.initialize('2025-11-25', capabilities, { name: 'my-editor', version: '9.9' });
    const init = backends.server('s').requests('initialize')[0].params!;
    assert.deepEqual(init.capabilities, capabilities);
    assert.deepEqual(init.clientInfo, { name: 'my-editor', version: '9.9' });
  });

  it("initialize declares every list the proxy may announce; backends' experimental and _meta reach the client", async (t) => {
    const { client } = routerHarness(t, {
      a: { tools: [tool('t')], capabilities: { experimental: { 'a.feature': {}, shared: { from: 'a' } } }, initializeMeta: { 'a/init': 1, both: 'a' }, listMeta: { 'a/list': 1 } },
      b: { tools: [tool('u')], capabilities: { experimental: { shared: { from: 'b' } } }, initializeMeta: { both: 'b' }, listMeta: { 'b/list': 2 } },
    });
    const init = await client.initialize();
    assert.deepEqual(Object.keys(init.capabilities).sort(), ['experimental', 'logging', 'prompts', 'resources', 'tools']);
    assert.deepEqual(init.capabilities.prompts, { listChanged: true });
    assert.deepEqual(init.capabilities.resources, { listChanged: true });
    assert.deepEqual(init.capabilities.experimental, { 'a.feature': {}, shared: { from: 'a' } }, 'the first server in config order wins a clash');
    assert.deepEqual(init._meta, { 'a/init': 1, both: 'a' });
    const list = (await client.request('tools/list')).result;
    assert.deepEqual(list._meta, { 'a/list': 1, 'b/list': 2 });
    assert.deepEqual(list.tools.map((x: { name: string }) => x.name), ['a__t', 'b__u']);
  });
});
