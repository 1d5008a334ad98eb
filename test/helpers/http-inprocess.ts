// The HTTP server in this process, over a real Router with fixture backends: for what a child
// process cannot show (heartbeats at a short interval, session counts, close()). Stopped after the test.
import type { TestContext } from 'node:test';
import { parseServerEntries } from '../../src/config/index.js';
import { connect } from '../../src/connectors.js';
import { startHttpServer, type HttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { setLogSink } from '../../src/log.js';
import { Router, type RouterOptions } from '../../src/router/router.js';
import { fixtureServer } from './proxy-process.js';

export async function inProcessServer(
  t: TestContext,
  /** Fixture server names, or mcpServers entries as a config file has them. */
  fixtures: string[] | Record<string, unknown>,
  options: Partial<HttpServerOptions> = {},
  routerOptions: Partial<RouterOptions> = {},
): Promise<{ router: Router; http: HttpServer; logs: string[] }> {
  const logs: string[] = [];
  const restoreLog = setLogSink((line) => logs.push(line));
  const router = new Router({
    connector: connect,
    naming: { separator: '__', namespace: true },
    connectTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
    maxRequestMs: 60_000,
    ...routerOptions,
  });
  const servers = Array.isArray(fixtures) ? Object.fromEntries(fixtures.map((name) => [name, fixtureServer(name)])) : fixtures;
  router.configure(parseServerEntries({ mcpServers: servers }, 'test').servers);
  const http = await startHttpServer(router, { host: '127.0.0.1', port: 0, ...options });
  t.after(async () => {
    await http.close();
    await router.shutdown();
    restoreLog();
  });
  await router.start({ roots: { listChanged: true }, sampling: {}, elicitation: {} });
  return { router, http, logs };
}
