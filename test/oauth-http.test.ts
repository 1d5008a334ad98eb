// HTTP mode with a server that needs sign-in, through the real proxy process: the server waits in
// needs_authorization with its link in /mcp_servers and /health?verbose=1 while the others serve;
// the browser comes back to the proxy's own /oauth/callback (no API key needed there); connected
// clients get list_changed; a restart keeps the tokens. The proxy's own API key never reaches the
// backend, and no token shows up in its log, its --record transcript, or anywhere but the store.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { backendsStarted, startHttpProxy, type HttpProxy } from './helpers/http-proxy.js';
import { streamableClient, toolText } from './helpers/http-mcp.js';
import { approve, ProtectedMcpServer, TestAuthServer } from './helpers/oauth-servers.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { waitFor } from './helpers/wait.js';

const KEY = 'front-door-key-4f9c2e71';
const auth = { Authorization: `Bearer ${KEY}` };

describe('oauth: HTTP mode', { timeout: 180_000 }, () => {
  let as: TestAuthServer;
  let rs: ProtectedMcpServer;
  let dir: string;
  const proxies: HttpProxy[] = [];

  before(async () => {
    as = await new TestAuthServer().start();
    rs = await new ProtectedMcpServer(as).start();
    dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-oauth-http-'));
  });
  after(async () => {
    for (const p of proxies) await p.stop();
    await rs.stop();
    await as.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (args: string[] = []) => {
    const proxy = await startHttpProxy({
      servers: { remote: { type: 'http', url: rs.resource }, calc: fixtureServer('calculator') },
      args: ['--oauth-store', path.join(dir, 'store'), ...args],
      env: { MULTI_MCP_API_KEY: KEY },
    });
    proxies.push(proxy);
    await backendsStarted(proxy);
    return proxy;
  };
  const servers = async (proxy: HttpProxy, route = '/mcp_servers') => (await (await fetch(`${proxy.url}${route}`, { headers: auth })).json()) as any;

  it('waits for sign-in, shows the link, takes the redirect at /oauth/callback, then announces the tools', async () => {
    const proxy = await start();
    const listing = await servers(proxy);
    const remote = listing.servers.find((s: any) => s.name === 'remote');
    assert.equal(remote.state, 'needs_authorization');
    assert.match(remote.authorizationUrl, new RegExp(`^${as.url}/authorize\\?`));
    const redirect = new URL(remote.authorizationUrl).searchParams.get('redirect_uri');
    assert.equal(redirect, `${proxy.url}/oauth/callback`);
    assert.deepEqual(listing.active_servers, ['calc']);
    const health = await servers(proxy, '/health?verbose=1');
    assert.equal(health.servers.find((s: any) => s.name === 'remote').authorizationUrl, remote.authorizationUrl);
    assert.match(proxy.stderr(), /server "remote" needs sign-in: open http/);

    const { client } = await streamableClient(proxy.url, { headers: auth });
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    const before = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(before.includes('calc__add') && !before.includes('remote__whoami'));

    // The browser: the authorization server sends it back to the proxy, which needs no key there.
    assert.equal(await approve(remote.authorizationUrl), 200);
    await waitFor(() => changed > 0, 'tools/list_changed');
    const after = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(after.includes('remote__whoami'));
    assert.match(toolText(await client.callTool({ name: 'remote__whoami', arguments: {} })), /token #1/);
    assert.equal((await servers(proxy)).servers.find((s: any) => s.name === 'remote').state, 'ready');
    await client.close();

    // Unknown or replayed state: refused, without the key too.
    const replay = await fetch(`${proxy.url}/oauth/callback?code=x&state=${new URL(remote.authorizationUrl).searchParams.get('state')}`);
    assert.equal(replay.status, 400);
    await proxy.stop();
  });

  it('keeps its tokens across a restart, and keeps them to itself', async () => {
    const record = path.join(dir, 'record.jsonl');
    const proxy = await start(['--record', record]);
    const authorizations = as.counts.authorize;
    const listing = await servers(proxy);
    assert.equal(listing.servers.find((s: any) => s.name === 'remote').state, 'ready', proxy.stderr());
    assert.equal(as.counts.authorize, authorizations, 'no new sign-in');
    const { client } = await streamableClient(proxy.url, { headers: auth });
    assert.match(toolText(await client.callTool({ name: 'remote__whoami', arguments: {} })), /token #1/);
    await client.close();
    await proxy.stop();

    // The store: owner-only.
    const store = path.join(dir, 'store');
    assert.equal(statSync(store).mode & 0o777, 0o700);
    const files = readdirSync(store);
    assert.equal(files.length, 1);
    assert.equal(statSync(path.join(store, files[0])).mode & 0o777, 0o600);
    // No token anywhere else; the front's key never went to the backend.
    const secrets = [...as.accessTokens.keys(), ...as.refreshTokens.keys()];
    assert.ok(secrets.length > 0);
    const texts = [...proxies.map((p) => p.stderr()), readFileSync(record, 'utf8')];
    for (const secret of secrets) for (const text of texts) assert.ok(!text.includes(secret), 'a token was printed or recorded');
    assert.ok(!rs.authorizations.some((h) => h.includes(KEY)), 'the proxy passed its own API key on');
    assert.ok(readFileSync(path.join(store, files[0]), 'utf8').includes([...as.accessTokens.keys()][0]));
  });
});
