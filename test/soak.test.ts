// Soak (bounded): many calls through the real proxy to an echo backend that is SIGKILLed every
// tenth of the run and restarted by the proxy. Every call gets exactly one answer (success or an
// error naming the server), the backend comes back and serves after every kill, and the proxy's
// memory comes back near where it started. SOAK_CALLS raises the default (2000; the issue's
// figure is 10000). How long calls take is only reported: the proxy's request timeout itself is
// tested in reliability-timeouts.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rssKb } from './helpers/process-tree.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { idKey, startStdioProxy } from './helpers/stdio-proxy.js';
import { PATIENCE_MS, sleep, waitFor } from './helpers/wait.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 2000);
const KILL_EVERY = Math.floor(CALLS / 10);
/** Before call KILL_EVERY, 2 × KILL_EVERY, ... (not after the last call). */
const KILLS = Math.floor((CALLS - 1) / KILL_EVERY);
const WORKERS = 8;
const REQUEST_TIMEOUT_MS = 5000;
/** A client backs off this long after an error (as a real one would while the server restarts). */
const BACKOFF_MS = 25;

describe('soak', () => {
  it(`${CALLS} calls while the backend is killed every ${KILL_EVERY} calls`, async (t) => {
    const proxy = startStdioProxy(t, {
      servers: { echo: { ...fixtureServer('echo'), restart: { initialDelayMs: 50, maxDelayMs: 400, stableMs: 100 } } },
      args: ['--request-timeout', String(REQUEST_TIMEOUT_MS), '--log-level', 'warn'],
    });
    await proxy.initialize();
    for (let i = 0; i < 200; i++) await proxy.call('echo__echo', { text: `warm-up ${i}` }); // JIT and buffers settle first
    await sleep(500);
    const rssBefore = rssKb(proxy.pid)!;

    const ids: string[] = [];
    const errors = new Map<string, number>();
    let issued = 0;
    let probes = 0;
    let answered = 0;
    let succeeded = 0;
    let slowest = 0;
    const killed: number[] = [];
    const successesAfterKill: number[] = [];
    let killing: Promise<void> | undefined;

    /** One call with the given id: its answer must be its own (or an error naming the server). True on success. */
    const callOnce = async (id: string, text: string): Promise<boolean> => {
      ids.push(id);
      const sentAt = Date.now();
      const res = await proxy.call('echo__echo', { text }, { id });
      slowest = Math.max(slowest, Date.now() - sentAt);
      answered++;
      if (res.result) {
        assert.deepEqual(res.result.content, [{ type: 'text', text }], 'the answer belongs to this call');
        succeeded++;
        if (successesAfterKill.length > 0) successesAfterKill[successesAfterKill.length - 1]++;
        return true;
      }
      assert.match(res.error?.message ?? '', /"echo"/, `an error naming the server: ${JSON.stringify(res)}`);
      const kind = res.error.message.replace(/.*"echo" /, '').replace(/ while handling.*/, '');
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
      await sleep(BACKOFF_MS);
      return false;
    };

    /** Kills the current echo process (SIGKILL, by pid); the proxy must notice and restart it. */
    const killBackend = async () => {
      // The restart after the previous kill must have served a call first: a loaded machine may
      // restart slower than a tenth of the run takes, and a kill before that proves nothing.
      const deadline = Date.now() + PATIENCE_MS;
      while (successesAfterKill.length > 0 && successesAfterKill[successesAfterKill.length - 1] === 0) {
        assert.ok(Date.now() < deadline, `echo did not serve again within ${PATIENCE_MS} ms of kill ${killed.length}`);
        await callOnce(`probe-${probes}`, `probe ${probes++}`);
      }
      const pid = await waitFor(() => {
        const p = proxy.backendPid('echo.mjs');
        return p !== undefined && !killed.includes(p) ? p : undefined;
      }, 'a new echo process to kill');
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      successesAfterKill.push(0);
    };

    const worker = async () => {
      while (issued < CALLS) {
        const n = issued++;
        if (n > 0 && n % KILL_EVERY === 0 && killed.length < KILLS) killing = killBackend();
        if (killing) await killing;
        await callOnce(`soak-${n}`, `call ${n}`);
      }
    };
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const took = Date.now() - startedAt;

    // After the last kill: echo comes back and serves. This successful answer is also the barrier
    // for stray answers: the process that gave it answered every earlier call it got first (in
    // order, one pipe; the killed ones answer nothing more), so any second answer the proxy
    // forwarded for one of them was written before this one.
    const deadline = Date.now() + PATIENCE_MS;
    for (let i = 0; !(await callOnce(`final-${i}`, `final ${i}`)); i++) {
      assert.ok(Date.now() < deadline, `echo did not serve again within ${PATIENCE_MS} ms of the last kill`);
    }
    await sleep(1000); // settle before measuring memory
    const rssAfter = rssKb(proxy.pid)!;
    t.diagnostic(`${CALLS} calls (+ ${probes} probes) in ${took} ms: ${succeeded} succeeded, errors: ${[...errors].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none'}`);
    t.diagnostic(`slowest answer ${slowest} ms; successes after each kill: ${successesAfterKill.join(', ')}`);
    t.diagnostic(`proxy RSS before ${Math.round(rssBefore / 1024)} MB, after ${Math.round(rssAfter / 1024)} MB`);

    assert.equal(issued, CALLS);
    assert.equal(answered, ids.length);
    assert.equal(killed.length, KILLS, `the backend was killed ${KILLS} times`);
    const counts = ids.map((id) => proxy.answersTo(id).length);
    assert.ok(counts.every((c) => c === 1), `every call answered exactly once (${counts.filter((c) => c !== 1).length} not)`);
    const sentKeys = new Set(ids.map(idKey));
    const strays = [...proxy.answers.keys()].filter((k) => /^"(soak|probe|final)-/.test(k) && !sentKeys.has(k));
    assert.deepEqual(strays, [], 'no answers to ids never sent');
    assert.ok(successesAfterKill.every((n) => n > 0), 'the backend came back after every kill');
    assert.ok(errors.size > 0, 'the kills were felt (calls failed while the backend was down)');
    assert.ok(rssAfter < 2 * rssBefore + 30 * 1024, `memory near its start value: ${rssBefore} kB → ${rssAfter} kB`);
    assert.deepEqual(proxy.badLines, []);
  });
});
