// Plain HTTP(S) requests for remote backends, over one keep-alive agent per backend.
// node:http rather than fetch: fetch's dispatcher has fixed 300 s header and body timeouts that
// cannot be changed without the undici package, and they would cut idle SSE streams and slow
// JSON-answered tool calls. Here the only deadlines are ours.
import * as http from 'node:http';
import * as https from 'node:https';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { errorMessage } from '../log.js';
import { sendAuthorized } from '../oauth/authorized.js';
import type { RemoteAuth } from '../oauth/remote-auth.js';
import { redactUrl } from '../redact.js';

const MAX_REDIRECTS = 3;

export interface RequestOptions {
  headers: Record<string, string>;
  body?: string;
  /** Ends the request (and its response) when aborted. */
  signal?: AbortSignal;
  /** Fails the request when no response headers arrive in time; undefined: no limit. */
  headersTimeoutMs?: number;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly active = new Set<http.ClientRequest>();
  private destroyed = false;

  /** `auth`: the server's sign-in state; its token goes on every request (see sendAuthorized). */
  constructor(
    protocol: string,
    private readonly auth?: RemoteAuth,
  ) {
    this.agent = protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /**
   * Sends one request; resolves with the response (body unread). Follows 307/308 redirects (they
   * keep method and body, e.g. /mcp → /mcp/) within the same origin only: our headers may hold
   * credentials.
   */
  request(method: string, url: URL, options: RequestOptions): Promise<http.IncomingMessage> {
    if (!this.auth) return this.follow(method, url, options);
    return sendAuthorized(this.auth, options.headers, options.signal, (headers) => this.follow(method, url, { ...options, headers }));
  }

  /**
   * POSTs one JSON-RPC message of a Streamable HTTP wire (either era). A notification or response
   * is acknowledged at once (202), so its headers must come within `ackTimeoutMs`; a request may
   * take its time.
   */
  postMessage(url: URL, text: string, isRequest: boolean, headers: Record<string, string>, signal: AbortSignal, ackTimeoutMs: number | undefined): Promise<http.IncomingMessage> {
    return this.request('POST', url, {
      headers: { ...headers, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: text,
      signal,
      headersTimeoutMs: isRequest ? undefined : ackTimeoutMs,
    });
  }

  private async follow(method: string, url: URL, options: RequestOptions): Promise<http.IncomingMessage> {
    for (let redirects = 0; ; redirects++) {
      const res = await this.attempt(method, url, options, true);
      const location = res.headers.location;
      if ((res.statusCode !== 307 && res.statusCode !== 308) || !location || redirects >= MAX_REDIRECTS) return res;
      const next = new URL(location, url);
      if (next.origin !== url.origin) return res;
      res.resume();
      url = next;
    }
  }

  private attempt(method: string, url: URL, options: RequestOptions, mayRetry: boolean): Promise<http.IncomingMessage> {
    if (this.destroyed) return Promise.reject(new Error('connection closed'));
    const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
    const headers = body ? { ...options.headers, 'Content-Length': String(body.length) } : options.headers;
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, signal: options.signal });
      this.active.add(req);
      req.once('close', () => this.active.delete(req));
      let timer: NodeJS.Timeout | undefined;
      if (options.headersTimeoutMs !== undefined) {
        const ms = options.headersTimeoutMs;
        timer = setTimeout(() => req.destroy(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
      }
      req.once('response', (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      req.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A kept-alive socket the server closed just as we reused it: the request never reached
        // the server, so sending it once more on a fresh socket is safe (node's documented advice).
        if (mayRetry && req.reusedSocket && err.code === 'ECONNRESET' && !this.destroyed) {
          resolve(this.attempt(method, url, options, false));
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }

  /** Ends every request in flight and the pooled sockets. */
  destroy(): void {
    this.destroyed = true;
    for (const req of this.active) req.destroy(new Error('connection closed'));
    this.active.clear();
    this.agent.destroy();
  }
}

/** Reads a whole body as text; past `maxBytes` the request is ended and the promise rejects. */
/**
 * Runs one message's POST (both Streamable HTTP eras): a request's AbortController sits in
 * `inflight` under its id while it runs, so cancel and close can end it; an error that is not such
 * an abort goes to `failed` as "POST <url> of <method> failed: …", the URL redacted.
 */
export async function runPost(
  inflight: Map<JsonRpcId, AbortController>,
  url: URL,
  msg: Record<string, any>,
  id: JsonRpcId | undefined,
  post: (signal: AbortSignal) => Promise<void>,
  failed: (message: string) => void,
): Promise<void> {
  const abort = new AbortController();
  if (id !== undefined) inflight.set(id, abort);
  try {
    await post(abort.signal);
  } catch (e) {
    if (!abort.signal.aborted) failed(`POST ${redactUrl(url)} of ${msg.method ?? 'a response'} failed: ${errorMessage(e)}`);
  } finally {
    if (id !== undefined && inflight.get(id) === abort) inflight.delete(id);
  }
}

export function readBody(res: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new Error(`answer larger than ${maxBytes} bytes`));
        return;
      }
      parts.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('connection closed before the end of the answer'));
    });
  });
}

/** A short text for an error answer: its JSON-RPC error message if it has one, else its first line. */
export async function errorDetail(res: http.IncomingMessage): Promise<string> {
  let text: string;
  try {
    text = await readBody(res, 64 * 1024);
  } catch {
    return '';
  }
  try {
    const message = JSON.parse(text)?.error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return text.trim().split('\n')[0].slice(0, 200);
}

export function statusText(res: http.IncomingMessage): string {
  return `HTTP ${res.statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
}

export function isOk(res: http.IncomingMessage): boolean {
  return res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
}

export function contentType(res: http.IncomingMessage): string {
  return (res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
