// MCP 2026-07-28 on the Streamable HTTP endpoint: each POST is a request of its own (no
// session), validated in the order the revision gives (protocol version header, the `_meta`
// envelope, their agreement, the version, then Mcp-Method / Mcp-Name against the body), served
// by a session that lives as long as the request, and answered on its own POST: JSON, or SSE
// when progress, logs or a listen stream's notifications come first.
import type { Message } from 'vscode-jsonrpc/node';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, type JsonRpcRequest, type MessageKind } from '../../protocol/jsonrpc.js';
import { MetaKey, ModernError, ModernHeader, MODERN_VERSIONS, readEnvelope } from '../../protocol/modern.js';
import { isSupportedVersion } from '../../protocol/versions.js';
import type { View } from '../discovery/view.js';
import type { Router } from '../router/router.js';
import type { ClientSession } from '../router/session.js';
import { requestChannel } from '../transports/request-channel.js';
import type { Accepts } from './accept.js';
import { sendEmpty, sendJson, sendRpcError } from './respond.js';
import { SseStream } from './sse-stream.js';
import { adoptTraceHeaders } from '../observe/trace.js';

/** The methods whose target must also travel in the Mcp-Name header, and where it is in the body. */
const NAME_PARAM: Record<string, string> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/**
 * The era of a POST: a 2025 session names itself (Mcp-Session-Id); otherwise a request that
 * carries the 2026 `_meta` claim, or a protocol version header that is not a 2025 one, is modern.
 * Everything else (initialize above all) takes the 2025 path.
 */
export function isModernPost(headers: IncomingHttpHeaders, value: unknown): boolean {
  if (headers['mcp-session-id'] !== undefined) return false;
  const meta = (value as { params?: { _meta?: unknown } } | null)?.params?._meta;
  if (meta !== null && typeof meta === 'object' && MetaKey.protocolVersion in meta) return true;
  const version = headers[ModernHeader.protocolVersion];
  return typeof version === 'string' && !isSupportedVersion(version);
}

/** HTTP status of an answer: the revision's own errors are 400, an unknown method 404, the rest 200. */
function statusOf(error: { code?: number } | undefined): number {
  switch (error?.code) {
    case ErrorCode.MethodNotFound:
      return 404;
    case ModernError.HeaderMismatch:
    case ModernError.MissingRequiredClientCapability:
    case ModernError.UnsupportedProtocolVersion:
      return 400;
    default:
      return 200;
  }
}

/** A header value as the revision encodes it: plain, or `=?base64?…?=` for what is not safe ASCII. */
export function decodeHeaderValue(value: string): string {
  const m = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/.exec(value);
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : value;
}

export class ModernFront {
  constructor(
    private readonly router: Router,
    private readonly heartbeatMs: number,
  ) {}

  /** `view`: the view of /mcp/NAME; undefined for /mcp. */
  post(req: IncomingMessage, res: ServerResponse, value: unknown, kind: MessageKind, accepts: Accepts, view?: View): void {
    if (kind !== 'request') return sendEmpty(res, 202); // the revision defines no client notifications over HTTP
    const msg = value as JsonRpcRequest;
    const refuse = (status: number, code: number, message: string, data?: unknown) =>
      sendJson(res, status, { jsonrpc: '2.0', id: msg.id, error: data === undefined ? { code, message } : { code, message, data } });
    const header = req.headers[ModernHeader.protocolVersion];
    if (typeof header !== 'string') return refuse(400, ModernError.HeaderMismatch, 'Missing MCP-Protocol-Version header');
    const envelope = readEnvelope(msg.params);
    if ('invalid' in envelope) return refuse(400, ErrorCode.InvalidParams, `Invalid params: ${envelope.invalid}`);
    if (envelope.protocolVersion !== header) {
      return refuse(400, ModernError.HeaderMismatch, `Header mismatch: MCP-Protocol-Version ${JSON.stringify(header)} but _meta says ${JSON.stringify(envelope.protocolVersion)}`);
    }
    if (!MODERN_VERSIONS.includes(envelope.protocolVersion)) {
      return refuse(400, ModernError.UnsupportedProtocolVersion, 'Unsupported protocol version', { supported: [...MODERN_VERSIONS], requested: envelope.protocolVersion });
    }
    const mismatch = headerMismatch(req.headers, msg);
    if (mismatch) return refuse(400, ModernError.HeaderMismatch, `Header mismatch: ${mismatch}`);

    let stream: SseStream | undefined;
    let answered = false;
    let session: ClientSession | undefined;
    const channel = requestChannel(msg.id, {
      write: (text, m, final) => {
        if (!final) {
          if (!accepts.sse) return; // a JSON-only client gets the answer alone
          stream ??= new SseStream(res, this.heartbeatMs);
          return stream.send(text, 'message');
        }
        answered = true;
        if (stream) {
          stream.send(text, 'message');
          stream.end();
        } else if (accepts.json && !accepts.prefersSse) {
          if (!res.headersSent && !res.destroyed) {
            res.writeHead(statusOf((m as { error?: { code?: number } } | undefined)?.error), { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
            res.end(text);
          }
        } else {
          const single = new SseStream(res, this.heartbeatMs);
          single.send(text, 'message');
          single.end();
        }
        queueMicrotask(() => session && this.router.closeSession(session, 'request answered'));
      },
      end: () => {
        if (answered) return;
        // Closed before an answer (shutdown): the client is told, not left waiting.
        if (stream) stream.end();
        else if (!res.headersSent) sendRpcError(res, 503, msg.id, ErrorCode.ConnectionClosed, 'multi-mcp closed the request before answering it');
      },
    });
    session = this.router.openModern(channel, envelope, undefined, view, 'streamable-http');
    // The client closing its POST cancels the request (2026-07-28 has no cancellation notice over HTTP).
    res.on('close', () => {
      if (!answered) this.router.closeSession(session!, 'the client closed the request');
    });
    adoptTraceHeaders(req.headers, msg);
    channel.reader.pushMessage(msg as unknown as Message);
  }
}

/** What is wrong with the Mcp-Method / Mcp-Name headers of a request, if anything. */
function headerMismatch(headers: IncomingHttpHeaders, msg: JsonRpcRequest): string | undefined {
  const method = headers[ModernHeader.method];
  if (typeof method !== 'string') return 'Mcp-Method header is missing';
  if (method !== msg.method) return `Mcp-Method header ${JSON.stringify(method)} does not match the body's method ${JSON.stringify(msg.method)}`;
  const param = NAME_PARAM[msg.method];
  if (param === undefined) return undefined;
  const name = headers[ModernHeader.name];
  const body = msg.params?.[param];
  if (typeof name !== 'string') return typeof body === 'string' ? 'Mcp-Name header is missing' : undefined;
  if (decodeHeaderValue(name.trim()) !== body) return `Mcp-Name header ${JSON.stringify(name)} does not match the body's ${param} ${JSON.stringify(body)}`;
  return undefined;
}
