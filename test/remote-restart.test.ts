// A Streamable HTTP backend restarted mid-session: the new instance on the same port does not know
// the old session (404), so the proxy re-initializes and the backend's tools keep working.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStreamableServer, type RunningServer } from './helpers/sdk-servers.js';
import { startRemoteProxy, textOf } from './helpers/remote-proxy.js';
import { sleep } from './helpers/wait.js';

describe('Streamable HTTP backend restarted mid-session', { timeout: 60_000 }, () => {
  const servers: RunningServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('keeps working after re-initialize', async (t) => {
    const first = await startStreamableServer('first', { json: false });
    servers.push(first);
    const proxy = await startRemoteProxy(t, { remote: { url: first.url, restart: { initialDelayMs: 100, maxDelayMs: 500 } } });
    assert.equal(textOf(await proxy.client.callTool({ name: 'remote__whoami', arguments: {} })), 'first');

    await first.close();
    const second = await startStreamableServer('second', { json: false, port: first.port });
    servers.push(second);

    // Until the proxy has noticed (404) and re-initialized, calls fail; bounded by count and time.
    let answer = '';
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 200 && Date.now() < deadline; i++) {
      const result = await proxy.client.callTool({ name: 'remote__whoami', arguments: {} }).catch((e: Error) => e);
      if (!(result instanceof Error) && !result.isError) {
        answer = textOf(result);
        break;
      }
      await sleep(100);
    }
    assert.equal(answer, 'second');
    assert.equal(second.initializations, 1, 'one new session on the new instance');
    assert.match(proxy.stderr(), /server "remote" session expired \(HTTP 404\)/);
  });
});
