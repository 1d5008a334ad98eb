// Progress through the real proxy: two Streamable HTTP clients using the very same progress
// token on the same backend at the same time each see only their own progress and answer; the
// stdio front delivers every progress notification with its token; a raw NDJSON client gets its
// ids and tokens back with their JSON type (7 vs "7", 5 vs "5").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, startRawProxy, writeConfig } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { connectHttp, connectStdio, textOf, type RoutingClient } from './helpers/routing-clients.js';
import { waitFor } from './helpers/wait.js';

/** The progress notifications a rawProgress client got, as [token, progress, total]. */
function progressOf(c: RoutingClient): [unknown, number, number][] {
  return c.notifications('notifications/progress').map((n) => [n.params.progressToken, n.params.progress, n.params.total]);
}

describe('routing: progress over Streamable HTTP, two clients', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { slow: fixtureServer('slow') } });
  });
  after(() => proxy?.stop());

  for (const token of ['same', 5]) {
    it(`keeps progress apart when both use the token ${JSON.stringify(token)} on one backend at once`, async (t) => {
      const a = await connectHttp(t, proxy.url, { name: 'client-a', rawProgress: true });
      const b = await connectHttp(t, proxy.url, { name: 'client-b', rawProgress: true });
      // Different step counts and totals: any leak shows up as a wrong count or total.
      const call = (c: RoutingClient, ms: number, steps: number) =>
        c.client.callTool({ name: 'slow__sleep', arguments: { ms, steps }, _meta: { progressToken: token } });
      const [ra, rb] = await Promise.all([call(a, 240, 3), call(b, 300, 6)]);
      assert.equal(textOf(ra), 'slept 240');
      assert.equal(textOf(rb), 'slept 300');
      assert.deepEqual(progressOf(a), [1, 2, 3].map((p) => [token, p, 3]));
      assert.deepEqual(progressOf(b), [1, 2, 3, 4, 5, 6].map((p) => [token, p, 6]));
    });
  }

  it("keeps apart the tokens the SDK picks itself (its request id: the same number in two fresh clients)", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a', rawProgress: true });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', rawProgress: true });
    // onprogress makes the SDK add its own token; rawProgress records what arrives on the wire.
    const call = (c: RoutingClient, ms: number, steps: number) =>
      c.client.callTool({ name: 'slow__sleep', arguments: { ms, steps } }, undefined, { onprogress: () => {} });
    const [ra, rb] = await Promise.all([call(a, 150, 2), call(b, 200, 4)]);
    assert.equal(textOf(ra), 'slept 150');
    assert.equal(textOf(rb), 'slept 200');
    const token = progressOf(a)[0]?.[0];
    assert.equal(typeof token, 'number');
    assert.deepEqual(progressOf(a), [1, 2].map((p) => [token, p, 2]));
    assert.deepEqual(progressOf(b), [1, 2, 3, 4].map((p) => [token, p, 4]), 'same token value in both clients');
  });
});

describe('routing: progress over stdio', { timeout: 60_000 }, () => {
  it('delivers every progress notification of a call, with the token the client chose', async (t) => {
    const config = writeConfig(t, { mcpServers: { slow: fixtureServer('slow') } });
    // rawProgress: the SDK's own per-request handler drops progress read in the same chunk as
    // the answer (typescript-sdk#2580), which a pipe under load can always produce.
    const c = await connectStdio(t, config, { name: 'stdio-client', rawProgress: true });
    const result = await c.client.callTool({ name: 'slow__sleep', arguments: { ms: 90, steps: 3 }, _meta: { progressToken: 'stdio-token' } });
    assert.equal(textOf(result), 'slept 90');
    await waitFor(() => c.notifications('notifications/progress').length >= 3, 'three progress notifications');
    assert.deepEqual(progressOf(c), [1, 2, 3].map((p) => ['stdio-token', p, 3]));
  });
});

describe('routing: id and token JSON types over stdio (raw NDJSON)', { timeout: 60_000 }, () => {
  it('answers 7 and "7" with their own type and result, and maps tokens 5 and "5" back exactly', async (t) => {
    const config = writeConfig(t, { mcpServers: { slow: fixtureServer('slow') } });
    const proxy = startRawProxy(t, ['--config', config, '--log-level', 'warn']);
    await proxy.initialize();
    const call = (id: number | string, token: number | string, ms: number, steps: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'slow__sleep', arguments: { ms, steps }, _meta: { progressToken: token } },
    });
    proxy.send(call(7, 5, 120, 2));
    proxy.send(call('7', '5', 150, 3));
    await waitFor(() => proxy.messages().filter((m) => m.id === 7 || m.id === '7').length === 2, 'both answers');

    const messages = proxy.messages();
    const numberAnswer = messages.findIndex((m) => m.id === 7);
    const stringAnswer = messages.findIndex((m) => m.id === '7');
    assert.equal(textOf(messages[numberAnswer].result), 'slept 120');
    assert.equal(textOf(messages[stringAnswer].result), 'slept 150');

    const progress = messages.map((m, i) => ({ ...m, i })).filter((m) => m.method === 'notifications/progress');
    const forNumber = progress.filter((m) => m.params.progressToken === 5);
    const forString = progress.filter((m) => m.params.progressToken === '5');
    assert.equal(forNumber.length + forString.length, progress.length, `only the client's own tokens: ${JSON.stringify(progress)}`);
    assert.deepEqual(forNumber.map((m) => [m.params.progress, m.params.total]), [[1, 2], [2, 2]]);
    assert.deepEqual(forString.map((m) => [m.params.progress, m.params.total]), [[1, 3], [2, 3], [3, 3]]);
    assert.ok(forNumber.every((m) => m.i < numberAnswer), 'progress for 7 comes before its answer');
    assert.ok(forString.every((m) => m.i < stringAnswer), 'progress for "7" comes before its answer');
  });
});
