// The proxy as a 2026-07-28 client, in memory (router + scripted backends): the era probe and its
// verdicts, the forced eras, the envelope on what the proxy sends, the standing
// subscriptions/listen, and what the revision removed being answered here instead of sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonRpcRequest } from '../protocol/jsonrpc.js';
import { EraConnection } from '../src/backends/era-connection.js';
import { parseConfig } from '../src/config/index.js';
import type { ServerSpec } from '../src/config/spec.js';
import type { FakeServer, FakeServerScript } from './helpers/fake-backend.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { ManualClock } from './helpers/manual-clock.js';
import { routerHarness, type Harness } from './helpers/router-harness.js';
import { settle, waitFor } from './helpers/wait.js';

const VERSION = 'io.modelcontextprotocol/protocolVersion';
const CAPS = 'io.modelcontextprotocol/clientCapabilities';
const INFO = 'io.modelcontextprotocol/clientInfo';
const SUB = 'io.modelcontextprotocol/subscriptionId';

const TOOL = { name: 'hello', inputSchema: { type: 'object' } };
const DISCOVER = {
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, logging: {} },
  instructions: 'modern instructions',
  ttlMs: 0,
  cacheScope: 'private',
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-fake', version: '2.0' } },
};

/** A scripted 2026 backend: answers discover, holds listens (and discover, if asked) for the test. */
function modern(extra: FakeServerScript = {}, holdDiscover = false): FakeServerScript {
  return {
    tools: [TOOL],
    resources: [{ uri: 'mem://r', name: 'r' }, { uri: 'mem://s', name: 's' }],
    handlers: holdDiscover ? extra.handlers : { 'server/discover': () => DISCOVER, ...extra.handlers },
    holdLists: ['subscriptions/listen', ...(holdDiscover ? ['server/discover'] : []), ...(extra.holdLists ?? [])],
    ...extra,
  };
}

/** The fake server currently connected under that name, if any. */
function serverOf(h: Harness, name: string): FakeServer | undefined {
  try {
    return h.backends.server(name);
  } catch {
    return undefined;
  }
}

const methodsOf = (server: FakeServer) => server.received.filter((m) => 'method' in m).map((m) => (m as JsonRpcRequest).method);

function harness(t: Parameters<typeof routerHarness>[0], scripts: Record<string, FakeServerScript>, specs: Record<string, Partial<ServerSpec>>, clock?: ManualClock): Harness {
  return routerHarness(t, scripts, { specs, naming: { separator: '__', namespace: false }, ...(clock ? { clock } : {}) });
}

async function started(h: Harness, caps: Record<string, unknown> = {}): Promise<void> {
  await h.client.initialize('2025-11-25', caps, { name: 'calling-client', version: '7' });
}

