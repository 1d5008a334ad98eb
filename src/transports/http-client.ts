// Streamable HTTP backend (protocol 2025-03-26 and later): every message is a POST; a request's
// answer comes as a JSON body or as an SSE stream that may carry the server's own requests and
// notifications first. An optional GET stream carries server-initiated messages. The session id
// from the initialize answer and the negotiated protocol version go on every later request.
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'vscode-jsonrpc/node';
import type { EventSourceMessage } from 'eventsource-parser';
import { ErrorCode, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { Method, Notification } from '../../protocol/mcp.js';
import { errorMessage, log } from '../log.js';
import { traceHeaders } from '../observe/trace.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './channel.js';
import { contentType, errorDetail, HttpClient, isOk, readBody, runPost, statusText } from './http-request.js';
import { outgoing, type MessageSink, type RemoteReader } from './remote-channel.js';
import type { RemoteOptions } from './sse-client.js';
import { readSse } from './sse-parse.js';
import { redactUrl } from '../redact.js';

/** Statuses of the initialize POST that mean "not a Streamable HTTP endpoint" (spec backwards compatibility). */
export const FALLBACK_STATUSES: ReadonlySet<number> = new Set([400, 404, 405]);

const RECONNECT_INITIAL_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
/** Attempts to resume a request's broken answer stream without getting anything back. */
const RESUME_MAX_FAILURES = 3;
const DELETE_TIMEOUT_MS = 2000;

export interface HttpSessionOptions extends RemoteOptions {
  /**
   * Auto-detection: called instead of answering with an error when the initialize POST gets one
   * of FALLBACK_STATUSES; the caller retries the same message over legacy SSE.
   */
  onFallback?: (text: string, msg: Message, status: string) => void;
  /** Called once, when the first POST got a Streamable HTTP answer. */
  onConfirmed?: () => void;
}

/** Why a stream loop stopped. */
type StreamEnd = 'done' | 'gave-up';

export class HttpSession implements MessageSink {
  private readonly http: HttpClient;
  private readonly maxChars: number;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private initializeId: JsonRpcId | undefined;
  private confirmed = false;
  private getStreamStarted = false;
  /** Per request in flight: ends its POST (or resumed) stream on cancellation. */
  private readonly requests = new Map<JsonRpcId, AbortController>();
  private readonly stop = new AbortController();
  private lostReason: string | undefined;
  private lostCallback: ((reason: string) => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: HttpSessionOptions,
    private readonly reader: RemoteReader,
  ) {
    this.http = new HttpClient(options.url.protocol, options.auth);
    this.maxChars = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  private get closed(): boolean {
    return this.stop.signal.aborted;
  }

  private baseHeaders(): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (this.sessionId !== undefined) headers['Mcp-Session-Id'] = this.sessionId;
    if (this.protocolVersion !== undefined) headers['MCP-Protocol-Version'] = this.protocolVersion;
    return headers;
  }

  send(text: string, given: Message | undefined): void {
    const out = outgoing(text, given, this.reader, !this.closed);
    if (!out) return;
    const { msg, id } = out;
    if (msg.method === Method.initialize && id !== undefined) this.initializeId = id;
    if (msg.method === Notification.cancelled) {
      // The cancellation goes out first; then the stream we would read its answer from can go.
      void this.post(text, msg, undefined).finally(() => this.endRequest(msg.params?.requestId));
      return;
    }
    void this.post(text, msg, id);
  }

  private post(text: string, msg: Record<string, any>, id: JsonRpcId | undefined): Promise<void> {
    const hadSession = this.sessionId !== undefined;
    const send = async (signal: AbortSignal) => {
      const headers = { ...this.baseHeaders(), ...traceHeaders(msg) };
      const res = await this.http.postMessage(this.options.url, text, id !== undefined, headers, signal, this.options.timeoutMs);
      const sessionId = res.headers['mcp-session-id'];
      if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId;
      if (!isOk(res)) return await this.onPostError(res, text, msg, id, hadSession);
      this.confirm();
      if (id === undefined) {
        res.resume();
        if (msg.method === Notification.initialized) this.startGetStream();
        return;
      }
      await this.readAnswer(res, id, signal);
    };
    return runPost(this.requests, this.options.url, msg, id, send, (message) => this.fail(id, message, ErrorCode.ConnectionClosed));
  }

  private async onPostError(
    res: IncomingMessage,
    text: string,
    msg: Record<string, any>,
    id: JsonRpcId | undefined,
    hadSession: boolean,
  ): Promise<void> {
    const detail = await errorDetail(res);
    const status = `${statusText(res)}${detail ? `: ${detail}` : ''}`;
    if (hadSession && sessionGone(res.statusCode!, detail)) return this.lost(`session expired (HTTP ${res.statusCode})`);
    const isInitialize = id !== undefined && id === this.initializeId;
    if (this.options.onFallback && !this.confirmed && isInitialize && FALLBACK_STATUSES.has(res.statusCode!)) {
      return this.options.onFallback(text, msg as Message, status);
    }
    this.fail(id, `POST ${redactUrl(this.options.url)} of ${msg.method ?? 'a response'} answered ${status}`);
  }

  /** A request's answer: a JSON body, or an SSE stream ending with the answer. */
  private async readAnswer(res: IncomingMessage, id: JsonRpcId, signal: AbortSignal): Promise<void> {
    const type = contentType(res);
    if (type === 'application/json') {
      const body = await readBody(res, this.maxChars);
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (e) {
        return this.fail(id, `invalid JSON answer: ${errorMessage(e)}`);
      }
      // 2025-03-26 servers may answer with a batch.
      for (const item of Array.isArray(value) ? value : [value]) this.deliver(item, id);
      return;
    }
    if (type === 'text/event-stream') return this.readRequestStream(res, id, signal);
    res.resume();
    // 202 to a request: the answer will come on the GET stream; the Backend's deadline applies.
    if (res.statusCode !== 202) this.fail(id, `unexpected answer (${statusText(res)}, ${type || 'no content type'})`);
  }

  private async readRequestStream(res: IncomingMessage, id: JsonRpcId, signal: AbortSignal): Promise<void> {
    const cursor: StreamCursor = { lastEventId: undefined, retryMs: undefined, answered: false, events: 0 };
    let broke: unknown;
    try {
      await readSse(res, this.streamCallbacks(cursor, id), this.maxChars);
    } catch (e) {
      broke = e;
    }
    if (cursor.answered || this.closed || signal.aborted) return;
    if (cursor.lastEventId === undefined) {
      const why = broke === undefined ? 'the server ended the stream' : errorMessage(broke);
      return this.fail(id, `answer stream of request ${JSON.stringify(id)} ended without the answer (${why})`);
    }
    // Resumable: the server closed (or lost) the stream on purpose or by accident; GET with
    // Last-Event-ID continues it (the SEP-1699 polling pattern uses exactly this). The first
    // attempt goes at once: MCP SDK 1.x servers keep what they send only while a stream is
    // open, so an answer written during a `retry` wait would be lost.
    this.reader.paused(id);
    const end = await this.streamLoop(cursor, id, signal, false, 0);
    if (end === 'gave-up' && !cursor.answered && !this.closed && !signal.aborted) {
      this.fail(id, `could not resume the answer stream of request ${JSON.stringify(id)}`);
    }
  }

  private streamCallbacks(cursor: StreamCursor, related: JsonRpcId | undefined) {
    return {
      onEvent: (event: EventSourceMessage) => {
        cursor.events++;
        if (event.id !== undefined) cursor.lastEventId = event.id;
        if (event.event !== undefined && event.event !== 'message') return;
        if (event.data.trim() === '') return; // priming events carry only an id
        let value: unknown;
        try {
          value = JSON.parse(event.data);
        } catch (e) {
          return this.reader.reportInvalid(`Parse error: ${errorMessage(e)}`);
        }
        if (this.deliver(value, related)) cursor.answered = true;
      },
      onRetry: (ms: number) => (cursor.retryMs = ms),
    };
  }

  /** Hands one message to the reader; true if it is the answer to `related`. */
  private deliver(value: unknown, related: JsonRpcId | undefined): boolean {
    const m = value as Record<string, any> | null;
    const isResponse = m !== null && typeof m === 'object' && !('method' in m) && ('result' in m || 'error' in m);
    if (isResponse && m.id === this.initializeId && this.initializeId !== undefined) {
      const version = m.result?.protocolVersion;
      if (typeof version === 'string') this.protocolVersion = version;
    }
    // Decided before delivery: the receiver may rewrite the id in place.
    const answers = isResponse && related !== undefined && m.id === related;
    this.reader.pushValue(value, isResponse || related === undefined ? undefined : { relatedRequestId: related });
    return answers;
  }

  /** Opens the server→client GET stream once the session is initialized; keeps it open until close. */
  private startGetStream(): void {
    if (this.getStreamStarted) return;
    this.getStreamStarted = true;
    const cursor: StreamCursor = { lastEventId: undefined, retryMs: undefined, answered: false, events: 0 };
    void this.streamLoop(cursor, undefined, this.stop.signal, true);
  }

  /**
   * GETs the stream again and again (with Last-Event-ID once known) until closed, answered or
   * hopeless. `related` is the request whose broken answer stream is being resumed, if any.
   * For the standalone stream (`first`), 405 means the server does not offer one.
   */
  private async streamLoop(
    cursor: StreamCursor,
    related: JsonRpcId | undefined,
    signal: AbortSignal,
    first = false,
    firstDelay = cursor.retryMs ?? RECONNECT_INITIAL_MS,
  ): Promise<StreamEnd> {
    const { url, name } = this.options;
    let delay = firstDelay;
    let failures = 0;
    for (;;) {
      if (!first) {
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          return 'done';
        }
      }
      first = false;
      if (this.closed || signal.aborted || cursor.answered) return 'done';
      const eventsBefore = cursor.events;
      let retryable = true;
      try {
        const headers: Record<string, string> = { ...this.baseHeaders(), Accept: 'text/event-stream' };
        if (cursor.lastEventId !== undefined) headers['Last-Event-ID'] = cursor.lastEventId;
        const hadSession = this.sessionId !== undefined;
        const res = await this.http.request('GET', url, { headers, signal, headersTimeoutMs: this.options.timeoutMs });
        if (res.statusCode === 405 && related === undefined) {
          res.resume();
          log.debug(`server "${name}" offers no GET stream (HTTP 405)`);
          return 'done';
        }
        if (!isOk(res) || contentType(res) !== 'text/event-stream') {
          const detail = isOk(res) ? `content type ${contentType(res) || 'none'}` : await errorDetail(res);
          if (hadSession && sessionGone(res.statusCode!, detail)) {
            this.lost(`session expired (HTTP ${res.statusCode})`);
            return 'done';
          }
          retryable = !isOk(res) && isRetryable(res.statusCode!);
          throw new Error(`${statusText(res)}${detail ? `: ${detail}` : ''}`);
        }
        await readSse(res, this.streamCallbacks(cursor, related), this.maxChars);
      } catch (e) {
        if (this.closed || signal.aborted) return 'done';
        const which = related === undefined ? 'GET stream' : `resumed stream of request ${JSON.stringify(related)}`;
        log.debug(`server "${name}": ${which}: ${errorMessage(e)}`);
        if (!retryable) {
          if (related === undefined) {
            log.warn(`server "${name}": GET stream refused (${errorMessage(e)}); server-initiated messages will come only with answers`);
          }
          return 'gave-up';
        }
      }
      if (cursor.answered) return 'done';
      // A stream that brought events was healthy: start the backoff afresh.
      if (cursor.events > eventsBefore) {
        failures = 0;
        delay = cursor.retryMs ?? RECONNECT_INITIAL_MS;
      } else {
        failures++;
        if (related !== undefined && failures >= RESUME_MAX_FAILURES) return 'gave-up';
        delay = Math.min(Math.max(delay, RECONNECT_INITIAL_MS) * 2, RECONNECT_MAX_MS);
      }
    }
  }

  private confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    this.options.onConfirmed?.();
  }

  /** Ends the stream of a request the Backend gave up on. */
  private endRequest(id: unknown): void {
    if (typeof id !== 'string' && typeof id !== 'number') return;
    this.requests.get(id)?.abort();
    this.requests.delete(id);
  }

  /** Answers a request locally with an error; for a notification or response, logs it. */
  private fail(id: JsonRpcId | undefined, message: string, code: number = ErrorCode.InternalError): void {
    if (this.closed) return;
    if (id !== undefined) this.reader.pushError(id, code, message);
    else log.warn(`server "${this.options.name}": ${message}`);
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
    if (this.lostReason !== undefined) queueMicrotask(() => callback(this.lostReason!));
  }

  /** The session is gone: every request in flight is answered with the reason, then the owner hears of it. */
  private lost(reason: string): void {
    if (this.closed) return;
    const inflight = [...this.requests.keys()];
    this.sessionId = undefined; // gone on the server: nothing to DELETE
    void this.close();
    for (const id of inflight) this.reader.pushError(id, ErrorCode.ConnectionClosed, reason);
    this.lostReason = reason;
    this.lostCallback?.(reason);
  }

  /** Ends every stream and POST in flight, then ends the session on the server (DELETE). */
  close(): Promise<void> {
    this.closing ??= this.terminate();
    return this.closing;
  }

  private async terminate(): Promise<void> {
    this.stop.abort();
    for (const abort of this.requests.values()) abort.abort();
    this.requests.clear();
    if (this.sessionId !== undefined) {
      try {
        const headers = this.baseHeaders();
        const res = await this.http.request('DELETE', this.options.url, { headers, headersTimeoutMs: DELETE_TIMEOUT_MS });
        res.resume();
        // 405: the server does not let clients end sessions; nothing more to do.
        if (!isOk(res) && res.statusCode !== 405) {
          log.debug(`server "${this.options.name}": DELETE of the session answered ${statusText(res)}`);
        }
      } catch (e) {
        log.debug(`server "${this.options.name}": DELETE of the session failed: ${errorMessage(e)}`);
      }
    }
    this.http.destroy();
  }
}

interface StreamCursor {
  lastEventId: string | undefined;
  retryMs: number | undefined;
  /** The related request got its answer. */
  answered: boolean;
  /** Events seen so far, to tell a healthy stream from a failing one. */
  events: number;
}

/**
 * The server no longer knows our session: 404 per the spec; also 400 naming the session, which is
 * what servers built on the SDK's examples answer (they would otherwise never see a new initialize).
 */
function sessionGone(status: number, detail: string): boolean {
  return status === 404 || (status === 400 && /session/i.test(detail));
}

/** Statuses worth trying again later: server trouble, rate limits, a GET stream still held open (409). */
function isRetryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 409 || status === 429;
}
