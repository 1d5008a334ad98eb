// The exchange: the one owner of every correlation between client sessions and backend
// connections. Client request ↔ backend request (ids, progress tokens, deadlines), a backend's
// requests to a client (sampling, elicitation, roots, tasks/*), URL elicitations, tasks,
// resource subscriptions, and who a backend's notification is for. Nothing else keeps such a map.
//
// Hot path (tools/call): forward() gives the request this connection's next id (also its progress
// token), writes it, and files it under both ids; the answer finds it with one lookup, gets the
// client's id back and goes to that session. A connection that ends (detach) or a session that
// closes (close) takes everything of its own with it, at once.
import { ErrorCode, errorResponse, isValidId, notification, resultResponse, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { LoggingLevels, Method, Notification, type ListKind } from '../../protocol/mcp.js';
import { INPUT_REQUIRED_METHODS, isInputRequired, MODERN_VERSION, stampEnvelope, stripEnvelope, toModernCapabilities, type Envelope } from '../../protocol/modern.js';
import { BackendUnavailable, formatDuration, type Backend } from '../backends/backend.js';
import type { BackendConnection, BackendHost } from '../backends/connection.js';
import { errorMessage, log } from '../log.js';
import { responseOutcome, type Observer } from '../observe/observer.js';
import { PROXY_INFO } from '../proxy-info.js';
import type { MessageExtra } from '../transports/channel.js';
import { Parks } from './bridge-park.js';
import { InputRounds } from './bridge-rounds.js';
import { missingCapability } from './client-capabilities.js';
import type { Clock, Timer } from './clock.js';
import type { ExchangeCore, Internal, Ledger, Link, Outbound, Rounds, Routed } from './exchange-types.js';
import { spliceId } from '../transports/splice-id.js';
import { toModernAnswer } from './modern-answers.js';
import { whyNotSent, type ClientSession } from './session.js';
import { Subscriptions } from './subscriptions.js';
import { relatedTaskId, rewriteTaskResult, setRelatedTaskId, TaskTable, type TaskEntry } from './tasks.js';

export interface ExchangeOptions {
  clock: Clock;
  /** Upper bound for a request whose deadline progress notifications keep extending. */
  maxRequestMs: number;
  /** How long a client may take to answer a backend's request (a person may be answering). */
  clientAnswerMs: number;
  /** A backend's state or lists changed (the router re-merges and tells clients). */
  onChanged(backend: Backend, kinds: ListKind[]): void;
  /** Sees each forwarded request start and end (metrics, status page). */
  observer: Observer;
}

const SWEEP_MS = 250;

export interface ForwardOptions {
  /** The task a tasks/* request is about. */
  task?: TaskEntry;
  /** The exposed name or URI the client used. */
  target?: string;
  /** The rounds of input a 2026 backend asked for so far (a retry). */
  rounds?: Rounds;
}
const MAX_TRACKED_ELICITATIONS = 1000;
const TASK_METHODS: ReadonlySet<string> = new Set([Method.tasksGet, Method.tasksResult, Method.tasksCancel]);

type Incoming = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export class Exchange implements BackendHost<Backend>, ExchangeCore {
  private readonly links = new Map<Backend, Link>();
  private readonly byConnection = new Map<BackendConnection, Link>();
  /** Each open session's requests, by the session (ExchangeCore). */
  readonly ledgers = new Map<ClientSession, Ledger>();
  /** Per-client backend instances → the session each serves. */
  private readonly owners = new Map<Backend, ClientSession>();
  readonly tasks = new TaskTable();
  readonly subscriptions = new Subscriptions();
  /** The bridges between the eras (see bridge-park.ts, bridge-rounds.ts). */
  private readonly parks = new Parks(this);
  private readonly rounds = new InputRounds(this);
  private ticking: Timer | undefined;

  constructor(private readonly options: ExchangeOptions) {}

  get clock(): Clock {
    return this.options.clock;
  }

  get clientAnswerMs(): number {
    return this.options.clientAnswerMs;
  }

  // ---- sessions -------------------------------------------------------------------------------

  open(session: ClientSession): void {
    this.ledgers.set(session, { inflight: new Map(), outbound: undefined, nextId: 1 });
  }

  sessions(): IterableIterator<ClientSession> {
    return this.ledgers.keys();
  }

  get sessionCount(): number {
    return this.ledgers.size;
  }

  /** Marks a per-client backend instance as serving this session only. */
  adopt(backend: Backend, session: ClientSession): void {
    this.owners.set(backend, session);
  }

  ownerOf(backend: Backend): ClientSession | undefined {
    return this.owners.get(backend);
  }

  /** A backend is gone for good: forget who it served and its subscriptions. */
  release(backend: Backend): void {
    this.owners.delete(backend);
    this.subscriptions.forget(backend);
  }

  /**
   * Ends a session: its requests in flight are cancelled at their backends, backends' requests
   * waiting on it are answered with an error, its subscriptions and tasks go.
   */
  close(session: ClientSession, reason: string): void {
    const ledger = this.ledgers.get(session);
    if (!ledger) return;
    this.ledgers.delete(session);
    for (const routed of ledger.inflight.values()) this.abandon(routed, reason);
    for (const out of ledger.outbound?.values() ?? []) {
      if (out.round) continue; // asked by the proxy itself: its request is cancelled with the session's
      if (out.link.asked.get(out.backendId) === out) out.link.asked.delete(out.backendId);
      this.toBackend(out.link, errorResponse(out.backendId, ErrorCode.InternalError, `${reason} before answering ${out.method}`));
    }
    for (const link of this.links.values()) {
      if (link.rootsCause === session) link.rootsCause = undefined;
      for (const [id, s] of link.elicitations) if (s === session) link.elicitations.delete(id);
    }
    for (const [backend, uri] of this.subscriptions.dropSession(session)) {
      if (this.owners.has(backend) || backend.state !== 'ready') continue;
      const dropping = backend.modern ? backend.subscriptionsChanged() : backend.request(Method.resourcesUnsubscribe, { uri });
      dropping.catch((e: unknown) => log.debug(`unsubscribe ${uri}: ${errorMessage(e)}`));
    }
    this.tasks.dropSession(session);
  }

  /** Answers every request the session has in flight with this error (shutdown), cancelling it at its backend. */
  failInflight(session: ClientSession, reason: string): void {
    const ledger = this.ledgers.get(session);
    if (!ledger) return;
    for (const routed of [...ledger.inflight.values()]) {
      this.abandon(routed, reason);
      this.fail(routed, ErrorCode.InternalError, reason);
    }
  }

  // ---- the host of backend connections --------------------------------------------------------

  attach(backend: Backend, connection: BackendConnection): void {
    const link: Link = { backend, connection, nextId: 1, pending: new Map(), asked: new Map(), elicitations: new Map(), rootsCause: undefined };
    this.links.set(backend, link);
    this.byConnection.set(connection, link);
    const { reader, writer } = connection.channel;
    reader.listen((msg, extra, text) => this.fromBackend(link, msg as Incoming, extra, text));
    reader.onInvalid((bad) => log.warn(`server "${backend.name}" sent an invalid message: ${bad.message}`));
    reader.onError((e) => log.error(`server "${backend.name}": handling its message failed: ${e.stack ?? e.message}`));
    // The backend paused a request's stream (polling): the client's stream of it pauses too.
    reader.onStreamPaused((id) => {
      const routed = typeof id === 'number' ? link.pending.get(id) : undefined;
      if (routed?.kind === 'routed') routed.session.channel.writer.pause(routed.clientId);
    });
    writer.onError(([e]) => log.warn(`cannot write to server "${backend.name}": ${errorMessage(e)}`));
  }

  detach(backend: Backend, connection: BackendConnection, reason: string): void {
    const link = this.byConnection.get(connection);
    if (!link) return;
    this.byConnection.delete(connection);
    if (this.links.get(backend) === link) this.links.delete(backend);
    const message = `server "${backend.name}" ${reason}`;
    for (const pending of link.pending.values()) {
      if (pending.kind === 'internal') pending.reject(new Error(message));
      else this.fail(pending, ErrorCode.InternalError, `${message} while handling ${pending.method}`);
    }
    link.pending.clear();
    // Its requests to clients can never be answered now: tell the clients to stop.
    for (const out of link.asked.values()) {
      this.ledgers.get(out.session)?.outbound?.delete(out.proxyId);
      out.session.send(notification(Notification.cancelled, { requestId: out.proxyId, reason: message }));
    }
    link.asked.clear();
    link.elicitations.clear();
    this.tasks.dropLink(link);
    this.parks.dropLink(link);
  }

  request(connection: BackendConnection, method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<any> {
    const link = this.byConnection.get(connection);
    if (!link) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      const id = link.nextId++;
      const entry: Internal = { kind: 'internal', method, timeoutMs, deadline: this.options.clock.now() + timeoutMs, resolve, reject };
      link.pending.set(id, entry);
      // The proxy's own requests to a modern backend speak for no client: no capabilities.
      const sent = link.backend.modern ? stampEnvelope(params ? { ...params } : undefined, PROXY_ENVELOPE) : params;
      const msg: JsonRpcRequest = sent === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: sent };
      try {
        connection.channel.writer.send(msg as any);
      } catch (e) {
        link.pending.delete(id);
        return reject(e);
      }
      this.arm();
    });
  }

  /** Ready again after a restart: the subscriptions clients hold are made again on the new connection. */
  ready(backend: Backend): void {
    if (backend.modern) return; // its listen stream is opened with the URIs
    for (const uri of this.subscriptions.uris(backend)) {
      backend.request(Method.resourcesSubscribe, { uri }).catch((e) => log.warn(`server "${backend.name}": subscribing again to ${uri} failed: ${errorMessage(e)}`));
    }
  }

  changed(backend: Backend, kinds: ListKind[]): void {
    this.options.onChanged(backend, kinds);
  }

  // ---- client → backend -----------------------------------------------------------------------

  /** True when the session already has a request with this id in flight. */
  inFlight(session: ClientSession, id: JsonRpcId): boolean {
    return this.ledgers.get(session)?.inflight.has(id) ?? false;
  }

  /**
   * Sends a client's request to a backend; the answer will come back to the session with the
   * client's own id. Answers the client with an error itself when the request cannot be sent.
   */
  forward(session: ClientSession, msg: JsonRpcRequest, backend: Backend | undefined, server: string, how: ForwardOptions = {}): void {
    const clientId = msg.id;
    const link = backend && this.links.get(backend);
    const ledger = this.ledgers.get(session);
    if (!ledger) return; // closed meanwhile (a per-client instance was starting)
    const call = this.options.observer.callStarted(session, server, msg);
    if (!backend || !link || backend.state !== 'ready') {
      const why = backend ? `${backend.state}${backend.lastError ? `: ${backend.lastError}` : ''}` : 'unknown server';
      call.ended('unavailable');
      return session.send(errorResponse(clientId, ErrorCode.InternalError, `server "${server}" is not available (${why})`));
    }
    const now = this.options.clock.now();
    const token = msg.params?._meta?.progressToken;
    const routed: Routed = {
      kind: 'routed',
      session,
      clientId,
      method: msg.method,
      progressToken: isValidId(token) ? token : undefined,
      link,
      backendId: link.nextId++,
      deadline: now + backend.requestTimeoutMs,
      maxDeadline: now + this.options.maxRequestMs,
      progressed: false,
      createsTask: msg.method === Method.toolsCall && msg.params?.task !== undefined,
      task: how.task,
      target: how.target,
      params: msg.params,
      rounds: how.rounds,
      call,
    };
    msg.id = routed.backendId;
    if (routed.progressToken !== undefined) msg.params!._meta.progressToken = routed.backendId;
    this.mapRelatedTaskToRunner(msg.params, session);
    if (backend.modern) msg.params = stampEnvelope(msg.params, envelopeOf(session));
    else if (session.modern) stripEnvelope(msg.params); // a 2025 backend knows its client from initialize
    try {
      link.connection.channel.writer.send(msg as any);
    } catch (e) {
      call.ended('error');
      return session.send(errorResponse(clientId, ErrorCode.InvalidRequest, `the request could not be sent: ${whyNotSent(e)}`));
    }
    link.pending.set(routed.backendId, routed);
    ledger.inflight.set(clientId, routed);
    this.arm();
  }

  /** The client cancelled its request: the backend is told, the late answer will be dropped. */
  cancel(session: ClientSession, clientId: JsonRpcId, reason: string): boolean {
    const ledger = this.ledgers.get(session);
    const routed = ledger?.inflight.get(clientId);
    if (!routed) return false;
    ledger!.inflight.delete(clientId);
    this.abandon(routed, reason);
    this.rounds.withdrawRound(ledger!, routed, reason);
    return true;
  }

  /** Gives up a forwarded request at its backend (if still waiting there): it is told to stop. */
  abandon(routed: Routed, reason: string): void {
    const { link, backendId } = routed;
    if (link.pending.get(backendId) !== routed) return;
    link.pending.delete(backendId);
    routed.call.ended('cancelled');
    this.toBackend(link, notification(Notification.cancelled, { requestId: backendId, reason }));
  }

  /** A 2026 client's retry carrying a requestState this proxy sealed (see bridge-park.ts). */
  resume(session: ClientSession, msg: JsonRpcRequest): void {
    this.parks.resume(session, msg);
  }

  /** A client's answer to a backend's request: back to that backend with its own id. */
  fromClientResponse(session: ClientSession, msg: JsonRpcResponse): void {
    const ledger = this.ledgers.get(session);
    const out = typeof msg.id === 'number' ? ledger?.outbound?.get(msg.id) : undefined;
    if (!out) return log.debug(`session ${session.id}: answer to unknown id ${JSON.stringify(msg.id)} dropped`);
    ledger!.outbound?.delete(out.proxyId);
    if (out.round) return this.rounds.roundAnswered(out.round.routed, out.round.key, msg);
    if (out.link.asked.get(out.backendId) === out) out.link.asked.delete(out.backendId);
    if (out.createsTask && typeof msg.result?.task?.taskId === 'string') {
      const entry = this.tasks.add({ session, link: out.link, runner: 'client', runnerId: msg.result.task.taskId }, msg.result.task.ttl, this.options.clock.now());
      rewriteTaskResult(msg.result, entry.proxyId);
    } else if (out.task && msg.result) {
      rewriteTaskResult(msg.result, out.task.proxyId);
    }
    if (out.method === Method.tasksList && Array.isArray(msg.result?.tasks)) {
      msg.result.tasks = this.clientTasksForBackend(session, out.link, msg.result.tasks);
    }
    msg.id = out.backendId as JsonRpcId;
    this.toBackend(out.link, msg);
  }

  /** Progress from the client on a backend's request that carried a progress token. */
  fromClientProgress(session: ClientSession, msg: JsonRpcNotification): void {
    const token = msg.params?.progressToken;
    const out = typeof token === 'number' ? this.ledgers.get(session)?.outbound?.get(token) : undefined;
    if (out?.backendToken === undefined) return log.debug(`session ${session.id}: progress for unknown token dropped`);
    msg.params!.progressToken = out.backendToken;
    this.toBackend(out.link, msg);
  }

  /** A client-run task's status: to the backend that asked for it, by the proxy's task id. */
  fromClientTaskStatus(session: ClientSession, msg: JsonRpcNotification): void {
    const entry = this.tasks.ofClient(session, msg.params?.taskId);
    if (!entry) return log.debug(`session ${session.id}: status of an unknown task dropped`);
    msg.params!.taskId = entry.proxyId;
    this.toBackend(entry.link, msg);
  }

  /** The session's roots changed: these backends are told, and their next roots/list is for it. */
  rootsChanged(session: ClientSession, backends: Iterable<Backend>, msg: JsonRpcNotification): void {
    for (const backend of backends) {
      const link = this.links.get(backend);
      if (!link || backend.state !== 'ready') continue;
      link.rootsCause = session;
      this.toBackend(link, msg);
    }
  }

  /** resources/subscribe: recorded, then forwarded (the backend's subscription serves every session). */
  subscribe(session: ClientSession, msg: JsonRpcRequest, backend: Backend | undefined, server: string): void {
    if (backend) this.subscriptions.add(backend, msg.params!.uri, session);
    // A 2026 backend has no resources/subscribe: its listen stream carries the URIs instead.
    if (backend?.modern) return void backend.subscriptionsChanged().then(() => session.send(resultResponse(msg.id, {})));
    this.forward(session, msg, backend, server);
  }

  /** A 2026 client's listen stream wants updates of this resource. */
  listenTo(session: ClientSession, backend: Backend, uri: string): void {
    const first = [...this.subscriptions.sessions(backend, uri)].length === 0;
    this.subscriptions.add(backend, uri, session);
    if (!first) return;
    const subscribing = backend.modern ? backend.subscriptionsChanged() : backend.request(Method.resourcesSubscribe, { uri });
    subscribing.catch((e: unknown) => log.warn(`server "${backend.name}": subscribing to ${uri} failed: ${errorMessage(e)}`));
  }

  /** resources/unsubscribe: answered here while other sessions still want the URI from a shared backend. */
  unsubscribe(session: ClientSession, msg: JsonRpcRequest, backend: Backend | undefined, server: string): void {
    const left = backend ? this.subscriptions.remove(backend, msg.params!.uri, session) : 0;
    if (left > 0 && !this.owners.has(backend!)) return session.send(resultResponse(msg.id, {}));
    if (backend?.modern) return void backend.subscriptionsChanged().then(() => session.send(resultResponse(msg.id, {})));
    this.forward(session, msg, backend, server);
  }

  /** tasks/get, tasks/result, tasks/cancel of a task the session created: to the backend running it. */
  taskRequest(session: ClientSession, msg: JsonRpcRequest): void {
    const entry = this.tasks.get(msg.params?.taskId);
    if (!entry || entry.session !== session || entry.runner !== 'backend') {
      return session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: unknown task ${JSON.stringify(msg.params?.taskId)}`));
    }
    msg.params!.taskId = entry.runnerId;
    this.forward(session, msg, entry.link.backend, entry.link.backend.name, { task: entry });
  }

  /**
   * tasks/list: every backend running tasks of this session is asked (all pages), and only this
   * session's tasks are returned, under the proxy's ids.
   */
  async listTasks(session: ClientSession): Promise<unknown[]> {
    const links = new Set<Link>();
    for (const link of this.links.values()) if ((link.backend.init?.capabilities as Record<string, any> | undefined)?.tasks?.list) links.add(link);
    const lists = await Promise.all(
      [...links].map(async (link) => {
        const mine: unknown[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 100; page++) {
          const result = await link.backend.request(Method.tasksList, cursor === undefined ? undefined : { cursor });
          for (const task of Array.isArray(result?.tasks) ? result.tasks : []) {
            const entry = this.tasks.ofBackend(link, task?.taskId);
            if (entry?.session === session) mine.push({ ...task, taskId: entry.proxyId });
          }
          cursor = typeof result?.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
          if (cursor === undefined) break;
        }
        return mine;
      }),
    );
    return lists.flat();
  }

  // ---- backend → proxy ------------------------------------------------------------------------

  private fromBackend(link: Link, msg: Incoming, extra: MessageExtra | undefined, text: string | undefined): void {
    if (!('method' in msg)) return this.onBackendResponse(link, msg, text);
    if ('id' in msg) return this.onBackendRequest(link, msg, extra);
    this.onBackendNotification(link, msg, extra);
  }

  private onBackendResponse(link: Link, msg: JsonRpcResponse, text?: string): void {
    const entry = typeof msg.id === 'number' ? link.pending.get(msg.id) : undefined;
    if (!entry) return log.debug(`server "${link.backend.name}" answered unknown or cancelled id ${JSON.stringify(msg.id)}; dropped`);
    link.pending.delete(msg.id as number);
    if (entry.kind === 'internal') {
      if (msg.error) entry.reject(new Error(`${entry.method} failed: ${msg.error.message} (${msg.error.code})`));
      else entry.resolve(msg.result);
      return;
    }
    this.answer(link, entry, msg, text);
  }

  /** A forwarded request's answer, to the client that asked (or parked for it, or asked again). */
  answer(link: Link, entry: Routed, msg: JsonRpcResponse, text?: string): void {
    entry.call.ended(responseOutcome(msg)); // the backend has answered (a next round is a call of its own)
    if (entry.park?.parked) {
      entry.park.final = msg; // given to the client's retry
      return;
    }
    if (entry.park) this.parks.dropPark(entry.park);
    const ledger = this.ledgers.get(entry.session);
    if (ledger?.inflight.get(entry.clientId) === entry) ledger.inflight.delete(entry.clientId);
    if (!entry.session.modern && isInputRequired(msg.result) && INPUT_REQUIRED_METHODS.has(entry.method)) return this.rounds.askRound(entry, msg.result);
    msg.id = entry.clientId;
    // Only the id changes: the backend's own text goes on with the id spliced in (no second serialization).
    const only = text !== undefined && !entry.session.modern && !entry.createsTask && !entry.task;
    const spliced = only ? spliceId(text, entry.backendId, JSON.stringify(entry.clientId)) : undefined;
    if (entry.session.modern) toModernAnswer(msg, entry.method, entry.target);
    if (entry.createsTask && typeof msg.result?.task?.taskId === 'string') {
      const progress = entry.progressToken === undefined ? undefined : { backendToken: entry.backendId, clientToken: entry.progressToken };
      const task = this.tasks.add(
        { session: entry.session, link, runner: 'backend', runnerId: msg.result.task.taskId, progress },
        msg.result.task.ttl,
        this.options.clock.now(),
      );
      rewriteTaskResult(msg.result, task.proxyId);
    } else if (entry.task && msg.result) {
      rewriteTaskResult(msg.result, entry.task.proxyId);
    }
    // The MCP SDK handles a response before notifications read in the same chunk, dropping
    // progress that arrived just ahead of it: after progress, send the answer in a later write.
    if (entry.progressed) setImmediate(() => entry.session.send(msg, undefined, spliced));
    else entry.session.send(msg, undefined, spliced);
  }

  private onBackendNotification(link: Link, msg: JsonRpcNotification, extra: MessageExtra | undefined): void {
    const { backend } = link;
    switch (msg.method) {
      case Notification.progress:
        return this.onBackendProgress(link, msg);
      case Notification.message: {
        if (msg.params) msg.params.logger = msg.params.logger ? `${backend.name}/${msg.params.logger}` : backend.name;
        const level = LoggingLevels.indexOf(msg.params?.level);
        // A 2026 request gets logs only when it asked for them (_meta logLevel).
        const admits = (s: ClientSession) => (s.logLevel === undefined ? !s.modern : level >= s.logLevel);
        const related = this.relatedRequest(link, extra);
        if (related) return void (admits(related.session) && related.session.send(msg, related.clientId));
        const task = this.tasks.ofBackend(link, relatedTaskId(msg.params));
        if (task) return void (admits(task.session) && this.sendTaskRelated(task, msg));
        for (const s of this.audience(link)) if (admits(s)) s.send(msg);
        return;
      }
      case Notification.resourceUpdated:
        for (const s of this.subscriptions.sessions(backend, msg.params?.uri)) if (s.listen) s.sendListen(msg);
        else s.send(msg);
        return;
      case Notification.elicitationComplete: {
        const id = msg.params?.elicitationId;
        const session = typeof id === 'string' ? link.elicitations.get(id) : undefined;
        if (!session) return log.debug(`server "${backend.name}": completion of an unknown elicitation dropped`);
        link.elicitations.delete(id);
        return session.send(msg);
      }
      case Notification.cancelled: {
        const requestId = msg.params?.requestId;
        const out = isValidId(requestId) ? link.asked.get(requestId) : undefined;
        if (!out) return;
        link.asked.delete(requestId as JsonRpcId);
        this.ledgers.get(out.session)?.outbound?.delete(out.proxyId);
        return out.session.send(notification(Notification.cancelled, { ...msg.params, requestId: out.proxyId }));
      }
      case Notification.tasksStatus: {
        const task = this.tasks.ofBackend(link, msg.params?.taskId);
        if (!task) return log.debug(`server "${backend.name}": status of an unknown task dropped`);
        msg.params!.taskId = task.proxyId;
        return task.session.send(msg);
      }
      case Notification.toolsListChanged:
      case Notification.promptsListChanged:
      case Notification.resourcesListChanged:
        return backend.noteListChanged(msg.method); // clients hear of it once the merged list really changed
      default: {
        const task = this.tasks.ofBackend(link, relatedTaskId(msg.params));
        if (task) return this.sendTaskRelated(task, msg);
        for (const s of this.audience(link)) s.send(msg);
      }
    }
  }

  private onBackendProgress(link: Link, msg: JsonRpcNotification): void {
    const token = msg.params?.progressToken;
    const entry = typeof token === 'number' ? link.pending.get(token) : undefined;
    if (entry?.kind === 'routed' && entry.progressToken !== undefined) {
      entry.deadline = Math.min(this.options.clock.now() + link.backend.requestTimeoutMs, entry.maxDeadline);
      entry.progressed = true;
      msg.params!.progressToken = entry.progressToken;
      return entry.session.send(msg, entry.clientId);
    }
    // A task keeps its request's progress token for its whole life.
    const task = this.tasks.ofProgress(link, token);
    if (task?.progress) {
      msg.params!.progressToken = task.progress.clientToken;
      return task.session.send(msg);
    }
    log.debug(`server "${link.backend.name}": progress for unknown token dropped`);
  }

  /** A server→client request: sent on to the one session it is for, or refused to the backend. */
  private onBackendRequest(link: Link, msg: JsonRpcRequest, extra: MessageExtra | undefined): void {
    const { backend } = link;
    if (msg.method === Method.ping) return this.toBackend(link, resultResponse(msg.id, {}));
    let task: TaskEntry | undefined;
    let session: ClientSession | undefined;
    if (TASK_METHODS.has(msg.method)) {
      // About a task a client runs for this backend: only that client can answer.
      task = this.tasks.get(msg.params?.taskId);
      if (task?.runner !== 'client' || task.link !== link) {
        return this.toBackend(link, errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: unknown task ${JSON.stringify(msg.params?.taskId)}`));
      }
      session = task.session;
      msg.params!.taskId = task.runnerId;
    } else {
      session = this.requestOwner(link, msg, extra);
    }
    if (!session) {
      return this.toBackend(link, errorResponse(msg.id, ErrorCode.InternalError, `multi-mcp cannot tell which client ${msg.method} is for: no single client has a request in flight at "${backend.name}"`));
    }
    const ledger = this.ledgers.get(session)!;
    const missing = missingCapability(session.capabilities, msg.method, msg.params);
    if (missing) {
      return this.toBackend(link, errorResponse(msg.id, ErrorCode.MethodNotFound, `the client (${session.clientInfo.name} ${session.clientInfo.version}) does not support ${missing}`));
    }
    if (session.modern) return this.parks.park(link, msg, session, extra);
    const relatedTask = this.tasks.ofBackend(link, relatedTaskId(msg.params));
    if (relatedTask) setRelatedTaskId(msg.params, relatedTask.proxyId);
    const proxyId = ledger.nextId++;
    const token = msg.params?._meta?.progressToken;
    const out: Outbound = {
      session,
      proxyId,
      link,
      backendId: msg.id,
      method: msg.method,
      backendToken: isValidId(token) ? token : undefined,
      deadline: this.options.clock.now() + this.options.clientAnswerMs,
      createsTask: msg.params?.task !== undefined,
      task,
    };
    if (out.backendToken !== undefined) msg.params!._meta.progressToken = proxyId;
    if (msg.method === Method.elicitationCreate) this.noteElicitation(link, msg.params?.elicitationId, session);
    (ledger.outbound ??= new Map()).set(proxyId, out);
    link.asked.set(msg.id, out);
    msg.id = proxyId;
    if (!session.trySend(msg, this.relatedClientId(link, extra, session))) {
      // It never reached the client (it cannot be serialized, or the session just closed): the
      // backend is answered now instead of waiting for the client's deadline.
      ledger.outbound.delete(proxyId);
      link.asked.delete(out.backendId);
      return this.toBackend(link, errorResponse(out.backendId, ErrorCode.InternalError, `${out.method} could not be sent to the client`));
    }
    this.arm();
  }

  /**
   * Which session a backend's own request is for. Only what can be known: the instance's owner
   * (per-client), the task it belongs to, the request the wire relates it to; for roots/list the
   * session whose roots change the backend heard just before (once); the only session at all, or
   * the only one with requests in flight there; for roots/list last, the only one with roots.
   * Never a guess between sessions.
   */
  private requestOwner(link: Link, msg: JsonRpcRequest, extra: MessageExtra | undefined): ClientSession | undefined {
    const owner = this.owners.get(link.backend);
    if (owner) return owner;
    const task = this.tasks.ofBackend(link, relatedTaskId(msg.params));
    if (task) return task.session;
    if (extra?.relatedRequestId !== undefined) return this.relatedRequest(link, extra)?.session;
    if (msg.method === Method.rootsList && link.rootsCause) {
      const cause = link.rootsCause;
      link.rootsCause = undefined;
      return cause;
    }
    if (msg.method === Method.tasksList) return only([...this.tasks.clientRunners(link)]);
    if (this.ledgers.size === 1) return this.ledgers.keys().next().value;
    const asking = new Set<ClientSession>();
    for (const p of link.pending.values()) if (p.kind === 'routed') asking.add(p.session);
    if (asking.size > 0 || msg.method !== Method.rootsList) return only([...asking]);
    return only([...this.ledgers.keys()].filter((s) => s.capabilities.roots));
  }

  /** The client request a backend message relates to, when the wire said so. */
  relatedRequest(link: Link, extra: MessageExtra | undefined): Routed | undefined {
    const id = extra?.relatedRequestId;
    const entry = typeof id === 'number' ? link.pending.get(id) : undefined;
    return entry?.kind === 'routed' ? entry : undefined;
  }

  /** The client's id of the request a message to it relates to: named by the wire, or its only one there. */
  private relatedClientId(link: Link, extra: MessageExtra | undefined, session: ClientSession): JsonRpcId | undefined {
    const named = this.relatedRequest(link, extra);
    if (named?.session === session) return named.clientId;
    let found: Routed | undefined;
    for (const p of link.pending.values()) {
      if (p.kind !== 'routed' || p.session !== session) continue;
      if (found) return undefined;
      found = p;
    }
    return found?.clientId;
  }

  /** A backend-task-related message: to the task's session, naming the task by the proxy's id. */
  private sendTaskRelated(task: TaskEntry, msg: JsonRpcNotification): void {
    setRelatedTaskId(msg.params, task.proxyId);
    task.session.send(msg);
  }

  /** A client message naming a task by the proxy's id: the runner's id instead. */
  private mapRelatedTaskToRunner(params: Record<string, any> | undefined, session: ClientSession): void {
    const task = this.tasks.get(relatedTaskId(params));
    if (task?.session === session) setRelatedTaskId(params, task.runnerId);
  }

  /** A client's answer to a backend's tasks/list: only the tasks it runs for that backend, by proxy id. */
  private clientTasksForBackend(session: ClientSession, link: Link, tasks: unknown[]): unknown[] {
    const mine: unknown[] = [];
    for (const t of tasks as { taskId?: unknown }[]) {
      const entry = this.tasks.ofClient(session, t?.taskId);
      if (entry?.link === link) mine.push({ ...t, taskId: entry.proxyId });
    }
    return mine;
  }

  private noteElicitation(link: Link, elicitationId: unknown, session: ClientSession): void {
    if (typeof elicitationId !== 'string') return;
    if (link.elicitations.size >= MAX_TRACKED_ELICITATIONS) link.elicitations.delete(link.elicitations.keys().next().value!);
    link.elicitations.set(elicitationId, session);
  }

  /** The sessions a backend's broadcast notifications concern: its owner for a per-client instance, else all initialized whose view shows it. */
  private audience(link: Link): ClientSession[] {
    const owner = this.owners.get(link.backend);
    if (owner) return owner.initialized ? [owner] : [];
    return [...this.ledgers.keys()].filter((s) => s.initialized && s.view.allows(link.backend.name));
  }

  // ---- deadlines ------------------------------------------------------------------------------

  /** Fails what is past its deadline: requests at backends, backends' requests at clients, expired tasks. */
  sweep(now: number): void {
    for (const link of this.links.values()) {
      for (const [id, entry] of link.pending) {
        if (entry.deadline > now) continue;
        link.pending.delete(id);
        const unsent = link.connection.channel.writer.unsend(id); // a server not reading never got it: free it
        const timeoutMs = entry.kind === 'internal' ? entry.timeoutMs : link.backend.requestTimeoutMs;
        const message = `server "${link.backend.name}" did not answer ${entry.method} within ${formatDuration(timeoutMs)}`;
        if (entry.kind === 'internal') {
          entry.reject(new Error(message));
          continue;
        }
        if (!unsent) this.toBackend(link, notification(Notification.cancelled, { requestId: id, reason: 'timeout' }));
        this.fail(entry, ErrorCode.RequestTimeout, message);
      }
    }
    for (const ledger of this.ledgers.values()) {
      for (const out of ledger.outbound?.values() ?? []) {
        if (out.deadline > now) continue;
        ledger.outbound?.delete(out.proxyId);
        if (out.round) {
          const message = `the client did not answer ${out.method} within ${formatDuration(this.options.clientAnswerMs)}`;
          this.rounds.withdrawRound(ledger, out.round.routed, message);
          this.fail(out.round.routed, ErrorCode.RequestTimeout, message);
          continue;
        }
        if (out.link.asked.get(out.backendId) === out) out.link.asked.delete(out.backendId);
        const message = `the client did not answer ${out.method} within ${formatDuration(this.options.clientAnswerMs)}`;
        this.toBackend(out.link, errorResponse(out.backendId, ErrorCode.RequestTimeout, message));
        out.session.send(notification(Notification.cancelled, { requestId: out.proxyId, reason: message }));
      }
    }
    this.tasks.expire(now);
    this.parks.sweep(now);
  }

  /** Keeps one sweep scheduled while anything has a deadline. */
  arm(): void {
    if (this.ticking) return;
    this.ticking = this.options.clock.after(SWEEP_MS, () => {
      this.ticking = undefined;
      this.sweep(this.options.clock.now());
      if (this.waiting()) this.arm();
    });
  }

  private waiting(): boolean {
    for (const link of this.links.values()) if (link.pending.size > 0) return true;
    for (const ledger of this.ledgers.values()) if (ledger.outbound?.size) return true;
    return this.tasks.size > 0 || this.parks.size > 0;
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A forwarded request that gets no answer from its backend: the client gets this error. */
  fail(routed: Routed, code: number, message: string): void {
    routed.call.ended(code === ErrorCode.RequestTimeout ? 'timeout' : 'error');
    const ledger = this.ledgers.get(routed.session);
    if (ledger?.inflight.get(routed.clientId) === routed) ledger.inflight.delete(routed.clientId);
    routed.session.send(errorResponse(routed.clientId, code, message));
  }

  toBackend(link: Link, msg: object): void {
    if (this.byConnection.get(link.connection) !== link) return; // that connection is over
    try {
      link.connection.channel.writer.send(msg as any);
    } catch (e) {
      log.warn(`cannot send to server "${link.backend.name}": ${errorMessage(e)}`);
    }
  }

  /** How many entries each table holds (tests assert they drain to zero). */
  counts(): Record<string, number> {
    let pending = 0;
    let asked = 0;
    let elicitations = 0;
    let inflight = 0;
    let outbound = 0;
    for (const link of this.links.values()) {
      pending += link.pending.size;
      asked += link.asked.size;
      elicitations += link.elicitations.size;
    }
    for (const ledger of this.ledgers.values()) {
      inflight += ledger.inflight.size;
      outbound += ledger.outbound?.size ?? 0;
    }
    return { pending, asked, elicitations, inflight, outbound, tasks: this.tasks.size, subscriptions: this.subscriptions.size, parks: this.parks.size, connections: this.byConnection.size };
  }
}

const PROXY_ENVELOPE: Envelope = { protocolVersion: MODERN_VERSION, clientCapabilities: {}, clientInfo: PROXY_INFO };

/** What a modern backend is told about the client a request is for. */
function envelopeOf(session: ClientSession): Envelope {
  const envelope: Envelope = {
    protocolVersion: MODERN_VERSION,
    clientCapabilities: session.modern?.clientCapabilities ?? toModernCapabilities(session.capabilities),
    clientInfo: session.clientInfo,
  };
  const level = session.modern ? session.modern.logLevel : session.logLevel === undefined ? undefined : LoggingLevels[session.logLevel];
  if (level) envelope.logLevel = level;
  return envelope;
}

function only<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

export { BackendUnavailable };