describe('era probe', () => {
  it('a DiscoverResult listing 2026-07-28: no initialize; the init comes from discover; the envelope says who each request is for', async (t) => {
    const h = harness(t, { m: modern() }, { m: { protocol: 'auto' } });
    const init = await h.client.initialize('2025-11-25', { sampling: {}, roots: { listChanged: true }, elicitation: { form: {} } }, { name: 'calling-client', version: '7' });
    const server = serverOf(h, 'm')!;
    assert.equal(methodsOf(server)[0], 'server/discover');
    assert.ok(!methodsOf(server).includes('initialize'), 'no initialize');
    assert.ok(!methodsOf(server).includes('notifications/initialized'));
    const discover = server.requests('server/discover')[0];
    assert.deepEqual(discover.params, { _meta: { [VERSION]: '2026-07-28', [CAPS]: {}, [INFO]: { name: 'multi-mcp', version: discover.params!._meta[INFO].version } } });
    assert.match(init.instructions, /modern instructions/);
    const backend = h.router.registry.get('m')!;
    assert.equal(backend.modern, true);
    assert.equal(backend.init?.protocolVersion, '2026-07-28');
    assert.deepEqual(backend.init?.serverInfo, { name: 'modern-fake', version: '2.0' });
    assert.equal(backend.init?._meta, undefined, 'serverInfo is not kept as _meta');
    assert.deepEqual((backend.current as EraConnection).counts(), { probes: 0, listens: 1 }, 'the probe answered, the listen open');
    // The proxy's own list: its identity, no capabilities.
    const list = server.requests('tools/list')[0];
    assert.deepEqual(list.params!._meta[CAPS], {});
    assert.equal(list.params!._meta[INFO].name, 'multi-mcp');
    // A client's call: that client's capabilities (2026 shape) and identity.
    const call = await h.client.call('hello', {});
    assert.equal(call.result.content[0].text, 'm:hello');
    const sent = server.requests('tools/call')[0];
    assert.deepEqual(sent.params!._meta[CAPS], { sampling: {}, roots: {}, elicitation: { form: {} } });
    assert.deepEqual(sent.params!._meta[INFO], { name: 'calling-client', version: '7' });
    assert.equal(sent.params!._meta[VERSION], '2026-07-28');
  });

  it('anything else is the 2025 lifecycle, on the same connection: an echoed result, or an error', async (t) => {
    // The fake echoes unknown methods with a result that is no DiscoverResult; "e" answers -32601.
    const h = harness(t, { echoing: { tools: [TOOL] }, erring: { tools: [TOOL], holdLists: ['server/discover'] } }, { echoing: { protocol: 'auto' }, erring: { protocol: 'auto' } });
    const start = started(h);
    const erring = await waitFor(() => serverOf(h, 'erring'), 'erring connected');
    erring.fail((await erring.heldRequest('server/discover')).id, { code: -32601, message: 'Method not found' });
    await start;
    for (const name of ['echoing', 'erring']) {
      const server = serverOf(h, name)!;
      assert.deepEqual(methodsOf(server).slice(0, 3), ['server/discover', 'initialize', 'notifications/initialized'], name);
      assert.equal(h.backends.connects.get(name), 1, `${name}: one connection`);
      assert.equal(h.router.registry.get(name)!.modern, false);
      assert.equal(server.requests('tools/list')[0].params?._meta, undefined, `${name}: no envelope in 2025`);
    }
    assert.ok(h.logs.some((l) => /server "erring" speaks the 2025 protocol \(server\/discover answered Method not found \(-32601\)\)/.test(l)));
  });

  it('-32022 naming 2026-07-28: one corrective probe; naming 2025 only: 2025; naming neither: the start fails saying why', async (t) => {
    const hold = (): FakeServerScript => modern({}, true);
    const h = harness(t, { fixes: hold(), old: hold(), alien: hold() }, { fixes: { protocol: 'auto' }, old: { protocol: 'auto' }, alien: { protocol: 'auto' } });
    const start = started(h);
    const unsupported = (supported: string[]) => ({ code: -32022, message: 'Unsupported protocol version', data: { supported, requested: '2026-07-28' } });
    const fixes = await waitFor(() => serverOf(h, 'fixes'), 'fixes');
    fixes.fail((await fixes.heldRequest('server/discover')).id, unsupported(['2026-07-28']));
    const again = await waitFor(() => fixes.held.filter((m) => m.method === 'server/discover')[1], 'the corrective probe');
    assert.equal(again.params!._meta[VERSION], '2026-07-28');
    fixes.answer(again.id, DISCOVER);
    const old = await waitFor(() => serverOf(h, 'old'), 'old');
    old.fail((await old.heldRequest('server/discover')).id, unsupported(['2025-11-25']));
    const alien = await waitFor(() => serverOf(h, 'alien'), 'alien');
    alien.fail((await alien.heldRequest('server/discover')).id, unsupported(['2031-01-01']));
    await start;
    assert.equal(h.router.registry.get('fixes')!.modern, true);
    assert.equal(h.router.registry.get('old')!.modern, false);
    assert.ok(methodsOf(old).includes('initialize'));
    const failed = h.router.registry.get('alien')!;
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError!, /speaks protocol versions \["2031-01-01"\] only/);
    assert.ok(!methodsOf(alien).includes('initialize'));
  });

  it('forced eras: "2025-11-25" never probes; "2026-07-28" never falls back (the start fails and says so)', async (t) => {
    const h = harness(t, { legacy: modern(), pinned: { tools: [TOOL] } }, { legacy: { protocol: '2025-11-25' }, pinned: { protocol: '2026-07-28' } });
    await started(h);
    assert.equal(methodsOf(serverOf(h, 'legacy')!)[0], 'initialize');
    assert.ok(!methodsOf(serverOf(h, 'legacy')!).includes('server/discover'));
    const pinned = h.router.registry.get('pinned')!;
    assert.equal(pinned.state, 'failed');
    assert.match(pinned.lastError!, /"protocol": "2026-07-28" is configured, but server\/discover lists no version/);
    assert.ok(!methodsOf(serverOf(h, 'pinned')!).includes('initialize'));
  });

  it('a server that quits on the probe is connected again and spoken to in 2025; the verdict holds for its restarts', async (t) => {
    const spec: Partial<ServerSpec> = { protocol: 'auto', restart: { enabled: true, initialDelayMs: 1, maxDelayMs: 1, stableMs: 60_000 } };
    const h = harness(t, { quits: { tools: [TOOL], holdLists: ['server/discover'] } }, { quits: spec });
    const start = started(h);
    const first = await waitFor(() => serverOf(h, 'quits'), 'first connection');
    await first.heldRequest('server/discover');
    const probing = h.router.registry.get('quits')!.current as EraConnection;
    assert.deepEqual(probing.counts(), { probes: 1, listens: 0 });
    first.loseConnection('exited with code 1');
    await start;
    assert.deepEqual(probing.counts(), { probes: 0, listens: 0 });
    const second = serverOf(h, 'quits')!;
    assert.notEqual(second, first);
    assert.equal(methodsOf(second)[0], 'initialize', 'the second connection starts with initialize');
    assert.equal((await h.client.call('hello')).result.content[0].text, 'quits:hello');
    second.loseConnection('crashed');
    const third = await waitFor(() => serverOf(h, 'quits') !== second && h.router.registry.get('quits')!.state === 'ready' && serverOf(h, 'quits'), 'the restart');
    assert.equal(methodsOf(third)[0], 'initialize', 'no probe on restart');
    assert.equal(h.backends.connects.get('quits'), 3);
  });

  it('a probe nobody answers: 2025 after the deadline, on the same connection; nothing left waiting', async (t) => {
    const clock = new ManualClock();
    const h = harness(t, { silent: { tools: [TOOL], holdLists: ['server/discover'] } }, { silent: { protocol: 'auto' } }, clock);
    const start = started(h);
    const server = await waitFor(() => serverOf(h, 'silent'), 'connected');
    await server.heldRequest('server/discover');
    const connection = h.router.registry.get('silent')!.current as EraConnection;
    assert.deepEqual(connection.counts(), { probes: 1, listens: 0 });
    clock.advance(10_000);
    await start;
    assert.deepEqual(methodsOf(server).slice(0, 2), ['server/discover', 'initialize']);
    assert.deepEqual(connection.counts(), { probes: 0, listens: 0 });
    assert.ok(h.logs.some((l) => /server "silent" speaks the 2025 protocol \(no answer to server\/discover within 2000 ms\)/.test(l)));
  });
});

