// Search mode through the real proxy over stdio (SDK client): tools/list shows the pinned tools
// and the three meta-tools; search_tools, describe_tools and call_tool answer as issue 18 says,
// errors included; call_tool behaves exactly like a direct call (same result, progress with the
// client's token, cancellation reaching the backend, sampling, elicitation and roots); a direct
// call of an unlisted tool still works.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, writeConfig } from './helpers/proxy-process.js';
import { connectStdio, gate, samplingAnswer, textOf, type RoutingClient } from './helpers/routing-clients.js';

const META = ['search_tools', 'describe_tools', 'call_tool'];

const servers = {
  calculator: fixtureServer('calculator'),
  weather: fixtureServer('weather'),
  unit_converter: fixtureServer('unit_converter'),
  slow: fixtureServer('slow'),
  features: fixtureServer('features'),
  routing: fixtureServer('routing'),
};

function searchConfig(t: TestContext, pinned: string[] = ['calculator__*', 'weather__get_weather']): string {
  return writeConfig(t, { toolDiscovery: { mode: 'search', pinned }, mcpServers: servers });
}

async function call(c: RoutingClient, name: string, args: Record<string, unknown>): Promise<any> {
  return c.client.callTool({ name, arguments: args });
}

/** A TestContext stand-in for before/after hooks: what the helpers register runs in after(). */
function suiteContext(): { t: TestContext; cleanup: () => Promise<void> } {
  const fns: (() => unknown)[] = [];
  const t = { after: (fn: () => unknown) => void fns.push(fn) } as unknown as TestContext;
  return { t, cleanup: async () => { for (const fn of fns.reverse()) await fn(); } };
}

