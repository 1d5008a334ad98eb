// Per-client backends ("session": "per-client") through the real proxy over Streamable HTTP: each
// client session gets its own backend process, initialized for that client; server→client
// requests go to the owning client even while both clients have calls in flight; a client's
// roots/list_changed reaches only its own instance; the instance stops when its session ends.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureServer, isAlive } from './helpers/proxy-process.js';
import { startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { pollUntil } from './helpers/http-mcp.js';
import { connectHttp, gate, samplingAnswer, type RoutingClient } from './helpers/routing-clients.js';
import { waitFor } from './helpers/wait.js';

async function whoami(c: RoutingClient): Promise<{ clientName: string | null; pid: number }> {
  return JSON.parse(await c.callText('features__whoami'));
}

describe('routing: per-client backends over Streamable HTTP', { timeout: 60_000 }, () => {
  let proxy: HttpProxy;
  before(async () => {
    proxy = await startHttpProxy({ servers: { features: { ...fixtureServer('features'), session: 'per-client' } } });
  });
  after(() => proxy?.stop());

  it('gives each client session its own backend process, the same one for all its calls', async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    const [wa, wb] = await Promise.all([whoami(a), whoami(b)]);
    assert.notEqual(wa.pid, wb.pid);
    assert.notEqual(wa.pid, proxy.pid);
    assert.equal((await whoami(a)).pid, wa.pid);
    assert.equal((await whoami(b)).pid, wb.pid);
  });

  it("initializes each instance with its own client's clientInfo name", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    const [wa, wb] = await Promise.all([whoami(a), whoami(b)]);
    assert.deepEqual([wa.clientName, wb.clientName], ['client-a', 'client-b']);
  });

  it('sends each sampling request to its own client while both clients have calls in flight', async (t) => {
    const bothAsked = { a: gate(), b: gate() };
    const both = Promise.all([bothAsked.a.promise, bothAsked.b.promise]);
    const handler = (who: 'a' | 'b') => ({
      sampling: async (req: any) => {
        bothAsked[who].open();
        await both; // answer only once the other client's call is in flight too
        return samplingAnswer(`${who} answered ${req.params.messages[0].content.text}`);
      },
    });
    const a = await connectHttp(t, proxy.url, { name: 'client-a', handlers: handler('a') });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', handlers: handler('b') });
    const results = await Promise.all([
      a.callText('features__sample', { prompt: 'from a' }),
      b.callText('features__sample', { prompt: 'from b' }),
    ]);
    assert.deepEqual(results, ['a answered from a', 'b answered from b']);
    assert.equal(a.requests.length, 1);
    assert.equal(b.requests.length, 1);
  });

  it("forwards a client's roots/list_changed to its own instance only", async (t) => {
    const roots = { roots: () => ({ roots: [] }) };
    const a = await connectHttp(t, proxy.url, { name: 'client-a', handlers: roots });
    const b = await connectHttp(t, proxy.url, { name: 'client-b', handlers: roots });
    await Promise.all([whoami(a), whoami(b)]); // both instances started
    await a.client.sendRootsListChanged();
    const received = async (c: RoutingClient) => JSON.parse(await c.callText('features__received')) as string[];
    const seenByA = await pollUntil(async () => {
      const seen = await received(a);
      return seen.includes('notifications/roots/list_changed') ? seen : undefined;
    }, "A's instance to receive roots/list_changed");
    assert.equal(seenByA.filter((m) => m === 'notifications/roots/list_changed').length, 1);
    assert.ok(!(await received(b)).includes('notifications/roots/list_changed'), "B's instance did not");
  });

  it("stops a client's instance when its session is deleted, and only that one", async (t) => {
    const a = await connectHttp(t, proxy.url, { name: 'client-a' });
    const b = await connectHttp(t, proxy.url, { name: 'client-b' });
    const [wa, wb] = await Promise.all([whoami(a), whoami(b)]);
    assert.ok(isAlive(wa.pid) && isAlive(wb.pid));
    await a.transport.terminateSession();
    await waitFor(() => !isAlive(wa.pid), `process ${wa.pid} of the deleted session to exit`, 10_000, 20);
    assert.ok(isAlive(wb.pid), "the other client's instance keeps running");
    assert.equal((await whoami(b)).pid, wb.pid);
  });
});
