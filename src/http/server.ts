// The HTTP mode: one node:http server carrying every remote front (legacy SSE, Streamable HTTP,
// WebSocket) and the admin API. Checks here apply to every route, in this order: Host (403, when
// bound to loopback or given --allow-host), Origin (403; admin routes refuse any Origin), the admin
// API's own rules (403), the bearer key (401, except plain /health), unknown route (404), wrong
// method (405 with Allow).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorMessage, log } from '../log.js';
import type { LiveConfig } from '../reload.js';
import type { Handler as ObserveHandler } from '../observe/routes.js';
import type { FrontTraffic } from '../observe/traffic.js';
import type { View } from '../discovery/view.js';
import { CALLBACK_PATH } from '../oauth/redirect.js';
import type { Router } from '../router/router.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../transports/channel.js';
import { AdminApi, HEALTH_PATH, isVerboseHealth, SERVERS_PATH, TOOLS_PATH } from './admin.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { sendEmpty, sendError } from './respond.js';
import { API_KEY_VARIABLE, MIN_API_KEY_LENGTH } from './exposure.js';
import { bearerMatches, corsHeaders, hostAllowed, isLoopbackAddress, originAllowed, preflightHeaders, UNAUTHORIZED_HEADERS } from './security.js';
import { LegacySseFront, MESSAGES_PATH, SSE_PATH } from './sse-front.js';
import { DEFAULT_HEARTBEAT_MS } from './sse-stream.js';
import { BacklogBudget, DEFAULT_MAX_BUFFERED_BYTES } from '../transports/backlog.js';
import { EventBudget } from './event-log.js';
import {
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_EVENTS,
  DEFAULT_SESSION_IDLE_MS,
  MCP_PATH,
  StreamableFront,
} from './streamable-front.js';
import { rejectUpgrade, WS_PATH, WsFront } from './ws-front.js';

export interface HttpServerOptions {
  host: string;
  /** 0: an ephemeral port (see `port` on the result). */
  port: number;
  /** MULTI_MCP_API_KEY: when set, every route but plain /health needs `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Browser origins allowed besides loopback ones (normalized, see normalizeOrigin), or "*". */
  allowedOrigins?: string[];
  /**
   * Host header values allowed besides localhost/127.0.0.1/[::1] (normalized, see
   * normalizeAllowedHost). Host is checked when bound to loopback or when this is not empty.
   */
  allowedHosts?: string[];
  maxBodyBytes?: number;
  maxMessageBytes?: number;
  /** SSE comment heartbeat and WebSocket ping interval. */
  heartbeatMs?: number;
  sessionIdleMs?: number;
  maxQueuedEvents?: number;
  /** The config file: admin changes are queued and written there. Absent: run time only. */
  liveConfig?: LiveConfig;
  /** The status page and /metrics (each route checks access itself), and per-front byte counts. */
  observe?: { routes: Array<[string, Record<string, ObserveHandler>]>; traffic?: FrontTraffic };
  /** Client sessions of all fronts together; past it, opening one answers 503. */
  maxSessions?: number;
  /** Total of events kept for replay (all sessions) and, separately, of unsent stream data (all streams). */
  maxBufferedBytes?: number;
  /** GET /oauth/callback: where browsers come back after signing in to a backend (no key needed). */
  oauthCallback?: (url: URL, res: ServerResponse) => void;
}

export const DEFAULT_MAX_SESSIONS = 1000;

export interface HttpServer {
  readonly server: Server;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /** Stops accepting, ends streams, closes sockets and sessions; resolves once the server is closed. */
  close(): Promise<void>;
}

const UPGRADE = { Upgrade: 'websocket' };
const RETRY_LATER = { 'Retry-After': '5' };

/** A view's endpoints: the root path of a front, then the view's name. */
const VIEW_PATH = /^\/(mcp|sse|ws)\/([^/]+)\/?$/;

/** Past this, connections still open when closing are cut. */
const CLOSE_GRACE_MS = 3000;

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  /** The view of /mcp/NAME, /sse/NAME, /ws/NAME (undefined: the root endpoints). */
  view?: View;
}

type Handler = (ctx: Context) => void | Promise<void>;

interface Route {
  methods: Record<string, Handler>;
  /** Served without the key (plain /health). */
  isPublic?: (ctx: Context) => boolean;
  /** The admin API: never for browsers; its write methods need the key to exist at all. */
  admin?: boolean;
}

const ADMIN_WRITES_DISABLED =
  `the admin API's write routes (POST /mcp_servers, DELETE /mcp_servers/{name}, POST /mcp_servers/{name}/restart) start and stop commands, so they ` +
  `exist only when an API key is set: start the proxy with ${API_KEY_VARIABLE} (at least ${MIN_API_KEY_LENGTH} characters, ` +
  `e.g. from openssl rand -hex 32) and send "Authorization: Bearer <key>"`;
const ADMIN_READS_REMOTE = `without ${API_KEY_VARIABLE} the admin API answers on a loopback bind address only`;

