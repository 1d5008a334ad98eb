// The observer's view of forwarded calls through a real Router with fake backends: every way a
// call ends is counted once with the right outcome, nothing stays "in flight", the sessions the
// observer tracks are gone once closed, and the call log keeps the last calls only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../protocol/jsonrpc.js';
import { CallLog } from '../src/observe/call-log.js';
import { ProxyObserver } from '../src/observe/proxy-observer.js';
import { tool } from './helpers/fake-backend.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';
import { routerHarness, type Harness } from './helpers/router-harness.js';
import { modernRequest } from './helpers/modern-client.js';
import { waitFor } from './helpers/wait.js';

const START = Date.UTC(2026, 0, 1);

test('answer, error, tool error, timeout, cancel, peer loss, session close and an unavailable server: each counted once', async (t) => {
  let clock = 0;
  let h: Harness | undefined;
  const observer = new ProxyObserver({ now: () => clock, wallClock: () => START + clock, backends: () => h!.router.registry.list() });
  h = routerHarness(
    t,
    {
      alpha: { tools: [tool('work')], calls: 'hold' },
      beta: { tools: [tool('quick')] },
      gamma: { tools: [tool('never')], calls: 'hold' },
    },
    { observer, specs: { gamma: { timeoutMs: 50 } } },
  );
  const { client, backends, router } = h;
  const step = (s: string) => process.stderr.write(`STEP ${s}\n`);
  await client.initialize();
  const alpha = backends.server('alpha');

  assert.equal((await client.call('beta__quick', {}, 'q1')).result?.content[0].text, 'beta:quick');

  const answered = client.call('alpha__work', {}, 'a1');
  const [held] = await alpha.heldCalls(1);
  clock += 250;
  alpha.answer(held.id, { content: [] });
  assert.ok((await answered).result);

  const failed = client.call('alpha__work', {}, 'a2');
  alpha.fail((await alpha.heldCalls(2))[1].id, { code: -32603, message: 'boom' });
  assert.equal((await failed).error?.message, 'boom');

  const toolError = client.call('alpha__work', {}, 'a3');
  alpha.answer((await alpha.heldCalls(3))[2].id, { content: [{ type: 'text', text: 'nope' }], isError: true });
  assert.equal((await toolError).result?.isError, true);

  void client.call('alpha__work', {}, 'a4');
  const cancelledAt = (await alpha.heldCalls(4))[3].id;
  client.cancel('a4', 'changed my mind');
  await waitFor(() => alpha.notifications('notifications/cancelled').some((n) => n.params?.requestId === cancelledAt), 'the cancellation at alpha');

  // The deadline sweeper's timer does not hold the event loop open: waitFor's polling does.
  void client.call('gamma__never', {}, 'g1');
  const timedOut = await waitFor(() => client.responses.find((r) => r.id === 'g1'), 'the timeout answer');
  assert.equal(timedOut.error?.code, ErrorCode.RequestTimeout);

  const second = h.openClient();
  await second.initialize();
  void second.call('alpha__work', {}, 'b1');
  const closedAt = (await alpha.heldCalls(5))[4].id;
  second.channel.close();
  await waitFor(() => alpha.notifications('notifications/cancelled').some((n) => n.params?.requestId === closedAt), 'the cancellation of the closed session');

  const lost = client.call('alpha__work', {}, 'a5');
  await alpha.heldCalls(6);
  alpha.loseConnection();
  assert.match((await lost).error?.message ?? '', /connection dropped by the test/);
  const unavailable = await client.call('alpha__work', {}, 'a6');
  assert.match(unavailable.error?.message ?? '', /not available/);

  const families = parseExposition(observer.metrics.expose());
  const count = (server: string, outcome: string) =>
    sampleValue(families, 'multi_mcp_backend_requests_total', { server, method: 'tools/call', outcome }) ?? 0;
  assert.deepEqual(
    ['ok', 'error', 'tool_error', 'timeout', 'cancelled', 'unavailable'].map((o) => [o, count('alpha', o)]),
    [['ok', 1], ['error', 2], ['tool_error', 1], ['timeout', 0], ['cancelled', 2], ['unavailable', 1]],
  );
  assert.equal(count('beta', 'ok'), 1);
  assert.equal(count('gamma', 'timeout'), 1);
  for (const server of ['alpha', 'beta', 'gamma']) {
    assert.equal(sampleValue(families, 'multi_mcp_backend_requests_in_flight', { server }), 0, `${server} in flight`);
  }
  // Latency: the unavailable call never reached alpha, so 6 observations; the one answered after 250 ms.
  const bucket = (le: string) => sampleValue(families, 'multi_mcp_backend_request_duration_seconds_bucket', { server: 'alpha', method: 'tools/call', le });
  assert.equal(sampleValue(families, 'multi_mcp_backend_request_duration_seconds_count', { server: 'alpha', method: 'tools/call' }), 6);
  assert.equal(bucket('0.1'), 5);
  assert.equal(bucket('0.25'), 6);
  assert.equal(sampleValue(families, 'multi_mcp_backend_state', { server: 'alpha', state: 'failed' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_state', { server: 'beta', state: 'ready' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_total', { front: 'memory' }), 2);
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_open', { front: 'memory' }), 1);

  const log = observer.recentCalls();
  assert.deepEqual(
    log.map((c) => `${c.server}:${c.outcome}`),
    ['alpha:unavailable', 'alpha:error', 'alpha:cancelled', 'gamma:timeout', 'alpha:cancelled', 'alpha:tool_error', 'alpha:error', 'alpha:ok', 'beta:ok'],
  );
  const slow = log.find((c) => c.server === 'alpha' && c.outcome === 'ok')!;
  assert.equal(slow.ms, 250);
  assert.equal(slow.name, 'work');
  assert.equal(slow.time, START);

  assert.equal(observer.sessions.size, 1);
  client.channel.close();
  await waitFor(() => router.sessionCount === 0, 'the first session to close');
  assert.equal(observer.sessions.size, 0, 'no closed session is kept');
});

test('the call log keeps the last N calls, newest first', () => {
  const log = new CallLog<{ time: number }>(3);
  assert.deepEqual(log.recent(), []);
  for (let i = 1; i <= 5; i++) log.add({ time: i });
  assert.deepEqual(log.recent().map((c) => c.time), [5, 4, 3]);
  assert.deepEqual(log.recent(2).map((c) => c.time), [5, 4]);
});

test('--metrics-tool-labels adds the tool name to request series, only for tools/call', async (t) => {
  let h: Harness | undefined;
  const observer = new ProxyObserver({ toolLabels: true, backends: () => h!.router.registry.list() });
  h = routerHarness(t, { beta: { tools: [tool('quick'), tool('other')] } }, { observer });
  await h.client.initialize();
  await h.client.call('beta__quick', {});
  await h.client.call('beta__quick', {});
  await h.client.call('beta__other', {});
  const families = parseExposition(observer.metrics.expose());
  const value = (name: string) => sampleValue(families, 'multi_mcp_backend_requests_total', { server: 'beta', tool: name, outcome: 'ok' });
  assert.equal(value('quick'), 2);
  assert.equal(value('other'), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_request_duration_seconds_count', { server: 'beta', tool: 'quick' }), 2);
});

test('a 2026-07-28 request is counted as a call, not as a client session', async (t) => {
  let h: Harness | undefined;
  const observer = new ProxyObserver({ backends: () => h!.router.registry.list() });
  h = routerHarness(t, { beta: { tools: [tool('quick')] } }, { observer });
  await h.client.initialize();
  const call = modernRequest(h.router, 'tools/call', { name: 'beta__quick', arguments: {} });
  assert.equal((await call.answer).result?.content?.[0]?.text, 'beta:quick');
  const families = parseExposition(observer.metrics.expose());
  assert.equal(sampleValue(families, 'multi_mcp_backend_requests_total', { server: 'beta', method: 'tools/call', outcome: 'ok' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_total', { front: 'memory' }), 1, 'only the 2025 session');
  assert.equal(observer.sessions.size, 1);
});
