// One backend server: it connects (spawns or dials), does the MCP handshake, lists its catalog
// (tools, prompts, resources, templates), keeps its state, and restarts it with backoff. It keeps
// no correlation of its own: each new connection is announced to the host (the router's
// exchange), which carries every message and drops what belonged to a connection that ended.
import { InitializeResult, ListKinds, Method, Notification, type ListKind } from '../../protocol/mcp.js';
import { isSupportedVersion, LATEST_PROTOCOL_VERSION } from '../../protocol/versions.js';
import type { ServerSpec } from '../config/spec.js';
import { errorMessage, log } from '../log.js';
import { PROXY_INFO } from '../proxy-info.js';
import { tapChannel, type Recorder } from '../record/recorder.js';
import type { Clock, Timer } from '../router/clock.js';
import { ALL_KINDS, listAll, listCatalog, toolNamed, type Catalog, type Lister } from './catalog.js';
import type { BackendConnection, BackendHost, Connector } from './connection.js';
import { GiveUp } from './give-up.js';
import type { AuthProvider, SignInState } from '../oauth/remote-auth.js';
import { untilSignInNeeded } from '../oauth/until-sign-in.js';
import { eraConnection, headerRules, settleEra } from './era.js';
import { legacySpec, wantsLegacySide, quietHost, reportLegacySide, servesOnLegacySide } from './legacy-side.js';
export type { Catalog };

/** lastError while a server waits for a sign-in (the link itself is in authorizationUrl and on stderr). */
const SIGN_IN_NEEDED = 'needs sign-in: open its authorizationUrl (also printed on stderr), or run multi-mcp auth login';

/**
 * `idle`: a per-client server's registered entry in HTTP mode: started once to learn its
 * catalog, then stopped; each client session runs its own instance of it.
 */
export type BackendState = 'starting' | 'ready' | 'idle' | 'failed' | 'restarting' | 'needs_authorization' | 'stopped';

/** Who the proxy says it is when initializing a backend (a per-client instance, or stdio mode: its client). */
export type ClientInfo = { name: string; version: string } & Record<string, unknown>;

export interface BackendOptions {
  connector: Connector;
  host: BackendHost<Backend>;
  clock: Clock;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessageBytes?: number;
  /** --record: sees every message to and from the backend. */
  recorder?: Recorder;
  /** Sign-in for remote servers that want a token (OAuth). */
  auth?: AuthProvider;
  /** The 2025 session beside a 2026 one (legacy-side.ts): its start is logged at debug level. */
  legacySide?: boolean;
}

const EMPTY_CATALOG: Catalog = Object.freeze({ tools: [], prompts: [], resources: [], resourceTemplates: [] });

/** Thrown by a start that stop() overtook: nothing to report, nothing to retry. */
class Stopped extends Error {}

export class Backend {
  state: BackendState = 'starting';
  lastError: string | undefined;
  init: InitializeResult | undefined;
  /** The last lists the server gave; kept while it restarts so exposed names stay stable. */
  catalog: Catalog = EMPTY_CATALOG;
  /** `_meta` of the server's last list result per kind, if it sent one. */
  listMeta: Partial<Record<ListKind, Record<string, unknown>>> = {};
  /** Caching hints of its last list result per kind (2026-07-28 servers). */
  listHints: Partial<Record<ListKind, { ttlMs: number; cacheScope: 'public' | 'private' }>> = {};
  /** Restarts since the last stable period (drives the backoff). */
  restarts = 0;
  /** A per-client server's registered entry in HTTP mode: goes idle once listed. */
  idleWhenReady = false;
  /**
   * Speaks MCP 2026-07-28 (stateless): every request to it carries the envelope (protocol version,
   * the capabilities and identity of the client it is for) in `_meta`, stamped by the exchange.
   */
  modern = false;
  /** A 2026 server that also speaks 2025 on the same endpoint: its session there (legacy-side.ts). */
  private legacySide: Backend | undefined;
  readonly requestTimeoutMs: number;
  private readySince = 0;
  private restartTimer: Timer | undefined;
  private clientCapabilities: Record<string, unknown> = {};
  private clientInfo: ClientInfo = PROXY_INFO;
  private connection: BackendConnection | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly dirty = new Set<ListKind>();
  private readonly giveUp = new GiveUp();
  private readonly signIn: SignInState | undefined;
  private attempting = false;

  constructor(
    readonly spec: ServerSpec,
    private readonly options: BackendOptions,
  ) {
    this.requestTimeoutMs = spec.timeoutMs ?? options.requestTimeoutMs;
    this.signIn = options.auth?.acquire(spec, this.onSignInChange);
  }

