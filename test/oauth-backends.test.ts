// Servers that need sign-in behind the router, in this process: a backend waits in
// needs_authorization with its link while the others serve, and joins with a list_changed once
// signed in; a revoked refresh token sends it back there; two servers on one authorization server
// get tokens of their own, and neither ever sees the other's; a removed server's sign-in stops.
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseServerEntries } from '../src/config/index.js';
import { connect } from '../src/connectors.js';
import { describeBackend } from '../src/http/admin.js';
import { setLogSink } from '../src/log.js';
import { OAuthManager } from '../src/oauth/manager.js';
import { Router } from '../src/router/router.js';
import { memoryChannelPair } from '../src/transports/memory.js';
import { MemoryClient } from './helpers/memory-client.js';
import { approve, ProtectedMcpServer, TestAuthServer } from './helpers/oauth-servers.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { waitFor } from './helpers/wait.js';

const logs: string[] = [];
const restoreLog = setLogSink((line) => logs.push(line));
after(restoreLog);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function proxyWith(servers: Record<string, object>, opts: { approveAtOnce: boolean }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-oauth-'));
  const links: string[] = [];
  const manager = new OAuthManager({
    storeDir: path.join(dir, 'store'),
    opener: (link) => {
      links.push(link);
      if (opts.approveAtOnce) void approve(link);
    },
  });
  const router = new Router({
    connector: connect,
    auth: manager,
    naming: { separator: '__', namespace: true },
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
    maxRequestMs: 60_000,
  });
  router.configure(parseServerEntries({ mcpServers: servers }, 'test').servers);
  const [clientSide, proxySide] = memoryChannelPair();
  router.openSession(proxySide);
  const client = new MemoryClient(clientSide);
  cleanups.push(async () => {
    manager.close();
    await router.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  await client.initialize();
  return { router, client, links, manager, storeDir: path.join(dir, 'store') };
}

async function servers(count: number) {
  const as = await new TestAuthServer().start();
  const list: ProtectedMcpServer[] = [];
  for (let i = 0; i < count; i++) list.push(await new ProtectedMcpServer(as).start());
  cleanups.push(async () => {
    for (const rs of list) await rs.stop();
    await as.stop();
  });
  return { as, list };
}

const toolNames = async (client: MemoryClient) => ((await client.request('tools/list')).result as { tools: { name: string }[] }).tools.map((t) => t.name);
const listChanges = (client: MemoryClient) => client.notifications.filter((n) => n.method === 'notifications/tools/list_changed').length;

describe('oauth: backends that need sign-in', { timeout: 180_000 }, () => {
  it('waits in needs_authorization with its link while the others serve; list_changed once signed in', async () => {
    const { list } = await servers(1);
    const { router, client, links } = await proxyWith(
      { remote: { type: 'http', url: list[0].resource }, calc: fixtureServer('calculator') },
      { approveAtOnce: false },
    );
    const remote = router.registry.get('remote')!;
    assert.equal(remote.state, 'needs_authorization');
    const status = describeBackend(remote);
    assert.equal(status.authorizationUrl, links[0]);
    assert.match(status.lastError ?? '', /needs sign-in: open its authorizationUrl/);
    const before = await toolNames(client);
    assert.ok(before.includes('calc__add') && !before.includes('remote__whoami'));
    assert.equal((await client.call('calc__add', { a: 2, b: 3 })).error, undefined, 'the other server serves');
    const refused = await client.call('remote__whoami');
    assert.match(refused.error?.message ?? '', /Unknown tool|not available/);

    const changes = listChanges(client);
    assert.equal(await approve(links[0]), 200);
    await waitFor(() => listChanges(client) > changes, 'tools/list_changed');
    assert.equal(remote.state, 'ready');
    assert.equal(describeBackend(remote).authorizationUrl, undefined);
    assert.ok((await toolNames(client)).includes('remote__whoami'));
    const answer = await client.call('remote__whoami');
    assert.match(JSON.stringify(answer.result), /token #1/);
  });

  it('a revoked refresh token sends the server back to needs_authorization; the waiting call completes after sign-in', async () => {
    const { as, list } = await servers(1);
    const { router, client, links } = await proxyWith({ remote: { type: 'http', url: list[0].resource } }, { approveAtOnce: true });
    const remote = router.registry.get('remote')!;
    await waitFor(() => remote.state === 'ready', 'ready');
    // From now on the "user" does not approve by themselves.
    as.revokeAll();
    const pending = client.call('remote__whoami');
    // … but the opener still approves at once: catch the state before by watching for the link.
    await waitFor(() => links.length === 2, 'a second sign-in link');
    const result = await pending;
    assert.match(JSON.stringify(result.result), /token #2/, JSON.stringify(result));
    assert.equal(as.counts.refresh, 1, 'the refresh was tried first');
    assert.match(logs.join('\n'), /refresh token was refused/);
  });

  it('a revoked refresh token: state needs_authorization with the link in /mcp_servers until someone signs in', async () => {
    const { as, list } = await servers(1);
    const { router, client, links } = await proxyWith({ remote: { type: 'http', url: list[0].resource } }, { approveAtOnce: false });
    const remote = router.registry.get('remote')!;
    await approve(links[0]);
    await waitFor(() => remote.state === 'ready', 'ready');
    as.revokeAll();
    const pending = client.call('remote__whoami');
    await waitFor(() => remote.state === 'needs_authorization', 'needs_authorization');
    assert.equal(describeBackend(remote).authorizationUrl, links[1]);
    await approve(links[1]);
    assert.match(JSON.stringify((await pending).result), /token #2/);
    await waitFor(() => remote.state === 'ready', 'ready again');
  });

  it('two servers on one authorization server get different tokens, each only ever sent to its own server', async () => {
    const { as, list } = await servers(2);
    const { router, client, storeDir } = await proxyWith(
      { a: { type: 'http', url: list[0].resource }, b: { type: 'http', url: list[1].resource } },
      { approveAtOnce: true },
    );
    await waitFor(() => router.registry.get('a')!.state === 'ready' && router.registry.get('b')!.state === 'ready', 'both ready');
    const a = JSON.stringify((await client.call('a__whoami')).result);
    const b = JSON.stringify((await client.call('b__whoami')).result);
    assert.match(a, new RegExp(`for ${list[0].resource}`));
    assert.match(b, new RegExp(`for ${list[1].resource}`));
    assert.notEqual(/token #(\d+)/.exec(a)![1], /token #(\d+)/.exec(b)![1]);
    for (const [i, rs] of list.entries()) {
      for (const header of rs.authorizations) {
        const grant = as.introspect(header.slice(7));
        if (grant) assert.equal(grant.resource, list[i].resource, `server ${i} was sent a token of another server`);
      }
    }
    assert.equal(readdirSync(storeDir).filter((f) => f.endsWith('.json')).length, 2, 'one record per server');
  });

  it('removing a server cancels its waiting sign-in', async () => {
    const { list } = await servers(1);
    const { router, links, manager } = await proxyWith({ remote: { type: 'http', url: list[0].resource } }, { approveAtOnce: false });
    assert.equal(router.registry.get('remote')!.state, 'needs_authorization');
    const link = links[0];
    const redirect = new URL(new URL(link).searchParams.get('redirect_uri')!);
    const auth = manager.acquire(parseServerEntries({ mcpServers: { remote: { type: 'http', url: list[0].resource } } }, 't').servers[0])!;
    manager.release(auth);
    assert.equal(auth.listenerCount, 1, "the backend's");
    await router.removeServer('remote');
    assert.equal(manager.size, 0, 'the sign-in state went with the last backend of the server');
    assert.equal(auth.listenerCount, 0);
    assert.equal(auth.link, undefined);
    // The loopback listener of that sign-in is gone.
    await assert.rejects(fetch(redirect), /fetch failed/);
  });
});
