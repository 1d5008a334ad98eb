// Request deadlines (per-server `timeout`, extended by progress) and start-up deadlines
// (`--connect-timeout`), through the real proxy process and the slow.mjs fixture.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureServer } from './helpers/proxy-process.js';
import { startStdioProxy, tappedFixtureServer } from './helpers/stdio-proxy.js';
import { waitFor } from './helpers/wait.js';

/** Every JSON line the wiretap recorded going into the backend. */
function tapped(file: string): any[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

describe('reliability: request timeouts', () => {
  it('times out a call the backend never answers: the client gets -32001, the backend notifications/cancelled', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-tap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const tap = path.join(dir, 'slow.in.jsonl');
    const proxy = startStdioProxy(t, { servers: { slow: { ...tappedFixtureServer(tap, 'slow'), timeout: 600 } } });
    await proxy.initialize();

    const sentAt = Date.now();
    const res = await proxy.call('slow__wait_for_cancel', {}, { id: 'never', timeoutMs: 10_000 });
    const elapsed = proxy.answeredAt('never')! - sentAt;
    t.diagnostic(`timed out after ${elapsed} ms (timeout 600 ms, swept every 250 ms): ${JSON.stringify(res.error)}`);
    assert.equal(res.error?.code, -32001);
    assert.match(res.error.message, /"slow"/, 'the error names the server');
    assert.ok(elapsed >= 550, `not before the deadline (${elapsed} ms)`);
    assert.ok(elapsed < 5000, `and not much after it (${elapsed} ms)`);

    const cancelled = await waitFor(() => {
      const seen = tapped(tap);
      const call = seen.find((m) => m.method === 'tools/call' && m.params?.name === 'wait_for_cancel');
      return call && seen.find((m) => m.method === 'notifications/cancelled' && m.params?.requestId === call.id);
    }, 'notifications/cancelled for the backend id of the call, in what the backend received');
    assert.equal(cancelled.id, undefined, 'a notification, not a request');

    const after = await proxy.call('slow__sleep', { ms: 10 });
    assert.deepEqual(after.result?.content, [{ type: 'text', text: 'slept 10' }], 'the backend still serves');
    assert.equal(proxy.answersTo('never').length, 1, 'the timed-out call is answered once');
  });

  it('does not time out a call whose progress notifications keep coming', async (t) => {
    const proxy = startStdioProxy(t, { servers: { slow: { ...fixtureServer('slow'), timeout: 600 } } });
    await proxy.initialize();
    const since = proxy.notifications.length;
    const sentAt = Date.now();
    // 10 steps of 150 ms: each progress comes well within the 600 ms deadline; the total (1.5 s) does not.
    const res = await proxy.request(
      'tools/call',
      { name: 'slow__sleep', arguments: { ms: 1500, steps: 10 }, _meta: { progressToken: 'tok' } },
      { id: 'long', timeoutMs: 10_000 },
    );
    const elapsed = proxy.answeredAt('long')! - sentAt;
    t.diagnostic(`answered after ${elapsed} ms with ${proxy.notificationsOf('notifications/progress', since).length} progress notifications`);
    assert.deepEqual(res.result?.content, [{ type: 'text', text: 'slept 1500' }], `no timeout: ${JSON.stringify(res)}`);
    assert.ok(elapsed >= 1400, 'it ran longer than the timeout');
    const progress = proxy.notificationsOf('notifications/progress', since).map((n) => n.msg.params);
    assert.equal(progress.length, 10);
    assert.ok(progress.every((p) => p.progressToken === 'tok'), "the client's progress token comes back");
  });
});

describe('reliability: start-up deadlines', () => {
  it('--connect-timeout: a backend that never answers initialize does not hold up start-up', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: { hang: fixtureServer('slow', ['--hang-initialize']), echo: fixtureServer('echo') },
      args: ['--connect-timeout', '500'],
    });
    const sentAt = Date.now();
    await proxy.initialize(10_000);
    const elapsed = proxy.answeredAt('init')! - sentAt;
    t.diagnostic(`initialize answered after ${elapsed} ms with --connect-timeout 500`);
    assert.ok(elapsed < 5000, `answered after ${elapsed} ms, not after the default 30 s`);
    const reported = await proxy.waitForStderr(/server "hang" failed to start: ([^\n]*)/);
    t.diagnostic(`stderr: ${reported[0]}`);
    assert.match(reported[1], /initialize/, 'the report says what timed out');
    // The deadline that fired is the 500 ms connect timeout, not the 60 s request timeout.
    assert.doesNotMatch(reported[1], /60 s/, 'the report gives the deadline that fired');
    assert.deepEqual(await proxy.toolNames(), ['echo__echo']);
    assert.deepEqual((await proxy.call('echo__echo', { text: 'hi' })).result?.content, [{ type: 'text', text: 'hi' }]);
  });

  it('starts backends in parallel: three with an 800 ms initialize take less than their sum', async (t) => {
    const slow = { ...fixtureServer('slow', ['--init-delay', '800']), restart: false };
    const servers = { a: slow, b: slow, c: slow };
    const proxy = startStdioProxy(t, { servers });
    const sentAt = Date.now();
    await proxy.initialize(10_000);
    const elapsed = proxy.answeredAt('init')! - sentAt;
    t.diagnostic(`initialize answered after ${elapsed} ms (3 backends × 800 ms init delay)`);
    assert.ok(elapsed >= 750, 'it waited for the backends');
    assert.ok(elapsed < 2000, `in parallel: ${elapsed} ms < 2000 ms (the sum is 2400 ms)`);
    assert.deepEqual(await proxy.toolNames(), ['a__sleep', 'a__wait_for_cancel', 'b__sleep', 'b__wait_for_cancel', 'c__sleep', 'c__wait_for_cancel']);
  });

  it('answers initialize once the slowest backend is ready, with every backend listed', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: {
        slow: fixtureServer('slow', ['--init-delay', '1500']),
        echo: fixtureServer('echo'),
        calculator: fixtureServer('calculator'),
      },
    });
    const sentAt = Date.now();
    await proxy.initialize(10_000);
    const elapsed = proxy.answeredAt('init')! - sentAt;
    t.diagnostic(`initialize answered after ${elapsed} ms (slowest backend: 1500 ms init delay)`);
    assert.ok(elapsed >= 1400, 'after the slowest backend');
    assert.ok(elapsed < 5000);
    const names = await proxy.toolNames();
    for (const name of ['slow__sleep', 'echo__echo', 'calculator__add']) assert.ok(names.includes(name), `${name} listed at once`);
  });
});
