// One connected client: what it said at initialize, its log level, its per-client backend
// instances, and the writer messages to it go through. What it has in flight (either way) is the
// exchange's business, not the session's.
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, isValidId, type JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Backend } from '../backends/backend.js';
import type { View } from '../discovery/view.js';
import { errorMessage, log } from '../log.js';
import { MetaKey, type Envelope } from '../../protocol/modern.js';
import type { MessageChannel } from '../transports/channel.js';

let nextSessionNumber = 1;

export type Instance = { backend: Backend; ready: Promise<void> };

/** Why a message could not be serialized, in words a user can act on. */
export function whyNotSent(e: unknown): string {
  return e instanceof RangeError && /call stack/i.test(e.message)
    ? 'it is nested too deeply to serialize again (flatten its deepest values)'
    : errorMessage(e);
}
const NO_INSTANCES: ReadonlyMap<string, Instance> = new Map();

export class ClientSession {
  readonly id: string;
  initialized = false;
  protocolVersion: string | undefined;
  clientInfo: { name: string; version: string } & Record<string, unknown> = { name: 'unknown client', version: '' };
  capabilities: Record<string, any> = {};
  /** Per-client backend instances of this session, by server name (made on first use: most sessions have none). */
  private ownInstances: Map<string, Instance> | undefined;
  /** Set by logging/setLevel: notifications/message below it are not sent to this client. */
  logLevel: number | undefined;
  /**
   * A 2026-07-28 request is a session of its own, for that request only: what its `_meta` said.
   * Undefined for a 2025-11-25 session (initialize).
   */
  modern: Envelope | undefined;
  /** A subscriptions/listen stream: its request id and what it asked for (honoured part). */
  listen: { id: JsonRpcId; filter: Record<string, unknown> } | undefined;
  closed = false;

  constructor(
    readonly channel: MessageChannel,
    id: string | undefined,
    /** What this session's endpoint shows (tools, discovery mode): one per endpoint, never per session. */
    readonly view: View,
    /** Which front the client came in on (stdio, sse, streamable-http, ws). */
    readonly front = 'memory',
  ) {
    this.id = id ?? `s${nextSessionNumber++}`;
  }

  /** Per-client backend instances of this session, by server name, with their start-up. */
  get instances(): ReadonlyMap<string, Instance> {
    return this.ownInstances ?? NO_INSTANCES;
  }

  setInstance(name: string, instance: Instance): void {
    (this.ownInstances ??= new Map()).set(name, instance);
  }

  deleteInstance(name: string): void {
    this.ownInstances?.delete(name);
  }

  /** A notification on this session's listen stream: tagged with the subscription id, on that stream. */
  sendListen(msg: { method: string; params?: Record<string, any> }): void {
    if (!this.listen) return;
    const params = { ...msg.params, _meta: { ...msg.params?._meta, [MetaKey.subscriptionId]: this.listen.id } };
    this.send({ jsonrpc: '2.0', method: msg.method, params }, this.listen.id);
  }

  /**
   * `relatedRequestId`: the client's request the message belongs to (a Streamable HTTP front
   * sends it on that request's stream). `text`: the message already serialized (a cached list).
   */
  send(msg: object, relatedRequestId?: JsonRpcId, text?: string): void {
    this.trySend(msg, relatedRequestId, text);
  }

  /** As send; false when it was not sent (the session is closed, or the message could not be written). */
  trySend(msg: object, relatedRequestId?: JsonRpcId, text?: string): boolean {
    if (this.closed) return false;
    try {
      this.channel.writer.send(msg as Message, relatedRequestId === undefined && text === undefined ? undefined : { relatedRequestId, text });
      return true;
    } catch (e) {
      // An answer that cannot be serialized (e.g. nested too deep) must still answer its request.
      const m = msg as { id?: unknown; method?: unknown };
      if (m.method === undefined && isValidId(m.id)) {
        try {
          this.channel.writer.send(errorResponse(m.id, ErrorCode.InternalError, `the answer could not be sent: ${whyNotSent(e)}`) as Message);
          return false;
        } catch {}
      }
      log.warn(`cannot send to client session ${this.id}: ${errorMessage(e)}`);
      return false;
    }
  }
}
