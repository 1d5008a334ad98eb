// Sessions and start-up (issue 13): a cap on client sessions across fronts (503 past it), an idle
// expiry the user sets, start-up that does not wait the whole connect timeout for a hung backend
// (the slow one joins later with list_changed), and backends that do not outlive a SIGKILLed proxy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../src/cli-args.js';
import * as attacks from './helpers/attacks.js';
import { startHttpProxy } from './helpers/http-proxy.js';
import { initializeBody, postMcp, rawSession } from './helpers/http-mcp.js';
import { inProcessServer } from './helpers/http-inprocess.js';
import { WsClient } from './helpers/http-ws.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { startStdioProxy } from './helpers/stdio-proxy.js';

describe('security: sessions', { timeout: 120_000 }, () => {
  it('--max-sessions caps the sessions of every front together: 503 with Retry-After past it', async (t) => {
    const { http, router } = await inProcessServer(t, [], { maxSessions: 3 });
    const first = await rawSession(http.url);
    await rawSession(http.url);
    const ws = await WsClient.connect(`${http.url.replace(/^http/, 'ws')}/ws`);
    t.after(() => ws.close());
    assert.equal(router.sessionCount, 3);

    const refused = await postMcp(http.url, initializeBody());
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(((await refused.json()) as any).error.message, /maximum of 3 client sessions \(--max-sessions\)/);
    const sse = await fetch(`${http.url}/sse`);
    assert.equal(sse.status, 503);
    await sse.body?.cancel();
    await assert.rejects(WsClient.connect(`${http.url.replace(/^http/, 'ws')}/ws`), { status: 503 });
    assert.equal(router.sessionCount, 3, 'refused attempts left nothing behind');

    assert.equal((await first.end()).status, 204);
    await rawSession(http.url); // room again
    assert.equal(router.sessionCount, 3);
  });

  it('a proxy with --max-sessions 20 accepts 20 of 60 sessions opened at once (was: every one, 10,000 of 10,000)', async (t) => {
    const result = await attacks.sessionFlood({ args: ['--max-sessions', '20'] }, 60);
    t.diagnostic(JSON.stringify(result));
    assert.equal(result.accepted, 20);
    assert.equal(result.refused, 40);
    assert.match(result.refusal ?? '', /^503 /);
  });

  it('--session-idle closes a Streamable session that has no connection open', async (t) => {
    assert.equal(parseCli([]).sessionIdleMs, 30 * 60_000);
    assert.equal(parseCli(['--session-idle', '1000']).sessionIdleMs, 1000);
    const proxy = await startHttpProxy({ servers: {}, args: ['--session-idle', '300', '--log-level', 'debug'] });
    t.after(() => proxy.stop());
    const session = await rawSession(proxy.url);
    // Asking would keep it alive: the log says when it is closed.
    await proxy.waitForLog(new RegExp(`session ${session.sessionId} idle for 300 ms \\(--session-idle\\): closed`), 20_000);
    assert.equal((await session.post({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 404);
  });
});

describe('security: start-up with a backend that never answers initialize', { timeout: 120_000 }, () => {
  it('answers initialize without waiting for the connect timeout; a slow backend joins later with list_changed', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: {
        calculator: fixtureServer('calculator'),
        hung: fixtureServer('slow', ['--hang-initialize']),
        echo: fixtureServer('echo'),
      },
      args: ['--startup-grace', '300', '--connect-timeout', '120000'],
    });
    await proxy.initialize(60_000);
    // Under load echo may also still be starting when the grace ends: it then joins later too.
    await proxy.waitForStderr(/servers ready; \d+ tools exposed \(still starting 300 ms after the last one settled, will join when ready: [^)]*"hung"/);
    assert.doesNotMatch(proxy.stderr, /did not answer initialize/, 'answered before the connect timeout fired');
    await proxy.waitForStderr(/server "echo" ready over stdio/);
    const tools = await proxy.toolNames();
    assert.ok(tools.includes('calculator__add') && tools.includes('echo__echo'), tools.join(', '));
    assert.ok(!tools.some((name) => name.startsWith('hung__')));
    assert.deepEqual((await proxy.call('calculator__add', { a: 2, b: 3 })).result?.content?.[0]?.text, '5');
  });

  it('a backend that becomes ready after the grace is announced with tools/list_changed and listed', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: { calculator: fixtureServer('calculator'), slow: fixtureServer('slow', ['--init-delay', '3000']) },
      args: ['--startup-grace', '200'],
    });
    await proxy.initialize(60_000);
    const since = proxy.notifications.length;
    const first = await proxy.toolNames();
    assert.ok(first.includes('calculator__add') && !first.some((name) => name.startsWith('slow__')), first.join(', '));
    await proxy.waitForNotification('notifications/tools/list_changed', since, 60_000);
    assert.ok((await proxy.toolNames()).includes('slow__sleep'));
  });
});

describe('security: SIGKILL of the proxy', { timeout: 60_000 }, () => {
  it('leaves no backend process and no descendant of one (the watchdog kills their groups)', async (t) => {
    const result = await attacks.proxySigkill({}, 15_000);
    t.diagnostic(JSON.stringify(result));
    assert.equal(result.descendants, 5);
    assert.equal(result.left, 0, `${result.left} of ${result.descendants} processes outlived the proxy`);
  });
});