describe('a 2026-07-28 backend behind the proxy', () => {
  async function listening(h: Harness, name = 'm'): Promise<{ server: FakeServer; listen: JsonRpcRequest }> {
    const server = serverOf(h, name)!;
    const listen = await server.heldRequest('subscriptions/listen');
    return { server, listen };
  }
  const ack = (server: FakeServer, id: unknown, notifications: object) =>
    server.notify('notifications/subscriptions/acknowledged', { _meta: { [SUB]: id }, notifications });

  it('a standing listen asks for what the server can tell; its list_changed re-lists and reaches clients; a new tool is callable', async (t) => {
    const h = harness(t, { m: modern() }, { m: { protocol: 'auto' } });
    await started(h);
    const { server, listen } = await listening(h);
    assert.deepEqual(listen.params!.notifications, { toolsListChanged: true });
    assert.deepEqual(listen.params!._meta[CAPS], {});
    assert.equal(typeof listen.id, 'string');
    ack(server, listen.id, { toolsListChanged: true });
    server.script.tools = [TOOL, { name: 'added', inputSchema: { type: 'object' } }];
    server.notify('notifications/tools/list_changed', { _meta: { [SUB]: listen.id } });
    const [changed] = await h.client.waitForNotification('notifications/tools/list_changed');
    assert.equal(changed.params, undefined, 'no backend subscription id reaches the client');
    assert.equal((await h.client.call('added')).result.content[0].text, 'm:added');
    assert.equal(h.client.notificationsOf('notifications/subscriptions/acknowledged').length, 0, 'the ack stays with the proxy');
  });

  it('resources/subscribe becomes the listen filter: a new listen, the old one cancelled once it is acknowledged; updates reach the subscriber', async (t) => {
    const h = harness(t, { m: modern() }, { m: { protocol: 'auto' } });
    await started(h);
    const { server, listen } = await listening(h);
    ack(server, listen.id, { toolsListChanged: true });
    const answer = h.client.request('resources/subscribe', { uri: 'mem://r' });
    const second = await waitFor(() => server.held.filter((m) => m.method === 'subscriptions/listen')[1], 'a second listen');
    assert.deepEqual(second.params!.notifications, { toolsListChanged: true, resourceSubscriptions: ['mem://r'] });
    assert.equal(server.notifications('notifications/cancelled').length, 0, 'the first one stays until the second is acknowledged');
    ack(server, second.id, { toolsListChanged: true, resourceSubscriptions: ['mem://r'] });
    assert.deepEqual((await answer).result, {}, 'answered once the server took the URI');
    assert.equal(server.requests('resources/subscribe').length, 0, 'not sent: the revision removed it');
    await waitFor(() => server.notifications('notifications/cancelled').find((n) => n.params?.requestId === listen.id), 'the first listen cancelled');
    server.notify('notifications/resources/updated', { uri: 'mem://r', _meta: { [SUB]: second.id } });
    const [updated] = await h.client.waitForNotification('notifications/resources/updated');
    assert.deepEqual(updated.params, { uri: 'mem://r' });
    // Unsubscribing reopens nothing (the listen asks for more than needed: no churn); the next
    // change that needs a new listen leaves the URI out.
    assert.deepEqual((await h.client.request('resources/unsubscribe', { uri: 'mem://r' })).result, {});
    const other = h.client.request('resources/subscribe', { uri: 'mem://s' });
    const third = await waitFor(() => server.held.filter((m) => m.method === 'subscriptions/listen')[2], 'a third listen');
    assert.deepEqual(third.params!.notifications, { toolsListChanged: true, resourceSubscriptions: ['mem://s'] });
    ack(server, third.id, { toolsListChanged: true, resourceSubscriptions: ['mem://s'] });
    assert.deepEqual((await other).result, {});
  });

  it('a listen that ends is opened again with backoff, and the lists are re-read after the gap; a refused one is not retried', async (t) => {
    const clock = new ManualClock();
    const h = harness(t, { m: modern(), r: modern() }, { m: { protocol: 'auto' }, r: { protocol: 'auto' } }, clock);
    await started(h);
    const { server, listen } = await listening(h);
    ack(server, listen.id, { toolsListChanged: true });
    const lists = () => server.requests('tools/list').length;
    const before = lists();
    server.answer(listen.id, { resultType: 'complete', _meta: { [SUB]: listen.id } });
    await settle();
    assert.equal(server.held.filter((m) => m.method === 'subscriptions/listen').length, 1, 'not at once');
    clock.advance(1000);
    const again = await waitFor(() => server.held.filter((m) => m.method === 'subscriptions/listen')[1], 'the listen again');
    ack(server, again.id, { toolsListChanged: true });
    await waitFor(() => lists() > before, 'tools re-listed after the gap');
    const connection = h.router.registry.get('m')!.current as EraConnection;
    assert.deepEqual(connection.counts(), { probes: 0, listens: 1 });
    // "r" refuses listening: a warning, no retry.
    const refusing = await listening(h, 'r');
    refusing.server.fail(refusing.listen.id, { code: -32601, message: 'Method not found' });
    await waitFor(() => h.logs.find((l) => /server "r" refused subscriptions\/listen \(Method not found\)/.test(l)), 'the warning');
    clock.advance(60_000);
    await settle();
    assert.equal(refusing.server.held.filter((m) => m.method === 'subscriptions/listen').length, 1);
    // Shutdown cancels the standing listen: nothing left open.
    await h.router.shutdown();
    assert.deepEqual(connection.counts(), { probes: 0, listens: 0 });
  });

  it('logging/setLevel is not sent (the level goes in each request\'s _meta); an unknown resultType is an error', async (t) => {
    const h = harness(t, { m: modern({ handlers: { 'server/discover': () => DISCOVER, 'tools/call': () => ({ resultType: 'surprise', content: [] }) } }) }, { m: { protocol: 'auto' } });
    await started(h);
    assert.deepEqual((await h.client.request('logging/setLevel', { level: 'warning' })).result, {});
    const server = serverOf(h, 'm')!;
    assert.equal(server.requests('logging/setLevel').length, 0);
    const call = await h.client.call('hello');
    assert.match(call.error!.message, /server "m" answered with an unknown resultType "surprise"/);
    assert.equal(server.requests('tools/call')[0].params!._meta['io.modelcontextprotocol/logLevel'], 'warning');
  });
});

