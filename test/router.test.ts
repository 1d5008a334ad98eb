// The router in memory: handshake, merged lists, routing by name/URI/ref, id mapping.
// (In-flight behaviour — progress, cancellation, failures, list_changed — is in router-inflight.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonRpcId } from '../protocol/jsonrpc.js';
import { tool } from './helpers/fake-backend.js';
import { routerHarness } from './helpers/router-harness.js';
import { waitFor } from './helpers/wait.js';

describe('router: initialize', { timeout: 15_000 }, () => {
  it('answers with the client version when supported, else the latest; serverInfo multi-mcp; capabilities union', async (t) => {
    const { client, openClient } = routerHarness(t, {
      a: { tools: [tool('t')], instructions: 'use a' },
      b: { prompts: [{ name: 'p' }], resources: [{ uri: 'b://r', name: 'r' }], capabilities: { resources: { subscribe: true } } },
      c: { tools: [tool('u')], capabilities: { logging: {}, completions: {} } },
    });
    const first = await client.initialize('2025-06-18');
    assert.equal(first.protocolVersion, '2025-06-18');
    assert.equal(first.serverInfo.name, 'multi-mcp');
    assert.equal(typeof first.serverInfo.version, 'string');
    assert.deepEqual(first.capabilities, {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      logging: {},
      completions: {},
    });
    assert.match(first.instructions, /use a/);

    const second = await openClient().initialize('1999-01-01');
    assert.equal(second.protocolVersion, '2025-11-25');
    const old = await openClient().initialize('2024-11-05');
    assert.equal(old.protocolVersion, '2024-11-05');
  });

  it('rejects initialize without the required params with -32602', async (t) => {
    const { client } = routerHarness(t, { a: { tools: [tool('t')] } });
    const res = await client.request('initialize', { protocolVersion: '2025-11-25' }, 'init');
    assert.equal(res.id, 'init');
    assert.equal(res.error?.code, -32602);
  });
});

describe('router: before and around initialize', { timeout: 15_000 }, () => {
  it('holds requests sent right after initialize until the backends are ready', async (t) => {
    const { client } = routerHarness(t, { a: { tools: [tool('t')] }, b: { tools: [tool('u')] } });
    const clientInfo = { name: 'c', version: '1' };
    const init = client.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo });
    const list = client.request('tools/list'); // not waiting for the initialize answer
    assert.deepEqual((await list).result.tools.map((x: { name: string }) => x.name), ['a__t', 'b__u']);
    assert.equal((await init).result.serverInfo.name, 'multi-mcp');
  });

  it('answers unparsable input with -32700 and id null, invalid messages with -32600, and goes on', async (t) => {
    const { client } = routerHarness(t, { a: { tools: [tool('t')] } });
    await client.initialize();
    client.channel.writer.sendText('{not json');
    client.channel.writer.sendText(JSON.stringify({ jsonrpc: '2.0', id: 'bad', method: 5 }));
    const errors = await waitFor(() => {
      const found = client.responses.filter((r) => r.error);
      return found.length === 2 && found;
    }, 'two errors');
    assert.deepEqual(errors.map((r) => [r.id, r.error!.code]), [[null, -32700], ['bad', -32600]]);
    assert.deepEqual((await client.request('ping', undefined, 'next')).result, {});
  });
});

