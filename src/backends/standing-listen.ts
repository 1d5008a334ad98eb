// The proxy's one standing subscriptions/listen per 2026-07-28 backend: the revision's only way
// to hear of list changes and resource updates. Its filter asks for what the server can tell
// (list_changed per list it says changes) plus resources/updated for the URIs clients subscribed
// to (the exchange's subscription table). A new filter opens a new listen, and the old one is
// cancelled once the new one is acknowledged (so nothing is missed in between); a listen that
// ends is opened again with backoff, and after such a gap the lists are re-read (changes may have
// been missed).
import { ErrorCode, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { Notification } from '../../protocol/mcp.js';
import { ModernMethod, stampEnvelope, type Envelope } from '../../protocol/modern.js';
import { log } from '../log.js';
import type { Clock, Timer } from '../router/clock.js';

/** Listen ids are strings with this prefix: the exchange's own ids are numbers. */
export const LISTEN_ID_PREFIX = 'multi-mcp-listen-';
const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** How long update() waits for the server to acknowledge a new filter. */
const ACK_WAIT_MS = 10_000;

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
  /** The URIs clients want resources/updated for. */
  uris(): string[];
}

interface Listen {
  filter: string;
  acked: boolean;
  /** Re-read the lists once acknowledged (it follows a gap). */
  resync: boolean;
  /** update() calls waiting for its acknowledgement. */
  waiting: (() => void)[];
}

export class StandingListen {
  /** Listens opened and not ended, by id. */
  private readonly open = new Map<string, Listen>();
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

  /** How many listens are open (tests check it drains). */
  get size(): number {
    return this.open.size;
  }

  /** What the proxy wants to hear now; undefined when nothing. */
  private wanted(): Filter | undefined {
    const caps = this.capabilities;
    const filter: Filter = {};
    if (caps.tools?.listChanged) filter.toolsListChanged = true;
    if (caps.prompts?.listChanged) filter.promptsListChanged = true;
    if (caps.resources?.listChanged) filter.resourcesListChanged = true;
    const uris = caps.resources?.subscribe ? this.io.uris() : [];
    if (uris.length > 0) filter.resourceSubscriptions = [...new Set(uris)].sort();
    return Object.keys(filter).length > 0 ? filter : undefined;
  }

  /**
   * Opens a listen for the wanted filter unless one is open for it already. Resolves once the
   * server acknowledged it (or gave up on it, or did not answer within ACK_WAIT_MS).
   */
  update(): Promise<void> {
    if (this.closed || this.refused || this.retry) return Promise.resolve();
    const filter = this.wanted();
    if (!filter) {
      for (const id of [...this.open.keys()]) this.cancel(id);
      return Promise.resolve();
    }
    const text = JSON.stringify(filter);
    // A listen asking for more than needed will do: fewer URIs wanted reopens nothing (the extra
    // updates are dropped), so clients coming and going, or a shutdown, cause no churn.
    let listen = [...this.open.values()].find((l) => l.filter === text) ?? [...this.open.values()].find((l) => covers(l.filter, filter));
    if (!listen) {
      const id = `${LISTEN_ID_PREFIX}${this.nextId++}`;
      listen = { filter: text, acked: false, resync: this.resync, waiting: [] };
      this.open.set(id, listen);
      this.resync = false;
      this.io.send({ jsonrpc: '2.0', id, method: ModernMethod.listen, params: stampEnvelope({ notifications: filter }, this.io.envelope) });
    }
    if (listen.acked) return Promise.resolve();
    const waiting = listen.waiting;
    return new Promise((resolve) => {
      const timer = this.io.clock.after(ACK_WAIT_MS, done);
      function done() {
        timer.cancel();
        const at = waiting.indexOf(done);
        if (at >= 0) waiting.splice(at, 1);
        resolve();
      }
      waiting.push(done);
    });
  }

  /** The server acknowledged a listen: older ones can go; after a gap, the lists are re-read. */
  acknowledged(id: string): void {
    const listen = this.open.get(id);
    if (!listen || listen.acked) return;
    listen.acked = true;
    this.failures = 0;
    settle(listen);
    for (const other of [...this.open.keys()]) if (other !== id) this.cancel(other);
    if (listen.resync) {
      const filter = JSON.parse(listen.filter) as Filter;
      if (filter.toolsListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.toolsListChanged });
      if (filter.promptsListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.promptsListChanged });
      if (filter.resourcesListChanged) this.io.deliver({ jsonrpc: '2.0', method: Notification.resourcesListChanged });
    }
    void this.update(); // the wanted filter may have changed while this one was being set up
  }

  /** A listen's answer: it ended (result: the server closed it; error: refused, or the stream broke). */
  ended(msg: JsonRpcResponse): void {
    const id = msg.id as string;
    const listen = this.open.get(id);
    if (!listen || this.closed) return; // one we cancelled
    this.open.delete(id);
    settle(listen);
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
      void this.update();
    });
  }

  private cancel(id: string): void {
    const listen = this.open.get(id);
    if (listen) settle(listen);
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

function settle(listen: Listen): void {
  for (const done of listen.waiting.splice(0)) done();
}

/** True when the listen's filter (JSON) asks for everything `wanted` does. */
function covers(filterText: string, wanted: Filter): boolean {
  const has = JSON.parse(filterText) as Filter;
  if ((wanted.toolsListChanged && !has.toolsListChanged) || (wanted.promptsListChanged && !has.promptsListChanged)) return false;
  if (wanted.resourcesListChanged && !has.resourcesListChanged) return false;
  return (wanted.resourceSubscriptions ?? []).every((uri) => has.resourceSubscriptions?.includes(uri));
}
