// A backend that always fails at start is retried with exponential backoff (doubling from
// initialDelayMs, capped at maxDelayMs), read from the proxy's own log lines, while the other
// backends serve. That each delay is honoured is read from the clocks of the processes
// involved (each start of the failing server logs its own start time), never from when this
// process happened to read a line: timers never fire early, so a start comes at least the
// announced delay after the previous one, however loaded the machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureServer } from './helpers/proxy-process.js';
import { startStdioProxy } from './helpers/stdio-proxy.js';
import { PATIENCE_MS, sleep } from './helpers/wait.js';

const RESTARTING = /server "bad" restarting in (\d+) ms \(attempt (\d+)\)/;
const STARTED = /^\[bad\] crash: exiting at start as requested .*started at (\d+)$/;
const ATTEMPTS = 6;
/** Date.now() has 1 ms steps in each process. */
const CLOCK_STEP_MS = 2;

describe('reliability: restart backoff', () => {
  it('retries a backend that exits at start with doubling delays capped at maxDelayMs; the others serve', async (t) => {
    const proxy = startStdioProxy(t, {
      servers: {
        // 2025 only: with the era probe, a server that quits at once is started a second time
        // (it may have quit on the probe), which would add a start to the first attempt.
        bad: { ...fixtureServer('crash', ['--exit-at-start']), restart: { initialDelayMs: 100, maxDelayMs: 800, stableMs: 60_000 }, protocol: '2025-11-25' },
        echo: fixtureServer('echo'),
      },
    });
    await proxy.initialize();
    assert.deepEqual(await proxy.toolNames(), ['echo__echo'], 'startup completes without the failing backend');

    const attempts = () =>
      proxy.stderrLines.flatMap(({ text }) => {
        const m = RESTARTING.exec(text);
        return m ? [{ delay: Number(m[1]), attempt: Number(m[2]) }] : [];
      });
    const starts = () =>
      proxy.stderrLines
        .flatMap(({ text }) => {
          const m = STARTED.exec(text);
          return m ? [Number(m[1])] : [];
        })
        .sort((a, b) => a - b);
    // Keep calling echo while the backoff runs, until the first start and ATTEMPTS restarts are
    // logged (bounded by time: a hang guard, far above the 3.1 s of delays).
    const deadline = Date.now() + 2 * PATIENCE_MS;
    let echoCalls = 0;
    while ((attempts().length < ATTEMPTS || starts().length < ATTEMPTS + 1) && Date.now() < deadline) {
      const res = await proxy.call('echo__echo', { text: `during backoff ${echoCalls}` });
      assert.deepEqual(res.result?.content, [{ type: 'text', text: `during backoff ${echoCalls}` }], 'echo serves during the backoff');
      echoCalls++;
      await sleep(5);
    }
    const seen = attempts().slice(0, ATTEMPTS);
    const started = starts().slice(0, ATTEMPTS + 1);
    const gaps = started.slice(1).map((at, i) => at - started[i]);
    t.diagnostic(`restart delays logged: ${seen.map((s) => s.delay).join(', ')} ms; ${echoCalls} echo calls answered meanwhile`);
    t.diagnostic(`gaps between the starts of the failing server: ${gaps.join(', ')} ms`);
    assert.equal(seen.length, ATTEMPTS, `${ATTEMPTS} restart attempts logged (stderr tail: ${proxy.stderr.slice(-600)})`);
    assert.equal(started.length, ATTEMPTS + 1, `the first start and ${ATTEMPTS} restarts logged their start time (stderr tail: ${proxy.stderr.slice(-600)})`);
    assert.deepEqual(seen.map((s) => s.attempt), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(seen.map((s) => s.delay), [100, 200, 400, 800, 800, 800], 'delays double and cap at maxDelayMs');
    for (let i = 0; i < gaps.length; i++) {
      assert.ok(gaps[i] >= seen[i].delay - CLOCK_STEP_MS, `restart ${i + 1} started ${gaps[i]} ms after the previous start, announced ${seen[i].delay} ms`);
    }
    assert.match(proxy.stderr, /server "bad" failed to start: .*exited with code 3/, 'the failure and its cause are logged');
    assert.deepEqual(await proxy.toolNames(), ['echo__echo']);
  });
});
