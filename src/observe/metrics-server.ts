// --metrics [HOST:]PORT: /metrics alone on a port of its own, for a scraper that should reach
// nothing else (the MCP fronts and the admin API stay on the main port, or on stdio).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendError } from '../http/respond.js';
import type { ObserveAccess } from './access.js';
import type { ProxyObserver } from './proxy-observer.js';
import { METRICS_PATH, metricsHandler } from './routes.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(host: string, port: number, observer: ProxyObserver, access: ObserveAccess): Promise<MetricsServer> {
  const serve = metricsHandler(observer, access);
  const server = createServer((req, res) => {
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
