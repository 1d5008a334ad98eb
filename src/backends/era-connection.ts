// A backend connection that may speak MCP 2026-07-28, between the exchange and the wire. Until
// the era is settled it passes every message through, except the probe (server/discover), which
// it sends and answers itself. Once the backend is known to be modern it also:
//  - answers what the revision removed instead of sending it: logging/setLevel and ping are
//    no-ops (the log level travels in each request's `_meta`), initialized and roots/list_changed
//    are dropped (resources/subscribe never comes: the exchange changes the listen's URIs instead);
//  - keeps the standing subscriptions/listen, whose notifications reach the exchange as plain
//    backend notifications (subscription id removed), and hides the listen's own messages;
//  - answers a result whose resultType it does not know with an error (the spec: invalid).
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, resultResponse, type JsonRpcId, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { Method, Notification } from '../../protocol/mcp.js';
import { MetaKey, ModernMethod, ModernNotification, stampEnvelope, type Envelope } from '../../protocol/modern.js';
import { errorMessage, log } from '../log.js';
import type { Clock } from '../router/clock.js';
import { channelOf, McpWriter, type InvalidMessage, type MessageChannel, type MessageExtra } from '../transports/channel.js';
import { PushReader } from '../transports/push-reader.js';
import type { BackendConnection } from './connection.js';
import { LISTEN_ID_PREFIX, StandingListen } from './standing-listen.js';

const PROBE_ID_PREFIX = 'multi-mcp-discover-';
/** resultType values a result may carry (tasks: the tasks extension). */
const RESULT_TYPES: ReadonlySet<unknown> = new Set([undefined, 'complete', 'input_required', 'task']);
const LOCAL_ANSWERS: ReadonlySet<string> = new Set([Method.loggingSetLevel, Method.ping]);
const DROPPED: ReadonlySet<string> = new Set([Notification.initialized, Notification.rootsListChanged]);

/** What a probe got back. */
export type ProbeAnswer = { result: Record<string, any> } | { error: { code: number; message: string; data?: any } } | { failed: 'timeout' | 'lost'; reason: string };

/** A connection that carries either era differently (Streamable HTTP): told what the probe found. */
export interface EraAware {
  useEra?(modern: boolean): void;
}

/** What the exchange reads: the backend's messages, its invalid input and its paused streams, passed on. */
class UpReader extends PushReader {
  invalid(bad: InvalidMessage): void {
    this.fireInvalid(bad);
  }
  paused(id: JsonRpcId): void {
    this.fireStreamPaused(id);
  }
  /** A message the wire's reader already classified, with its text when unchanged (answers are passed on spliced). */
  pass(msg: Message, extra: MessageExtra | undefined, text: string | undefined): void {
    this.deliverValue(msg, extra, text, true);
  }
}

class DownWriter extends McpWriter {
  constructor(
    private readonly onMessage: (text: string, msg: Message | undefined, related: JsonRpcId | undefined) => void,
    private readonly onEnd: () => void,
    private readonly inner: McpWriter,
  ) {
    super();
  }
  override pause(relatedRequestId: JsonRpcId): void {
    this.inner.pause(relatedRequestId);
  }
  override unsend(id: JsonRpcId): boolean {
    return this.inner.unsend(id);
  }
  sendText(text: string, msg?: Message, relatedRequestId?: JsonRpcId): void {
    this.onMessage(text, msg, relatedRequestId);
  }
  end(): void {
    this.onEnd();
  }
}

export class EraConnection implements BackendConnection {
  readonly channel: MessageChannel;
  private readonly up = new UpReader();
  private modern = false;
  private listen: StandingListen | undefined;
  private readonly probes = new Map<string, (answer: ProbeAnswer) => void>();
  private nextProbe = 1;
  private lostCallback: ((reason: string) => void) | undefined;
  private lostReason: string | undefined;

  constructor(
    private readonly inner: BackendConnection & EraAware,
    private readonly options: { name: string; clock: Clock },
  ) {
    this.channel = channelOf(this.up, new DownWriter((text, msg, related) => this.fromProxy(text, msg, related), () => inner.channel.close(), inner.channel.writer));
    const { reader } = inner.channel;
    reader.listen((msg, extra, text) => this.fromBackend(msg as Record<string, any>, extra, text));
    reader.onInvalid((bad) => this.up.invalid(bad));
    reader.onStreamPaused((id) => this.up.paused(id));
    reader.onError((e) => log.error(`server "${options.name}": ${e.message}`));
    reader.onClose(() => this.up.end());
    inner.onLost((reason) => {
      this.lostReason = reason;
      this.stop(reason);
      this.lostCallback?.(reason);
    });
  }

  get transport(): string {
    return this.inner.transport;
  }

  get pid(): number | undefined {
    return this.inner.pid;
  }