describe('the era connection', () => {
  it('passes a message on with its text as received (answers are spliced, not serialized again), and the related request', async () => {
    const [proxySide, serverSide] = memoryChannelPair();
    const inner = { channel: proxySide, transport: 'memory', onLost() {}, close: async () => proxySide.close() };
    const connection = new EraConnection(inner, { name: 'x', clock: new ManualClock() });
    const got: [unknown, unknown, unknown][] = [];
    connection.channel.reader.listen((msg, extra, text) => got.push([msg, extra, text]));
    const raw = '{ "jsonrpc": "2.0",  "id": 7, "result": {"b": 1, "a": 2} }';
    serverSide.writer.sendText(raw, undefined, 7);
    await waitFor(() => got.length === 1, 'the message');
    assert.deepEqual(got[0], [{ jsonrpc: '2.0', id: 7, result: { b: 1, a: 2 } }, { relatedRequestId: 7 }, raw]);
    await connection.close();
  });
});

describe('listing', () => {
  it('a server listing resources but serving no templates (an error, or a result without them) starts with none', async (t) => {
    const script = (): FakeServerScript => ({ resources: [{ uri: 'mem://x', name: 'x' }], holdLists: ['resources/templates/list'] });
    const h = harness(t, { erring: script(), empty: script() }, {});
    const start = started(h);
    const erring = await waitFor(() => serverOf(h, 'erring'), 'erring');
    erring.fail((await erring.heldRequest('resources/templates/list')).id, { code: -32601, message: 'Method not found' });
    const empty = await waitFor(() => serverOf(h, 'empty'), 'empty');
    empty.answer((await empty.heldRequest('resources/templates/list')).id, { resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    await start;
    for (const name of ['erring', 'empty']) {
      const backend = h.router.registry.get(name)!;
      assert.equal(backend.state, 'ready', name);
      assert.deepEqual(backend.catalog.resourceTemplates, []);
      assert.equal(backend.catalog.resources.length, 1);
    }
  });
});

describe('the "protocol" config key', () => {
  it('takes auto, 2025-11-25 or 2026-07-28; absent is auto; 2026-07-28 is refused on sse and ws', () => {
    const parse = (server: object) => parseConfig(JSON.stringify({ mcpServers: { s: server } }), '/c/mcp.json', {});
    assert.equal(parse({ command: 'x' }).servers[0].protocol, undefined);
    for (const protocol of ['auto', '2025-11-25', '2026-07-28'] as const) assert.equal(parse({ command: 'x', protocol }).servers[0].protocol, protocol);
    assert.throws(() => parse({ command: 'x', protocol: '2026' }), /protocol/);
    assert.throws(() => parse({ type: 'sse', url: 'http://h/sse', protocol: '2026-07-28' }), /protocol "2026-07-28" runs over stdio or Streamable HTTP, not type "sse"/);
    assert.equal(parse({ url: 'http://h/mcp', protocol: '2026-07-28' }).servers[0].protocol, '2026-07-28');
  });

  it('"both" is for a Streamable HTTP URL only', () => {
    const parse = (server: object) => parseConfig(JSON.stringify({ mcpServers: { s: server } }), '/c/mcp.json', {});
    assert.equal(parse({ url: 'http://h/mcp', protocol: 'both' }).servers[0].protocol, 'both');
    assert.equal(parse({ type: 'http', url: 'http://h/mcp', protocol: 'both' }).servers[0].protocol, 'both');
    for (const server of [{ command: 'x' }, { type: 'sse', url: 'http://h/sse' }, { type: 'ws', url: 'ws://h/ws' }]) {
      assert.throws(() => parse({ ...server, protocol: 'both' }), /protocol "both" is for a server reached by "url" over Streamable HTTP/, JSON.stringify(server));
    }
  });
});
