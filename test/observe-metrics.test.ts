// The metrics registry and its Prometheus text exposition, read back with a Prometheus parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTENT_TYPE, Counter, Gauge, Histogram, MetricsRegistry } from '../src/observe/metrics.js';
import { addProcessMetrics } from '../src/observe/process-metrics.js';
import { parseExposition, sampleValue } from './helpers/prometheus.js';

test('counters, gauges and histograms expose values a Prometheus parser reads back exactly', () => {
  const registry = new MetricsRegistry();
  const requests = registry.add(new Counter('demo_requests_total', 'Requests', ['server', 'outcome']));
  const inFlight = registry.add(new Gauge('demo_in_flight', 'In flight', ['server']));
  const latency = registry.add(new Histogram('demo_duration_seconds', 'Latency', ['server'], [0.01, 0.1, 1]));
  requests.labels('a', 'ok').value += 3;
  requests.labels('b', 'error').value++;
  inFlight.labels('a').value = 2;
  for (const v of [0.005, 0.05, 0.05, 0.5, 7]) latency.labels('a').observe(v);
  latency.labels('b');

  const families = parseExposition(registry.expose());
  assert.equal(families.get('demo_requests_total')?.type, 'counter');
  assert.equal(sampleValue(families, 'demo_requests_total', { server: 'a', outcome: 'ok' }), 3);
  assert.equal(sampleValue(families, 'demo_requests_total', { server: 'b', outcome: 'error' }), 1);
  assert.equal(sampleValue(families, 'demo_in_flight', { server: 'a' }), 2);
  const bucket = (le: string) => sampleValue(families, 'demo_duration_seconds_bucket', { server: 'a', le });
  assert.deepEqual(['0.01', '0.1', '1', '+Inf'].map(bucket), [1, 3, 4, 5]);
  assert.equal(sampleValue(families, 'demo_duration_seconds_count', { server: 'a' }), 5);
  assert.ok(Math.abs(sampleValue(families, 'demo_duration_seconds_sum', { server: 'a' })! - 7.605) < 1e-9);
  assert.equal(sampleValue(families, 'demo_duration_seconds_count', { server: 'b' }), 0);
  assert.equal(CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
});

test('label values and help texts are escaped: backslash, double quote, newline', () => {
  const registry = new MetricsRegistry();
  const c = registry.add(new Counter('demo_odd_total', 'Help with \\ and\nnewline', ['server']));
  const odd = 'we"ird\\name\nline2';
  c.labels(odd).value = 1;
  const text = registry.expose();
  assert.ok(text.includes('# HELP demo_odd_total Help with \\\\ and\\nnewline\n'));
  const families = parseExposition(text);
  assert.equal(sampleValue(families, 'demo_odd_total', { server: odd }), 1);
});

test('names the format would reject are refused when registering', () => {
  assert.throws(() => new Counter('demo_requests', 'no _total suffix'), /must end in _total/);
  assert.throws(() => new Gauge('9lives', 'bad name'), /invalid metric name/);
  assert.throws(() => new Gauge('demo', 'bad label', ['le']), /invalid label name/);
  assert.throws(() => new Gauge('demo', 'reserved label', ['__x']), /invalid label name/);
  assert.throws(() => new Histogram('demo_seconds', 'buckets', [], [1, 1]), /buckets must increase/);
  const registry = new MetricsRegistry();
  registry.add(new Gauge('demo', 'one'));
  assert.throws(() => registry.add(new Gauge('demo', 'two')), /registered twice/);
  assert.throws(() => registry.add(new Gauge('demo_x', 'x', ['a'])).labels(), /takes 1 label values/);
});

test('process metrics: memory, CPU, start time and event-loop delay, refreshed at each scrape', (t) => {
  const registry = new MetricsRegistry();
  const processMetrics = addProcessMetrics(registry);
  t.after(() => processMetrics.stop());
  const families = parseExposition(registry.expose());
  assert.ok(sampleValue(families, 'process_resident_memory_bytes')! > 1e6);
  assert.ok(sampleValue(families, 'nodejs_heap_used_bytes')! > 0);
  assert.ok(sampleValue(families, 'process_cpu_seconds_total')! > 0);
  const start = sampleValue(families, 'process_start_time_seconds')!;
  assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 2);
  for (const q of ['p50', 'p99', 'max']) assert.ok(sampleValue(families, `nodejs_eventloop_delay_${q}_seconds`)! >= 0);
});
