// Streamable HTTP front (MCP 2025-11-25; 2025-06-18 and 2025-03-26 clients too) on /mcp:
// POST one message per request, GET the server→client stream, DELETE to end the session.
// A POST of the 2026-07-28 era (no session, a modern claim) goes to modern-front.ts instead.
import type { Message } from 'vscode-jsonrpc/node';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { classify, ErrorCode, idOf, type JsonRpcRequest } from '../../protocol/jsonrpc.js';
import { Method, Notification } from '../../protocol/mcp.js';
import { isSupportedVersion, SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { View } from '../discovery/view.js';
import { log } from '../log.js';
import type { Router } from '../router/router.js';
import { readJsonBody, rejectBody } from './body.js';
import { sendEmpty, sendRpcError } from './respond.js';
import { parseAccept } from './accept.js';
import { isModernPost, ModernFront } from './modern-front.js';
import { StreamableSession, type StreamableSessionOptions } from './streamable-session.js';
import { adoptTraceHeaders } from '../observe/trace.js';

export const MCP_PATH = '/mcp';
export const SESSION_HEADER = 'mcp-session-id';
export const PROTOCOL_VERSION_HEADER = 'mcp-protocol-version';

export interface StreamableOptions extends StreamableSessionOptions {
  maxBodyBytes: number;
  /** A session with no open connection is closed after this long without a request. */
  sessionIdleMs: number;
  /** Why no session may be opened now (503), or undefined. */
  sessionsFull?: () => string | undefined;
}

export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
export const DEFAULT_MAX_QUEUED_EVENTS = 1000;
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;

export class StreamableFront {
  private readonly sessions = new Map<string, StreamableSession>();
  private readonly sweeper: NodeJS.Timeout;
  /** MCP 2026-07-28 requests: no session, chosen per POST. */
  private readonly modern: ModernFront;

  constructor(
    private readonly router: Router,
    private readonly options: StreamableOptions,
  ) {
    this.modern = new ModernFront(router, options.heartbeatMs);
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(options.sessionIdleMs, 60_000));
    this.sweeper.unref();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** `view`: the view of /mcp/NAME; undefined for /mcp. A session belongs to the endpoint that created it. */
  async post(req: IncomingMessage, res: ServerResponse, view?: View): Promise<void> {
    const accepts = parseAccept(req.headers.accept);
    if (!accepts.json && !accepts.sse) {
      const message = 'Not Acceptable: accept application/json or text/event-stream';
      return sendRpcError(res, 406, null, ErrorCode.InvalidRequest, message);
    }
    const body = await readJsonBody(req, this.options.maxBodyBytes);
    if (!body.ok) return rejectBody(res, body, true);
    const value = body.value;
    const kind = classify(value);
    if (typeof kind !== 'string') {
      return sendRpcError(res, 400, idOf(value), ErrorCode.InvalidRequest, `Invalid Request: ${kind.invalid}`);
    }
    if (isModernPost(req.headers, value)) return this.modern.post(req, res, value, kind, accepts, view);
    const msg = value as JsonRpcRequest;
    const session = kind === 'request' && msg.method === Method.initialize ? this.create(req, res, view) : this.sessionFor(req, res, view);
    if (!session) return;
    session.touch();
    if (kind !== 'request') {
      sendEmpty(res, 202);
      // A cancelled request gets no answer: its POST ends now instead of hanging until the session does.
      if (msg.method === Notification.cancelled) session.dropPost(msg.params?.requestId);
      return session.reader.pushMessage(value as Message);
    }
    if (session.hasPost(msg.id)) {
      const message = `Invalid Request: id ${JSON.stringify(msg.id)} is already in use by a request in flight`;
      return sendRpcError(res, 400, msg.id, ErrorCode.InvalidRequest, message);
    }
    if (msg.method === Method.initialize) {
      // A failed initialize leaves nothing behind.
      session.addPost(msg.id, res, accepts, { 'Mcp-Session-Id': session.id }, (answer) => {
        if (!answer || answer.error) queueMicrotask(() => this.router.closeSession(session.client, 'initialize failed'));
      });
    } else {
      session.addPost(msg.id, res, accepts);
    }
    adoptTraceHeaders(req.headers, value);
    session.reader.pushMessage(value as Message);
  }

  /** GET: the session's server→client stream. */
  get(req: IncomingMessage, res: ServerResponse, view?: View): void {
    if (!parseAccept(req.headers.accept).sse) {
      return sendRpcError(res, 406, null, ErrorCode.InvalidRequest, 'Not Acceptable: GET needs Accept: text/event-stream');
    }
    const session = this.sessionFor(req, res, view);
    if (!session) return;
    session.touch();
    const lastEventId = req.headers['last-event-id'];
    session.openGetStream(res, Array.isArray(lastEventId) ? lastEventId[0] : lastEventId);
  }

  /** DELETE: ends the session; its requests in flight are cancelled at the backends. */
  delete(req: IncomingMessage, res: ServerResponse, view?: View): void {
    const session = this.sessionFor(req, res, view);
    if (!session) return;
    this.router.closeSession(session.client, 'client ended the session');
    sendEmpty(res, 204);
  }

  /** Server shutdown: every session closes (waiting POSTs get an error, streams end). */
  close(reason: string): void {
    clearInterval(this.sweeper);
    for (const session of [...this.sessions.values()]) this.router.closeSession(session.client, reason);
    this.sessions.clear();
  }

  private create(req: IncomingMessage, res: ServerResponse, view: View | undefined): StreamableSession | undefined {
    const existing = req.headers[SESSION_HEADER];
    if (existing !== undefined) {
      if (this.sessions.has(String(existing))) {
        sendRpcError(res, 400, null, ErrorCode.InvalidRequest, 'Invalid Request: this session is already initialized');
      } else {
        sendRpcError(res, 404, null, ErrorCode.InvalidRequest, `Session not found: ${existing}`);
      }
      return undefined;
    }
    const full = this.options.sessionsFull?.();
    if (full) {
      sendRpcError(res, 503, null, ErrorCode.InternalError, full, { 'Retry-After': '5' });
      return undefined;
    }
    const id = randomUUID(); // crypto-random: the id is the session's only credential besides the API key
    const session = new StreamableSession(id, this.options, () => this.sessions.delete(id));
    session.client = this.router.openSession(session.channel, id, view, 'streamable-http');
    this.sessions.set(id, session);
    return session;
  }

  /** The session named by Mcp-Session-Id, or undefined after answering 400/404. */
  private sessionFor(req: IncomingMessage, res: ServerResponse, view: View | undefined): StreamableSession | undefined {
    const id = req.headers[SESSION_HEADER];
    if (typeof id !== 'string' || id === '') {
      sendRpcError(res, 400, null, ErrorCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required');
      return undefined;
    }
    const session = this.sessions.get(id);
    if (!session || session.client.view !== (view ?? this.router.views.root)) {
      sendRpcError(res, 404, null, ErrorCode.InvalidRequest, `Session not found: ${id}`);
      return undefined;
    }
    // Missing header: the negotiated version is assumed, as the spec allows.
    const version = req.headers[PROTOCOL_VERSION_HEADER];
    if (version !== undefined && !isSupportedVersion(version)) {
      const supported = SUPPORTED_PROTOCOL_VERSIONS.join(', ');
      const message = `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)} (supported: ${supported})`;
      sendRpcError(res, 400, null, ErrorCode.InvalidRequest, message);
      return undefined;
    }
    return session;
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.sessionIdleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.idle && session.lastActivity < cutoff) {
        log.debug(`Streamable HTTP session ${session.id} idle for ${this.options.sessionIdleMs} ms (--session-idle): closed`);
        this.router.closeSession(session.client, 'session idle timeout');
      }
    }
  }
}
