// The observability flags end to end, on the real proxy process: --log-format json (every stderr
// line a JSON object, call lines with their fields and trace id, backends' stderr wrapped, no
// secret), --metrics on a port of its own (stdio mode too), and bad values refused.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { parseCli, USAGE, UsageError } from '../src/cli-args.js';
import { startListening, runToExit } from './helpers/listening-process.js';
import { CLI, fixture, fixtureServer, startRawProxy, writeConfig } from './helpers/proxy-process.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';
import { waitFor } from './helpers/wait.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const SECRET = 'do-not-log-this-value-7d1f';

test('--log-format json: one JSON object per stderr line, call lines with server, session, method, id, ms and trace id', async (t) => {
  const config = writeConfig(t, {
    mcpServers: {
      calculator: { ...fixtureServer('calculator'), env: { CALC_TOKEN: SECRET } },
      broken: { command: process.execPath, args: [fixture('crash'), '--exit-at-start'], restart: false },
    },
  });
  const proxy = startRawProxy(t, ['--config', config, '--log-format', 'json', '--log-level', 'debug']);
  await proxy.initialize();
  const params = { name: 'calculator__add', arguments: { a: 2, b: 3 }, _meta: { traceparent: TRACEPARENT } };
  assert.equal((await proxy.request(7, 'tools/call', params)).result.structuredContent.result, 5);
  await waitFor(() => proxy.stderr.includes('"outcome":"ok"'), 'the call log line', 10_000);
  await proxy.stop();

  const lines = proxy.stderr.split('\n').filter((l) => l !== '');
  const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const e of entries) {
    assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['error', 'warn', 'info', 'debug'].includes(String(e.level)), JSON.stringify(e));
    assert.equal(typeof e.msg, 'string');
  }
  const call = entries.find((e) => e.method === 'tools/call')!;
  assert.deepEqual(
    { server: call.server, session: call.session, id: call.id, name: call.name, outcome: call.outcome, trace_id: call.trace_id },
    { server: 'calculator', session: 'stdio', id: 7, name: 'add', outcome: 'ok', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' },
  );
  assert.equal(typeof call.ms, 'number');
  const fromBackend = entries.find((e) => e.stream === 'stderr');
  assert.equal(fromBackend?.server, 'broken');
  assert.match(String(fromBackend?.msg), /^crash: exiting at start as requested/);
  assert.ok(!proxy.stderr.includes(SECRET), 'an env value is never logged');
});

test('--metrics serves /metrics on its own port, in stdio mode too; the rest of that port is 404', async (t) => {
  const config = writeConfig(t, { mcpServers: { calculator: fixtureServer('calculator') } });
  const proxy = startRawProxy(t, ['--config', config, '--metrics', '127.0.0.1:0']);
  const url = await waitFor(() => /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(proxy.stderr)?.[1], 'the metrics URL', 10_000);
  await proxy.initialize();
  await proxy.request(2, 'tools/call', { name: 'calculator__multiply', arguments: { a: 6, b: 7 } });
  const families = parseExposition(await (await fetch(url)).text());
  assert.equal(sampleValue(families, 'multi_mcp_front_sessions_open', { front: 'stdio' }), 1);
  assert.equal(sampleValue(families, 'multi_mcp_backend_requests_total', { server: 'calculator', outcome: 'ok' }), 1);
  assert.ok(sampleValue(families, 'multi_mcp_front_received_bytes_total', { front: 'stdio' })! > 100);
  assert.ok(sampleValue(families, 'multi_mcp_front_sent_bytes_total', { front: 'stdio' })! > 100);
  assert.equal((await fetch(url.replace('/metrics', '/'))).status, 404);
  assert.equal((await fetch(url, { method: 'POST' })).status, 405);
  // DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing.
  const rebound = await new Promise<number>((resolve, reject) => {
    request(url, { headers: { Host: 'evil.example' } }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject).end();
  });
  assert.equal(rebound, 403);
});

test('--metrics with a key wants the bearer; without a key it refuses a non-loopback address', async (t) => {
  const config = writeConfig(t, { mcpServers: {} });
  const key = 'metrics-port-key-0123456789';
  const env = { ...process.env, MULTI_MCP_API_KEY: key };
  const proxy = await startListening(process.execPath, [CLI, '--config', config, '--transport', 'http', '--port', '0', '--metrics', '127.0.0.1:0'], { cwd: process.cwd(), env });
  t.after(() => proxy.stop());
  const url = await waitFor(() => /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(proxy.stderr())?.[1], 'the metrics URL', 10_000);
  assert.equal((await fetch(url)).status, 401);
  assert.equal((await fetch(url, { headers: { Authorization: `Bearer ${key}` } })).status, 200);
  assert.equal((await fetch(`${proxy.url}/metrics`, { headers: { Authorization: `Bearer ${key}` } })).status, 200, 'and on the main port');

  const { MULTI_MCP_API_KEY: _, ...keyless } = process.env;
  const refused = await runToExit(process.execPath, [CLI, '--config', config, '--metrics', '0.0.0.0:0'], { cwd: process.cwd(), env: keyless });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--metrics 0\.0\.0\.0:0 would serve metrics to anyone .* MULTI_MCP_API_KEY/);
});

test('flags: --log-format, --metrics [HOST:]PORT and --metrics-tool-labels parse, bad values are usage errors', () => {
  assert.equal(parseCli([]).logFormat, 'text');
  assert.equal(parseCli(['--log-format', 'json']).logFormat, 'json');
  assert.throws(() => parseCli(['--log-format', 'xml']), /--log-format must be one of text, json/);
  assert.deepEqual(parseCli(['--metrics', '9464']).metrics, { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseCli(['--host', '0.0.0.0', '--metrics', '9464']).metrics, { host: '0.0.0.0', port: 9464 });
  assert.deepEqual(parseCli(['--metrics', '[::1]:9464']).metrics, { host: '::1', port: 9464 });
  assert.deepEqual(parseCli(['--metrics', 'localhost:0']).metrics, { host: 'localhost', port: 0 });
  for (const bad of ['', 'x', '70000', 'host:', ':80', '1.2.3.4:99999']) assert.throws(() => parseCli(['--metrics', bad]), UsageError, bad);
  assert.equal(parseCli(['--metrics-tool-labels']).metricsToolLabels, true);
  for (const flag of ['--log-format', '--metrics ', '--metrics-tool-labels']) assert.ok(USAGE.includes(flag), flag);
});