describe('discovery: search mode over stdio', { timeout: 120_000 }, () => {
  // One proxy for the suite (six servers each): a client declaring sampling, elicitation and roots.
  let c: RoutingClient;
  const suite = suiteContext();
  before(async () => {
    c = await connectStdio(suite.t, searchConfig(suite.t), {
      name: 'discovery',
      handlers: {
        sampling: (req) => samplingAnswer(`sampled: ${(req.params.messages[0].content as { text: string }).text}`),
        elicitation: () => ({ action: 'accept', content: { answer: 'yes' } }),
        roots: () => ({ roots: [{ uri: 'file:///work', name: 'work' }] }),
      },
    });
  });
  after(() => suite.cleanup());

  it('lists the pinned tools (globs) and exactly the three meta-tools, under 2 KB besides the pinned', async () => {
    const { tools } = await c.client.listTools();
    const names = tools.map((tool) => tool.name);
    assert.deepEqual(names, ['calculator__add', 'calculator__subtract', 'calculator__multiply', 'calculator__divide', 'weather__get_weather', ...META]);
    const meta = tools.filter((tool) => META.includes(tool.name));
    assert.ok(Buffer.byteLength(JSON.stringify(meta)) < 2048, `meta-tools take ${Buffer.byteLength(JSON.stringify(meta))} bytes`);
    const search = meta.find((tool) => tool.name === 'search_tools')!;
    assert.deepEqual(search.inputSchema.required, ['query']);
    assert.deepEqual(Object.keys(search.inputSchema.properties!), ['query', 'limit']);
    const callTool = meta.find((tool) => tool.name === 'call_tool')!;
    assert.deepEqual(Object.keys(callTool.inputSchema.properties!), ['name', 'arguments']);
  });

  it('search_tools ranks by a task in plain words, with structuredContent and the same as text', async () => {
    await c.client.listTools(); // lets the SDK validate structuredContent against the outputSchema
    const result = await call(c, 'search_tools', { query: 'what will the weather be like in Paris over the next days', limit: 2 });
    assert.equal(result.isError, undefined);
    const hits = result.structuredContent.tools;
    assert.deepEqual(hits.map((h: any) => h.name), ['weather__get_forecast', 'weather__get_weather']);
    assert.equal(hits[0].server, 'weather');
    assert.equal(hits[0].description, 'Daily forecast for a city (1 to 7 days)');
    assert.ok(hits[0].score > hits[1].score, 'best first');
    for (const hit of hits) assert.ok(textOf(result).includes(hit.name), `text names ${hit.name}`);

    const convert = await call(c, 'search_tools', { query: 'convert miles to kilometers' });
    assert.equal(convert.structuredContent.tools[0].name, 'unit_converter__convert_length');
    assert.ok(convert.structuredContent.tools.length <= 8, 'default limit 8');
    // Deterministic: the same query gives the same answer.
    assert.deepEqual((await call(c, 'search_tools', { query: 'convert miles to kilometers' })).structuredContent, convert.structuredContent);
    // Unlisted (not pinned) tools are found too; nothing matching is an empty list, not an error.
    const none = await call(c, 'search_tools', { query: 'zyzzyva' });
    assert.deepEqual(none.structuredContent, { tools: [] });
    assert.equal(none.isError, undefined);
    assert.match(textOf(none), /No tool matches/);
  });

  it('search_tools refuses an empty query and a bad limit, and caps the limit at 50', async () => {
    for (const args of [{ query: '' }, { query: '   ' }, {}]) {
      const result = await call(c, 'search_tools', args);
      assert.equal(result.isError, true, JSON.stringify(args));
      assert.match(textOf(result), /non-empty "query"/);
    }
    for (const limit of [0, 2.5, '3']) {
      const result = await call(c, 'search_tools', { query: 'weather', limit });
      assert.equal(result.isError, true, `limit ${limit}`);
      assert.match(textOf(result), /"limit" must be a whole number/);
    }
    const all = await call(c, 'search_tools', { query: 'a number value city text ms', limit: 500 });
    assert.equal(all.isError, undefined);
    assert.ok(all.structuredContent.tools.length > 8 && all.structuredContent.tools.length <= 50);
  });

  it('describe_tools gives full definitions and lists unknown names', async () => {
    const result = await call(c, 'describe_tools', { names: ['weather__get_forecast', 'nope__nothing', 'routing__structured'] });
    const { tools, unknown } = result.structuredContent;
    assert.deepEqual(unknown, ['nope__nothing']);
    assert.deepEqual(tools.map((tool: any) => tool.name), ['weather__get_forecast', 'routing__structured']);
    const structured = tools[1];
    assert.equal(structured.title, 'Structured answer');
    assert.ok(structured.outputSchema && structured.annotations && structured.inputSchema, 'schemas and annotations kept');
    assert.deepEqual(Object.keys(structured).sort(), ['annotations', 'description', 'inputSchema', 'name', 'outputSchema', 'title']);
    assert.deepEqual(JSON.parse(textOf(result)), result.structuredContent);
    for (const names of [[], 'weather__get_forecast', [1]]) {
      const bad = await call(c, 'describe_tools', { names });
      assert.equal(bad.isError, true, JSON.stringify(names));
    }
  });

  it('call_tool returns exactly what the direct call returns, failures included', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['weather__get_weather', { city: 'Oslo' }],
      ['calculator__divide', { a: 1, b: 0 }],
      ['routing__structured', {}],
      ['routing__structured', { fail: true }],
      ['unit_converter__convert_length', { value: 1, from: 'parsec', to: 'm' }],
    ];
    for (const [name, args] of cases) {
      const direct = await call(c, name, args);
      const viaMeta = await call(c, 'call_tool', { name, arguments: args });
      assert.deepEqual(viaMeta, direct, name);
    }
    assert.equal((await call(c, 'call_tool', { name: 'calculator__divide', arguments: { a: 1, b: 0 } })).isError, true);
  });

  it('call_tool reports a missing or unknown name and bad arguments as tool errors; a protocol error of the tool stays one', async () => {
    const unknown = await call(c, 'call_tool', { name: 'nope__nothing', arguments: {} });
    assert.equal(unknown.isError, true);
    assert.match(textOf(unknown), /Unknown tool "nope__nothing".*search_tools/);
    assert.equal((await call(c, 'call_tool', {})).isError, true);
    assert.equal((await call(c, 'call_tool', { name: 'weather__get_weather', arguments: [1] })).isError, true);
    // call_tool of a meta-tool is that meta-tool.
    const nested = await call(c, 'call_tool', { name: 'search_tools', arguments: { query: 'forecast' } });
    assert.equal(nested.structuredContent.tools[0].name, 'weather__get_forecast');
    // A direct call of a tool missing from the list is routed as before (clients that remember a name).
    assert.match(textOf(await call(c, 'unit_converter__convert_temperature', { value: 100, from: 'C', to: 'F' })), /212/);
    await assert.rejects(call(c, 'nope__nothing', {}), /Unknown tool: nope__nothing/);
  });

  it('call_tool carries progress with the client token', async (t) => {
    // A client of its own: it records progress as it comes (the SDK drops tokens it did not choose).
    const raw = await connectStdio(t, searchConfig(t), { name: 'discovery-progress', rawProgress: true });
    const result = await raw.client.callTool({
      name: 'call_tool',
      arguments: { name: 'slow__sleep', arguments: { ms: 60, steps: 3 } },
      _meta: { progressToken: 'via-meta' },
    });
    assert.equal(textOf(result), 'slept 60');
    const progress = raw.notifications('notifications/progress').map((n) => [n.params.progressToken, n.params.progress]);
    assert.deepEqual(progress, [['via-meta', 1], ['via-meta', 2], ['via-meta', 3]]);
  });

  it('cancelling a call_tool cancels the tool call at its backend, and its late answer is dropped', async () => {
    const errors: Error[] = [];
    c.client.onerror = (e) => void errors.push(e);
    const controller = new AbortController();
    const started = gate();
    const pending = c.client.callTool({ name: 'call_tool', arguments: { name: 'routing__answer_after_cancel', arguments: {} } }, undefined, {
      signal: controller.signal,
      onprogress: () => started.open(),
    });
    await started.promise; // the backend has the request: the cancellation cannot overtake it
    controller.abort('test aborts');
    await assert.rejects(pending, /test aborts/);
    // The backend answers the cancelled call the moment the cancellation reaches it, before it
    // answers this later call (one pipe each way): by then the proxy has read and dropped it.
    const received = JSON.parse(textOf(await call(c, 'call_tool', { name: 'routing__received', arguments: {} })));
    const cancelled = received.filter((n: any) => n.method === 'notifications/cancelled');
    assert.equal(cancelled.length, 1);
    assert.equal(typeof cancelled[0].params.requestId, 'number', "the backend's own (proxy-allocated) id");
    assert.deepEqual(errors.map((e) => e.message), [], 'no answer for the call the client gave up');
    c.client.onerror = undefined;
  });

  it('call_tool passes sampling, elicitation and roots between the tool and the client', async () => {
    assert.equal(textOf(await call(c, 'call_tool', { name: 'features__sample', arguments: { prompt: 'hi' } })), 'sampled: hi');
    assert.deepEqual(JSON.parse(textOf(await call(c, 'call_tool', { name: 'features__elicit', arguments: { message: 'ok?' } }))), {
      action: 'accept',
      content: { answer: 'yes' },
    });
    assert.deepEqual(JSON.parse(textOf(await call(c, 'call_tool', { name: 'features__roots' }))), [{ uri: 'file:///work', name: 'work' }]);
  });

  it('--tool-discovery search wins over the config; mode all lists every tool and has no meta-tools', async (t) => {
    const allConfig = writeConfig(t, { toolDiscovery: { mode: 'all' }, mcpServers: { weather: servers.weather } });
    const viaFlag = await connectStdio(t, allConfig, { name: 'flag' }, ['--tool-discovery', 'search']);
    assert.deepEqual((await viaFlag.client.listTools()).tools.map((tool) => tool.name), META);
    const plain = await connectStdio(t, allConfig, { name: 'plain' });
    assert.deepEqual((await plain.client.listTools()).tools.map((tool) => tool.name), ['weather__get_weather', 'weather__get_forecast']);
    await assert.rejects(call(plain, 'search_tools', { query: 'weather' }), /Unknown tool: search_tools/);
  });
});
