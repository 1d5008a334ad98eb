// The observer's own cost per forwarded call, measured in this process on the real ProxyObserver:
// callStarted + ended for a tools/call, as the exchange makes them, against the same loop with
// the no-op observer. Set beside the proxy's CPU per call, it is the share of the work metrics
// add; unlike two proxies' throughputs it does not drown in the noise of a shared machine.
import { performance } from 'node:perf_hooks';
import { NO_OBSERVER, type Observer } from '../src/observe/observer.js';
import { ProxyObserver } from '../src/observe/proxy-observer.js';

export interface ObserverCost {
  /** Median over the rounds, CPU nanoseconds per call, the no-op loop's subtracted. */
  nsPerCall: number;
  rounds: number;
  callsPerRound: number;
}

function loop(observer: Observer, calls: number, maxMs: number): number {
  const session = { id: 'bench', front: 'stdio', clientInfo: { name: 'bench', version: '1' }, protocolVersion: '2025-11-25' };
  observer.sessionOpened(session);
  const msg = { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello' } } };
  // CPU time, not wall time: on a shared machine this process is descheduled at random.
  const cpu0 = process.cpuUsage();
  const end = performance.now() + maxMs;
  let n = 0;
  while (n < calls && (n % 10_000 !== 0 || performance.now() < end)) {
    msg.id = n++;
    observer.callStarted(session, 'echo', msg).ended('ok');
  }
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) * 1000) / n;
}

export function measureObserverCost(rounds = 7, callsPerRound = 1_000_000, maxMs = 2000): ObserverCost {
  const observer = new ProxyObserver();
  loop(observer, 100_000, maxMs); // warm up (JIT)
  loop(NO_OBSERVER, 100_000, maxMs);
  const costs: number[] = [];
  for (let i = 0; i < rounds; i++) costs.push(loop(observer, callsPerRound, maxMs) - loop(NO_OBSERVER, callsPerRound, maxMs));
  costs.sort((a, b) => a - b);
  return { nsPerCall: costs[rounds >> 1], rounds, callsPerRound };
}
