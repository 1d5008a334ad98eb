// The proxy as a 2026-07-28 client, end to end: the real proxy (stdio front, a 2025 client)
// with fixtures/servers/modern.mjs behind it, over Streamable HTTP and over stdio, next to 2025
// servers. The fixture checks the revision's headers itself (a wrong one fails the call with
// -32020) and reports what it received.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startListening, type ListeningProcess } from './helpers/listening-process.js';
import { fixture, fixtureServer } from './helpers/proxy-process.js';
import { startStreamableServer, type RunningServer } from './helpers/sdk-servers.js';
import { StdioProxy } from './helpers/stdio-proxy.js';

const PATIENCE_MS = 30_000;
const CLIENT_CAPS = { sampling: {}, roots: { listChanged: true } };
const CLIENT_INFO = { name: 'modern-test-client', version: '3.1' };

async function modernHttp(args: string[] = []): Promise<ListeningProcess> {
  return startListening(process.execPath, [fixture('modern'), '--http', ...args], { cwd: process.cwd(), env: process.env, timeoutMs: PATIENCE_MS });
}

async function startProxy(servers: Record<string, object>): Promise<StdioProxy> {
  const proxy = new StdioProxy({ servers });
  const init = await proxy.request('initialize', { protocolVersion: '2025-11-25', capabilities: CLIENT_CAPS, clientInfo: CLIENT_INFO }, { id: 'init', timeoutMs: PATIENCE_MS });
  if (init.error) throw new Error(`initialize failed: ${JSON.stringify(init.error)}\n${proxy.stderr}`);
  await proxy.notify('notifications/initialized');
  return proxy;
}

