// A Router wired to fake in-memory backends, with in-memory clients; shut down after the test.
import type { TestContext } from 'node:test';
import type { ServerSpec } from '../../src/config/spec.js';
import { setLogSink } from '../../src/log.js';
import type { Observer } from '../../src/observe/observer.js';
import type { NamingOptions } from '../../src/router/names.js';
import type { Clock } from '../../src/router/clock.js';
import { Router } from '../../src/router/router.js';
import { memoryChannelPair } from '../../src/transports/memory.js';
import { FakeBackends, fakeSpec, type FakeServerScript, type REFUSE } from './fake-backend.js';
import { MemoryClient } from './memory-client.js';

export interface HarnessOptions {
  naming?: NamingOptions;
  pageSize?: number;
  requestTimeoutMs?: number;
  /** Per-server spec overrides (e.g. tools allow/deny). */
  specs?: Record<string, Partial<ServerSpec>>;
  clock?: Clock;
  clientAnswerMs?: number;
  observer?: Observer;
}

export interface Harness {
  router: Router;
  backends: FakeBackends;
  /** The first client, opened but not initialized. */
  client: MemoryClient;
  openClient(): MemoryClient;
  /** Log lines written by the proxy during the test. */
  logs: string[];
}

export function routerHarness(
  t: TestContext,
  scripts: Record<string, FakeServerScript | typeof REFUSE>,
  opts: HarnessOptions = {},
): Harness {
  const logs: string[] = [];
  const restoreLog = setLogSink((line) => logs.push(line));
  const backends = new FakeBackends(scripts);
  const router = new Router({
    connector: backends.connector,
    naming: opts.naming ?? { separator: '__', namespace: true },
    connectTimeoutMs: 2000,
    requestTimeoutMs: opts.requestTimeoutMs ?? 30_000,
    maxRequestMs: 60_000,
    pageSize: opts.pageSize,
    clock: opts.clock,
    clientAnswerMs: opts.clientAnswerMs,
    observer: opts.observer,
  });
  router.configure(Object.keys(scripts).map((name) => fakeSpec(name, opts.specs?.[name])));
  const openClient = () => {
    const [clientSide, proxySide] = memoryChannelPair();
    router.openSession(proxySide);
    return new MemoryClient(clientSide);
  };
  t.after(async () => {
    await router.shutdown();
    restoreLog();
  });
  return { router, backends, client: openClient(), openClient, logs };
}