  /** Probes waiting for their answer and listens open (tests check both drain). */
  counts(): { probes: number; listens: number } {
    return { probes: this.probes.size, listens: this.listen?.size ?? 0 };
  }

  onLost(callback: (reason: string) => void): void {
    this.lostCallback = callback;
    if (this.lostReason !== undefined) queueMicrotask(() => callback(this.lostReason!));
  }

  async close(): Promise<void> {
    this.stop('connection closed');
    await this.inner.close();
  }

  private stop(reason: string): void {
    this.listen?.close();
    for (const settle of [...this.probes.values()]) settle({ failed: 'lost', reason });
  }

  /** Sends server/discover with this envelope and waits for the answer, the deadline or the end of the connection. */
  probe(envelope: Envelope, timeoutMs: number): Promise<ProbeAnswer> {
    if (this.lostReason !== undefined) return Promise.resolve({ failed: 'lost', reason: this.lostReason });
    const id = `${PROBE_ID_PREFIX}${this.nextProbe++}`;
    return new Promise((resolve) => {
      const timer = this.options.clock.after(timeoutMs, () => settle({ failed: 'timeout', reason: `no answer to server/discover within ${timeoutMs} ms` }));
      const settle = (answer: ProbeAnswer) => {
        if (!this.probes.delete(id)) return;
        timer.cancel();
        resolve(answer);
      };
      this.probes.set(id, settle);
      this.toBackend({ jsonrpc: '2.0', id, method: ModernMethod.discover, params: stampEnvelope({}, envelope) });
    });
  }

  /**
   * The backend speaks 2026-07-28: its standing listen starts now, with the probe's envelope and
   * the URIs `uris` gives; `updateListen` follows later changes of those.
   */
  goModern(capabilities: Record<string, any>, envelope: Envelope, uris: () => string[]): void {
    this.modern = true;
    this.inner.useEra?.(true);
    const { clock, name } = this.options;
    this.listen = new StandingListen({ send: (msg) => this.toBackend(msg), deliver: (msg) => this.up.pushValue(msg), clock, name, envelope, uris }, capabilities);
    void this.listen.update();
  }

  /** The subscribed URIs changed: resolves once the server took the new set. */
  updateListen(): Promise<void> {
    return this.listen?.update() ?? Promise.resolve();
  }

  /** The backend speaks 2025-11-25: from now on everything passes through. */
  goLegacy(): void {
    this.inner.useEra?.(false);
  }

  private fromProxy(text: string, msg: Message | undefined, related: JsonRpcId | undefined): void {
    if (this.modern) {
      const m = (msg ?? JSON.parse(text)) as Record<string, any>;
      if (typeof m.method === 'string' && this.answeredHere(m)) return;
    }
    this.inner.channel.writer.send(msg as Message, { text, relatedRequestId: related });
  }

  /** A message of the 2025 lifecycle the revision removed: handled here; true when nothing is to be sent. */
  private answeredHere(m: Record<string, any>): boolean {
    if (!('id' in m)) return DROPPED.has(m.method);
    if (!LOCAL_ANSWERS.has(m.method)) return false;
    // The exchange files a request only after writing it: the answer must come after that.
    const answer = resultResponse(m.id as JsonRpcId, {});
    queueMicrotask(() => this.up.pushValue(answer));
    return true;
  }

  private fromBackend(msg: Record<string, any>, extra: MessageExtra | undefined, text: string | undefined): void {
    if (!('method' in msg) && typeof msg.id === 'string') {
      const probe = this.probes.get(msg.id);
      if (probe) return probe(msg.error ? { error: msg.error } : { result: msg.result ?? {} });
      if (msg.id.startsWith(LISTEN_ID_PREFIX)) return this.listen?.ended(msg as JsonRpcResponse);
    }
    if (this.modern) {
      const subscription = msg.params?._meta?.[MetaKey.subscriptionId];
      if (msg.method === ModernNotification.acknowledged) {
        if (typeof subscription === 'string') this.listen?.acknowledged(subscription);
        return;
      }
      if (subscription !== undefined) {
        // A listen's notification: the exchange treats it as any unprompted notification.
        delete msg.params._meta[MetaKey.subscriptionId];
        if (Object.keys(msg.params._meta).length === 0) delete msg.params._meta;
        return this.up.pass(msg as Message, undefined, undefined);
      }
      if (!('method' in msg) && msg.result && !RESULT_TYPES.has(msg.result.resultType)) {
        const message = `server "${this.options.name}" answered with an unknown resultType ${JSON.stringify(msg.result.resultType)}`;
        return this.up.pass(errorResponse(msg.id, ErrorCode.InternalError, message) as Message, undefined, undefined);
      }
    }
    this.up.pass(msg as Message, extra, text);
  }

  private toBackend(msg: object): void {
    try {
      this.inner.channel.writer.send(msg as Message);
    } catch (e) {
      log.warn(`cannot send to server "${this.options.name}": ${errorMessage(e)}`);
    }
  }
}