/** Asks again (a fresh round trip each time) until `check` gives a value; bounded by count and time. */
async function until<T>(ask: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const value = await ask();
    if (value) return value;
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The structured answer of a tool, or a failure naming what came back. */
async function structured(proxy: StdioProxy, name: string, args: object = {}): Promise<any> {
  const res = await proxy.call(name, args, { timeoutMs: PATIENCE_MS });
  assert.ok(res.result && !res.result.isError, `${name}: ${JSON.stringify(res)}`);
  return res.result.structuredContent;
}

describe('a 2026-07-28 backend over Streamable HTTP, through the proxy', { timeout: 120_000 }, () => {
  let json: ListeningProcess;
  let sse: ListeningProcess;
  let picky: ListeningProcess;
  let proxy: StdioProxy;
  before(async () => {
    [json, sse, picky] = await Promise.all([modernHttp(['--session-id', '--invalid-tools']), modernHttp(['--answer', 'sse']), modernHttp(['--reject-first'])]);
    proxy = await startProxy({ m: { url: json.url }, s: { url: sse.url }, r: { url: picky.url } });
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([json?.stop(), sse?.stop(), picky?.stop()]);
  });

  it('is found modern by the probe; tools with invalid x-mcp-header annotations are left out with a warning', async () => {
    for (const name of ['m', 's', 'r']) {
      assert.match(proxy.stderr, new RegExp(`server "${name}" ready over http \\(modern 1\\.0\\.0, protocol 2026-07-28\\)`));
    }
    const names = await proxy.toolNames();
    assert.ok(names.includes('m__headers'));
    for (const bad of ['bad_number', 'bad_duplicate', 'bad_token', 'bad_in_items']) {
      assert.ok(!names.includes(`m__${bad}`), `${bad} left out`);
      assert.match(proxy.stderr, new RegExp(`server "m": tool "${bad}" left out: `));
    }
  });

  it('-32022 to the first request: one corrective probe at 2026-07-28, then modern', async () => {
    const received = (await structured(proxy, 'r__received')).value as any[];
    const discovers = received.filter((r) => r.method === 'server/discover');
    assert.equal(discovers.length, 2);
    for (const d of discovers) assert.equal(d.headers['mcp-protocol-version'], '2026-07-28');
    assert.ok(!received.some((r) => r.method === 'initialize'));
  });

  it('sends Mcp-Method, Mcp-Name and Mcp-Param-* (base64 where needed, empty values too, null left out)', async () => {
    const args = { region: 'Hello, 世界', count: 42, flag: false, note: '', query: 'SELECT 1' };
    const { headers } = await structured(proxy, 'm__headers', args);
    assert.equal(headers['mcp-protocol-version'], '2026-07-28');
    assert.equal(headers['mcp-method'], 'tools/call');
    assert.equal(headers['mcp-name'], 'headers');
    assert.equal(headers['mcp-param-region'], '=?base64?SGVsbG8sIOS4lueVjA==?=');
    assert.equal(headers['mcp-param-count'], '42');
    assert.equal(headers['mcp-param-flag'], 'false');
    assert.equal(headers['mcp-param-note'], '');
    assert.equal(headers['mcp-param-query'], undefined, 'not annotated');
    const nulls = await structured(proxy, 'm__headers', { region: null, count: 1 });
    assert.equal(nulls.headers['mcp-param-region'], undefined);
    assert.equal(nulls.headers['mcp-param-count'], '1');
  });

  it("each request carries the calling client's capabilities and identity; the proxy's own carry its own; no session, no GET, no DELETE", async () => {
    const { meta } = await structured(proxy, 'm__whoami');
    assert.deepEqual(meta['io.modelcontextprotocol/clientCapabilities'], { sampling: {}, roots: {} });
    assert.deepEqual(meta['io.modelcontextprotocol/clientInfo'], CLIENT_INFO);
    const received = (await structured(proxy, 'm__received')).value as any[];
    const own = received.filter((r) => r.method === 'server/discover' || r.method === 'tools/list');
    assert.ok(own.length >= 2);
    for (const r of own) {
      assert.deepEqual(r.meta['io.modelcontextprotocol/clientCapabilities'], {});
      assert.equal(r.meta['io.modelcontextprotocol/clientInfo'].name, 'multi-mcp');
    }
    for (const r of received) {
      assert.ok(!r.method.startsWith('HTTP '), `no ${r.method}`);
      assert.equal(r.headers['mcp-session-id'], undefined, 'the session id the server sent is ignored');
      assert.equal(r.headers['mcp-protocol-version'], r.meta['io.modelcontextprotocol/protocolVersion']);
    }
  });

  it('progress comes on the request stream with the client token: NDJSON in application/json and SSE', async () => {
    for (const server of ['m', 's']) {
      const since = proxy.notifications.length;
      const res = await proxy.request('tools/call', { name: `${server}__progress`, arguments: { steps: 3 }, _meta: { progressToken: `tok-${server}` } });
      assert.equal(res.result.content[0].text, '3 steps');
      const progress = proxy.notificationsOf('notifications/progress', since).map((n) => n.msg.params);
      assert.deepEqual(progress.map((p) => [p.progressToken, p.progress]), [[`tok-${server}`, 1], [`tok-${server}`, 2], [`tok-${server}`, 3]], server);
    }
  });

  it("a client's cancellation closes the request's POST (nothing else is sent)", async () => {
    const id = proxy.newId();
    await proxy.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 's__wait_for_cancel', arguments: {} } });
    await until(async () => ((await structured(proxy, 's__received')).value as any[]).some((r) => r.headers?.['mcp-name'] === 'wait_for_cancel'), 'the call at the server');
    await proxy.notify('notifications/cancelled', { requestId: id });
    const cancelled = await until(async () => ((await structured(proxy, 's__cancelled')).value as unknown[]).length > 0 && (await structured(proxy, 's__cancelled')).value, 'the server to see its client go');
    assert.equal(cancelled.length, 1);
    const received = (await structured(proxy, 's__received')).value as any[];
    assert.ok(!received.some((r) => r.method === 'notifications/cancelled'));
    assert.equal(proxy.answersTo(id).length, 0, 'a cancelled request is not answered');
  });

  it('the standing listen brings list_changed (re-listed, callable) and resources/updated for subscribed URIs', async () => {
    const since = proxy.notifications.length;
    const added = (await proxy.call('m__change_tools')).result.content[0].text.replace('added ', '');
    await proxy.waitForNotification('notifications/tools/list_changed', since, PATIENCE_MS);
    assert.equal((await proxy.call(`m__${added}`)).result.content[0].text, added);
    assert.deepEqual((await proxy.request('resources/subscribe', { uri: 'modern://a' })).result, {});
    const listens: any[] = await until(async () => {
      const open = (await structured(proxy, 'm__listens')).value as any[];
      return open.some((l) => l.resourceSubscriptions?.includes('modern://a')) && open;
    }, 'a listen for modern://a');
    assert.deepEqual(listens.at(-1), { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true, resourceSubscriptions: ['modern://a'] });
    const before = proxy.notifications.length;
    await proxy.call('m__touch', { uri: 'modern://a' });
    const updated = await proxy.waitForNotification('notifications/resources/updated', before, PATIENCE_MS);
    assert.deepEqual(updated.msg.params, { uri: 'modern://a' });
  });
});

