// Structured output through the real proxy: a tool definition (title, outputSchema, annotations,
// icons, _meta, an unknown field) and its results (structuredContent, annotated content, isError,
// _meta, an unknown field) come out of the proxy exactly as the backend sent them, the exposed
// tool name aside; checked raw over Streamable HTTP and stdio, and with the SDK client, which
// validates structuredContent against the outputSchema.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, fixtureServer, startRawProxy, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { rawSession } from './helpers/http-mcp.js';
import { directPeer } from './helpers/ndjson-peer.js';
import { connectHttp } from './helpers/routing-clients.js';

const EXPOSED = 'routing__structured';

interface Original {
  tool: any;
  ok: any;
  failed: any;
}

/** What the fixture says without the proxy in between. */
async function original(t: TestContext): Promise<Original> {
  const direct = await directPeer(t, process.execPath, [fixture('routing')]);
  const tool = (await direct.request('tools/list')).result.tools.find((x: any) => x.name === 'structured');
  const ok = (await direct.request('tools/call', { name: 'structured', arguments: {} })).result;
  const failed = (await direct.request('tools/call', { name: 'structured', arguments: { fail: true } })).result;
  // Guard against a vacuous comparison: the interesting fields are really there.
  for (const key of ['title', 'outputSchema', 'annotations', 'icons', '_meta', 'x-unknown-tool-field']) assert.ok(key in tool, key);
  for (const key of ['structuredContent', 'isError', '_meta', 'x-unknown-result-field']) assert.ok(key in ok, key);
  assert.ok(ok.content[0].annotations && ok.content[1]['x-link-extra']);
  assert.equal(failed.isError, true);
  return { tool, ok, failed };
}

function expectSame(got: { tool: any; ok: any; failed: any }, want: Original): void {
  assert.deepEqual(got.tool, { ...want.tool, name: EXPOSED });
  assert.deepEqual(got.ok, want.ok);
  assert.deepEqual(got.failed, want.failed);
}

describe('routing: structured output passes through unchanged', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { routing: fixtureServer('routing'), weather: fixtureServer('weather') } });
  });
  after(() => proxy?.stop());

  it('over Streamable HTTP (raw JSON)', async (t) => {
    const want = await original(t);
    const s = await rawSession(proxy.url);
    t.after(() => s.end());
    const tool = (await s.request('tools/list')).result.tools.find((x: any) => x.name === EXPOSED);
    const ok = (await s.request('tools/call', { name: EXPOSED, arguments: {} })).result;
    const failed = (await s.request('tools/call', { name: EXPOSED, arguments: { fail: true } })).result;
    expectSame({ tool, ok, failed }, want);
  });

  it('over stdio (raw NDJSON)', async (t) => {
    const want = await original(t);
    const config = writeConfig(t, { mcpServers: { routing: fixtureServer('routing') } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    await proxy.initialize();
    const tool = ((await proxy.request(1, 'tools/list')) as any).result.tools.find((x: any) => x.name === EXPOSED);
    const ok = ((await proxy.request(2, 'tools/call', { name: EXPOSED, arguments: {} })) as any).result;
    const failed = ((await proxy.request(3, 'tools/call', { name: EXPOSED, arguments: { fail: true } })) as any).result;
    expectSame({ tool, ok, failed }, want);
  });

  it('to the SDK client, which validates structuredContent against the outputSchema', async (t) => {
    const want = await original(t);
    const c = await connectHttp(t, proxy.url, { name: 'sdk' });
    const { tools } = await c.client.listTools(); // caches the output schemas the SDK validates with
    const listed = tools.find((x) => x.name === EXPOSED)!;
    assert.deepEqual(listed.outputSchema, want.tool.outputSchema);
    assert.deepEqual(listed.annotations, want.tool.annotations);
    assert.deepEqual(listed._meta, want.tool._meta);
    const ok = await c.client.callTool({ name: EXPOSED, arguments: {} });
    assert.deepEqual(ok.structuredContent, want.ok.structuredContent);
    assert.deepEqual(ok._meta, want.ok._meta);
    assert.equal(ok.isError, false);
    const failed = await c.client.callTool({ name: EXPOSED, arguments: { fail: true } });
    assert.equal(failed.isError, true);
    const weather = await c.client.callTool({ name: 'weather__get_weather', arguments: { city: 'Paris' } });
    assert.equal((weather.structuredContent as any).city, 'Paris');
  });
});