describe('router: lists', { timeout: 15_000 }, () => {
  it('merges tools across backends in config order, following backend pagination to the end', async (t) => {
    const many = Array.from({ length: 7 }, (_, i) => tool(`m${i}`));
    const { client, backends } = routerHarness(t, {
      one: { tools: [tool('alpha', { annotations: { readOnlyHint: true }, _meta: { k: 1 } })] },
      paged: { tools: many, pageSize: 3 },
      three: { tools: [tool('omega', { outputSchema: { type: 'object' } })] },
    });
    await client.initialize();
    const tools = await client.listAll('tools/list', 'tools');
    assert.deepEqual(
      tools.map((x) => x.name),
      ['one__alpha', ...many.map((m) => `paged__${m.name}`), 'three__omega'],
    );
    assert.deepEqual(tools[0], { ...tool('alpha', { annotations: { readOnlyHint: true }, _meta: { k: 1 } }), name: 'one__alpha' });
    assert.deepEqual(tools.at(-1).outputSchema, { type: 'object' });
    assert.equal(backends.server('paged').requests('tools/list').length, 3, 'three pages fetched');
  });

  it('paginates merged lists to clients with --page-size, and rejects a bad cursor with -32602', async (t) => {
    const { client } = routerHarness(
      t,
      { a: { tools: ['1', '2', '3'].map((n) => tool(n)) }, b: { tools: ['4', '5'].map((n) => tool(n)) } },
      { pageSize: 2 },
    );
    await client.initialize();
    const first = await client.request('tools/list');
    assert.equal(first.result.tools.length, 2);
    assert.equal(typeof first.result.nextCursor, 'string');
    const all = await client.listAll('tools/list', 'tools');
    assert.deepEqual(all.map((x) => x.name), ['a__1', 'a__2', 'a__3', 'b__4', 'b__5']);
    const bad = await client.request('tools/list', { cursor: 'not-a-cursor' }, 'bad');
    assert.equal(bad.id, 'bad');
    assert.equal(bad.error?.code, -32602);
  });

  it('hides tools by allow/deny curation: neither listed nor callable', async (t) => {
    const { client, backends } = routerHarness(
      t,
      { s: { tools: ['keep', 'denied', 'unlisted', 'also'].map((n) => tool(n)) } },
      { specs: { s: { tools: { allow: ['keep', 'denied', 'also'], deny: ['denied'] } } } },
    );
    await client.initialize();
    const names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
    assert.deepEqual(names, ['s__keep', 's__also']);
    for (const hidden of ['s__denied', 's__unlisted']) {
      const res = await client.call(hidden);
      assert.equal(res.error?.code, -32602, hidden);
    }
    assert.equal(backends.server('s').requests('tools/call').length, 0);
    assert.equal((await client.call('s__keep')).result.structuredContent.tool, 'keep');
  });

  it('without namespacing exposes original names; on a clash the first server wins', async (t) => {
    const { client, logs } = routerHarness(
      t,
      { first: { tools: [tool('echo'), tool('only_first')] }, second: { tools: [tool('echo'), tool('only_second')] } },
      { naming: { separator: '__', namespace: false } },
    );
    await client.initialize();
    const names = (await client.listAll('tools/list', 'tools')).map((x) => x.name);
    assert.deepEqual(names, ['echo', 'only_first', 'only_second']);
    assert.equal((await client.call('echo')).result.structuredContent.server, 'first');
    assert.equal((await client.call('only_second')).result.structuredContent.server, 'second');
    assert.ok(logs.some((l) => /"first"/.test(l) && /"second"/.test(l) && /echo/.test(l)), logs.join('\n'));
  });
});

describe('router: routing', { timeout: 15_000 }, () => {
  it('routes tools/call to the owner with the original name and arguments', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('run')] }, b: { tools: [tool('run')] } });
    await client.initialize();
    const res = await client.call('b__run', { x: 1, nested: { y: [1, 'two'] } }, 'call-1');
    assert.equal(res.id, 'call-1');
    assert.deepEqual(res.result.structuredContent, { server: 'b', tool: 'run', arguments: { x: 1, nested: { y: [1, 'two'] } } });
    assert.equal(backends.server('a').requests('tools/call').length, 0);
  });

  it('answers unknown tool with -32602 naming it, unknown method with -32601, and ping locally', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('run')] } });
    await client.initialize();
    const unknownTool = await client.call('a__nope', {}, 7);
    assert.equal(unknownTool.id, 7);
    assert.equal(unknownTool.error?.code, -32602);
    assert.match(unknownTool.error!.message, /a__nope/);
    const unknownMethod = await client.request('bogus/method', {}, 'm');
    assert.equal(unknownMethod.id, 'm');
    assert.equal(unknownMethod.error?.code, -32601);
    const ping = await client.request('ping', undefined, 0);
    assert.deepEqual(ping, { jsonrpc: '2.0', id: 0, result: {} });
    assert.equal(backends.server('a').requests('ping').length, 0, 'ping not forwarded');
  });

  it('passes a backend error through unchanged', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('boom')], calls: 'hold' } });
    await client.initialize();
    const pending = client.call('a__boom', {}, 'e1');
    const [held] = await backends.server('a').heldCalls(1);
    const error = { code: -32050, message: 'custom failure', data: { detail: ['x', 1], nested: { ok: false } } };
    backends.server('a').fail(held.id, error);
    assert.deepEqual(await pending, { jsonrpc: '2.0', id: 'e1', error });
  });

  it('routes prompts/get by exposed name, resources/read by exact URI and by template, completion by ref', async (t) => {
    const { client, backends } = routerHarness(t, {
      weather: {
        prompts: [{ name: 'report' }],
        resources: [{ uri: 'weather://cities', name: 'cities' }],
        resourceTemplates: [{ uriTemplate: 'weather://forecast/{city}', name: 'forecast' }],
        capabilities: { completions: {} },
      },
      docs: {
        prompts: [{ name: 'report' }],
        resources: [{ uri: 'docs://index', name: 'index' }],
        resourceTemplates: [{ uriTemplate: 'docs://page/{+path}', name: 'page' }],
        capabilities: { completions: {} },
      },
    });
    await client.initialize();
    const prompts = (await client.listAll('prompts/list', 'prompts')).map((p) => p.name);
    assert.deepEqual(prompts, ['weather__report', 'docs__report']);

    const prompt = await client.request('prompts/get', { name: 'docs__report', arguments: { a: '1' } });
    assert.deepEqual(prompt.result, { server: 'docs', method: 'prompts/get', params: { name: 'report', arguments: { a: '1' } } });

    const read = async (uri: string) => (await client.request('resources/read', { uri })).result?.server;
    assert.equal(await read('weather://cities'), 'weather');
    assert.equal(await read('docs://index'), 'docs');
    assert.equal(await read('weather://forecast/paris'), 'weather');
    assert.equal(await read('docs://page/a/b/c'), 'docs');
    const missing = await client.request('resources/read', { uri: 'nobody://x' }, 'r');
    assert.equal(missing.error?.code, -32002);

    const complete = async (ref: object, argument = { name: 'city', value: 'p' }) =>
      (await client.request('completion/complete', { ref, argument })).result;
    const byPrompt = await complete({ type: 'ref/prompt', name: 'weather__report' });
    assert.equal(byPrompt.server, 'weather');
    assert.equal(byPrompt.params.ref.name, 'report', 'the backend sees its own prompt name');
    assert.equal((await complete({ type: 'ref/resource', uri: 'docs://page/{+path}' })).server, 'docs');
    assert.equal((await complete({ type: 'ref/resource', uri: 'weather://forecast/{city}' })).server, 'weather');
    const unknownRef = { ref: { type: 'ref/prompt', name: 'nope' }, argument: { name: 'a', value: '' } };
    const unknown = await client.request('completion/complete', unknownRef);
    assert.equal(unknown.error?.code, -32602);
  });
});

