// One connected client: what it said at initialize, its requests in flight at backends (by its
// own id), the requests backends sent it (by proxy-allocated id), and its subscriptions.
import type { Message } from 'vscode-jsonrpc/node';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Backend, RoutedRequest } from '../backends/backend.js';
import { errorMessage, log } from '../log.js';
import type { MessageChannel } from '../transports/channel.js';
import { PendingTable } from './ids.js';

/** A backend's request sent on to this client, waiting for the client's answer. */
export interface OutboundRequest {
  backend: Backend;
  backendId: JsonRpcId;
  method: string;
}

let nextSessionNumber = 1;

export class ClientSession {
  readonly id: string;
  initialized = false;
  protocolVersion: string | undefined;
  clientInfo: { name: string; version: string } = { name: 'unknown client', version: '' };
  capabilities: Record<string, unknown> = {};
  readonly inflight = new Map<JsonRpcId, RoutedRequest>();
  readonly outbound = new PendingTable<OutboundRequest>();
  readonly subscriptions = new Set<string>();
  /** Per-client backend instances of this session, by server name, with their start-up. */
  readonly instances = new Map<string, { backend: Backend; ready: Promise<void> }>();
  /** Set by logging/setLevel: notifications/message below it are not sent to this client. */
  logLevel: number | undefined;
  closed = false;

  constructor(
    readonly channel: MessageChannel,
    id?: string,
  ) {
    this.id = id ?? `s${nextSessionNumber++}`;
  }

  /** `text`: the message already serialized, when the caller has it cached. */
  send(msg: object, text?: string): void {
    if (this.closed) return;
    try {
      this.channel.writer.send(msg as Message, text);
    } catch (e) {
      log.warn(`cannot send to client session ${this.id}: ${errorMessage(e)}`);
    }
  }
}
