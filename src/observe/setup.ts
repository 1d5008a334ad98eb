// Wiring of the observability side for the command line: what exists in which mode. HTTP mode
// always has the status page and /metrics; stdio mode observes only with --metrics or for the
// per-call lines of --log-level debug, so an editor's proxy pays nothing for metrics nobody reads.
import type { Backend } from '../backends/backend.js';
import { errorMessage, log } from '../log.js';
import { isLoopbackHost, ObserveAccess } from './access.js';
import { startMetricsServer } from './metrics-server.js';
import { NO_OBSERVER, type Observer } from './observer.js';
import { addProcessMetrics } from './process-metrics.js';
import { ProxyObserver } from './proxy-observer.js';
import { ObserveRoutes, type Handler } from './routes.js';
import { FrontTraffic, HTTP_FRONTS } from './traffic.js';

export interface ObserveSettings {
  mode: 'stdio' | 'http';
  /** --metrics [HOST:]PORT */
  metrics?: { host: string; port: number };
  metricsToolLabels: boolean;
  apiKey: string | undefined;
  /** --log-level debug: one log line per call, with its trace id. */
  logCalls?: boolean;
}

export class Observability {
  readonly observer: Observer;
  private readonly proxy: ProxyObserver | undefined;
  private readonly traffic: FrontTraffic | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly settings: ObserveSettings,
    private readonly backends: () => Iterable<Backend>,
  ) {
    if (settings.mode === 'stdio' && !settings.metrics && !settings.logCalls) {
      this.observer = NO_OBSERVER;
      return;
    }
    const proxy = new ProxyObserver({ toolLabels: settings.metricsToolLabels, backends });
    addProcessMetrics(proxy.metrics);
    this.traffic = new FrontTraffic(proxy.metrics);
    const fronts = settings.mode === 'http' ? HTTP_FRONTS : ['stdio'];
    proxy.declareFronts(fronts);
    this.traffic.declareFronts(fronts);
    if (settings.mode === 'stdio') this.traffic.useStdio(process.stdin, process.stdout);
    this.proxy = proxy;
    this.observer = proxy;
  }

  /** HTTP mode: the routes and byte counting for the main server (bindHost: its --host). */
  httpOptions(bindHost: string): { routes: Array<[string, Record<string, Handler>]>; traffic?: FrontTraffic } | undefined {
    if (!this.proxy) return undefined;
    const access = new ObserveAccess(this.settings.apiKey, bindHost);
    const routes = new ObserveRoutes({ observer: this.proxy, access, backends: this.backends, startedAt: this.startedAt });
    return { routes: routes.table(), traffic: this.traffic };
  }

  /** --metrics: /metrics on its own port. Exits when it cannot listen, or would serve anyone without a key. */
  async serveMetricsPort(): Promise<void> {
    const where = this.settings.metrics;
    if (!where || !this.proxy) return;
    const { host, port } = where;
    if (this.settings.apiKey === undefined && !isLoopbackHost(host)) {
      log.error(`--metrics ${host}:${port} would serve metrics to anyone who can reach it: set MULTI_MCP_API_KEY (scrapers send "Authorization: Bearer <key>") or listen on 127.0.0.1`);
      process.exit(1);
    }
    try {
      const server = await startMetricsServer(host, port, this.proxy, new ObserveAccess(this.settings.apiKey, host));
      log.info(`metrics on ${server.url}`);
    } catch (e) {
      log.error(`--metrics: cannot listen on ${host}:${port}: ${errorMessage(e)}`);
      process.exit(1);
    }
  }
}
