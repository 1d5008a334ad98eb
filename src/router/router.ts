// Dispatch between client sessions and backends. Pure routing, no sockets: a session is any
// MessageChannel, a backend any Connector, so tests drive it in memory. The router decides where
// a message goes (by method, exposed name, URI, ref); the exchange (exchange.ts) carries it there
// and owns every id, token and subscription that ties the two sides together.
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, notification, resultResponse, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { CancelledParams, CompleteParams, describeZodError, InitializeParams, ListKinds, LoggingLevels, Method, Notification, SetLevelParams, type ListKind } from '../../protocol/mcp.js';
import { MetaKey, ModernMethod, ModernNotification, REMOVED_METHODS, type Envelope } from '../../protocol/modern.js';
import { initializeParamsProblem } from '../../protocol/limits.js';
import { negotiateVersion } from '../../protocol/versions.js';
import type { Backend, BackendOptions, ClientInfo } from '../backends/backend.js';
import { Registry } from '../backends/registry.js';
import type { DiscoveryMode } from '../config/discovery.js';
import type { ServerSpec } from '../config/spec.js';
import type { View } from '../discovery/view.js';
import { Views } from '../discovery/views.js';
import { noteSessionClosed } from '../idle-gc.js';
import { errorMessage, log } from '../log.js';
import { NO_OBSERVER, type Observer } from '../observe/observer.js';
import { PROXY_INFO } from '../proxy-info.js';
import { tapChannel } from '../record/recorder.js';
import type { MessageChannel } from '../transports/channel.js';
import { decodeCursor, encodeCursor, MergedCatalog } from './aggregate.js';
import { mergedInstructions, mergedMeta, modernCapabilities, offeredCapabilities, ROUTABLE_CLIENT_CAPABILITIES } from './capabilities.js';
import { completeResult, discoverResult, filterKeyOf, honouredFilter, listHints } from './modern-answers.js';
import { isSealedState } from './request-state.js';
import { systemClock, type Clock } from './clock.js';
import { Exchange } from './exchange.js';
import { DEFAULT_STARTUP_GRACE_MS, settledWithin } from './startup.js';
import type { NamingOptions } from './names.js';
import { ClientSession } from './session.js';

/** The merged lists, by the method that asks for each. */
const LIST_METHODS: ReadonlyMap<string, ListKind> = new Map(Object.entries(ListKinds).map(([kind, { method }]) => [method, kind as ListKind]));

export interface RouterOptions extends Omit<BackendOptions, 'host' | 'clock'> {
  naming: NamingOptions;
  /** Merged lists longer than this are paginated to clients; undefined: never. */
  pageSize?: number;
  /** Upper bound for a request whose deadline progress notifications keep extending. */
  maxRequestMs: number;
  /** How long a client may take to answer a backend's request; default maxRequestMs. */
  clientAnswerMs?: number;
  clock?: Clock;
  /** --tool-discovery: the mode of the root endpoints (and of views without their own), over the config's. */
  discoveryMode?: DiscoveryMode;
  /** Sees calls, sessions and backend state changes (metrics, status page). */
  observer?: Observer;
  /** Start-up waits at most this long for slow backends (see startup.ts); default DEFAULT_STARTUP_GRACE_MS. */
  startupGraceMs?: number;
}

/** How backends are started: with one client's capabilities and identity (stdio), or for every client (HTTP). */
export interface StartOptions {
  clientInfo?: ClientInfo;
  /** false (HTTP mode): per-client servers are not started now; each session starts its own. */
  perClient?: boolean;
}