describe('eras over stdio, and 2025 servers next to 2026 ones', { timeout: 120_000 }, () => {
  let legacyHttp: RunningServer;
  let proxy: StdioProxy;
  before(async () => {
    legacyHttp = await startStreamableServer('legacy', { json: true });
    proxy = await startProxy({
      modern: fixtureServer('modern'),
      forced2025: { ...fixtureServer('modern', ['--dual', '--name', 'dual']), protocol: '2025-11-25' },
      forced2026: { ...fixtureServer('echo'), protocol: '2026-07-28', restart: false },
      quitter: fixtureServer('echo', ['--exit-before-initialize', '--tool-name', 'quit_echo']),
      old: fixtureServer('echo', ['--tool-name', 'old_echo']),
      oldHttp: { url: legacyHttp.url },
    });
  });
  after(async () => {
    await proxy?.stop();
    await legacyHttp?.close();
  });

  it('a 2026-07-28 stdio server: modern, the envelope, the listen', async () => {
    assert.match(proxy.stderr, /server "modern" ready over stdio \(modern 1\.0\.0, protocol 2026-07-28\)/);
    const { meta } = await structured(proxy, 'modern__whoami');
    assert.deepEqual(meta['io.modelcontextprotocol/clientCapabilities'], { sampling: {}, roots: {} });
    const since = proxy.notifications.length;
    await proxy.call('modern__change_tools');
    await proxy.waitForNotification('notifications/tools/list_changed', since, PATIENCE_MS);
  });

  it('"protocol": "2025-11-25" speaks 2025 to a server of both eras; "2026-07-28" refuses a 2025 server, saying why', async () => {
    assert.match(proxy.stderr, /server "forced2025" ready over stdio \(dual 1\.0\.0, protocol 2025-11-25\)/);
    assert.equal((await proxy.call('forced2025__echo', { text: 'hi' })).result.content[0].text, 'hi');
    assert.match(proxy.stderr, /server "forced2026" failed to start: "protocol": "2026-07-28" is configured, but server\/discover answered Method not found: server\/discover \(-32601\)/);
  });

  it('a stdio server that exits on the probe is started again and spoken to in 2025', async () => {
    assert.equal((proxy.stderr.match(/\[quitter\] \[echo\] exiting: server\/discover before initialize/g) ?? []).length, 1);
    assert.match(proxy.stderr, /server "quitter" speaks the 2025 protocol \(it quit on server\/discover: exited with code 1\)/);
    assert.equal((await proxy.call('quitter__quit_echo', { text: 'still here' })).result.content[0].text, 'still here');
  });

  it('2025-only servers still work, over stdio and Streamable HTTP', async () => {
    assert.match(proxy.stderr, /server "old" speaks the 2025 protocol/);
    assert.equal((await proxy.call('old__old_echo', { text: 'x' })).result.content[0].text, 'x');
    assert.match(proxy.stderr, /server "oldHttp" ready over http \(test-legacy 1\.0\.0, protocol 2025-/);
    assert.equal((await proxy.call('oldHttp__echo', { text: 'y' })).result.content[0].text, 'legacy: y');
    const posts = legacyHttp.seen.filter((r) => r.method === 'POST');
    assert.equal(posts[0].headers['mcp-method'], 'server/discover', 'probed first');
    assert.equal(legacyHttp.initializations, 1);
    assert.ok(posts.slice(1).every((r) => r.headers['mcp-method'] === undefined), 'then 2025 only');
  });
});

describe('a server of both eras on one Streamable HTTP endpoint', { timeout: 120_000 }, () => {
  let dual: ListeningProcess;
  let only2026: ListeningProcess;
  let proxy: StdioProxy;
  before(async () => {
    // d's discover lists 2025-11-25 too; n's does not, but the config says "both".
    [dual, only2026] = await Promise.all([modernHttp(['--dual']), modernHttp()]);
    proxy = await startProxy({ d: { url: dual.url }, n: { url: only2026.url, protocol: 'both' } });
    await proxy.waitForStderr(/server "d" also speaks 2025-11-25/);
    await proxy.waitForStderr(/server "n": no 2025-11-25 session beside the 2026-07-28 one \(.+\); 2025 clients are served through its 2026 side/);
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([dual?.stop(), only2026?.stop()]);
  });

  it("a 2025 client's call goes to the server's 2025 side when that side lists the tool, else to its 2026 side", async () => {
    assert.match(proxy.stderr, /server "d" ready over http \(modern 1\.0\.0, protocol 2026-07-28\)/);
    assert.equal((await proxy.call('d__era')).result.content[0].text, '2025-11-25');
    assert.equal((await proxy.call('d__only_modern')).result.content[0].text, 'only_modern on 2026-07-28');
    // A 2026-only server refuses the 2025 session the config asked for: everything goes to its 2026 side.
    assert.equal((await proxy.call('n__era')).result.content[0].text, '2026-07-28');
    const received = (await structured(proxy, 'd__received')).value as any[];
    assert.equal(received.filter((r) => r.method === 'initialize').length, 1, 'one 2025 session');
  });

  it("a 2026 client's call goes to the 2026 side", async () => {
    const modern = new StdioProxy({ servers: { d: { url: dual.url } } });
    try {
      const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
      const era = async () => (await modern.request('tools/call', { name: 'd__era', arguments: {}, _meta: meta }, { timeoutMs: PATIENCE_MS })).result?.content?.[0]?.text;
      assert.equal(await era(), '2026-07-28');
      await modern.waitForStderr(/server "d" also speaks 2025-11-25/);
      assert.equal(await era(), '2026-07-28', 'with the 2025 side open too');
    } finally {
      await modern.stop();
    }
  });

  it('the 2025 session is ended (DELETE) when the proxy shuts down', async () => {
    proxy.child.stdin.end();
    assert.ok(await proxy.exitsWithin(PATIENCE_MS), 'the proxy exits on stdin EOF');
    const after = (await (await fetch(dual.url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'received' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'received', arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }) })).json()) as any;
    const count = (method: string) => after.result.structuredContent.value.filter((r: any) => r.method === method).length;
    assert.equal(count('HTTP DELETE'), 1, 'the proxy that shut down ended its 2025 session (the other one was killed)');
  });
});
