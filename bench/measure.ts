// Latency (sequential calls) and throughput (N calls in flight), each bounded by a call count
// and a wall-clock budget, whichever ends first.
import { performance } from 'node:perf_hooks';

export interface Budget {
  count: number;
  timeMs: number;
}

export interface Latency {
  calls: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

export interface Throughput {
  calls: number;
  seconds: number;
  perSecond: number;
}

export type Call = () => Promise<unknown>;

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export async function warmUp(call: Call, count: number, inflight = 16): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) await call();
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

/** One call at a time; the time of each, from send to answer. */
export async function sequential(call: Call, budget: Budget): Promise<Latency> {
  const times = new Float64Array(budget.count);
  const end = performance.now() + budget.timeMs;
  let n = 0;
  while (n < budget.count && performance.now() < end) {
    const t0 = performance.now();
    await call();
    times[n++] = performance.now() - t0;
  }
  const sorted = times.subarray(0, n).sort();
  let sum = 0;
  for (const t of sorted) sum += t;
  return { calls: n, p50Us: quantile(sorted, 0.5) * 1000, p99Us: quantile(sorted, 0.99) * 1000, meanUs: (sum / n) * 1000 };
}

/** `inflight` workers, each starting a new call as soon as its last one is answered. */
export async function throughput(call: Call, inflight: number, budget: Budget): Promise<Throughput> {
  let started = 0;
  let done = 0;
  const t0 = performance.now();
  const end = t0 + budget.timeMs;
  const worker = async () => {
    while (started < budget.count && performance.now() < end) {
      started++;
      await call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { calls: done, seconds, perSecond: done / seconds };
}
