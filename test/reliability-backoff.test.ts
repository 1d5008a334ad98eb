// A backend that always fails at start is retried with exponential backoff (doubling from
// initialDelayMs, capped at maxDelayMs), read from the proxy's own log lines, while the other
// backends serve.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureServer } from './helpers/proxy-process.js';
import { startStdioProxy } from './helpers/stdio-proxy.js';
import { sleep } from './helpers/wait.js';

const RESTARTING = /server "bad" restarting in (\d+) ms \(attempt (\d+)\)/;
const ATTEMPTS = 6;

describe('reliability: restart backoff', () => {
  it('retries a backend that exits at start with doubling delays capped at maxDelayMs; the others serve', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: {
        bad: { ...fixtureServer('crash', ['--exit-at-start']), restart: { initialDelayMs: 100, maxDelayMs: 800, stableMs: 60_000 } },
        echo: fixtureServer('echo'),
      },
    });
    await proxy.initialize();
    assert.deepEqual(await proxy.toolNames(), ['echo__echo'], 'startup completes without the failing backend');

    const attempts = () =>
      proxy.stderrLines.flatMap(({ text, at }) => {
        const m = RESTARTING.exec(text);
        return m ? [{ delay: Number(m[1]), attempt: Number(m[2]), at }] : [];
      });
    // Keep calling echo while the backoff runs (bounded by time).
    const deadline = Date.now() + 15_000;
    let echoCalls = 0;
    while (attempts().length < ATTEMPTS && Date.now() < deadline) {
      const res = await proxy.call('echo__echo', { text: `during backoff ${echoCalls}` }, { timeoutMs: 5000 });
      assert.deepEqual(res.result?.content, [{ type: 'text', text: `during backoff ${echoCalls}` }], 'echo serves during the backoff');
      echoCalls++;
      await sleep(5);
    }
    const seen = attempts().slice(0, ATTEMPTS);
    t.diagnostic(`restart delays logged: ${seen.map((s) => s.delay).join(', ')} ms; ${echoCalls} echo calls answered meanwhile`);
    t.diagnostic(`gaps between attempts: ${seen.slice(1).map((s, i) => s.at - seen[i].at).join(', ')} ms`);
    assert.equal(seen.length, ATTEMPTS, `${ATTEMPTS} restart attempts logged (stderr tail: ${proxy.stderr.slice(-600)})`);
    assert.deepEqual(seen.map((s) => s.attempt), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(seen.map((s) => s.delay), [100, 200, 400, 800, 800, 800], 'delays double and cap at maxDelayMs');
    // Each next attempt comes no sooner than the announced delay (timers never fire early; the
    // slack covers when this process read each line).
    for (let i = 1; i < seen.length; i++) {
      const gap = seen[i].at - seen[i - 1].at;
      assert.ok(gap >= seen[i - 1].delay - 50, `attempt ${i + 1} came ${gap} ms after attempt ${i}, announced ${seen[i - 1].delay} ms`);
    }
    assert.match(proxy.stderr, /\[bad\] crash: exiting at start as requested/, "the backend's own stderr is passed on");
    assert.match(proxy.stderr, /server "bad" failed to start: .*exited with code 3/, 'the failure and its cause are logged');
    assert.deepEqual(await proxy.toolNames(), ['echo__echo']);
  });
});