describe('router: id mapping', { timeout: 15_000 }, () => {
  it('restores each client id exactly (type too) under interleaving across backends, answered out of order', async (t) => {
    const servers = ['a', 'b', 'c'];
    const scripts = Object.fromEntries(servers.map((s) => [s, { tools: [tool('t')], calls: 'hold' as const }]));
    const { client, backends } = routerHarness(t, scripts);
    await client.initialize();
    const special: JsonRpcId[] = [1, '1', 0, '0', -7, 'abc', '', 2 ** 40, 1.5, 'ünï', 'x'.repeat(100)];
    const ids: JsonRpcId[] = [...special, ...Array.from({ length: 20 }, (_, i) => [i + 2, String(i + 2)]).flat()];
    const sent = ids.map((id, i) => {
      const server = servers[i % servers.length];
      return { id, server, tag: `tag-${i}`, answer: client.call(`${server}__t`, { tag: `tag-${i}` }, id) };
    });
    // Each backend answers its calls in reverse order of arrival, backends interleaved.
    const countFor = (s: string) => ids.filter((_, i) => servers[i % servers.length] === s).length;
    const held = await Promise.all(servers.map((s) => backends.server(s).heldCalls(countFor(s))));
    const backendIds = held.flat().map((m) => m.id);
    for (const id of backendIds) assert.equal(typeof id, 'number', 'backend ids are proxy-allocated numbers');
    const queues = held.map((list) => [...list].reverse());
    for (let round = 0; queues.some((q) => q.length); round++) {
      for (let s = 0; s < servers.length; s++) {
        const msg = queues[s].shift();
        if (msg) backends.server(servers[s]).answer(msg.id, { echoed: msg.params!.arguments.tag, by: servers[s] });
      }
    }
    for (const { id, server, tag, answer } of sent) {
      const res = await answer;
      assert.equal(typeof res.id, typeof id, `type of id ${JSON.stringify(id)}`);
      assert.equal(res.id, id);
      assert.deepEqual(res.result, { echoed: tag, by: server }, `answer for id ${JSON.stringify(id)}`);
    }
    assert.equal(client.responses.length, ids.length + 1, 'one answer per request (+ initialize)');
  });

  it('keeps two sessions apart when they use the same id', async (t) => {
    const { client, openClient, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    const other = openClient();
    await client.initialize();
    await other.initialize();
    const mine = client.call('a__t', { who: 'first' }, 1);
    const theirs = other.call('a__t', { who: 'second' }, 1);
    const [h1, h2] = await backends.server('a').heldCalls(2);
    assert.notEqual(h1.id, h2.id);
    backends.server('a').answer(h2.id, { who: h2.params!.arguments.who });
    backends.server('a').answer(h1.id, { who: h1.params!.arguments.who });
    assert.deepEqual((await mine).result, { who: 'first' });
    assert.deepEqual((await theirs).result, { who: 'second' });
  });

  it('rejects a request whose id is already in flight with -32600, and still answers the first', async (t) => {
    const { client, backends } = routerHarness(t, { a: { tools: [tool('t')], calls: 'hold' } });
    await client.initialize();
    const first = client.call('a__t', { n: 1 }, 5);
    await backends.server('a').heldCalls(1);
    client.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'a__t', arguments: { n: 2 } } });
    const dup = await first; // the waiter for id 5 gets the first answer to arrive: the rejection
    assert.equal(dup.error?.code, -32600);
    assert.equal(backends.server('a').held.length, 1, 'the duplicate was not forwarded');
    const [held] = backends.server('a').held;
    backends.server('a').answer(held.id, { n: held.params!.arguments.n });
    const answers = await waitFor(() => {
      const found = client.responses.filter((r) => r.id === 5);
      return found.length === 2 && found;
    }, 'both answers for id 5');
    assert.deepEqual(answers.map((r) => r.result ?? r.error?.code), [-32600, { n: 1 }]);
  });
});
