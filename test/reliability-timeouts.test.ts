// Request deadlines (per-server `timeout`, extended by progress) and start-up deadlines
// (`--connect-timeout`), through the real proxy process and the slow.mjs fixture. Durations are
// only reported (t.diagnostic): what is asserted is which deadline fired, read from the error it
// caused, and lower bounds measured over an interval that contains the one that must last.
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
    const proxy = startStdioProxy(t, { servers: { slow: { ...tappedFixtureServer(tap, 'slow'), timeoutMs: 1000 } } });
    await proxy.initialize();

    const sentAt = Date.now();
    const res = await proxy.call('slow__wait_for_cancel', {}, { id: 'never' });
    const elapsed = proxy.answeredAt('never')! - sentAt;
    t.diagnostic(`timed out after ${elapsed} ms (timeout 1000 ms, swept every 250 ms): ${JSON.stringify(res.error)}`);
    assert.equal(res.error?.code, -32001);
    assert.match(res.error.message, /"slow"/, 'the error names the server');
    // The server's 1000 ms fired, not the default 60 s request timeout nor anything else.
    assert.match(res.error.message, /within 1 s/, 'the error gives the deadline that fired');
    assert.ok(elapsed >= 1000, `not before the deadline (${elapsed} ms from before sending to the answer)`);

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
    const proxy = startStdioProxy(t, { servers: { slow: { ...fixtureServer('slow'), timeoutMs: 1500 } } });
    await proxy.initialize();
    const since = proxy.notifications.length;
    const sentAt = Date.now();
    // 20 steps of 100 ms: each progress comes well within the 1.5 s deadline (15 times the step,
    // room for a loaded machine); the total (2 s) does not.
    const res = await proxy.request(
      'tools/call',
      { name: 'slow__sleep', arguments: { ms: 2000, steps: 20 }, _meta: { progressToken: 'tok' } },
      { id: 'long' },
    );
    const elapsed = proxy.answeredAt('long')! - sentAt;
    t.diagnostic(`answered after ${elapsed} ms with ${proxy.notificationsOf('notifications/progress', since).length} progress notifications`);
    assert.deepEqual(res.result?.content, [{ type: 'text', text: 'slept 2000' }], `no timeout: ${JSON.stringify(res)}`);
    assert.ok(elapsed >= 2000, `it ran longer than the timeout (${elapsed} ms)`);
    const progress = proxy.notificationsOf('notifications/progress', since).map((n) => n.msg.params);
    assert.equal(progress.length, 20);
    assert.ok(progress.every((p) => p.progressToken === 'tok'), "the client's progress token comes back");
  });
});

describe('reliability: start-up deadlines', () => {
  it('--connect-timeout: a backend that never answers initialize does not hold up start-up', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: { hang: fixtureServer('slow', ['--hang-initialize']), echo: fixtureServer('echo') },
      // Long enough for echo to start on a loaded machine, far below the default 30 s.
      args: ['--connect-timeout', '2000'],
    });
    const sentAt = Date.now();
    await proxy.initialize();
    const elapsed = proxy.answeredAt('init')! - sentAt;
    t.diagnostic(`initialize answered after ${elapsed} ms with --connect-timeout 2000`);
    // Start-up ended because the 2 s connect timeout fired for "hang" (not the default 30 s, not
    // the 60 s request timeout): the report names that deadline.
    const reported = await proxy.waitForStderr(/server "hang" failed to start: ([^\n]*)/);
    t.diagnostic(`stderr: ${reported[0]}`);
    assert.match(reported[1], /initialize within 2 s/, 'the report says what timed out, and the deadline that fired');
    // echo serves (on a loaded machine its first start may have missed the 2 s too: then it is back
    // after a restart).
    await proxy.waitForStderr(/server "echo" ready/);
    assert.deepEqual(await proxy.toolNames(), ['echo__echo']);
    assert.deepEqual((await proxy.call('echo__echo', { text: 'hi' })).result?.content, [{ type: 'text', text: 'hi' }]);
  });

  it('starts backends in parallel: three that answer initialize only once all three have received theirs', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'multi-mcp-barrier-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // Started one after the other, the first would wait forever for the other two: its connect
    // timeout would fail it and its tools would be missing below.
    const slow = { ...fixtureServer('slow', ['--init-barrier', path.join(dir, 'arrived'), '--init-barrier-count', '3']), restart: false };
    const proxy = startStdioProxy(t, { servers: { a: slow, b: slow, c: slow } });
    await proxy.initialize();
    assert.doesNotMatch(proxy.stderr, /failed to start/);
    assert.deepEqual(await proxy.toolNames(), ['a__sleep', 'a__wait_for_cancel', 'b__sleep', 'b__wait_for_cancel', 'c__sleep', 'c__wait_for_cancel']);
  });

  it('answers initialize once the slowest backend is ready, with every backend listed', async (t) => {
    const startedAt = Date.now(); // before the proxy exists: the backend's delay lies inside what is measured
    const proxy = startStdioProxy(t, {
      servers: {
        slow: fixtureServer('slow', ['--init-delay', '1500']),
        echo: fixtureServer('echo'),
        calculator: fixtureServer('calculator'),
      },
    });
    await proxy.initialize();
    const elapsed = proxy.answeredAt('init')! - startedAt;
    t.diagnostic(`initialize answered ${elapsed} ms after the proxy was started (slowest backend: 1500 ms init delay)`);
    assert.ok(elapsed >= 1500, `after the slowest backend (${elapsed} ms)`);
    const names = await proxy.toolNames();
    for (const name of ['slow__sleep', 'echo__echo', 'calculator__add']) assert.ok(names.includes(name), `${name} listed at once`);
  });
});
