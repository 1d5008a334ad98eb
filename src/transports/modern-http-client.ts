// Streamable HTTP as MCP 2026-07-28 has it: stateless. Every message is its own POST carrying the
// revision's headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*); a request's
// answer comes as `application/json` (one value, or several NDJSON-style, notifications first)
// or as `text/event-stream`. No session (a Mcp-Session-Id a server sends anyway is ignored), no
// GET stream, no DELETE. Cancelling a request closes its POST; nothing is sent for it.
import { redactUrl } from '../redact.js';
import type { IncomingMessage } from 'node:http';
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, type JsonRpcId } from '../../protocol/jsonrpc.js';
import { Notification } from '../../protocol/mcp.js';
import { errorMessage, log } from '../log.js';
import { traceHeaders } from '../observe/trace.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './channel.js';
import { contentType, HttpClient, isOk, readBody, runPost, statusText } from './http-request.js';
import { JsonValueSplitter } from './json-values.js';
import { modernHeaders } from './mcp-headers.js';
import { outgoing, type MessageSink, type RemoteReader } from './remote-channel.js';
import type { RemoteOptions } from './sse-client.js';
import { readSse, readText } from './sse-parse.js';

/** How much of an error answer is read for its JSON-RPC error. */
const ERROR_BODY_CHARS = 64 * 1024;

export interface ModernHttpOptions extends RemoteOptions {
  /** The backend's own definition of a tool (its input schema names the Mcp-Param-* headers). */
  inputSchemaOf?: (tool: string) => unknown;
}

export class ModernHttpWire implements MessageSink {
  private readonly http: HttpClient;
  private readonly maxChars: number;
  /** Per request in flight: ends its POST. */
  private readonly requests = new Map<JsonRpcId, AbortController>();
  private closed = false;

  constructor(
    private readonly options: ModernHttpOptions,
    private readonly reader: RemoteReader,
  ) {
    this.http = new HttpClient(options.url.protocol, options.auth);
    this.maxChars = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Requests whose POST is still open (tests check it drains). */
  get inflight(): number {
    return this.requests.size;
  }

  send(text: string, given: Message | undefined): void {
    const out = outgoing(text, given, this.reader, !this.closed);
    if (!out) return;
    const { msg, id } = out;
    if (msg.method === Notification.cancelled) {
      // HTTP cancels by closing the request's stream; the notification itself is not sent.
      const target = msg.params?.requestId;
      if (typeof target === 'string' || typeof target === 'number') this.requests.get(target)?.abort();
      return;
    }
    void this.post(text, msg, id);
  }

  private post(text: string, msg: Record<string, any>, id: JsonRpcId | undefined): Promise<void> {
    const what = msg.method ?? 'a response';
    const send = async (signal: AbortSignal) => {
      const headers = { ...this.options.headers, ...traceHeaders(msg), ...modernHeaders(msg, this.options.inputSchemaOf) };
      const res = await this.http.postMessage(this.options.url, text, id !== undefined, headers, signal, this.options.timeoutMs);
      if (id === undefined) {
        res.resume();
        if (!isOk(res)) log.debug(`server "${this.options.name}": POST of ${what} answered ${statusText(res)}`);
        return;
      }
      if (!isOk(res)) return await this.onErrorStatus(res, id, what);
      await this.readAnswer(res, id, signal);
    };
    return runPost(this.requests, this.options.url, msg, id, send, (message) => this.fail(id, ErrorCode.ConnectionClosed, message));
  }

  /**
   * A 4xx/5xx: a JSON-RPC error in the body is the answer, in-band (a 2026 server answers -32022,
   * -32020, -32602… with 400, and the caller needs the code); otherwise an error naming the status.
   */
  private async onErrorStatus(res: IncomingMessage, id: JsonRpcId, what: string): Promise<void> {
    let body = '';
    try {
      body = await readBody(res, ERROR_BODY_CHARS);
    } catch {
      // the status alone says enough
    }
    const error = jsonRpcError(body);
    if (error) return this.reader.pushValue({ jsonrpc: '2.0', id, error });
    const detail = body.trim().split('\n')[0].slice(0, 200);
    this.fail(id, ErrorCode.InternalError, `POST ${redactUrl(this.options.url)} of ${what} answered ${statusText(res)}${detail ? `: ${detail}` : ''}`);
  }

  /** A request's answer: JSON value(s) or an SSE stream, notifications about the request first. */
  private async readAnswer(res: IncomingMessage, id: JsonRpcId, signal: AbortSignal): Promise<void> {
    const type = contentType(res);
    const state = { answered: false };
    const deliver = (text: string) => this.deliver(text, id, state);
    let reading: Promise<void>;
    if (type === 'application/json') {
      reading = readJsonValues(res, deliver, (junk) => this.reader.reportInvalid(`Parse error: not JSON: ${junk.slice(0, 100)}`), this.maxChars);
    } else if (type === 'text/event-stream') {
      const onEvent = (event: { event?: string; data: string }) => {
        if ((event.event === undefined || event.event === 'message') && event.data.trim() !== '') deliver(event.data);
      };
      reading = readSse(res, { onEvent }, this.maxChars);
    } else {
      res.resume();
      return this.fail(id, ErrorCode.InternalError, `unexpected answer to request ${JSON.stringify(id)} (${statusText(res)}, ${type || 'no content type'})`);
    }
    let broke = '';
    try {
      await reading;
    } catch (e) {
      broke = `: ${errorMessage(e)}`;
    }
    // No resumption in this revision: a stream that ends without the answer loses the request.
    if (!state.answered && !signal.aborted) this.fail(id, ErrorCode.ConnectionClosed, `the answer stream of request ${JSON.stringify(id)} ended without the answer${broke}`);
  }

  /** One message from a request's answer: the answer itself, or a message about the request. */
  private deliver(text: string, id: JsonRpcId, state: { answered: boolean }): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return this.reader.reportInvalid(`Parse error: ${errorMessage(e)}`);
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      const m = item as Record<string, unknown> | null;
      const isResponse = m !== null && typeof m === 'object' && !('method' in m);
      if (isResponse && m.id === id) state.answered = true;
      this.reader.pushValue(item, isResponse ? undefined : { relatedRequestId: id });
    }
  }

  private fail(id: JsonRpcId | undefined, code: number, message: string): void {
    if (this.closed) return;
    if (id !== undefined) this.reader.pushError(id, code, message);
    else log.warn(`server "${this.options.name}": ${message}`);
  }

  /** A stateless wire is never lost as a whole: each request fails on its own. */
  onLost(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const abort of this.requests.values()) abort.abort();
    this.requests.clear();
    this.http.destroy();
  }
}

/** The error of a JSON-RPC error response in `body`, if that is what it holds. */
function jsonRpcError(body: string): { code: number; message: string; data?: unknown } | undefined {
  let value: any;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = value?.error;
  if (typeof error?.code !== 'number' || typeof error.message !== 'string') return undefined;
  return error.data === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, data: error.data };
}

/** Reads an application/json body value by value until it ends; rejects when it breaks off. */
function readJsonValues(res: IncomingMessage, onValue: (text: string) => void, onGarbage: (text: string) => void, maxChars: number): Promise<void> {
  const splitter = new JsonValueSplitter({ value: onValue, garbage: onGarbage }, maxChars);
  return readText(res, (chunk) => splitter.feed(chunk), () => splitter.end());
}
