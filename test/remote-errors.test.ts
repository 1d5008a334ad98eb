// Remote backends that cannot be reached (connection refused, a 404 path, a WebSocket that is
// not there) are reported clearly in the proxy's log; the backend that works serves all the same.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSseServer, startStreamableServer, type RunningServer } from './helpers/sdk-servers.js';
import { freePort } from './helpers/free-port.js';
import { startRemoteProxy, textOf } from './helpers/remote-proxy.js';


describe('unreachable remote backends', { timeout: 60_000 }, () => {
  let good: RunningServer, sse: RunningServer;
  before(async () => {
    [good, sse] = await Promise.all([startStreamableServer('good', { json: true }), startSseServer('sse')]);
  });
  after(() => Promise.all([good, sse].map((s) => s?.close())));

  it('are reported with their URL and cause, and the rest works', async (t) => {
    const port = await freePort(); // nothing listens there
    const proxy = await startRemoteProxy(t, {
      good: { url: good.url },
      refused: { type: 'http', url: `http://127.0.0.1:${port}/mcp` },
      refusedsse: { url: `http://127.0.0.1:${port}/sse` },
      nopath: { url: `http://127.0.0.1:${good.port}/nope` },
      badsse: { url: `http://127.0.0.1:${sse.port}/wrong/sse` },
      nows: { url: `ws://127.0.0.1:${port}/ws` },
    });
    const { tools } = await proxy.client.listTools();
    const names = tools.map((x) => x.name);
    assert.ok(names.includes('good__whoami'));
    assert.deepEqual(names.filter((n) => !n.startsWith('good__')), [], 'only the reachable server has tools');
    const result = await proxy.client.callTool({ name: 'good__whoami', arguments: {} });
    assert.equal(textOf(result), 'good');

    const log = proxy.stderr();
    const failure = (name: string) => log.split('\n').find((l) => l.includes(`server "${name}" failed to start`)) ?? '';
    assert.match(failure('refused'), new RegExp(`127\\.0\\.0\\.1:${port}/mcp.*ECONNREFUSED`));
    assert.match(failure('refusedsse'), new RegExp(`127\\.0\\.0\\.1:${port}/sse.*ECONNREFUSED`));
    assert.match(failure('nopath'), /\/nope is neither a Streamable HTTP endpoint \(initialize answered HTTP 404.*\) nor a legacy SSE one \(.*HTTP 404/);
    assert.match(failure('badsse'), /\/wrong\/sse answered HTTP 404/);
    assert.match(failure('nows'), new RegExp(`cannot open WebSocket ws://127\\.0\\.0\\.1:${port}/ws: .*ECONNREFUSED`));
  });
});
