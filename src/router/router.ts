// Dispatch between client sessions and backends. Pure routing, no sockets: a session is any
// MessageChannel, a backend any Connector, so tests drive it in memory.
//
// Hot path (tools/call): look up the exposed name, rewrite name and id in place on the parsed
// message, write it; the answer comes back with one map lookup and the client's id restored.
import type { Message } from 'vscode-jsonrpc/node';
import { ErrorCode, errorResponse, isValidId, notification, resultResponse, type JsonRpcErrorObject, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { CancelledParams, CompleteParams, describeZodError, InitializeParams, ListKinds, LoggingLevels, Method, Notification, SetLevelParams, type ListKind } from '../../protocol/mcp.js';
import { negotiateVersion } from '../../protocol/versions.js';
import { BackendUnavailable, type Backend, type BackendListener, type BackendOptions, type RoutedRequest } from '../backends/backend.js';
import { Registry } from '../backends/registry.js';
import type { ServerSpec } from '../config/spec.js';
import { noteSessionClosed } from '../idle-gc.js';
import { errorMessage, log } from '../log.js';
import { PROXY_INFO } from '../proxy-info.js';
import { tapChannel } from '../record/recorder.js';
import { RELATED_ID, type MessageChannel, type Related } from '../transports/channel.js';
import { decodeCursor, encodeCursor, MergedCatalog } from './aggregate.js';
import type { NamingOptions } from './names.js';
import { CAPABILITY_FOR, forwardedCapabilities, mergedInstructions, offeredCapabilities } from './capabilities.js';
import { ListChanges } from './list-changes.js';
import { owningSession, relatedClientId } from './request-owner.js';
import { ClientSession } from './session.js';

export interface RouterOptions extends Omit<BackendOptions, 'listener'> {
  naming: NamingOptions;
  /** Merged lists longer than this are paginated to clients; undefined: never. */
  pageSize?: number;
}


type Incoming = (JsonRpcRequest | JsonRpcNotification | JsonRpcResponse) & Related;

export class Router implements BackendListener {
  readonly registry: Registry;
  readonly catalog: MergedCatalog;
  private readonly sessions = new Set<ClientSession>();
  private startup: Promise<void> | undefined;
  private started = false;
  /** The session whose initialize started the backends (stdio mode): it may adopt per-client ones. */
  private startedBy: ClientSession | undefined;
  /** What shared backends were offered at start; servers added later get the same. */
  private startCapabilities: Record<string, unknown> = {};
  private readonly listChanges: ListChanges;

  constructor(private readonly options: RouterOptions) {
    this.registry = new Registry({ ...options, listener: this });
    this.catalog = new MergedCatalog(() => this.registry.list(), options.naming, (m) => log.warn(m));
    this.listChanges = new ListChanges(this.catalog, (method) => this.broadcast(notification(method)));
  }

  /** Registers the configured servers (not started yet). */
  configure(specs: ServerSpec[]): void {
    for (const spec of specs) this.registry.create(spec);
    const { naming, pageSize, recorder } = this.options;
    const servers = specs.map((s) => ({ name: s.name, session: s.session }));
    recorder?.record('event', 'proxy', { type: 'setup', servers, ...naming, ...(pageSize ? { pageSize } : {}) });
  }

  /**
   * Starts every backend once. Called eagerly in HTTP mode; in stdio mode by the client's
   * initialize, so backends are offered exactly the client's capabilities.
   */
  start(clientCapabilities: Record<string, unknown> = {}): Promise<void> {
    if (this.startup) return this.startup;
    this.startCapabilities = forwardedCapabilities(clientCapabilities);
    this.startup = this.registry.startAll(this.startCapabilities).then(() => {
      this.started = true;
      this.listChanges.baseline();
      const ready = [...this.registry.list()].filter((b) => b.state === 'ready').length;
      log.info(`${ready} of ${[...this.registry.list()].length} servers ready; ${this.catalog.list('tools').length} tools exposed`);
    });
    return this.startup;
  }

  openSession(channel: MessageChannel, id?: string): ClientSession {
    const session = new ClientSession(channel, id);
    if (this.options.recorder) tapChannel(channel, this.options.recorder, session.id, 'client>proxy', 'proxy>client');
    this.sessions.add(session);
    channel.reader.listen((msg: Message) => this.fromClient(session, msg as Incoming));
    channel.reader.onInvalid((bad) => session.send(errorResponse(bad.id, bad.code, bad.message)));
    channel.reader.onClose(() => this.closeSession(session));
    return session;
  }

  /** Ends a session: its requests in flight are cancelled at their backends. */
  closeSession(session: ClientSession, reason = 'client session ended'): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    this.options.recorder?.record('event', session.id, { type: 'session-closed' });
    noteSessionClosed();
    for (const request of session.inflight.values()) request.backend.cancel(request, reason);
    session.inflight.clear();
    for (const out of session.outbound.drain()) {
      out.backend.send(errorResponse(out.backendId, ErrorCode.InternalError, `${reason} before answering ${out.method}`));
    }
    for (const uri of session.subscriptions) this.dropSubscription(uri);
    for (const { backend } of session.instances.values()) {
      if (this.registry.isRegistered(backend)) continue; // adopted: stops with the proxy
      void backend.stop(reason).then(() => this.registry.release(backend));
    }
    session.channel.close();
  }

  /** Unsubscribes at the backend once no session wants updates of the URI any more. */
  private dropSubscription(uri: string): void {
    for (const s of this.sessions) if (s.subscriptions.has(uri)) return;
    const server = this.catalog.resourceServer(uri) ?? this.soleResourceServer();
    const backend = server === undefined ? undefined : this.registry.get(server);
    if (backend?.state !== 'ready' || backend.spec.session === 'per-client') return;
    backend.request(Method.resourcesUnsubscribe, { uri }).catch((e) => log.debug(`unsubscribe ${uri}: ${errorMessage(e)}`));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  // ---- client → proxy ----------------------------------------------------------------------

  fromClient(session: ClientSession, msg: Incoming): void {
    if (!this.started && this.startup && (msg as JsonRpcRequest).method !== Method.initialize) {
      void this.startup.then(() => this.fromClient(session, msg));
      return;
    }
    if (!('method' in msg)) this.onClientResponse(session, msg as JsonRpcResponse);
    else if ('id' in msg) this.onClientRequest(session, msg as JsonRpcRequest);
    else this.onClientNotification(session, msg as JsonRpcNotification);
  }

  private onClientRequest(session: ClientSession, msg: JsonRpcRequest): void {
    if (session.inflight.has(msg.id)) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidRequest, `Invalid Request: id ${JSON.stringify(msg.id)} is already in use by a request in flight`));
    }
    switch (msg.method) {
      case Method.toolsCall:
        return this.routeByName(session, msg, 'tool');
      case Method.ping:
        return session.send(resultResponse(msg.id, {}));
      case Method.initialize:
        return void this.initialize(session, msg);
      case Method.toolsList:
        return this.answerList(session, msg, 'tools');
      case Method.promptsList:
        return this.answerList(session, msg, 'prompts');
      case Method.resourcesList:
        return this.answerList(session, msg, 'resources');
      case Method.resourcesTemplatesList:
        return this.answerList(session, msg, 'resourceTemplates');
      case Method.promptsGet:
        return this.routeByName(session, msg, 'prompt');
      case Method.resourcesRead:
      case Method.resourcesSubscribe:
      case Method.resourcesUnsubscribe:
        return this.routeByUri(session, msg);
      case Method.completionComplete:
        return this.routeCompletion(session, msg);
      case Method.loggingSetLevel:
        return void this.setLevel(session, msg);
      default:
        return session.send(errorResponse(msg.id, ErrorCode.MethodNotFound, `Method not found: ${msg.method}`));
    }
  }

  private async initialize(session: ClientSession, msg: JsonRpcRequest): Promise<void> {
    const parsed = InitializeParams.safeParse(msg.params);
    if (!parsed.success) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${describeZodError(parsed.error)}`));
    }
    session.protocolVersion = negotiateVersion(parsed.data.protocolVersion);
    session.clientInfo = parsed.data.clientInfo;
    session.capabilities = parsed.data.capabilities;
    if (!this.startup) this.startedBy = session;
    await this.start(parsed.data.capabilities);
    const instructions = mergedInstructions(this.registry.list());
    session.send(
      resultResponse(msg.id, {
        protocolVersion: session.protocolVersion,
        capabilities: offeredCapabilities(this.registry.list()),
        serverInfo: PROXY_INFO,
        ...(instructions ? { instructions } : {}),
      }),
    );
  }

  private answerList(session: ClientSession, msg: JsonRpcRequest, kind: ListKind): void {
    const items = this.catalog.list(kind);
    const { key } = ListKinds[kind];
    const cursor = msg.params?.cursor;
    const pageSize = this.options.pageSize;
    if (cursor === undefined && (pageSize === undefined || items.length <= pageSize)) {
      // Exactly JSON.stringify of the response object, with the cached list text spliced in.
      const text = `{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"${key}":${this.catalog.listJson(kind)}}}`;
      return session.send(resultResponse(msg.id, { [key]: items }), text);
    }
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    if (offset === undefined || offset > items.length || pageSize === undefined) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: unknown cursor ${JSON.stringify(cursor)}`));
    }
    const end = offset + pageSize;
    const page: Record<string, unknown> = { [key]: items.slice(offset, end) };
    if (end < items.length) page.nextCursor = encodeCursor(end);
    session.send(resultResponse(msg.id, page));
  }

  private routeByName(session: ClientSession, msg: JsonRpcRequest, kind: 'tool' | 'prompt'): void {
    const name = msg.params?.name;
    if (typeof name !== 'string') {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, 'Invalid params: name must be a string'));
    }
    const owner = kind === 'tool' ? this.catalog.tool(name) : this.catalog.prompt(name);
    if (!owner) return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Unknown ${kind}: ${name}`));
    msg.params!.name = owner.original;
    this.forward(session, msg, owner.server);
  }

  private routeByUri(session: ClientSession, msg: JsonRpcRequest): void {
    const uri = msg.params?.uri;
    if (typeof uri !== 'string') {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, 'Invalid params: uri must be a string'));
    }
    const server = this.catalog.resourceServer(uri) ?? this.soleResourceServer();
    if (server === undefined) {
      return session.send(errorResponse(msg.id, ErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri }));
    }
    if (msg.method === Method.resourcesSubscribe) session.subscriptions.add(uri);
    else if (msg.method === Method.resourcesUnsubscribe) {
      session.subscriptions.delete(uri);
      // Other clients of a shared backend still want updates: keep the backend's subscription.
      const shared = this.registry.get(server)?.spec.session !== 'per-client';
      if (shared && [...this.sessions].some((s) => s.subscriptions.has(uri))) return session.send(resultResponse(msg.id, {}));
    }
    this.forward(session, msg, server);
  }

  /** A URI nobody lists or templates may still be served (dynamic resources) when only one server has resources. */
  private soleResourceServer(): string | undefined {
    const withResources = [...this.registry.list()].filter((b) => b.state === 'ready' && b.init?.capabilities.resources);
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
      const owner = this.catalog.prompt(ref.name);
      if (owner) msg.params!.ref.name = owner.original;
      server = owner?.server;
    } else {
      server = this.catalog.templateServer(ref.uri) ?? this.catalog.resourceServer(ref.uri);
    }
    if (server === undefined) {
      const what = ref.type === 'ref/prompt' ? `prompt: ${ref.name}` : `resource template: ${ref.uri}`;
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Unknown ${what}`));
    }
    this.forward(session, msg, server);
  }

  /**
   * Fans the level out to every backend with logging; answers once all have answered. The
   * session's own instances get its level; shared backends the most verbose level any session
   * asked for, since each session's level is applied by the proxy when forwarding.
   */
  private async setLevel(session: ClientSession, msg: JsonRpcRequest): Promise<void> {
    const parsed = SetLevelParams.safeParse(msg.params);
    if (!parsed.success) {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${describeZodError(parsed.error)}`));
    }
    session.logLevel = LoggingLevels.indexOf(parsed.data.level);
    let shared = session.logLevel;
    for (const s of this.sessions) if (s.logLevel !== undefined) shared = Math.min(shared, s.logLevel);
    const targets = new Map<Backend, number>();
    for (const b of this.registry.list()) if (b.owner === undefined) targets.set(b, shared);
    for (const { backend } of session.instances.values()) targets.set(backend, session.logLevel);
    const asked = [...targets].filter(([b]) => b.state === 'ready' && b.init?.capabilities.logging);
    const results = await Promise.allSettled(
      asked.map(([b, level]) => b.request(Method.loggingSetLevel, { level: LoggingLevels[level] })),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') log.warn(`server "${asked[i][0].name}": ${errorMessage(r.reason)}`);
    });
    session.send(resultResponse(msg.id, {}));
  }

  private forward(session: ClientSession, msg: JsonRpcRequest, server: string): void {
    const proto = this.registry.get(server);
    if (proto?.spec.session !== 'per-client') return this.forwardTo(session, msg, server, proto);
    const instance = this.instanceFor(session, proto);
    if (instance.backend.state === 'starting') {
      instance.ready.then(
        () => this.forwardTo(session, msg, server, instance.backend),
        (e) => session.send(errorResponse(msg.id, ErrorCode.InternalError, `server "${server}" failed to start: ${errorMessage(e)}`)),
      );
    } else this.forwardTo(session, msg, server, instance.backend);
  }

  /**
   * The session's own instance of a per-client server, started on first use. The session that
   * started the proxy (stdio mode) adopts the registered one: it was initialized with its capabilities.
   */
  private instanceFor(session: ClientSession, proto: Backend): { backend: Backend; ready: Promise<void> } {
    let instance = session.instances.get(proto.name);
    if (instance) return instance;
    if (session === this.startedBy && proto.owner === undefined) {
      proto.owner = session;
      instance = { backend: proto, ready: Promise.resolve() };
    } else {
      const backend = this.registry.instance(proto.spec, session);
      // Its own instance may know who it serves: exact capabilities and the client's own clientInfo.
      const ready = backend.start(forwardedCapabilities(session.capabilities), true, session.clientInfo);
      ready.catch(() => {}); // reported through the requests waiting on it
      instance = { backend, ready };
    }
    session.instances.set(proto.name, instance);
    return instance;
  }

  private forwardTo(session: ClientSession, msg: JsonRpcRequest, server: string, backend: Backend | undefined): void {
    const token = msg.params?._meta?.progressToken;
    const request: RoutedRequest = {
      kind: 'routed',
      session,
      clientId: msg.id,
      method: msg.method,
      progressToken: isValidId(token) ? token : undefined,
      backend: backend!,
      backendId: 0,
      deadline: 0,
      maxDeadline: 0,
    };
    try {
      if (!backend) throw new BackendUnavailable(`server "${server}" is not available`);
      backend.forward(msg, request);
    } catch (e) {
      const code = e instanceof BackendUnavailable ? ErrorCode.InternalError : ErrorCode.InvalidRequest;
      return session.send(errorResponse(request.clientId, code, errorMessage(e)));
    }
    session.inflight.set(request.clientId, request);
  }

  private onClientNotification(session: ClientSession, msg: JsonRpcNotification): void {
    switch (msg.method) {
      case Notification.initialized:
        session.initialized = true;
        return;
      case Notification.cancelled: {
        const parsed = CancelledParams.safeParse(msg.params);
        const request = parsed.success ? session.inflight.get(parsed.data.requestId) : undefined;
        if (!request) return log.debug(`session ${session.id}: cancellation of unknown request ignored`);
        session.inflight.delete(request.clientId);
        request.backend.cancel(request, parsed.data!.reason ?? 'cancelled by the client');
        return;
      }
      case Notification.rootsListChanged:
        for (const b of this.registry.list()) if (b.state === 'ready' && b.owner === undefined) b.send(msg);
        for (const { backend } of session.instances.values()) if (backend.state === 'ready') backend.send(msg);
        return;
      default:
        log.debug(`session ${session.id}: notification ${msg.method} not forwarded`);
    }
  }

  private onClientResponse(session: ClientSession, msg: JsonRpcResponse): void {
    const out = msg.id === null ? undefined : session.outbound.take(msg.id);
    if (!out) return log.debug(`session ${session.id}: answer to unknown id ${JSON.stringify(msg.id)} dropped`);
    msg.id = out.backendId;
    out.backend.send(msg);
  }

  // ---- backend → proxy ---------------------------------------------------------------------

  onRoutedResponse(_backend: Backend, msg: JsonRpcResponse, request: RoutedRequest): void {
    const session = request.session as ClientSession;
    if (session.inflight.get(request.clientId) === request) session.inflight.delete(request.clientId);
    msg.id = request.clientId;
    // The MCP SDK handles a response before notifications read in the same chunk, dropping
    // progress that arrived just ahead of it: after progress, send the answer in a later write.
    if (request.progressed) setImmediate(() => session.send(msg));
    else session.send(msg);
  }

  onRoutedFailed(request: RoutedRequest, error: JsonRpcErrorObject): void {
    const session = request.session as ClientSession;
    if (session.inflight.get(request.clientId) === request) session.inflight.delete(request.clientId);
    session.send(errorResponse(request.clientId, error.code, error.message));
  }

  onBackendMessage(backend: Backend, msg: (JsonRpcRequest | JsonRpcNotification) & Related): void {
    if ('id' in msg) return this.onBackendRequest(backend, msg as JsonRpcRequest & Related);
    switch (msg.method) {
      case Notification.progress: {
        const request = backend.progressTarget(msg.params?.progressToken);
        if (request?.progressToken === undefined) return log.debug(`server "${backend.name}": progress for unknown token dropped`);
        msg.params!.progressToken = request.progressToken;
        request.progressed = true;
        (msg as Related)[RELATED_ID] = request.clientId;
        return (request.session as ClientSession).send(msg);
      }
      case Notification.message: {
        if (msg.params) msg.params.logger = msg.params.logger ? `${backend.name}/${msg.params.logger}` : backend.name;
        const level = LoggingLevels.indexOf(msg.params?.level);
        for (const s of this.audience(backend)) if (s.logLevel === undefined || level >= s.logLevel) s.send(msg);
        return;
      }
      case Notification.resourceUpdated: {
        const uri = msg.params?.uri;
        for (const s of this.audience(backend)) if (s.subscriptions.has(uri)) s.send(msg);
        return;
      }
      case Notification.elicitationComplete: {
        const session = backend.takeElicitation(msg.params?.elicitationId) as ClientSession | undefined;
        if (session) session.send(msg);
        else log.debug(`server "${backend.name}": elicitation completion for an unknown elicitation dropped`);
        return;
      }
      case Notification.cancelled:
        return this.onBackendCancelled(backend, msg);
      case Notification.toolsListChanged:
      case Notification.promptsListChanged:
      case Notification.resourcesListChanged:
        return; // the backend re-lists; clients hear of it through onBackendChanged
      default:
        for (const s of this.audience(backend)) s.send(msg);
    }
  }

  /** The sessions a backend's notifications concern: its owner for a per-client instance, else all. */
  private audience(backend: Backend): Iterable<ClientSession> {
    if (backend.owner) return (backend.owner as ClientSession).initialized ? [backend.owner as ClientSession] : [];
    return [...this.sessions].filter((s) => s.initialized);
  }

  /** A server→client request: goes to the session whose request the backend is serving. */
  private onBackendRequest(backend: Backend, msg: JsonRpcRequest & Related): void {
    if (msg.method === Method.ping) return backend.send(resultResponse(msg.id, {}));
    const session = owningSession(backend, msg[RELATED_ID], this.sessions);
    if (!session) {
      return backend.send(errorResponse(msg.id, ErrorCode.InternalError, `multi-mcp cannot tell which client ${msg.method} is for: no single client has a request in flight at "${backend.name}"`));
    }
    const needed = CAPABILITY_FOR[msg.method];
    if (needed && !session.capabilities[needed]) {
      return backend.send(errorResponse(msg.id, ErrorCode.MethodNotFound, `the client (${session.clientInfo.name} ${session.clientInfo.version}) does not support ${needed}`));
    }
    if (msg.method === Method.elicitationCreate) backend.noteElicitation(msg.params?.elicitationId, session);
    const related = relatedClientId(backend, msg[RELATED_ID], session);
    const proxyId = session.outbound.add({ backend, backendId: msg.id, method: msg.method });
    msg.id = proxyId;
    if (related !== undefined) msg[RELATED_ID] = related;
    session.send(msg);
  }

  private onBackendCancelled(backend: Backend, msg: JsonRpcNotification): void {
    const requestId = msg.params?.requestId;
    for (const s of this.sessions) {
      for (const [proxyId, out] of s.outbound.entriesList()) {
        if (out.backend !== backend || out.backendId !== requestId) continue;
        s.outbound.delete(proxyId);
        s.send(notification(Notification.cancelled, { ...msg.params, requestId: proxyId }));
        return;
      }
    }
  }

  onBackendChanged(backend: Backend, kinds: ListKind[]): void {
    // Per-client instances are not in the merged lists; a removed shared server (no owner) must still be announced.
    if (kinds.length === 0 || (backend.owner !== undefined && !this.registry.isRegistered(backend))) return;
    this.catalog.invalidate(kinds);
    if (this.started) this.listChanges.note(kinds);
  }

  private broadcast(msg: JsonRpcNotification): void {
    for (const s of this.sessions) if (s.initialized) s.send(msg);
  }

  // ---- run-time changes and shutdown ----------------------------------------------------------

  /** Adds and starts a server while running; throws (and keeps nothing) if it cannot start. */
  async addServer(spec: ServerSpec): Promise<Backend> {
    return this.registry.add(spec, this.startCapabilities);
  }

  async removeServer(name: string): Promise<boolean> {
    return this.registry.remove(name);
  }

  /** Answers every request in flight with an error, closes sessions, stops all backends. */
  async shutdown(reason = 'multi-mcp is shutting down'): Promise<void> {
    this.listChanges.stop();
    for (const s of [...this.sessions]) {
      for (const request of s.inflight.values()) s.send(errorResponse(request.clientId, ErrorCode.InternalError, reason));
      this.closeSession(s, reason);
    }
    await this.registry.stopAll();
  }
}