type Incoming = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export class Router {
  readonly registry: Registry;
  readonly catalog: MergedCatalog;
  readonly exchange: Exchange;
  private startup: Promise<void> | undefined;
  private started = false;
  /** The session whose initialize started the backends (stdio mode): it may adopt per-client ones. */
  private startedBy: ClientSession | undefined;
  /** What shared backends were offered at start; servers added later get the same. */
  private startCapabilities: Record<string, unknown> = {};
  private startClientInfo: ClientInfo | undefined;
  /** The level shared backends were last set to (index in LoggingLevels). */
  private sharedLevel: number | undefined;
  /** What each endpoint shows (src/discovery/); configure it with views.configure(config). */
  readonly views: Views;
  private readonly observer: Observer;

  constructor(private readonly options: RouterOptions) {
    const clock = options.clock ?? systemClock;
    this.observer = options.observer ?? NO_OBSERVER;
    this.exchange = new Exchange({
      clock,
      observer: this.observer,
      maxRequestMs: options.maxRequestMs,
      clientAnswerMs: options.clientAnswerMs ?? options.maxRequestMs,
      onChanged: (backend, kinds) => this.onBackendChanged(backend, kinds),
    });
    this.registry = new Registry({ ...options, clock, host: this.exchange });
    this.catalog = new MergedCatalog(() => this.registry.list(), options.naming, (m) => log.warn(m));
    this.views = new Views(
      this.catalog,
      {
        announce: (view, method) => this.broadcast(notification(method), view),
        removed: (view) => {
          for (const s of [...this.exchange.sessions()]) if (s.view === view) this.closeSession(s, `${view.label} was removed from the config`);
        },
      },
      options.discoveryMode,
    );
  }

  /** Registers the configured servers (not started yet). */
  configure(specs: ServerSpec[]): void {
    for (const spec of specs) this.registry.create(spec);
    const { naming, pageSize, recorder } = this.options;
    const servers = specs.map((s) => ({ name: s.name, session: s.session, protocol: s.protocol ?? 'auto' }));
    recorder?.record('event', 'proxy', { type: 'setup', servers, ...naming, ...(pageSize ? { pageSize } : {}) });
  }

  /**
   * Starts every backend once. Called eagerly in HTTP mode (with every capability the proxy can
   * route); in stdio mode by the client's initialize, so backends see exactly that client.
   */
  start(clientCapabilities: Record<string, unknown> = {}, how: StartOptions = {}): Promise<void> {
    if (this.startup) return this.startup;
    this.startCapabilities = clientCapabilities;
    this.startClientInfo = how.clientInfo;
    const starting = this.registry.startAll(clientCapabilities, how.clientInfo, how.perClient ?? true);
    const grace = this.options.startupGraceMs ?? DEFAULT_STARTUP_GRACE_MS;
    this.startup = settledWithin(starting, grace, this.options.clock ?? systemClock).then(() => {
      this.started = true;
      this.views.baseline();
      const all = [...this.registry.list()];
      const ready = all.filter((b) => b.listed).length;
      const late = all.filter((b) => b.state === 'starting').map((b) => `"${b.name}"`);
      const joining = late.length > 0 ? ` (still starting ${grace} ms after the last one settled, will join when ready: ${late.join(', ')})` : '';
      log.info(`${ready} of ${all.length} servers ready; ${this.catalog.list('tools').length} tools exposed${joining}`);
    });
    return this.startup;
  }

  /**
   * A 2026-07-28 request: a session of its own, for that one request, told about its client by
   * the request's `_meta` (the front has validated the envelope).
   */
  openModern(channel: MessageChannel, envelope: Envelope, id?: string, view?: View, front = 'memory'): ClientSession {
    const session = this.openSession(channel, id, view, front, envelope);
    session.protocolVersion = envelope.protocolVersion;
    session.capabilities = envelope.clientCapabilities;
    if (envelope.clientInfo) session.clientInfo = envelope.clientInfo;
    const level = LoggingLevels.indexOf(envelope.logLevel as (typeof LoggingLevels)[number]);
    if (level >= 0) session.logLevel = level;
    // stdio: the first request may be a modern one; backends then serve every client capability.
    if (!this.startup) void this.start(ROUTABLE_CLIENT_CAPABILITIES, { perClient: false });
    return session;
  }

  /**
   * `view`: the endpoint's view (default: the root one); `front`: which front the client came in
   * on (stdio, sse, streamable-http, ws); `modern`: a 2026-07-28 request's envelope (openModern).
   */
  openSession(channel: MessageChannel, id?: string, view: View = this.views.root, front = 'memory', modern?: Envelope): ClientSession {
    const session = new ClientSession(channel, id, view, front);
    session.modern = modern;
    this.observer.sessionOpened(session);
    if (this.options.recorder) tapChannel(channel, this.options.recorder, session.id, 'client>proxy', 'proxy>client');
    this.exchange.open(session);
    channel.reader.listen((msg: Message) => this.fromClient(session, msg as Incoming));
    channel.reader.onInvalid((bad) => session.send(errorResponse(bad.id, bad.code, bad.message)));
    channel.reader.onError((e) => log.error(`session ${session.id}: handling its message failed: ${e.stack ?? e.message}`));
    channel.writer.onError(([e]) => log.warn(`cannot write to client session ${session.id}: ${errorMessage(e)}`));
    channel.reader.onClose(() => this.closeSession(session));
    return session;
  }

  /** Ends a session: the exchange cancels what it had in flight; its own backends stop. */
  closeSession(session: ClientSession, reason = 'client session ended'): void {
    if (session.closed) return;
    session.closed = true;
    this.observer.sessionClosed(session);
    this.options.recorder?.record('event', session.id, { type: 'session-closed' });
    noteSessionClosed();
    this.exchange.close(session, reason);
    for (const { backend } of session.instances.values()) {
      if (this.registry.isRegistered(backend)) continue; // adopted: stops with the proxy
      this.exchange.release(backend);
      void backend.stop(reason).then(() => this.registry.release(backend));
    }
    session.channel.close();
    if (session.logLevel !== undefined) void this.applySharedLevel();
  }

  get sessionCount(): number {
    return this.exchange.sessionCount;
  }

  // ---- client → proxy ----------------------------------------------------------------------

  fromClient(session: ClientSession, msg: Incoming): void {
    if (!this.started && this.startup && (msg as JsonRpcRequest).method !== Method.initialize) {
      void this.startup.then(() => this.fromClient(session, msg));
      return;
    }
    if (!('method' in msg)) this.exchange.fromClientResponse(session, msg);
    else if ('id' in msg) this.onClientRequest(session, msg);
    else this.onClientNotification(session, msg);
  }

  private onClientRequest(session: ClientSession, msg: JsonRpcRequest): void {
    if (this.exchange.inFlight(session, msg.id)) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidRequest, `Invalid Request: id ${JSON.stringify(msg.id)} is already in use by a request in flight`));
    }
    if (session.modern) return this.onModernRequest(session, msg);
    if (this.routeCommon(session, msg)) return;
    switch (msg.method) {
      case Method.ping:
        return session.send(resultResponse(msg.id, {}));
      case Method.initialize:
        return void this.initialize(session, msg);
      case Method.resourcesSubscribe:
      case Method.resourcesUnsubscribe:
        return this.routeByUri(session, msg);
      case Method.loggingSetLevel:
        return void this.setLevel(session, msg);
      case Method.tasksGet:
      case Method.tasksResult:
      case Method.tasksCancel:
        return this.exchange.taskRequest(session, msg);
      case Method.tasksList:
        return void this.listTasks(session, msg);
      default:
        return session.send(errorResponse(msg.id, ErrorCode.MethodNotFound, `Method not found: ${msg.method}`));
    }
  }

  /** The methods both eras have: calls, gets, reads, completions and the merged lists. False: not one of them. */
  private routeCommon(session: ClientSession, msg: JsonRpcRequest): boolean {
    switch (msg.method) {
      case Method.toolsCall:
        this.routeByName(session, msg, 'tool');
        return true;
      case Method.promptsGet:
        this.routeByName(session, msg, 'prompt');
        return true;
      case Method.resourcesRead:
        this.routeByUri(session, msg);
        return true;
      case Method.completionComplete:
        this.routeCompletion(session, msg);
        return true;
    }
    const kind = LIST_METHODS.get(msg.method);
    if (kind === undefined) return false;
    this.answerList(session, msg, kind);
    return true;
  }

  /** MCP 2026-07-28: no handshake, no session methods; discover and listen instead. */
  private onModernRequest(session: ClientSession, msg: JsonRpcRequest): void {
    if (isSealedState(msg.params?.requestState)) return this.exchange.resume(session, msg);
    if (this.routeCommon(session, msg)) return;
    switch (msg.method) {
      case ModernMethod.discover:
        return session.send(resultResponse(msg.id, discoverResult(modernCapabilities(this.registry.list()), mergedInstructions([...this.registry.list()].filter((b) => session.view.allows(b.name))))));
      case ModernMethod.listen:
        return this.listen(session, msg);
      default: {
        const removed = REMOVED_METHODS.has(msg.method) ? ' (not part of MCP 2026-07-28)' : '';
        return session.send(errorResponse(msg.id, ErrorCode.MethodNotFound, `Method not found: ${msg.method}${removed}`));
      }
    }
  }

  /**
   * subscriptions/listen: acknowledged at once with what the proxy honours; from then on the
   * stream gets the list changes it asked for and updates of the resources it named.
   */
  private listen(session: ClientSession, msg: JsonRpcRequest): void {
    const asked = msg.params?.notifications as Record<string, unknown> | undefined;
    const uris = Array.isArray(asked?.resourceSubscriptions) ? asked.resourceSubscriptions.filter((u): u is string => typeof u === 'string') : [];
    const honoured: string[] = [];
    for (const uri of uris) {
      const server = this.catalog.resourceServer(uri) ?? this.soleResourceServer();
      const backend = server === undefined ? undefined : this.registry.get(server);
      if (!backend || backend.spec.session === 'per-client' || !backend.init?.capabilities.resources?.subscribe) continue;
      this.exchange.listenTo(session, backend, uri);
      honoured.push(uri);
    }
    session.listen = { id: msg.id, filter: honouredFilter(asked, honoured) };
    session.send(notification(ModernNotification.acknowledged, { _meta: { [MetaKey.subscriptionId]: msg.id }, notifications: session.listen.filter }), msg.id);
  }

  private async initialize(session: ClientSession, msg: JsonRpcRequest): Promise<void> {
    const tooLarge = initializeParamsProblem(msg.params);
    if (tooLarge) return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${tooLarge}`));
    const parsed = InitializeParams.safeParse(msg.params);
    if (!parsed.success) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${describeZodError(parsed.error)}`));
    }
    session.protocolVersion = negotiateVersion(parsed.data.protocolVersion);
    session.clientInfo = parsed.data.clientInfo;
    session.capabilities = parsed.data.capabilities;
    if (!this.startup) this.startedBy = session;
    // stdio mode: the one client's capabilities (experimental and tasks included) and identity reach the backends.
    await this.start(parsed.data.capabilities, { clientInfo: parsed.data.clientInfo });
    const instructions = mergedInstructions([...this.registry.list()].filter((b) => session.view.allows(b.name)));
    const meta = mergedMeta([...this.registry.list()].map((b) => (b.listed ? b.init?._meta : undefined)));
    session.send(
      resultResponse(msg.id, {
        protocolVersion: session.protocolVersion,
        capabilities: offeredCapabilities(this.registry.list()),
        serverInfo: PROXY_INFO,
        ...(instructions ? { instructions } : {}),
        ...(meta ? { _meta: meta } : {}),
      }),
    );
  }

  private answerList(session: ClientSession, msg: JsonRpcRequest, kind: ListKind): void {
    const items = session.view.list(kind);
    const cursor = msg.params?.cursor;
    const pageSize = this.options.pageSize;
    if (cursor === undefined && (pageSize === undefined || items.length <= pageSize) && !session.modern) {
      // Exactly JSON.stringify of the response object, with the cached result text spliced in.
      const text = `{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{${session.view.resultJson(kind)}}}`;
      return session.send(resultResponse(msg.id, this.listResult(kind, items)), undefined, text);
    }
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset === undefined || offset > items.length || (pageSize === undefined && cursor !== undefined)) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: unknown cursor ${JSON.stringify(cursor)}`));
    }
    const end = offset + (pageSize ?? items.length);
    const page = this.listResult(kind, items.slice(offset, end));
    if (end < items.length) page.nextCursor = encodeCursor(end);
    if (session.modern) completeResult(msg.method, page, listHints(this.registry.list(), kind));
    session.send(resultResponse(msg.id, page));
  }

  private listResult(kind: ListKind, items: readonly unknown[]): Record<string, unknown> {
    const meta = this.catalog.meta(kind);
    return meta ? { [ListKinds[kind].key]: items, _meta: meta } : { [ListKinds[kind].key]: items };
  }

  private routeByName(session: ClientSession, msg: JsonRpcRequest, kind: 'tool' | 'prompt'): void {
    // Search mode's meta-tools: answered by the view, or (call_tool) rewritten into a direct call.
    const meta = kind === 'tool' ? session.view.answerMeta(msg) : undefined;
    if (meta) return session.send(resultResponse(msg.id, meta));
    const name = msg.params?.name;
    if (typeof name !== 'string') {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, 'Invalid params: name must be a string'));
    }
    const owner = kind === 'tool' ? session.view.tool(name) : session.view.prompt(name);
    if (!owner) return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Unknown ${kind}: ${name}`));
    msg.params!.name = owner.original;
    this.forward(session, msg, owner.server, name);
  }

  private routeByUri(session: ClientSession, msg: JsonRpcRequest): void {
    const uri = msg.params?.uri;
    if (typeof uri !== 'string') {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, 'Invalid params: uri must be a string'));
    }
    const server = this.catalog.resourceServer(uri) ?? this.soleResourceServer();
    if (server === undefined || !session.view.allows(server)) {
      const code = session.modern ? ErrorCode.InvalidParams : ErrorCode.ResourceNotFound; // 2026-07-28: -32602 with the URI
      return session.send(errorResponse(msg.id, code, `Resource not found: ${uri}`, { uri }));
    }
    this.forward(session, msg, server, uri);
  }

  /** A URI nobody lists or templates may still be served (dynamic resources) when only one server has resources. */
  private soleResourceServer(): string | undefined {
    const withResources = [...this.registry.list()].filter((b) => b.listed && b.init?.capabilities.resources);
    return withResources.length === 1 ? withResources[0].name : undefined;
  }

  private routeCompletion(session: ClientSession, msg: JsonRpcRequest): void {
    const parsed = CompleteParams.safeParse(msg.params);
    if (!parsed.success) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${describeZodError(parsed.error)}`));
    }
    const ref = parsed.data.ref;
    let server: string | undefined;
    if (ref.type === 'ref/prompt') {
      const owner = session.view.prompt(ref.name);
      if (owner) msg.params!.ref.name = owner.original;
      server = owner?.server;
    } else {
      server = this.catalog.templateServer(ref.uri) ?? this.catalog.resourceServer(ref.uri);
    }
    if (server === undefined || !session.view.allows(server)) {
      const what = ref.type === 'ref/prompt' ? `prompt: ${ref.name}` : `resource template: ${ref.uri}`;
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Unknown ${what}`));
    }
    this.forward(session, msg, server);
  }

  /**
   * Keeps the level per session (the proxy filters each session's notifications/message by it)
   * and sets the session's own instances to it; shared backends get the most verbose level any
   * open session asked for. Answers once the backends have answered.
   */
  private async setLevel(session: ClientSession, msg: JsonRpcRequest): Promise<void> {
    const parsed = SetLevelParams.safeParse(msg.params);
    if (!parsed.success) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${describeZodError(parsed.error)}`));
    }
    session.logLevel = LoggingLevels.indexOf(parsed.data.level);
    const own = [...session.instances.values()].map(({ backend }) => backend);
    await Promise.all([this.setLevelOf(own, session.logLevel, true), this.applySharedLevel(true)]);
    session.send(resultResponse(msg.id, {}));
  }

  /** Shared backends follow the most verbose level of the open sessions (it relaxes when that session leaves). */
  private async applySharedLevel(force = false): Promise<void> {
    let level: number | undefined;
    for (const s of this.exchange.sessions()) if (s.logLevel !== undefined) level = Math.min(level ?? s.logLevel, s.logLevel);
    if (level === undefined || (level === this.sharedLevel && !force)) return;
    this.sharedLevel = level;
    const shared = [...this.registry.list()].filter((b) => !this.exchange.ownerOf(b)).flatMap((b) => b.withSides());
    await this.setLevelOf(shared, level, false);
  }

  private async setLevelOf(backends: Backend[], level: number, own: boolean): Promise<void> {
    const asked = backends.filter((b) => b.state === 'ready' && b.init?.capabilities.logging);
    const results = await Promise.allSettled(asked.map((b) => b.request(Method.loggingSetLevel, { level: LoggingLevels[level] })));
    results.forEach((r, i) => {
      if (r.status === 'rejected') log.warn(`server "${asked[i].name}"${own ? '' : ' (shared)'}: ${errorMessage(r.reason)}`);
    });
  }

  private async listTasks(session: ClientSession, msg: JsonRpcRequest): Promise<void> {
    try {
      const tasks = await this.exchange.listTasks(session);
      const offset = msg.params?.cursor === undefined ? 0 : decodeCursor(msg.params.cursor);
      if (offset === undefined) return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: unknown cursor ${JSON.stringify(msg.params?.cursor)}`));
      const pageSize = this.options.pageSize ?? tasks.length;
      const page: Record<string, unknown> = { tasks: tasks.slice(offset, offset + pageSize) };
      if (offset + pageSize < tasks.length) page.nextCursor = encodeCursor(offset + pageSize);
      session.send(resultResponse(msg.id, page));
    } catch (e) {
      session.send(errorResponse(msg.id, ErrorCode.InternalError, `tasks/list failed: ${errorMessage(e)}`));
    }
  }

  /** Sends the request to the server's backend: the shared one, or the session's own instance. */
  private forward(session: ClientSession, msg: JsonRpcRequest, server: string, target?: string): void {
    const proto = this.registry.get(server);
    if (proto?.spec.session !== 'per-client') return this.toBackend(session, msg, server, proto, target);
    if (session.modern) {
      const why = `server "${server}" runs one instance per client session, and MCP 2026-07-28 requests have no session: use a 2025-11-25 session, or make the server shared`;
      return session.send(errorResponse(msg.id, ErrorCode.InvalidRequest, why));
    }
    const instance = this.instanceFor(session, proto);
    if (instance.backend.state === 'starting') {
      instance.ready.then(
        () => this.toBackend(session, msg, server, instance.backend, target),
        (e) => session.send(errorResponse(msg.id, ErrorCode.InternalError, `server "${server}" failed to start: ${errorMessage(e)}`)),
      );
    } else this.toBackend(session, msg, server, instance.backend, target);
  }

  private toBackend(session: ClientSession, msg: JsonRpcRequest, server: string, backend: Backend | undefined, target?: string): void {
    if (msg.method === Method.resourcesSubscribe) this.exchange.subscribe(session, msg, backend, server);
    else if (msg.method === Method.resourcesUnsubscribe) this.exchange.unsubscribe(session, msg, backend, server);
    else this.exchange.forward(session, msg, backend?.sideFor(session.modern !== undefined, msg.method, msg.params), server, { target });
  }

  /**
   * The session's own instance of a per-client server, started on first use. The session that
   * started the proxy (stdio mode) adopts the registered one: it was initialized with its capabilities.
   */
  private instanceFor(session: ClientSession, proto: Backend): { backend: Backend; ready: Promise<void> } {
    let instance = session.instances.get(proto.name);
    if (instance) return instance;
    if (session === this.startedBy && !this.exchange.ownerOf(proto) && proto.state !== 'stopped') {
      instance = { backend: proto, ready: Promise.resolve() };
    } else {
      const backend = this.registry.instance(proto.spec);
      // Its own instance knows who it serves: exact capabilities and the client's own clientInfo.
      const ready = backend.start(session.capabilities, true, session.clientInfo);
      ready.catch(() => {}); // reported through the requests waiting on it
      instance = { backend, ready };
    }
    this.exchange.adopt(instance.backend, session);
    session.setInstance(proto.name, instance);
    return instance;
  }

  private onClientNotification(session: ClientSession, msg: JsonRpcNotification): void {
    switch (msg.method) {
      case Notification.initialized:
        session.initialized = true;
        return;
      case Notification.cancelled: {
        const parsed = CancelledParams.safeParse(msg.params);
        if (!parsed.success || !this.exchange.cancel(session, parsed.data.requestId, parsed.data.reason ?? 'cancelled by the client')) {
          log.debug(`session ${session.id}: cancellation of unknown request ignored`);
        }
        return;
      }
      case Notification.rootsListChanged: {
        const shared = [...this.registry.list()].filter((b) => !this.exchange.ownerOf(b)).flatMap((b) => b.withSides());
        const own = [...session.instances.values()].map(({ backend }) => backend);
        return this.exchange.rootsChanged(session, [...shared, ...own], msg);
      }
      case Notification.progress:
        return this.exchange.fromClientProgress(session, msg);
      case Notification.tasksStatus:
        return this.exchange.fromClientTaskStatus(session, msg);
      default:
        log.debug(`session ${session.id}: notification ${msg.method} not forwarded`);
    }
  }

  // ---- backends changed -----------------------------------------------------------------------

  private onBackendChanged(backend: Backend, kinds: ListKind[]): void {
    this.observer.backendChanged(backend);
    // Per-client instances are not in the merged lists (a removed server is: it must be announced).
    if (kinds.length === 0 || this.registry.isInstance(backend)) return;
    this.catalog.invalidate(kinds);
    if (this.started) this.views.note(kinds);
  }

  /** A list change of `view`: to its initialized sessions, and to its listen streams that asked for it. */
  private broadcast(msg: JsonRpcNotification, view: View): void {
    const key = filterKeyOf(msg.method);
    for (const s of this.exchange.sessions()) {
      if (s.view !== view) continue;
      if (s.initialized) s.send(msg);
      else if (s.listen && key && s.listen.filter[key]) s.sendListen(msg);
    }
  }

  // ---- run-time changes and shutdown ----------------------------------------------------------

  /** Adds and starts a server while running; throws (and keeps nothing) if it cannot start. */
  async addServer(spec: ServerSpec): Promise<Backend> {
    return this.registry.add(spec, this.startCapabilities, this.startClientInfo);
  }

  /**
   * Registers a server, or replaces the one of that name in its place (a restart with a new spec),
   * and starts it as start-up does: one that fails stays, retried with backoff.
   */
  async launchServer(spec: ServerSpec, reason = 'is restarting'): Promise<Backend> {
    this.stopInstances(spec.name, reason);
    const { backend, replaced } = await this.registry.put(spec, reason);
    if (replaced) this.exchange.release(replaced);
    if (this.startup) await backend.start(this.startCapabilities, true, this.startClientInfo).catch(() => {}); // else startAll does
    return backend;
  }

  /** Stops a server and every per-client instance of it; their requests in flight fail with `reason`. */
  async removeServer(name: string, reason?: string): Promise<boolean> {
    this.stopInstances(name, reason);
    const backend = await this.registry.remove(name, reason);
    if (backend) this.exchange.release(backend);
    return backend !== undefined;
  }

  private stopInstances(name: string, reason = 'was removed'): void {
    for (const session of this.exchange.sessions()) {
      const backend = session.instances.get(name)?.backend;
      session.deleteInstance(name);
      if (!backend || this.registry.isRegistered(backend)) continue; // adopted: goes with the registered one
      this.exchange.release(backend);
      void backend.stop(reason).then(() => this.registry.release(backend));
    }
  }

  /** Runs a batch of server changes (a reload): clients hear once, after it, of each list that changed. */
  async batch<T>(changes: () => Promise<T>): Promise<T> {
    this.views.hold();
    try {
      return await changes();
    } finally {
      this.views.release();
    }
  }

  /** Answers every request in flight with an error, closes sessions, stops all backends. */
  async shutdown(reason = 'multi-mcp is shutting down'): Promise<void> {
    this.views.stop();
    for (const s of [...this.exchange.sessions()]) {
      // A listen stream ended by the server gets its (empty) result first.
      if (s.listen) s.send(resultResponse(s.listen.id, completeResult(ModernMethod.listen, { _meta: { [MetaKey.subscriptionId]: s.listen.id } })));
      this.exchange.failInflight(s, reason);
      this.closeSession(s, reason);
    }
    await this.registry.stopAll();
  }
}
