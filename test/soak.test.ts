// Soak (bounded): many calls through the real proxy to an echo backend that is SIGKILLed every
// tenth of the run and restarted by the proxy. Every call gets exactly one answer (success or an
// error naming the server), none waits past the request timeout, and the proxy's memory comes
// back near where it started. SOAK_CALLS raises the default (2000; the issue's figure is 10000).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rssKb } from './helpers/process-tree.js';
import { fixtureServer } from './helpers/proxy-process.js';
import { idKey, startStdioProxy } from './helpers/stdio-proxy.js';
import { sleep, waitFor } from './helpers/wait.js';

const CALLS = Number(process.env.SOAK_CALLS ?? 2000);
const KILL_EVERY = Math.floor(CALLS / 10);
/** Before call KILL_EVERY, 2 × KILL_EVERY, ... (not after the last call). */
const KILLS = Math.floor((CALLS - 1) / KILL_EVERY);
const WORKERS = 8;
const REQUEST_TIMEOUT_MS = 5000;
/** A client gives the proxy its own timeout plus this before calling an answer missing. */
const ANSWER_SLACK_MS = 3000;
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
    let answered = 0;
    let succeeded = 0;
    let slowest = 0;
    const killed: number[] = [];
    const successesAfterKill: number[] = [];
    let killing: Promise<void> | undefined;

    /** Kills the current echo process (SIGKILL, by pid); the proxy must notice and restart it. */
    const killBackend = async () => {
      const pid = await waitFor(() => {
        const p = proxy.backendPid('echo.mjs');
        return p !== undefined && !killed.includes(p) ? p : undefined;
      }, 'a new echo process to kill', 10_000);
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      successesAfterKill.push(0);
    };

    const worker = async () => {
      while (issued < CALLS) {
        const n = issued++;
        if (n > 0 && n % KILL_EVERY === 0 && killed.length < KILLS) killing = killBackend();
        if (killing) await killing;
        const id = `soak-${n}`;
        ids.push(id);
        const sentAt = Date.now();
        const res = await proxy.call('echo__echo', { text: `call ${n}` }, { id, timeoutMs: REQUEST_TIMEOUT_MS + ANSWER_SLACK_MS });
        slowest = Math.max(slowest, Date.now() - sentAt);
        answered++;
        if (res.result) {
          assert.deepEqual(res.result.content, [{ type: 'text', text: `call ${n}` }], 'the answer belongs to this call');
          succeeded++;
          if (successesAfterKill.length > 0) successesAfterKill[successesAfterKill.length - 1]++;
        } else {
          assert.match(res.error?.message ?? '', /"echo"/, `an error naming the server: ${JSON.stringify(res)}`);
          const kind = res.error.message.replace(/.*"echo" /, '').replace(/ while handling.*/, '');
          errors.set(kind, (errors.get(kind) ?? 0) + 1);
          await sleep(BACKOFF_MS);
        }
      }
    };
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const took = Date.now() - startedAt;

    await sleep(300); // room for a stray second answer to show up
    await waitFor(() => proxy.backendPid('echo.mjs'), 'echo to be back after the last kill', 10_000);
    await sleep(1000); // settle before measuring memory
    const rssAfter = rssKb(proxy.pid)!;
    t.diagnostic(`${CALLS} calls in ${took} ms: ${succeeded} succeeded, errors: ${[...errors].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none'}`);
    t.diagnostic(`slowest answer ${slowest} ms; successes after each kill: ${successesAfterKill.join(', ')}`);
    t.diagnostic(`proxy RSS before ${Math.round(rssBefore / 1024)} MB, after ${Math.round(rssAfter / 1024)} MB`);

    assert.equal(answered, CALLS);
    assert.equal(killed.length, KILLS, `the backend was killed ${KILLS} times`);
    const counts = ids.map((id) => proxy.answersTo(id).length);
    assert.ok(counts.every((c) => c === 1), `every call answered exactly once (${counts.filter((c) => c !== 1).length} not)`);
    const soakKeys = new Set(ids.map(idKey));
    const strays = [...proxy.answers.keys()].filter((k) => k.startsWith('"soak-') && !soakKeys.has(k));
    assert.deepEqual(strays, [], 'no answers to ids never sent');
    assert.ok(slowest < REQUEST_TIMEOUT_MS + ANSWER_SLACK_MS, 'none waited past the timeout');
    assert.ok(successesAfterKill.every((n) => n > 0), 'the backend came back after every kill');
    assert.ok(errors.size > 0, 'the kills were felt (calls failed while the backend was down)');
    assert.ok(rssAfter < 2 * rssBefore + 30 * 1024, `memory near its start value: ${rssBefore} kB → ${rssAfter} kB`);

    assert.deepEqual((await proxy.call('echo__echo', { text: 'after soak' })).result?.content, [{ type: 'text', text: 'after soak' }]);
    assert.deepEqual(proxy.badLines, []);
  });
});