  /** The link to open while the server waits for someone to sign in. */
  get authorizationUrl(): string | undefined {
    return this.signIn?.link;
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

  /** Its catalog is part of the merged lists. */
  get listed(): boolean {
    return this.state === 'ready' || this.state === 'idle';
  }

  /** A ready per-client server's registered entry: keeps its catalog, stops its process. */
  private async idle(): Promise<void> {
    if (this.state !== 'ready') return;
    this.setState('idle');
    await this.closeConnection('is idle: each client session starts its own instance');
  }

  /** Read through a getter: state changes during the awaits of a start. */
  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** The connection requests go to now (undefined while not connected). */
  get current(): BackendConnection | undefined {
    return this.connection;
  }

  /**
   * Connects, initializes with the given client capabilities, and lists everything. With
   * `retry`, a failure schedules another attempt with backoff (per the spec's restart policy).
   */
  async start(clientCapabilities: Record<string, unknown>, retry = true, clientInfo: ClientInfo = PROXY_INFO): Promise<void> {
    const attempt = this.attempt(clientCapabilities, retry, clientInfo);
    // Waiting for a person to sign in must not hold up start-up (nor an admin API answer).
    return this.signIn ? untilSignInNeeded(attempt, this.signIn) : attempt;
  }

  private async attempt(clientCapabilities: Record<string, unknown>, retry: boolean, clientInfo: ClientInfo): Promise<void> {
    if (this.state === 'stopped') throw new Stopped(`server "${this.name}" is stopped`);
    this.restartTimer?.cancel();
    this.attempting = true;
    this.clientCapabilities = clientCapabilities;
    this.clientInfo = clientInfo;
    this.setState(this.signIn?.needsSignIn ? 'needs_authorization' : 'starting');
    let connection: BackendConnection | undefined;
    try {
      connection = await this.connect();
      const era = await settleEra(this.spec, connection, this.options.connectTimeoutMs, () => this.options.host.subscriptions?.uris(this) ?? []);
      if (era.reconnect) connection = await this.connect(); // it quit on the probe: 2025 only from now on
      this.checkStillWanted(connection);
      this.modern = era.modern;
      this.listenUpdater = era.updateListen;
      this.init = era.init ?? (await this.initialize(connection, clientCapabilities, clientInfo));
      const catalog = await listCatalog(this.lister());
      this.checkStillWanted(connection);
      this.catalog = catalog;
      this.lastError = undefined;
      this.giveUp.succeeded();
      this.readySince = this.options.clock.now();
      this.setState('ready', ALL_KINDS);
      if (this.idleWhenReady) await this.idle();
      else this.options.host.ready(this);
      if (this.dirty.size > 0) void this.refreshDirty();
      if (this.modern && wantsLegacySide(this.spec, era.alsoLegacy === true)) void this.openLegacySide(connection);
      (this.options.legacySide ? log.debug : log.info)(
        `server "${this.name}" ready over ${this.transport} (${this.init.serverInfo.name} ${this.init.serverInfo.version}, ` +
          `protocol ${this.init.protocolVersion}): ${this.catalog.tools.length} tools, ${this.catalog.prompts.length} prompts, ` +
          `${this.catalog.resources.length} resources, ${this.catalog.resourceTemplates.length} resource templates`,
      );
    } catch (e) {
      if (this.stopped || e instanceof Stopped) {
        // stop() overtook this start: the connection it made must not outlive it.
        if (connection && this.connection === connection) void this.closeConnection('was stopped');
        throw e instanceof Stopped ? e : new Stopped(`server "${this.name}" was stopped while starting`);
      }
      if (this.signIn?.needsSignIn) return this.waitForSignIn(e);
      this.lastError = errorMessage(e);
      (this.options.legacySide ? log.debug : this.restarts === 0 ? log.error : log.warn)(`server "${this.name}" failed to start: ${this.lastError}`);
      // Not awaited: a process slow to die must not hold up the other backends' start-up.
      this.closeConnection(`failed to start`).catch(() => {});
      if (retry && this.spec.restart.enabled) this.scheduleRestart();
      else this.setState('failed');
      throw e;
    } finally {
      this.attempting = false;
    }
  }

  /** Start-up stopped short for want of a sign-in: the server waits in needs_authorization. */
  private async waitForSignIn(e: unknown): Promise<never> {
    this.lastError = SIGN_IN_NEEDED;
    log.warn(`server "${this.name}" is waiting for someone to sign in (${errorMessage(e)})`);
    this.closeConnection('needs sign-in').catch(() => {});
    this.setState('needs_authorization');
    throw e;
  }

  /** A sign-in started, got a new link, or ended. */
  private readonly onSignInChange = (): void => {
    if (this.stopped) return;
    if (this.signIn!.needsSignIn) {
      this.lastError = SIGN_IN_NEEDED;
      this.setState('needs_authorization', this.listed ? ALL_KINDS : []);
    } else if (this.state === 'needs_authorization' && !this.attempting) {
      // (a start in progress goes on by itself once its requests get the new token)
      if (this.connection && this.init) this.setState('ready', ALL_KINDS); // the same session goes on
      else void this.start(this.clientCapabilities, true, this.clientInfo).catch(() => {});
    }
  };

  /** The 2025-11-25 handshake: initialize, then initialized. */
  private async initialize(connection: BackendConnection, capabilities: Record<string, unknown>, clientInfo: ClientInfo): Promise<InitializeResult> {
    const raw = await this.request(Method.initialize, { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities, clientInfo }, this.options.connectTimeoutMs);
    this.checkStillWanted(connection);
    const parsed = InitializeResult.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid initialize result: ${parsed.error.issues[0]?.message}`);
    if (!isSupportedVersion(parsed.data.protocolVersion)) {
      throw new Error(`unsupported protocol version ${JSON.stringify(parsed.data.protocolVersion)}`);
    }
    this.send({ jsonrpc: '2.0', method: Notification.initialized });
    return parsed.data;
  }

  /** Opens the 2025 session beside a 2026 one (kept only while this connection lasts). */
  private async openLegacySide(connection: BackendConnection): Promise<void> {
    const side = new Backend(legacySpec(this.spec), { ...this.options, host: quietHost(this.options.host), recorder: undefined, legacySide: true });
    const outcome = await side.start(this.clientCapabilities, false, this.clientInfo).then(() => true, (e: unknown) => e);
    if (this.connection !== connection || !reportLegacySide(this.name, outcome)) return void side.stop('not needed');
    this.legacySide = side;
  }

  private async closeLegacySide(reason: string): Promise<void> {
    const side = this.legacySide;
    this.legacySide = undefined;
    await side?.stop(reason);
  }

  /**
   * Which side of the server serves a client's request: a 2025 client's request goes to the
   * server's own 2025 side when that side lists its tool, prompt or resource.
   */
  sideFor(modernClient: boolean, method: string, params: Record<string, any> | undefined): Backend {
    const side = this.legacySide;
    if (modernClient || side?.state !== 'ready') return this;
    return servesOnLegacySide(side.catalog, method, params) ? side : this;
  }

  /** This backend and its legacy side, if any (logging/setLevel reaches both). */
  withSides(): Backend[] {
    return this.legacySide ? [this, this.legacySide] : [this];
  }

  /** After each wait of a start: stopped, or the connection lost meanwhile, ends the start. */
  private checkStillWanted(connection: BackendConnection): void {
    if (this.stopped) throw new Stopped();
    if (this.connection !== connection) throw new Error(this.lastError ?? 'connection lost');
  }

  private async connect(): Promise<BackendConnection> {
    const connecting = this.options.connector(this.spec, {
      timeoutMs: this.options.connectTimeoutMs,
      maxMessageBytes: this.options.maxMessageBytes,
      ...(this.signIn ? { auth: this.signIn } : {}),
      inputSchemaOf: (tool) => toolNamed(this.catalog.tools, tool)?.inputSchema,
    });
    let connection: BackendConnection;
    try {
      connection = await withDeadline(connecting, this.options.connectTimeoutMs, 'connect', this.options.clock);
    } catch (e) {
      connecting.then((late) => late.close(), () => {}); // a connection arriving after the deadline is not leaked
      throw e;
    }
    if (this.stopped) {
      void connection.close();
      throw new Stopped();
    }
    if (this.options.recorder) tapChannel(connection.channel, this.options.recorder, this.name, 'backend>proxy', 'proxy>backend');
    connection = eraConnection(this.spec, connection, this.options.clock);
    this.connection = connection;
    this.options.host.attach(this, connection);
    connection.onLost((reason) => this.onLost(connection, reason));
    return connection;
  }

  /** Sends a notification or response on the current connection (dropped when there is none). */
  send(msg: object): void {
    try {
      this.connection?.channel.writer.send(msg as any);
    } catch (e) {
      log.warn(`cannot send to server "${this.name}": ${errorMessage(e)}`);
    }
  }

  /** The proxy's own request (lists, setLevel, unsubscribe) on the current connection. */
  request(method: string, params: Record<string, unknown> | undefined, timeoutMs = this.requestTimeoutMs): Promise<any> {
    if (!this.connection) return Promise.reject(new Error(`server "${this.name}" is not connected`));
    return this.options.host.request(this.connection, method, params, timeoutMs);
  }

  /**
   * The resources clients want updates of changed (see the exchange's subscriptions). A 2026
   * server has no resources/subscribe: its listen stream names the URIs, so the code that keeps
   * that stream (set `listenUpdater`) reopens it. Resolves once the server took the new set.
   */
  subscriptionsChanged(): Promise<void> {
    return this.listenUpdater?.() ?? Promise.resolve();
  }

  /** Set by whatever keeps a 2026 server's listen stream open. */
  listenUpdater: (() => Promise<void>) | undefined;

  /** A list_changed from the server: re-list that kind (once ready). */
  noteListChanged(method: string): void {
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
          this.options.host.changed(this, kinds);
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
    return {
      capabilities: this.init?.capabilities ?? {},
      tools: this.spec.tools,
      request: (m, p) => this.request(m, p),
      ...(this.modern && this.transport === 'http' ? { reject: headerRules(this.name) } : {}),
      meta: (kind, meta, hints) => {
        if (meta) this.listMeta[kind] = meta;
        else delete this.listMeta[kind];
        if (hints) this.listHints[kind] = hints;
        else delete this.listHints[kind];
      },
    };
  }

  private onLost(connection: BackendConnection, reason: string): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    void this.closeLegacySide(reason);
    this.lastError = reason;
    const wasReady = this.state === 'ready';
    if (wasReady) log.error(`server "${this.name}" ${reason}`);
    this.options.recorder?.record('event', this.name, { type: 'backend-lost', reason });
    this.options.host.detach(this, connection, reason);
    void connection.close(); // reap what is left of it (process group, sockets)
    if (!wasReady) return; // a start in progress fails on its own and decides about restarting
    if (this.spec.restart.enabled) this.scheduleRestart(ALL_KINDS);
    else this.setState('failed', ALL_KINDS);
  }

  /** Exponential backoff: initialDelay doubling up to maxDelay, reset after a stable period. */
  private scheduleRestart(kinds: ListKind[] = []): void {
    const hopeless = this.giveUp.failed(this.lastError ?? 'unknown error', this.spec);
    if (hopeless) {
      this.lastError = hopeless;
      log.error(`server "${this.name}" gave up: ${hopeless}`);
      return this.setState('failed', kinds);
    }
    const { initialDelayMs, maxDelayMs, stableMs } = this.spec.restart;
    if (this.readySince && this.options.clock.now() - this.readySince >= stableMs) this.restarts = 0;
    this.readySince = 0;
    const delay = Math.min(initialDelayMs * 2 ** this.restarts, maxDelayMs);
    this.restarts++;
    log.info(`server "${this.name}" restarting in ${delay} ms (attempt ${this.restarts})`);
    this.setState('restarting', kinds);
    this.restartTimer = this.options.clock.after(delay, () => {
      this.start(this.clientCapabilities, true, this.clientInfo).catch(() => {});
    });
  }

  /** Stops the backend for good (removal or shutdown). */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.state === 'stopped') return;
    this.restartTimer?.cancel();
    this.setState('stopped', this.listed ? ALL_KINDS : []);
    if (this.signIn) this.options.auth!.release(this.signIn, this.onSignInChange);
    await this.closeConnection(reason);
  }

  /** Ends the current connection: the host fails what was waiting on it, then the wire is closed. */
  private async closeConnection(reason: string): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const side = this.closeLegacySide(reason);
    if (!connection) return side;
    this.options.host.detach(this, connection, reason);
    await Promise.all([side, connection.close()]);
  }

  private setState(state: BackendState, kinds: ListKind[] = []): void {
    if (this.state === state && kinds.length === 0) return;
    if (this.state !== state) log.debug(`server "${this.name}": ${this.state} → ${state}`);
    this.state = state;
    this.options.host.changed(this, kinds);
  }
}

export class BackendUnavailable extends Error {}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string, clock: Clock): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.after(ms, () => reject(new Error(`${what} timed out after ${formatDuration(ms)}`)));
  });
  return Promise.race([promise, timeout]).finally(() => timer?.cancel());
}
