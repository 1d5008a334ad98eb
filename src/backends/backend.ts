// One backend server: its connection, MCP handshake, catalog (tools, prompts, resources,
// templates), state, and the table of requests waiting for its answers.
import { ErrorCode, type JsonRpcErrorObject, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { InitializeResult, ListKinds, Method, Notification, type ListKind } from '../../protocol/mcp.js';
import { isSupportedVersion, LATEST_PROTOCOL_VERSION } from '../../protocol/versions.js';
import type { ServerSpec } from '../config/spec.js';
import { errorMessage, log } from '../log.js';
import { PendingTable } from '../router/ids.js';
import { tapChannel, type Recorder } from '../record/recorder.js';
import { ALL_KINDS, listAll, listCatalog, type Catalog, type Lister } from './catalog.js';
import type { InvalidMessage } from '../transports/channel.js';
import type { BackendConnection, Connector } from './connection.js';
export type { Catalog };
import { PROXY_INFO } from '../proxy-info.js';

export type BackendState = 'starting' | 'ready' | 'failed' | 'restarting' | 'stopped';


/** A client request forwarded to this backend, waiting for its answer. */
export interface RoutedRequest {
  readonly kind: 'routed';
  /** Opaque to the backend: the router's record of who asked. */
  readonly session: unknown;
  readonly clientId: JsonRpcId;
  readonly method: string;
  /** The client's progress token, restored on notifications/progress. */
  readonly progressToken: JsonRpcId | undefined;
  backend: Backend;
  backendId: number;
  deadline: number;
  maxDeadline: number;
  /** Progress was forwarded for it (see Router.onRoutedResponse). */
  progressed?: boolean;
}

interface InternalRequest {
  readonly kind: 'internal';
  readonly method: string;
  readonly timeoutMs: number;
  readonly resolve: (result: any) => void;
  readonly reject: (error: Error) => void;
  deadline: number;
}

type Pending = RoutedRequest | InternalRequest;

/** Who the proxy says it is when initializing a backend (a per-client instance: its client). */
export type ClientInfo = { name: string; version: string } & Record<string, unknown>;

export interface BackendListener {
  /** A request or notification sent by the backend. */
  onBackendMessage(backend: Backend, msg: JsonRpcRequest | JsonRpcNotification): void;
  /** The answer to a forwarded request. */
  onRoutedResponse(backend: Backend, msg: JsonRpcResponse, request: RoutedRequest): void;
  /** A forwarded request that will get no answer from the backend (it died, or timed out). */
  onRoutedFailed(request: RoutedRequest, error: JsonRpcErrorObject): void;
  /** State, catalog or capabilities changed; `kinds` says which lists (empty: state only). */
  onBackendChanged(backend: Backend, kinds: ListKind[]): void;
}

export interface BackendOptions {
  connector: Connector;
  listener: BackendListener;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Upper bound for a request whose deadline progress notifications keep extending. */
  maxRequestMs: number;
  maxMessageBytes?: number;
  /** --record: sees every message to and from the backend. */
  recorder?: Recorder;
}

const EMPTY_CATALOG: Catalog = Object.freeze({ tools: [], prompts: [], resources: [], resourceTemplates: [] });
const MAX_TRACKED_ELICITATIONS = 1000;


export class Backend {
  state: BackendState = 'starting';
  /** Set for a per-client instance: the session it serves (opaque to the backend). */
  owner: unknown;
  lastError: string | undefined;
  init: InitializeResult | undefined;
  /** The last lists the server gave; kept while it restarts so exposed names stay stable. */
  catalog: Catalog = EMPTY_CATALOG;
  /** Restarts since the last stable period (drives the backoff). */
  restarts = 0;
  private readySince = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private clientCapabilities: Record<string, unknown> = {};
  private clientInfo: ClientInfo = PROXY_INFO;
  private connection: BackendConnection | undefined;
  private readonly pending = new PendingTable<Pending>();
  private readonly requestTimeoutMs: number;
  private refreshing: Promise<void> | undefined;
  private readonly dirty = new Set<ListKind>();
  private readonly elicitations = new Map<unknown, unknown>();

  constructor(
    readonly spec: ServerSpec,
    private readonly options: BackendOptions,
  ) {
    this.requestTimeoutMs = spec.timeoutMs ?? options.requestTimeoutMs;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The wire in use (auto-http resolves to http or sse once the server answered). */
  get transport(): string {
    return this.connection?.transport ?? this.spec.transport;
  }

  get pid(): number | undefined {
    return this.connection?.pid;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Connects, initializes with the given client capabilities, and lists everything. With
   * `retry`, a failure schedules another attempt with backoff (per the spec's restart policy).
   */
  async start(clientCapabilities: Record<string, unknown>, retry = true, clientInfo: ClientInfo = PROXY_INFO): Promise<void> {
    clearTimeout(this.restartTimer);
    this.clientCapabilities = clientCapabilities;
    this.clientInfo = clientInfo;
    this.setState('starting');
    try {
      const connection = await this.connect();
      const raw = await this.request(
        Method.initialize,
        { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: clientCapabilities, clientInfo },
        this.options.connectTimeoutMs,
      );
      const parsed = InitializeResult.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid initialize result: ${parsed.error.issues[0]?.message}`);
      if (!isSupportedVersion(parsed.data.protocolVersion)) {
        throw new Error(`unsupported protocol version ${JSON.stringify(parsed.data.protocolVersion)}`);
      }
      this.init = parsed.data;
      this.send({ jsonrpc: '2.0', method: Notification.initialized });
      this.catalog = await listCatalog(this.lister());
      if (this.connection !== connection) throw new Error(this.lastError ?? 'connection lost');
      this.lastError = undefined;
      this.readySince = Date.now();
      this.setState('ready', ALL_KINDS);
      if (this.dirty.size > 0) void this.refreshDirty();
      log.info(
        `server "${this.name}" ready over ${this.transport} (${this.init.serverInfo.name} ${this.init.serverInfo.version}, ` +
          `protocol ${this.init.protocolVersion}): ${this.catalog.tools.length} tools, ${this.catalog.prompts.length} prompts, ` +
          `${this.catalog.resources.length} resources, ${this.catalog.resourceTemplates.length} resource templates`,
      );
    } catch (e) {
      if (this.state === 'stopped') throw e; // stopped while starting: nothing to report
      this.lastError = errorMessage(e);
      (this.restarts === 0 ? log.error : log.warn)(`server "${this.name}" failed to start: ${this.lastError}`);
      this.failPending(`server "${this.name}" failed to start`);
      // Not awaited: a process slow to die must not hold up the other backends' start-up.
      this.closeConnection().catch(() => {});
      if (retry && this.spec.restart.enabled) this.scheduleRestart();
      else this.setState('failed');
      throw e;
    }
  }

  private async connect(): Promise<BackendConnection> {
    const connecting = this.options.connector(this.spec, {
      timeoutMs: this.options.connectTimeoutMs,
      maxMessageBytes: this.options.maxMessageBytes,
    });
    let connection: BackendConnection;
    try {
      connection = await withDeadline(connecting, this.options.connectTimeoutMs, 'connect');
    } catch (e) {
      connecting.then((late) => late.close(), () => {}); // a connection arriving after the deadline is not leaked
      throw e;
    }
    if (this.options.recorder) tapChannel(connection.channel, this.options.recorder, this.name, 'backend>proxy', 'proxy>backend');
    this.connection = connection;
    const { reader } = connection.channel;
    reader.listen((msg) => this.onMessage(msg as any));
    reader.onInvalid((bad: InvalidMessage) => log.warn(`server "${this.name}" sent an invalid message: ${bad.message}`));
    connection.onLost((reason) => this.onLost(connection, reason));
    return connection;
  }

  /** Sends a notification or response. */
  send(msg: JsonRpcNotification | JsonRpcResponse): void {
    try {
      this.connection?.channel.writer.send(msg as any);
    } catch (e) {
      log.warn(`cannot send to server "${this.name}": ${errorMessage(e)}`);
    }
  }

  /**
   * Forwards a client request: gives it a backend id (and the id as progress token, so progress
   * maps back with one lookup) and writes it. Throws if the message cannot be serialized.
   */
  forward(msg: JsonRpcRequest, request: RoutedRequest): void {
    if (!this.connection || this.state !== 'ready') {
      throw new BackendUnavailable(`server "${this.name}" is not available (${this.state}${this.lastError ? `: ${this.lastError}` : ''})`);
    }
    const id = this.pending.add(request);
    request.backend = this;
    request.backendId = id;
    const now = Date.now();
    request.deadline = now + this.requestTimeoutMs;
    request.maxDeadline = now + this.options.maxRequestMs;
    msg.id = id;
    if (request.progressToken !== undefined) msg.params!._meta.progressToken = id;
    try {
      this.connection.channel.writer.send(msg as any);
    } catch (e) {
      this.pending.delete(id);
      throw e;
    }
  }

  /** Gives up a forwarded request: its late answer is dropped; the backend is told to stop. */
  cancel(request: RoutedRequest, reason: string): void {
    if (this.pending.take(request.backendId) !== request) return;
    this.send({ jsonrpc: '2.0', method: Notification.cancelled, params: { requestId: request.backendId, reason } });
  }

  /** The forwarded request a backend progress token belongs to; extends its deadline. */
  progressTarget(token: unknown): RoutedRequest | undefined {
    const entry = typeof token === 'number' ? this.pending.get(token) : undefined;
    if (entry?.kind !== 'routed') return undefined;
    entry.deadline = Math.min(Date.now() + this.requestTimeoutMs, entry.maxDeadline);
    return entry;
  }

  /** The forwarded request with this backend id, if still waiting. */
  routedRequest(id: JsonRpcId): RoutedRequest | undefined {
    const entry = this.pending.get(id);
    return entry?.kind === 'routed' ? entry : undefined;
  }

  *routedRequests(): IterableIterator<RoutedRequest> {
    for (const entry of this.pending.values()) if (entry.kind === 'routed') yield entry;
  }

  /** Remembers which session a URL-mode elicitation went to, for its completion notification. */
  noteElicitation(elicitationId: unknown, session: unknown): void {
    if (typeof elicitationId !== 'string') return;
    if (this.elicitations.size >= MAX_TRACKED_ELICITATIONS) this.elicitations.delete(this.elicitations.keys().next().value);
    this.elicitations.set(elicitationId, session);
  }

  takeElicitation(elicitationId: unknown): unknown {
    const session = this.elicitations.get(elicitationId);
    this.elicitations.delete(elicitationId);
    return session;
  }

  /** Ours-to-ask requests (initialize, lists, setLevel). */
  request(method: string, params: Record<string, unknown> | undefined, timeoutMs = this.requestTimeoutMs): Promise<any> {
    if (!this.connection) return Promise.reject(new Error('not connected'));
    const connection = this.connection;
    return new Promise((resolve, reject) => {
      const id = this.pending.add({ kind: 'internal', method, timeoutMs, resolve, reject, deadline: Date.now() + timeoutMs });
      const msg: JsonRpcRequest = params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      try {
        connection.channel.writer.send(msg as any);
      } catch (e) {
        this.pending.delete(id);
        reject(e);
      }
    });
  }

  private onMessage(msg: JsonRpcRequest | JsonRpcNotification | JsonRpcResponse): void {
    if ('method' in msg) {
      if (msg.method.endsWith('/list_changed')) this.onListChanged(msg.method);
      this.options.listener.onBackendMessage(this, msg);
      return;
    }
    const entry = msg.id === null ? undefined : this.pending.take(msg.id);
    if (!entry) {
      log.debug(`server "${this.name}" answered unknown or cancelled id ${JSON.stringify(msg.id)}; dropped`);
      return;
    }
    if (entry.kind === 'routed') {
      this.options.listener.onRoutedResponse(this, msg as JsonRpcResponse, entry);
    } else if (msg.error) {
      entry.reject(new Error(`${entry.method} failed: ${msg.error.message} (${msg.error.code})`));
    } else {
      entry.resolve(msg.result);
    }
  }

  private onListChanged(method: string): void {
    for (const kind of Object.keys(ListKinds) as ListKind[]) {
      if (ListKinds[kind].changed === method) this.dirty.add(kind);
    }
    // While starting, the first listing may already be past that list: re-list once ready.
    if (this.state === 'ready') void this.refreshDirty();
  }

  /** Re-lists what list_changed marked dirty; bursts coalesce into one pass (plus one after it). */
  private async refreshDirty(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = (async () => {
      while (this.dirty.size > 0 && this.state === 'ready') {
        const kinds = [...this.dirty];
        this.dirty.clear();
        try {
          const fresh = { ...this.catalog };
          for (const kind of kinds) (fresh as any)[kind] = await listAll(this.lister(), kind);
          if (this.state !== 'ready') break;
          this.catalog = fresh;
          this.options.listener.onBackendChanged(this, kinds);
        } catch (e) {
          log.warn(`server "${this.name}": re-listing ${kinds.join(', ')} failed: ${errorMessage(e)}`);
        }
      }
    })();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = undefined;
    }
  }

  private lister(): Lister {
    return { capabilities: this.init?.capabilities ?? {}, tools: this.spec.tools, request: (m, p) => this.request(m, p) };
  }

  /** Fails requests past their deadline: the client gets an error, the backend a cancellation. */
  sweep(now: number): void {
    if (this.pending.size === 0) return;
    for (const [id, entry] of this.pending.entriesList()) {
      if (entry.deadline > now) continue;
      this.pending.delete(id);
      const timeoutMs = entry.kind === 'internal' ? entry.timeoutMs : this.requestTimeoutMs;
      const message = `server "${this.name}" did not answer ${entry.method} within ${formatDuration(timeoutMs)}`;
      if (entry.kind === 'internal') {
        entry.reject(new Error(message));
        continue;
      }
      this.send({ jsonrpc: '2.0', method: Notification.cancelled, params: { requestId: id, reason: 'timeout' } });
      this.options.listener.onRoutedFailed(entry, { code: ErrorCode.RequestTimeout, message });
    }
  }

  private onLost(connection: BackendConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.lastError = reason;
    const wasReady = this.state === 'ready';
    if (wasReady) log.error(`server "${this.name}" ${reason}`);
    this.options.recorder?.record('event', this.name, { type: 'backend-lost', reason });
    this.failPending(`server "${this.name}" ${reason}`);
    void connection.close(); // reap what is left of it (process group, sockets)
    if (!wasReady) return; // a start in progress fails on its own and decides about restarting
    if (this.spec.restart.enabled) this.scheduleRestart(ALL_KINDS);
    else this.setState('failed', ALL_KINDS);
  }

  /** Exponential backoff: initialDelay doubling up to maxDelay, reset after a stable period. */
  private scheduleRestart(kinds: ListKind[] = []): void {
    const { initialDelayMs, maxDelayMs, stableMs } = this.spec.restart;
    if (this.readySince && Date.now() - this.readySince >= stableMs) this.restarts = 0;
    this.readySince = 0;
    const delay = Math.min(initialDelayMs * 2 ** this.restarts, maxDelayMs);
    this.restarts++;
    log.info(`server "${this.name}" restarting in ${delay} ms (attempt ${this.restarts})`);
    this.setState('restarting', kinds);
    this.restartTimer = setTimeout(() => this.start(this.clientCapabilities, true, this.clientInfo).catch(() => {}), delay);
    this.restartTimer.unref();
  }

  /** Every waiting request gets an error now: nothing may hang on a backend that is gone. */
  private failPending(message: string): void {
    for (const entry of this.pending.drain()) {
      if (entry.kind === 'internal') entry.reject(new Error(message));
      else this.options.listener.onRoutedFailed(entry, { code: ErrorCode.InternalError, message: `${message} while handling ${entry.method}` });
    }
  }

  /** Stops the backend for good (removal or shutdown). */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.state === 'stopped') return;
    clearTimeout(this.restartTimer);
    const wasListed = this.state === 'ready';
    this.failPending(`server "${this.name}" ${reason}`);
    this.setState('stopped', wasListed ? ALL_KINDS : []);
    await this.closeConnection();
  }

  private async closeConnection(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private setState(state: BackendState, kinds: ListKind[] = []): void {
    if (this.state === state && kinds.length === 0) return;
    if (this.state !== state) log.debug(`server "${this.name}": ${this.state} → ${state}`);
    this.state = state;
    this.options.listener.onBackendChanged(this, kinds);
  }
}

export class BackendUnavailable extends Error {}


function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${formatDuration(ms)}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
