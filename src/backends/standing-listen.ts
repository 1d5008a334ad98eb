// The proxy's one standing subscriptions/listen per 2026-07-28 backend: the revision's only way
// to hear of list changes and resource updates. Its filter asks for what the server can tell
// (list_changed per list it says changes) plus resources/updated for the URIs clients subscribed
// to. A new filter opens a new listen, and the old one is cancelled once the new one is
// acknowledged (so nothing is missed in between); a listen that ends is opened again with backoff,
// and after such a gap the lists are re-read (changes may have been missed).
import { ErrorCode, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { Notification } from '../../protocol/mcp.js';
import { ModernMethod, stampEnvelope, type Envelope } from '../../protocol/modern.js';
import { log } from '../log.js';
import type { Clock, Timer } from '../router/clock.js';

/** Listen ids are strings with this prefix: the exchange's own ids are numbers. */
export const LISTEN_ID_PREFIX = 'multi-mcp-listen-';
const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 30_000;

interface Filter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

export interface ListenIo {
  /** Writes a message to the backend. */
  send(msg: object): void;
  /** Hands a notification on to the exchange, as if the backend had sent it unprompted. */
  deliver(msg: object): void;
  clock: Clock;
  name: string;
  envelope: Envelope;
}

export class StandingListen {
  private readonly uris = new Set<string>();
  /** Listens opened and not ended, by id: their filter (as JSON) and whether acknowledged. */
  private readonly open = new Map<string, { filter: string; acked: boolean; resync: boolean }>();
  private nextId = 1;
  private failures = 0;
  private retry: Timer | undefined;
  /** Re-read the lists once the next listen is acknowledged (the last one ended). */
  private resync = false;
  private refused = false;
  private closed = false;

  constructor(
    private readonly io: ListenIo,
    private readonly capabilities: Record<string, any>,
  ) {}

  get canSubscribe(): boolean {
    return this.capabilities.resources?.subscribe === true;
  }

  /** How many listens are open (tests check it drains). */
  get size(): number {
    return this.open.size;
  }

  subscribe(uri: string): void {
    if (this.uris.has(uri)) return;
    this.uris.add(uri);
    this.update();
  }

  unsubscribe(uri: string): void {
    if (!this.uris.delete(uri)) return;
    this.update();
  }

  /** What the proxy wants to hear now; undefined when nothing. */
  private wanted(): Filter | undefined {
    const caps = this.capabilities;
    const filter: Filter = {};
    if (caps.tools?.listChanged) filter.toolsListChanged = true;
    if (caps.prompts?.listChanged) filter.promptsListChanged = true;
    if (caps.resources?.listChanged) filter.resourcesListChanged = true;
    if (this.canSubscribe && this.uris.size > 0) filter.resourceSubscriptions = [...this.uris].sort();
    return Object.keys(filter).length > 0 ? filter : undefined;
  }

  /** Opens a listen for the wanted filter unless one is open for it already. */
  update(): void {
    if (this.closed || this.refused || this.retry) return;
    const filter = this.wanted();
    if (!filter) {
      for (const id of [...this.open.keys()]) this.cancel(id);
      return;
    }
    const text = JSON.stringify(filter);
    for (const listen of this.open.values()) if (listen.filter === text) return;
    const id = `${LISTEN_ID_PREFIX}${this.nextId++}`;
    this.open.set(id, { filter: text, acked: false, resync: this.resync });
    this.resync = false;
    this.io.send({ jsonrpc: '2.0', id, method: ModernMethod.listen, params: stampEnvelope({ notifications: filter }, this.io.envelope) });
  }

  /** The server acknowledged a listen: older ones can go; after a gap, the lists are re-read. */
  acknowledged(id: string): void {
    const listen = this.open.get(id);
    if (!listen || listen.acked) return;
    listen.acked = true;
    this.failures = 0;
    for (const other of [...this.open.keys()]) if (other !== id) this.cancel(other);
    if (listen.resync) {
      const filter = JSON.parse(listen.filter) as Filter;
      if (filter.toolsListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.toolsListChanged });
      if (filter.promptsListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.promptsListChanged });
      if (filter.resourcesListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.resourcesListChanged });
    }
    this.update(); // the wanted filter may have changed while this one was being set up
  }

  /** A listen's answer: it ended (result: the server closed it; error: refused, or the stream broke). */
  ended(msg: JsonRpcResponse): void {
    const id = msg.id as string;
    if (!this.open.delete(id) || this.closed) return; // one we cancelled
    const error = msg.error;
    if (error && (error.code === ErrorCode.MethodNotFound || error.code === ErrorCode.InvalidParams || error.code === ErrorCode.InvalidRequest)) {
      this.refused = true;
      for (const other of [...this.open.keys()]) this.cancel(other);
      log.warn(`server "${this.io.name}" refused subscriptions/listen (${error.message}): its list changes and resource updates will not be seen`);
      return;
    }
    if (this.open.size > 0) return; // another listen still carries the notifications
    const why = error ? error.message : 'the server ended it';
    const delay = Math.min(RETRY_INITIAL_MS * 2 ** this.failures, RETRY_MAX_MS);
    this.failures++;
    log.info(`server "${this.io.name}": subscriptions/listen ended (${why}); opening it again in ${delay} ms`);
    this.resync = true;
    this.retry = this.io.clock.after(delay, () => {
      this.retry = undefined;
      this.update();
    });
  }

  private cancel(id: string): void {
    this.open.delete(id);
    this.io.send({ jsonrpc: '2.0', method: Notification.cancelled, params: { requestId: id, reason: 'no longer needed' } });
  }

  close(): void {
    if (this.closed) return;
    for (const id of [...this.open.keys()]) this.cancel(id);
    this.closed = true;
    this.retry?.cancel();
    this.retry = undefined;
  }
}
