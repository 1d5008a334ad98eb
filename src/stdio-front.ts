// The stdio front. The first request decides the era for the whole connection: `initialize`
// (or anything without the 2026 `_meta` claim) makes it one 2025-11-25 session, as before; a
// request carrying the claim makes it a 2026-07-28 connection, where every request is a session
// of its own (its `_meta` says who asks), answered on the same stream, and
// notifications/cancelled ends one.
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, isValidId, type JsonRpcId, type JsonRpcRequest } from '../protocol/jsonrpc.js';
import { Notification } from '../protocol/mcp.js';
import { MetaKey, ModernError, MODERN_VERSIONS, readEnvelope } from '../protocol/modern.js';
import type { View } from './discovery/view.js';
import type { Router } from './router/router.js';
import type { ClientSession } from './router/session.js';
import type { MessageChannel } from './transports/channel.js';
import { requestChannel } from './transports/request-channel.js';

/** `view`: what this connection is shown (--view NAME); default the root view. */
export function serveStdioChannel(router: Router, channel: MessageChannel, id = 'stdio', view?: View): void {
  channel.reader.listen((msg, extra) => {
    if (!isModernClaim(msg)) {
      router.openSession(channel, id, view, 'stdio'); // listens from now on
      return channel.reader.redeliver(msg, extra);
    }
    const modern = new ModernConnection(router, channel, view);
    channel.reader.listen((m) => modern.take(m as unknown as Record<string, any>));
    modern.take(msg as unknown as Record<string, any>);
  });
}

function isModernClaim(msg: Message): boolean {
  const meta = (msg as { params?: { _meta?: unknown } }).params?._meta;
  return 'id' in msg && meta !== null && typeof meta === 'object' && MetaKey.protocolVersion in meta;
}

class ModernConnection {
  /** Requests being served, by the client's id: a cancellation names one. */
  private readonly open = new Map<JsonRpcId, ClientSession>();

  constructor(
    private readonly router: Router,
    private readonly channel: MessageChannel,
    private readonly view: View | undefined,
  ) {}

  take(msg: Record<string, any>): void {
    if (typeof msg.method !== 'string') return; // no server→client requests in 2026: nothing to answer
    if (!('id' in msg)) {
      if (msg.method !== Notification.cancelled) return;
      const session = isValidId(msg.params?.requestId) ? this.open.get(msg.params.requestId) : undefined;
      if (session) this.router.closeSession(session, msg.params?.reason ?? 'cancelled by the client');
      return;
    }
    const request = msg as JsonRpcRequest;
    const refuse = (code: number, message: string, data?: unknown) => this.channel.writer.send(errorResponse(request.id, code, message, data) as Message);
    const envelope = readEnvelope(request.params);
    if ('invalid' in envelope) return refuse(ErrorCode.InvalidParams, `Invalid params: ${envelope.invalid}`);
    if (!MODERN_VERSIONS.includes(envelope.protocolVersion)) {
      return refuse(ModernError.UnsupportedProtocolVersion, 'Unsupported protocol version', { supported: [...MODERN_VERSIONS], requested: envelope.protocolVersion });
    }
    if (this.open.has(request.id)) return refuse(ErrorCode.InvalidRequest, `Invalid Request: id ${JSON.stringify(request.id)} is already in use by a request in flight`);
    let session: ClientSession | undefined;
    const requestSide = requestChannel(request.id, {
      write: (text, m, final) => {
        this.channel.writer.send(m!, { text });
        if (final) queueMicrotask(() => session && this.router.closeSession(session, 'request answered'));
      },
      end: () => {
        if (this.open.get(request.id) === session) this.open.delete(request.id);
      },
    });
    session = this.router.openModern(requestSide, envelope, undefined, this.view, 'stdio');
    this.open.set(request.id, session);
    requestSide.reader.pushValue(request);
  }
}
