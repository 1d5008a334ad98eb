// HTTP routes of the observability side: the status page (GET /), its data (GET /status), its
// login and logout, and the Prometheus metrics (GET /metrics). Each checks access itself (see
// access.ts): the page's cookie is accepted besides the bearer key, which the HTTP server's own
// key check does not know about.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../backends/backend.js';
import { readRaw } from '../http/body.js';
import { sendError, sendJson } from '../http/respond.js';
import { UNAUTHORIZED_HEADERS } from '../http/security.js';
import type { ObserveAccess } from './access.js';
import { CONTENT_TYPE } from './metrics.js';
import type { ProxyObserver } from './proxy-observer.js';
import { collectStatus } from './status.js';
import { loginPage, PAGE_CSP, statusPage } from './status-page.js';

export const PAGE_PATH = '/';
export const STATUS_PATH = '/status';
export const METRICS_PATH = '/metrics';
export const LOGIN_PATH = '/login';
export const LOGOUT_PATH = '/logout';

const MAX_LOGIN_BODY_BYTES = 4096;

const NO_STORE = { 'Cache-Control': 'no-store' };
const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Not no-referrer: with it a browser sends "Origin: null" on the login form's POST.
  'Referrer-Policy': 'same-origin',
  ...NO_STORE,
};

const KEYLESS_REMOTE =
  'the status page and metrics need MULTI_MCP_API_KEY when the proxy listens on a non-loopback address; ' +
  'set the key (then log in on the page, or send "Authorization: Bearer <key>"), or bind 127.0.0.1';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ObserveRoutesOptions {
  observer: ProxyObserver;
  access: ObserveAccess;
  backends: () => Iterable<Backend>;
  /** When the proxy started (ms since the epoch). */
  startedAt: number;
}

export class ObserveRoutes {
  private readonly page: string;

  constructor(private readonly options: ObserveRoutesOptions) {
    this.page = statusPage(options.access.hasKey);
  }

  /** Path → method → handler, for the HTTP server's route table. */
  table(): Array<[string, Record<string, Handler>]> {
    return [
      [PAGE_PATH, { GET: (req, res) => this.servePage(req, res) }],
      [STATUS_PATH, { GET: (req, res) => this.serveStatus(req, res) }],
      [METRICS_PATH, { GET: metricsHandler(this.options.observer, this.options.access) }],
      [LOGIN_PATH, { POST: (req, res) => this.login(req, res) }],
      [LOGOUT_PATH, { POST: (req, res) => this.logout(req, res) }],
    ];
  }

  servePage(req: IncomingMessage, res: ServerResponse): void {
    const access = this.options.access.check(req);
    if (access === 'remote-without-key') return sendError(res, 403, KEYLESS_REMOTE);
    sendHtml(res, 200, access === 'ok' ? this.page : loginPage(false));
  }

  serveStatus(req: IncomingMessage, res: ServerResponse): void {
    if (!this.allowed(req, res)) return;
    const { backends, observer, startedAt } = this.options;
    sendJson(res, 200, collectStatus(backends(), observer, startedAt), NO_STORE);
  }

  /** POST key=<the API key> (a form): a cookie and back to the page, or the form again. */
  async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { access } = this.options;
    if (!access.hasKey) return seeOther(res);
    const raw = await readRaw(req, MAX_LOGIN_BODY_BYTES);
    if (raw === 'aborted') return;
    if (raw === 'too-large') return sendError(res, 413, `login form larger than ${MAX_LOGIN_BODY_BYTES} bytes`, { Connection: 'close' });
    const key = new URLSearchParams(raw.toString('utf8')).get('key') ?? '';
    if (!access.keyMatches(key)) return sendHtml(res, 401, loginPage(true));
    seeOther(res, { 'Set-Cookie': access.loginCookie(req) });
  }

  logout(_req: IncomingMessage, res: ServerResponse): void {
    seeOther(res, { 'Set-Cookie': this.options.access.logoutCookie() });
  }

  private allowed(req: IncomingMessage, res: ServerResponse): boolean {
    return allowed(this.options.access, req, res);
  }
}

/** GET /metrics: the exposition, behind the same access rule as the page. */
export function metricsHandler(observer: ProxyObserver, access: ObserveAccess): Handler {
  return (req, res) => {
    if (!allowed(access, req, res)) return;
    const text = observer.metrics.expose();
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), ...NO_STORE });
    res.end(text);
  };
}

/** Answers 401/403 and returns false unless the request may see the data. */
function allowed(access: ObserveAccess, req: IncomingMessage, res: ServerResponse): boolean {
  const verdict = access.check(req);
  if (verdict === 'ok') return true;
  if (verdict === 'remote-without-key') sendError(res, 403, KEYLESS_REMOTE);
  else sendError(res, 401, 'missing or wrong bearer token (or log in on the status page)', UNAUTHORIZED_HEADERS);
  return false;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { ...HTML_HEADERS, 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** 303 to the page (relative, so it works behind a reverse proxy that mounts us under a path). */
function seeOther(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(303, { Location: './', 'Content-Length': 0, ...NO_STORE, ...headers });
  res.end();
}
