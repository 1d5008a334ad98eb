// Legacy SSE backend (protocol 2024-11-05): one long GET stream carries every server→client
// message; the first event names the endpoint the client POSTs its messages to.
import type { IncomingMessage } from 'node:http';
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode } from '../../protocol/jsonrpc.js';
import { errorMessage, log } from '../log.js';
import { traceHeaders } from '../observe/trace.js';
import type { RemoteAuth } from '../oauth/remote-auth.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './channel.js';
import { contentType, errorDetail, HttpClient, isOk, statusText } from './http-request.js';
import { outgoing, type MessageSink, type RemoteReader } from './remote-channel.js';
import { readSse } from './sse-parse.js';
import { redactUrl } from '../redact.js';

export interface RemoteOptions {
  /** Server name, for log lines. */
  name: string;
  url: URL;
  headers: Record<string, string>;
  /** Deadline for opening the stream and receiving the endpoint. */
  timeoutMs: number;
  maxMessageBytes?: number;
  /** The server's sign-in state, when it may want a token. */
  auth?: RemoteAuth;
}

export class SseSession implements MessageSink {
  private readonly http: HttpClient;
  private endpoint: URL | undefined;
  private stream: IncomingMessage | undefined;
  private closed = false;
  private lostReason: string | undefined;
  private lostCallback: ((reason: string) => void) | undefined;

  private constructor(
    private readonly options: RemoteOptions,
    private readonly reader: RemoteReader,
  ) {
    this.http = new HttpClient(options.url.protocol, options.auth);
  }

  /** Opens the stream and waits for the endpoint event; rejects with a reason a user can act on. */
  static async open(options: RemoteOptions, reader: RemoteReader): Promise<SseSession> {
    const session = new SseSession(options, reader);
    try {
      await session.connect();
      return session;
    } catch (e) {
      session.close();
      throw e;
    }
  }

  private async connect(): Promise<void> {
    const { url, timeoutMs } = this.options;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const res = await this.http.request('GET', url, {
        headers: { ...this.options.headers, Accept: 'text/event-stream' },
        signal: deadline.signal,
      });
      if (!isOk(res)) {
        const detail = await errorDetail(res);
        throw new Error(`GET ${redactUrl(url)} answered ${statusText(res)}${detail ? `: ${detail}` : ''}`);
      }
      if (contentType(res) !== 'text/event-stream') {
        res.destroy();
        throw new Error(`GET ${redactUrl(url)} answered ${contentType(res) || 'no content type'}, not an SSE stream`);
      }
      this.stream = res;
      await new Promise<void>((resolve, reject) => {
        deadline.signal.addEventListener('abort', () => reject(new Error('no endpoint event')), { once: true });
        this.readStream(res, resolve, reject);
      });
    } catch (e) {
      if (deadline.signal.aborted) throw new Error(`no SSE endpoint event from ${redactUrl(url)} within ${Math.round(timeoutMs / 1000)} s`);
      throw new Error(`cannot open SSE stream ${redactUrl(url)}: ${errorMessage(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private readStream(res: IncomingMessage, onEndpoint: () => void, onFailure: (e: Error) => void): void {
    const maxChars = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const reading = readSse(
      res,
      {
        onEvent: (event) => {
          if (event.event === 'endpoint') return this.setEndpoint(event.data, onEndpoint, onFailure);
          if (event.event !== undefined && event.event !== 'message') return;
          if (event.data.trim() !== '') this.reader.pushText(event.data);
        },
      },
      maxChars,
    );
    reading.then(
      () => {
        onFailure(new Error('stream ended before the endpoint event'));
        this.lost('SSE stream closed by the server');
      },
      (e) => {
        onFailure(e);
        this.lost(`SSE stream broke off: ${errorMessage(e)}`);
      },
    );
  }

  private setEndpoint(data: string, onEndpoint: () => void, onFailure: (e: Error) => void): void {
    let endpoint: URL;
    try {
      endpoint = new URL(data.trim(), this.options.url);
    } catch {
      return onFailure(new Error(`invalid endpoint ${JSON.stringify(data)}`));
    }
    // Our headers (credentials, often) must not be sent to another origin.
    if (endpoint.origin !== this.options.url.origin) {
      return onFailure(new Error(`endpoint ${redactUrl(endpoint)} is not on the stream's origin ${this.options.url.origin}`));
    }
    if (this.endpoint && this.endpoint.href !== endpoint.href) {
      log.warn(`server "${this.options.name}": endpoint changed to ${redactUrl(endpoint)}`);
    }
    this.endpoint = endpoint;
    onEndpoint();
  }

  /** POSTs one message. A request whose POST fails is answered locally with an error. */
  send(text: string, given: Message | undefined): void {
    const endpoint = this.endpoint;
    const out = outgoing(text, given, this.reader, !this.closed && endpoint !== undefined);
    if (!out || endpoint === undefined) return;
    const { msg, id } = out;
    const fail = (why: string) => {
      if (this.closed) return;
      if (id !== undefined) this.reader.pushError(id, ErrorCode.InternalError, why);
      else log.warn(`server "${this.options.name}": ${why}`);
    };
    this.http
      .request('POST', endpoint, {
        headers: { ...this.options.headers, ...traceHeaders(msg), 'Content-Type': 'application/json' },
        body: text,
        headersTimeoutMs: this.options.timeoutMs, // accepted at once (202); the answer comes on the stream
      })
      .then(async (res) => {
        if (isOk(res)) return void res.resume();
        const detail = await errorDetail(res);
        fail(`POST ${redactUrl(endpoint)} of ${msg.method ?? 'a response'} answered ${statusText(res)}${detail ? `: ${detail}` : ''}`);
      })
      .catch((e) => fail(`cannot POST to ${redactUrl(endpoint)}: ${errorMessage(e)}`));
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
    if (this.lostReason !== undefined) queueMicrotask(() => callback(this.lostReason!));
  }

  /** The stream is gone: the server forgot this session, so only a new one (new initialize) can go on. */
  private lost(reason: string): void {
    if (this.closed) return;
    this.close();
    this.lostReason = reason;
    this.lostCallback?.(reason);
  }

  /** Ends the stream and every POST in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    this.http.destroy();
  }
}