export async function startHttpServer(router: Router, options: HttpServerOptions): Promise<HttpServer> {
  const allowedOrigins = options.allowedOrigins ?? [];
  const allowedHosts = options.allowedHosts ?? [];
  const checkHost = isLoopbackAddress(options.host) || allowedHosts.length > 0;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  // One budget for what every stream and socket has not sent yet, one for the replay history.
  const outputBudget = new BacklogBudget(maxBufferedBytes);
  /** Why no session may be opened now, or undefined. */
  const sessionsFull = () =>
    router.sessionCount >= maxSessions
      ? `multi-mcp is serving its maximum of ${maxSessions} client sessions (--max-sessions); try again later`
      : undefined;
  const legacy = new LegacySseFront(router, { maxBodyBytes, heartbeatMs, outputBudget });
  const streamable = new StreamableFront(router, {
    maxBodyBytes,
    heartbeatMs,
    sessionIdleMs: options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS,
    maxQueuedEvents: options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS,
    maxQueuedBytes: DEFAULT_MAX_QUEUED_BYTES,
    eventBudget: new EventBudget(maxBufferedBytes),
    outputBudget,
    sessionsFull,
  });
  const ws = new WsFront(router, { maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, heartbeatMs, outputBudget });
  const admin = new AdminApi(router, maxBodyBytes, options.liveConfig);

  const exact = new Map<string, Route>([
    [
      SSE_PATH,
      {
        methods: {
          GET: ({ req, res, view }) => {
            const full = sessionsFull();
            return full ? sendError(res, 503, full, RETRY_LATER) : legacy.open(req, res, view);
          },
        },
      },
    ],
    [MESSAGES_PATH, { methods: { POST: ({ req, res, url }) => legacy.post(req, res, url) } }],
    [
      MCP_PATH,
      {
        methods: {
          POST: ({ req, res, view }) => streamable.post(req, res, view),
          GET: ({ req, res, view }) => streamable.get(req, res, view),
          DELETE: ({ req, res, view }) => streamable.delete(req, res, view),
        },
      },
    ],
    // A plain GET here is not an upgrade: say what is needed.
    [WS_PATH, { methods: { GET: ({ res }) => sendError(res, 426, 'WebSocket upgrade required (subprotocol "mcp")', UPGRADE) } }],
    [SERVERS_PATH, { admin: true, methods: { GET: ({ res }) => admin.listServers(res), POST: ({ req, res }) => admin.addServers(req, res) } }],
    [TOOLS_PATH, { admin: true, methods: { GET: ({ res }) => admin.listTools(res) } }],
    [
      HEALTH_PATH,
      {
        admin: true,
        methods: { GET: ({ res, url }) => admin.health(res, isVerboseHealth(url)) },
        isPublic: ({ url }) => !isVerboseHealth(url),
      },
    ],
  ]);
  if (options.oauthCallback) {
    const callback = options.oauthCallback;
    // A browser redirect cannot carry the key; the unguessable, single-use state protects it.
    exact.set(CALLBACK_PATH, { methods: { GET: ({ url, res }) => callback(url, res) }, isPublic: () => true });
  }
  for (const [path, methods] of options.observe?.routes ?? []) {
    const wrapped = Object.entries(methods).map(([method, h]): [string, Handler] => [method, ({ req, res }) => h(req, res)]);
    exact.set(path, { methods: Object.fromEntries(wrapped), isPublic: () => true });
  }
  const serverRoute: Route = { admin: true, methods: { DELETE: ({ res, params }) => admin.removeServer(res, params[0]) } };
  const restartRoute: Route = { admin: true, methods: { POST: ({ res, params }) => admin.restartServer(res, params[0]) } };

  function match(pathname: string): { route: Route; params: string[]; view?: View } | undefined {
    const route = exact.get(pathname.length > 1 ? pathname.replace(/\/$/, '') : pathname);
    if (route) return { route, params: [] };
    const viewed = viewOf(pathname);
    if (viewed) return viewed.view && { route: exact.get(viewed.front)!, params: [], view: viewed.view };
    const m = /^\/mcp_servers\/([^/]+)(\/restart)?\/?$/.exec(pathname);
    if (!m) return undefined;
    try {
      return { route: m[2] ? restartRoute : serverRoute, params: [decodeURIComponent(m[1])] };
    } catch {
      return undefined;
    }
  }

  /** Host, Origin, admin and key checks shared by requests and upgrades; returns [status, message, headers] to refuse. */
  function refusal(
    req: IncomingMessage,
    route: Route | undefined,
    isPublic: boolean,
    originOk = originAllowed(req.headers.origin, allowedOrigins),
  ): [number, string, Record<string, string>] | undefined {
    if (checkHost && !hostAllowed(req.headers.host, allowedHosts)) {
      return [403, `Host ${JSON.stringify(req.headers.host ?? '')} is not allowed (allowed: localhost, 127.0.0.1, [::1]${allowedHosts.map((h) => `, ${h}`).join('')}); add a name this proxy is reached by with --allow-host`, {}];
    }
    if (route?.admin) {
      // A browser page never administers the proxy: no Origin is trusted here, not even localhost.
      if (req.headers.origin !== undefined) return [403, 'the admin API does not accept requests from browsers (Origin header present)', {}];
      if (options.apiKey === undefined && req.method !== 'GET' && req.method !== 'HEAD') return [403, ADMIN_WRITES_DISABLED, {}];
      if (options.apiKey === undefined && !isLoopbackAddress(options.host)) return [403, ADMIN_READS_REMOTE, {}];
    }
    if (!originOk) return [403, `Origin ${JSON.stringify(req.headers.origin)} is not allowed`, {}];
    if (options.apiKey !== undefined && !isPublic && !bearerMatches(req.headers.authorization, options.apiKey)) {
      return [401, 'missing or wrong bearer token', UNAUTHORIZED_HEADERS as Record<string, string>];
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return sendError(res, 400, 'bad request target');
    }
    const found = match(url.pathname);
    options.observe?.traffic?.note(req.socket, url.pathname);
    const ctx: Context = { req, res, url, params: found?.params ?? [], view: found?.view };
    const origin = req.headers.origin;
    const accepted = originAllowed(origin, allowedOrigins);
    const forBrowsers = accepted && !found?.route.admin && (!checkHost || hostAllowed(req.headers.host, allowedHosts));
    // An accepted browser page may read every answer, a 401 included.
    if (forBrowsers) for (const [name, value] of Object.entries(corsHeaders(origin))) res.setHeader(name, value!);
    if (req.method === 'OPTIONS' && found && forBrowsers) {
      // CORS preflight: it carries no credentials, so only the Host and Origin checks apply.
      return sendEmpty(res, 204, preflightHeaders(origin, allowOf(found.route)));
    }
    const refused = refusal(req, found?.route, found?.route.isPublic?.(ctx) ?? false, accepted);
    if (refused) return sendError(res, refused[0], refused[1], refused[2]);
    if (!found) return sendError(res, 404, unknownViewMessage(url.pathname) ?? `no route for ${url.pathname}`);
    const handler = found.route.methods[req.method ?? ''];
    if (!handler) {
      const allow = allowOf(found.route);
      return sendError(res, 405, `method ${req.method} not allowed on ${url.pathname}; allowed: ${allow}`, { Allow: allow });
    }
    await handler(ctx);
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/$/, '$1');
    const refused = refusal(req, undefined, false);
    if (refused) return rejectUpgrade(socket, refused[0], refused[1], refused[2]);
    const viewed = viewOf(pathname);
    if (pathname !== WS_PATH && (viewed?.front !== WS_PATH || !viewed.view)) {
      return rejectUpgrade(socket, 404, unknownViewMessage(pathname) ?? `no WebSocket endpoint at ${pathname}`);
    }
    const full = sessionsFull();
    if (full) return rejectUpgrade(socket, 503, full, RETRY_LATER);
    options.observe?.traffic?.note(req.socket, pathname);
    ws.upgrade(req, socket, head, viewed?.view);
  }

  /** /mcp/NAME, /sse/NAME, /ws/NAME: the front's own path and the view (undefined if none has that name). */
  function viewOf(pathname: string): { front: string; view: View | undefined } | undefined {
    const m = VIEW_PATH.exec(pathname);
    if (!m) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(m[2]);
    } catch {
      return { front: `/${m[1]}`, view: undefined };
    }
    return { front: `/${m[1]}`, view: router.views.get(name) };
  }

  function unknownViewMessage(pathname: string): string | undefined {
    const m = VIEW_PATH.exec(pathname);
    if (!m) return undefined;
    const names = router.views.names();
    return `no view named ${JSON.stringify(m[2])} (configured views: ${names.length ? names.join(', ') : 'none'})`;
  }

  // Responses not finished yet: once closing has ended the streams and these are done, the
  // connections left (idle, or opened and never used) can be cut at once.
  const active = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    active.add(res);
    res.on('close', () => {
      active.delete(res);
      if (closing && active.size === 0) server.closeAllConnections();
    });
    handle(req, res).catch((e) => {
      log.error(`HTTP ${req.method} ${req.url}: ${e instanceof Error ? e.stack : e}`);
      if (!res.headersSent) sendError(res, 500, `internal error: ${errorMessage(e)}`);
      else res.destroy();
    });
  });
  // Above common load-balancer idle timeouts (60 s), so the balancer, not us, closes idle connections.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (e) {
      log.error(`WebSocket upgrade: ${errorMessage(e)}`);
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const reason = 'multi-mcp is shutting down';
      server.close(() => resolve());
      legacy.close(reason);
      streamable.close(reason);
      ws.close(reason);
      if (active.size === 0) server.closeAllConnections();
      else server.closeIdleConnections();
      setTimeout(() => {
        server.closeAllConnections();
        ws.terminateAll(); // upgraded sockets are not the HTTP server's connections any more
      }, CLOSE_GRACE_MS).unref();
    });
    return closing;
  };

  return { server, port, url: `http://${host}:${port}`, close };
}

function allowOf(route: Route): string {
  return [...Object.keys(route.methods), 'OPTIONS'].join(', ');
}
