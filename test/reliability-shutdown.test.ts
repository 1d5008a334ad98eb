// Shutdown of the real proxy process with a call in flight: SIGTERM, SIGINT and stdin EOF answer
// the call with an error, stop every backend with its whole process group, and exit 0. (What must
// happen when the proxy itself is killed with SIGKILL is the security issue's requirement and is
// tested with it.)
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { waitGone } from './helpers/process-tree.js';
import { fixtureServer, isAlive } from './helpers/proxy-process.js';
import { startStdioProxy, type StdioProxy } from './helpers/stdio-proxy.js';
import { PATIENCE_MS } from './helpers/wait.js';

interface Running {
  proxy: StdioProxy;
  /** The backend processes (direct children of the proxy). */
  backends: number[];
  /** The child that grandchild.mjs spawned (same process group as its parent). */
  grandchild: number;
}

/** A proxy with three backends, one of them with a child of its own, and a call in flight. */
async function startWithCallInFlight(t: TestContext): Promise<Running> {
  const proxy = startStdioProxy(t, {
    servers: { slow: fixtureServer('slow'), family: fixtureServer('grandchild'), echo: fixtureServer('echo') },
  });
  await proxy.initialize();
  const pids = await proxy.call('family__pids');
  const { pid, childPid } = JSON.parse(pids.result.content[0].text);
  const backends = ['slow.mjs', 'grandchild.mjs', 'echo.mjs'].map((file) => proxy.backendPid(file)!);
  assert.ok(backends.every((p) => p !== undefined && isAlive(p)), `three backend processes: ${backends}`);
  assert.ok(backends.includes(pid));
  assert.ok(proxy.descendants().includes(childPid), "the grandchild runs below the proxy");
  await proxy.send({ jsonrpc: '2.0', id: 'in-flight', method: 'tools/call', params: { name: 'slow__wait_for_cancel', arguments: {} } });
  // Lines are handled in order: once this is answered, the call above is in flight at "slow".
  await proxy.call('echo__echo', { text: 'sync' });
  assert.equal(proxy.answersTo('in-flight').length, 0);
  return { proxy, backends, grandchild: childPid };
}

async function assertCleanShutdown(t: TestContext, run: Running, stop: () => void, what: string): Promise<void> {
  const { proxy } = run;
  const startedAt = Date.now();
  stop();
  const answer = await proxy.answer('in-flight');
  assert.ok(answer.error, `the call in flight gets an error answer, got ${JSON.stringify(answer)}`);
  assert.match(answer.error.message, /shutting down/);
  assert.ok(await proxy.exitsWithin(PATIENCE_MS), `the proxy exits after ${what}`);
  const exitedAt = Date.now();
  assert.deepEqual(await proxy.exited, { code: 0, signal: null }, 'with code 0');
  const left = await waitGone([...run.backends, run.grandchild]);
  t.diagnostic(`${what}: proxy exited ${exitedAt - startedAt} ms after it; processes left: ${left.length}`);
  assert.deepEqual(left, [], 'every backend and the grandchild are gone');
  assert.deepEqual(proxy.badLines, [], 'nothing but JSON-RPC on stdout');
  assert.equal(proxy.answersTo('in-flight').length, 1, 'the call in flight is answered exactly once');
}

describe('reliability: shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: answers the call in flight with an error, stops every backend (process group too), exits 0`, async (t) => {
      const run = await startWithCallInFlight(t);
      await assertCleanShutdown(t, run, () => process.kill(run.proxy.pid, signal), signal);
    });
  }

  it('stdin EOF: the same clean shutdown', async (t) => {
    const run = await startWithCallInFlight(t);
    await assertCleanShutdown(t, run, () => run.proxy.child.stdin.end(), 'stdin EOF');
  });
});
