// Merged lists and completions through the real proxy over Streamable HTTP: with --page-size the
// merged tool list is paginated with opaque cursors (every tool exactly once, in order) and a bad
// cursor is -32602; completion/complete is routed by its ref, a prompt's exposed name or a
// resource template's URI, to the server that owns it; tasks/* of tasks the client never got are -32602.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { rawSession } from './helpers/http-mcp.js';
import { connectHttp } from './helpers/routing-clients.js';

const PAGE_SIZE = 3;

describe('routing: pagination and completions over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({
      servers: {
        echo: fixtureServer('echo', ['--tools', '7', '--page-size', '2']),
        weather: fixtureServer('weather'),
        calculator: fixtureServer('calculator'),
      },
      args: ['--page-size', String(PAGE_SIZE)],
    });
  });
  after(() => proxy?.stop());

  it('pages the merged tool list with opaque cursors: every tool once, in config order', async (t) => {
    const c = await connectHttp(t, proxy.url, { name: 'pager' });
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await c.client.listTools(cursor === undefined ? {} : { cursor });
      pages.push(page.tools.map((tool) => tool.name));
      cursor = page.nextCursor;
      if (cursor === undefined) break;
      assert.ok(!/^\d+$/.test(cursor), `the cursor is opaque, not an offset: ${cursor}`);
    }
    assert.equal(cursor, undefined, 'the last page has no nextCursor');
    const names = pages.flat();
    const echoTools = ['echo', ...Array.from({ length: 7 }, (_, i) => `tool_${i}`)].map((n) => `echo__${n}`);
    const weatherTools = ['weather__get_weather', 'weather__get_forecast'];
    const calculatorTools = ['add', 'subtract', 'multiply', 'divide'].map((n) => `calculator__${n}`);
    assert.deepEqual(names, [...echoTools, ...weatherTools, ...calculatorTools]);
    assert.ok(pages.every((p) => p.length === PAGE_SIZE || p === pages.at(-1)), `pages: ${JSON.stringify(pages)}`);
    assert.equal(pages.length, Math.ceil(names.length / PAGE_SIZE));

  });

  it('answers a bad cursor with -32602', async (t) => {
    const c = await connectHttp(t, proxy.url, { name: 'pager' });
    for (const cursor of ['bogus', '', 'b2Zmc2V0OjI=' /* the backend's own cursor format */]) {
      await assert.rejects(c.client.listTools({ cursor }), (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams, `cursor ${JSON.stringify(cursor)}`);
    }
    await assert.rejects(c.client.listPrompts({ cursor: 'bogus' }), (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams);
  });

  it('answers tasks/* of a task it never handed out with -32602, and tasks/list with no tasks', async () => {
    const s = await rawSession(proxy.url);
    for (const method of ['tasks/get', 'tasks/result', 'tasks/cancel']) {
      const answer = await s.request(method, { taskId: 't-1' });
      assert.equal(answer.error?.code, -32602, method);
      assert.match(answer.error?.message ?? '', /unknown task "t-1"/, method);
    }
    assert.deepEqual((await s.request('tasks/list', {})).result, { tasks: [] });
    await s.end();
  });

  it('routes completion by prompt ref and by resource template ref to the owning server', async (t) => {
    const c = await connectHttp(t, proxy.url, { name: 'completer' });
    const complete = async (ref: any, name: string, value: string) =>
      (await c.client.complete({ ref, argument: { name, value } })).completion.values;
    assert.deepEqual(await complete({ type: 'ref/prompt', name: 'weather__weather_report' }, 'city', 'B'), ['Berlin']);
    assert.deepEqual(await complete({ type: 'ref/prompt', name: 'weather__weather_report' }, 'city', 'n'), ['New York']);
    assert.deepEqual(await complete({ type: 'ref/resource', uri: 'weather://forecast/{city}' }, 'city', 'S'), ['Sydney']);
    assert.deepEqual(await complete({ type: 'ref/prompt', name: 'calculator__explain_operation' }, 'operation', 'mu'), ['multiply']);
    await assert.rejects(
      complete({ type: 'ref/prompt', name: 'weather_report' }, 'city', 'B'),
      (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams,
      'the original (unexposed) prompt name is unknown to clients',
    );
    await assert.rejects(
      complete({ type: 'ref/resource', uri: 'nowhere://{x}' }, 'x', ''),
      (e: unknown) => e instanceof McpError && e.code === ErrorCode.InvalidParams,
    );
  });
});
