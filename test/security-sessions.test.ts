// Sessions (issue 13): a cap on client sessions across fronts (503 past it) and an idle expiry
// the user sets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCli } from '../src/cli-args.js';
import * as attacks from './helpers/attacks.js';
import { startHttpProxy } from './helpers/http-proxy.js';
import { initializeBody, postMcp, rawSession } from './helpers/http-mcp.js';
import { inProcessServer } from './helpers/http-inprocess.js';
import { WsClient } from './helpers/http-ws.js';

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
