// Where the browser lands after sign-in. stdio mode and `auth login`: a loopback listener per
// sign-in on 127.0.0.1 (RFC 8252 §7.3). HTTP mode: the proxy's own /oauth/callback route, which
// finds the sign-in by its `state`. Either way the browser's request is held until the code has
// been exchanged, so the page can say whether signing in worked.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALLBACK_PATH = '/oauth/callback';
const LOOPBACK_PATH = '/callback';

export interface CallbackResult {
  params: URLSearchParams;
  /** Answers the browser (once). */
  reply(ok: boolean, message: string): void;
}

export interface PendingRedirect {
  uri: string;
  result: Promise<CallbackResult>;
  /** Stops waiting (the sign-in was cancelled); `result` rejects. */
  close(reason?: string): void;
}

export interface RedirectReceiver {
  /** True for loopback redirects (a native application in OIDC terms). */
  readonly loopback: boolean;
  /** Starts waiting for the redirect of the sign-in with this state; `port` asks for a given loopback port. */
  open(state: string, port?: number): Promise<PendingRedirect>;
}

export class LoopbackRedirects implements RedirectReceiver {
  readonly loopback = true;

  async open(state: string, port = 0): Promise<PendingRedirect> {
    let settle!: { resolve(r: CallbackResult): void; reject(e: Error): void };
    const result = new Promise<CallbackResult>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => {}); // a cancelled sign-in nobody awaits any more
    let done = false;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== LOOPBACK_PATH || done) return page(res, 404, false, 'Nothing to see here.');
      if (url.searchParams.get('state') !== state) {
        return page(res, 400, false, 'This is not the sign-in multi-mcp is waiting for (its state does not match).');
      }
      done = true;
      settle.resolve({
        params: url.searchParams,
        reply: (ok, message) => {
          page(res, ok ? 200 : 400, ok, message);
          close();
        },
      });
    });
    const close = () => {
      server.close();
      server.closeAllConnections();
    };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    return {
      uri: `http://127.0.0.1:${bound}${LOOPBACK_PATH}`,
      result,
      close: (reason = 'sign-in cancelled') => {
        if (!done) settle.reject(new Error(reason));
        done = true;
        close();
      },
    };
  }
}

/** HTTP mode: sign-ins waiting for their redirect, by state. Each leaves on answer or close. */
export class CallbackRoute implements RedirectReceiver {
  readonly loopback: boolean;
  private readonly waiting = new Map<string, (r: CallbackResult) => void>();

  constructor(readonly uri: string) {
    this.loopback = isLoopbackUrl(uri);
  }

  get size(): number {
    return this.waiting.size;
  }

  async open(state: string): Promise<PendingRedirect> {
    let reject!: (e: Error) => void;
    const result = new Promise<CallbackResult>((resolve, no) => {
      this.waiting.set(state, resolve);
      reject = no;
    });
    result.catch(() => {});
    return {
      uri: this.uri,
      result,
      close: (reason = 'sign-in cancelled') => {
        if (this.waiting.delete(state)) reject(new Error(reason));
      },
    };
  }

  /** GET /oauth/callback?code=…&state=… */
  handle(url: URL, res: http.ServerResponse): void {
    const state = url.searchParams.get('state');
    const resolve = state === null ? undefined : this.waiting.get(state);
    if (!resolve) return page(res, 400, false, 'This sign-in link is unknown or has expired. Start the sign-in again.');
    this.waiting.delete(state!);
    resolve({ params: url.searchParams, reply: (ok, message) => page(res, ok ? 200 : 400, ok, message) });
  }
}

function isLoopbackUrl(uri: string): boolean {
  try {
    const host = new URL(uri).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

function page(res: http.ServerResponse, status: number, ok: boolean, message: string): void {
  if (res.headersSent) return;
  const text = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body =
    `<!doctype html><meta charset="utf-8"><title>multi-mcp sign-in</title>` +
    `<body style="font-family:sans-serif;margin:3em"><h1>${ok ? 'Signed in' : 'Sign-in failed'}</h1><p>${text}</p>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    Connection: 'close',
  });
  res.end(body);
}
