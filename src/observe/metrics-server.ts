// --metrics [HOST:]PORT: /metrics alone on a port of its own, for a scraper that should reach
// nothing else (the MCP fronts and the admin API stay on the main port, or on stdio).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendError } from '../http/respond.js';
import { hostAllowed, isLoopbackAddress } from '../http/security.js';
import type { ObserveAccess } from './access.js';
import type { ProxyObserver } from './proxy-observer.js';
import { METRICS_PATH, metricsHandler } from './routes.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(host: string, port: number, observer: ProxyObserver, access: ObserveAccess): Promise<MetricsServer> {
  const serve = metricsHandler(observer, access);
  const checkHost = isLoopbackAddress(host);
  const server = createServer((req, res) => {
    // Bound to loopback, only loopback names are served: a page on another name resolving to
    // 127.0.0.1 (DNS rebinding) cannot read the metrics, as on the main port.
    if (checkHost && !hostAllowed(req.headers.host, [])) return sendError(res, 403, `Host ${JSON.stringify(req.headers.host ?? '')} is not served here: use 127.0.0.1 or localhost`);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== METRICS_PATH) return sendError(res, 404, `only ${METRICS_PATH} is served on this port`);
    if (req.method !== 'GET') return sendError(res, 405, `method ${req.method} not allowed on ${METRICS_PATH}; allowed: GET`, { Allow: 'GET' });
    serve(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}${METRICS_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
