// Process metrics under the names Prometheus client libraries use (process_*, nodejs_*), read at
// scrape time. Event-loop delay comes from node's own sampler (monitorEventLoopDelay, 10 ms
// resolution, a libuv timer: no work on the event loop); its histogram is reset at each scrape,
// as prom-client does, so the quantiles describe the time since the previous scrape.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, type MetricsRegistry } from './metrics.js';

const RESOLUTION_MS = 10;

export function addProcessMetrics(registry: MetricsRegistry): { stop(): void } {
  const rss = registry.add(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes'));
  const heap = registry.add(new Gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes'));
  const cpu = registry.add(new Counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds'));
  const start = registry.add(new Gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds'));
  const delay = {
    p50: registry.add(new Gauge('nodejs_eventloop_delay_p50_seconds', 'Event-loop delay, median since the previous scrape')),
    p99: registry.add(new Gauge('nodejs_eventloop_delay_p99_seconds', 'Event-loop delay, 99th percentile since the previous scrape')),
    max: registry.add(new Gauge('nodejs_eventloop_delay_max_seconds', 'Event-loop delay, maximum since the previous scrape')),
  };
  start.labels().value = Math.round(Date.now() / 1000 - process.uptime());
  const sampler: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  sampler.enable();
  registry.onCollect(() => {
    const usage = process.cpuUsage();
    cpu.labels().value = (usage.user + usage.system) / 1e6;
    rss.labels().value = process.memoryUsage.rss();
    heap.labels().value = process.memoryUsage().heapUsed;
    // The sampler records whole timer intervals in nanoseconds: the delay is what exceeds the
    // resolution. With no sample yet it reports NaN quantiles: show 0.
    const seconds = (ns: number) => (sampler.count > 0 && Number.isFinite(ns) ? Math.max(0, ns - RESOLUTION_MS * 1e6) / 1e9 : 0);
    delay.p50.labels().value = seconds(sampler.percentile(50));
    delay.p99.labels().value = seconds(sampler.percentile(99));
    delay.max.labels().value = seconds(sampler.max);
    sampler.reset();
  });
  return { stop: () => sampler.disable() };
}
