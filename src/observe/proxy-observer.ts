// The observer behind the status page and /metrics: counts forwarded requests per backend
// (outcome, latency, in flight), sessions per front and backend restarts, keeps the last calls,
// and logs each finished call at debug level with its trace id.
import { performance } from 'node:perf_hooks';
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import { Method } from '../../protocol/mcp.js';
import { enabled, log } from '../log.js';
import { PROXY_INFO } from '../proxy-info.js';
import { CallLog, shortId, type CallRecord } from './call-log.js';
import { Counter, Gauge, Histogram, MetricsRegistry, type CounterSeries, type GaugeSeries, type HistogramSeries } from './metrics.js';
import type { CallHandle, CallOutcome, Observer, ObservedBackend, ObservedRequest, ObservedSession } from './observer.js';
import { traceIdOf } from './trace.js';

export const BACKEND_STATES = ['starting', 'ready', 'idle', 'failed', 'restarting', 'stopped'] as const;

/** Seconds; from a fast local tool call to a slow remote one. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface ProxyObserverOptions {
  /** --metrics-tool-labels: a `tool` label on request metrics (unbounded in general, so off by default). */
  toolLabels?: boolean;
  /** The registered backends, for the state gauge. */
  backends?: () => Iterable<ObservedBackend>;
  /** Monotonic milliseconds (injected by tests). */
  now?: () => number;
  /** Wall-clock milliseconds since the epoch (injected by tests). */
  wallClock?: () => number;
  callLogSize?: number;
}

export interface SessionEntry {
  /** ms since the epoch */
  openedAt: number;
  inFlight: number;
}

/** The series one (server, method[, tool]) updates, looked up once per call. */
interface CallSeries {
  inFlight: GaugeSeries;
  duration: HistogramSeries;
  outcomes: Partial<Record<CallOutcome, CounterSeries>>;
  labels: string[];
}

export class ProxyObserver implements Observer {
  readonly metrics = new MetricsRegistry();
  private readonly calls: CallLog<Call>;
  /** Open client sessions, for the page. */
  readonly sessions = new Map<ObservedSession, SessionEntry>();
  readonly now: () => number;
  readonly wallClock: () => number;
  private readonly toolLabels: boolean;
  /** server → method → series (tool labels: method → tool → series); no key strings built per call. */
  private readonly series = new Map<string, Map<string, CallSeries | Map<string, CallSeries>>>();
  /** The series of the previous call: a run of calls to one tool skips the map lookups. */
  private lastSeries: CallSeries | undefined;
  /** Wall clock minus monotonic clock: a call's start in wall time without reading the wall clock per call. */
  private readonly wallOffset: number;
  private readonly seen = new WeakMap<ObservedBackend, { state: string; readySince?: number }>();

  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly inFlight: Gauge;
  private readonly restarts: Counter;
  private readonly sessionsOpen: Gauge;
  private readonly sessionsTotal: Counter;

  constructor(options: ProxyObserverOptions = {}) {
    this.toolLabels = options.toolLabels ?? false;
    this.now = options.now ?? performance.now.bind(performance);
    this.wallClock = options.wallClock ?? Date.now;
    this.wallOffset = this.wallClock() - this.now();
    this.calls = new CallLog(options.callLogSize);
    const m = this.metrics;
    const callLabels = this.toolLabels ? ['server', 'method', 'tool'] : ['server', 'method'];
    m.add(new Gauge('multi_mcp_build_info', 'multi-mcp version (always 1)', ['version'])).labels(PROXY_INFO.version).value = 1;
    const state = m.add(new Gauge('multi_mcp_backend_state', 'Backend server state: 1 for its current state, 0 for the others', ['server', 'state']));
    this.restarts = m.add(new Counter('multi_mcp_backend_restarts_total', 'Restarts scheduled after a backend server exited, disconnected or failed to start', ['server']));
    this.requests = m.add(new Counter('multi_mcp_backend_requests_total', 'Client requests forwarded to a backend server, by how they ended', [...callLabels.slice(0, 2), 'outcome', ...callLabels.slice(2)]));
    this.duration = m.add(new Histogram('multi_mcp_backend_request_duration_seconds', 'Time from forwarding a client request to its answer (or failure)', callLabels, DURATION_BUCKETS));
    this.inFlight = m.add(new Gauge('multi_mcp_backend_requests_in_flight', 'Client requests forwarded to a backend server and not answered yet', ['server']));
    this.sessionsOpen = m.add(new Gauge('multi_mcp_front_sessions_open', 'Client sessions open, by front', ['front']));
    this.sessionsTotal = m.add(new Counter('multi_mcp_front_sessions_total', 'Client sessions opened since start, by front', ['front']));
    if (options.backends) {
      const backends = options.backends;
      m.onCollect(() => {
        state.clear();
        for (const b of backends()) for (const s of BACKEND_STATES) state.labels(b.name, s).value = b.state === s ? 1 : 0;
      });
    }
  }

  /** Fronts that exist in this mode: their session series show 0 before the first session. */
  declareFronts(fronts: readonly string[]): void {
    for (const front of fronts) {
      this.sessionsOpen.labels(front);
      this.sessionsTotal.labels(front);
    }
  }

  callStarted(session: ObservedSession, server: string, request: ObservedRequest): CallHandle {
    const { method, params } = request;
    const named = method === Method.toolsCall || method === Method.promptsGet;
    const name = named && typeof params?.name === 'string' ? (params.name as string) : undefined;
    const tool = this.toolLabels && method === Method.toolsCall ? (name ?? '') : undefined;
    const series = this.seriesFor(server, method, tool);
    series.inFlight.value++;
    const entry = this.sessions.get(session);
    if (entry) entry.inFlight++;
    const traceId = params?._meta?.traceparent === undefined ? undefined : traceIdOf(params._meta.traceparent);
    return new Call(this, series, session, entry, request.id, name, traceId, this.now());
  }

  /** Called by a Call once. */
  finish(call: Call): void {
    const ms = (call.ms = this.now() - call.start);
    const { series, outcome } = call;
    series.inFlight.value--;
    if (call.entry) call.entry.inFlight--;
    // A request that never reached the backend says nothing about its latency.
    if (outcome !== 'unavailable') series.duration.observe(ms / 1000);
    (series.outcomes[outcome!] ??= this.requests.labels(...outcomeLabels(series.labels, outcome!))).value++;
    this.calls.add(call);
    if (enabled('debug')) {
      const [server, method] = series.labels;
      const what = call.name === undefined ? method : `${method} ${call.name}`;
      log.debug(`${what} on "${server}": ${outcome} in ${round3(ms)} ms`, {
        server,
        session: shortId(call.session.id),
        method,
        id: call.clientId,
        name: call.name,
        ms: round3(ms),
        outcome,
        trace_id: call.traceId,
      });
    }
  }

  sessionOpened(session: ObservedSession): void {
    if (session.modern) return; // a 2026-07-28 request has no session: its call is counted, not it
    this.sessions.set(session, { openedAt: this.wallClock(), inFlight: 0 });
    this.sessionsOpen.labels(session.front).value++;
    this.sessionsTotal.labels(session.front).value++;
  }

  sessionClosed(session: ObservedSession): void {
    if (this.sessions.delete(session)) this.sessionsOpen.labels(session.front).value--;
  }

  backendChanged(backend: ObservedBackend): void {
    const before = this.seen.get(backend);
    if (before?.state === backend.state) return;
    if (backend.state === 'restarting') this.restarts.labels(backend.name).value++;
    const readySince = backend.state === 'ready' ? this.wallClock() : undefined;
    this.seen.set(backend, { state: backend.state, readySince });
  }

  /** Requests forwarded to a server (all its instances) and not answered yet. */
  inFlightAt(server: string): number {
    return this.inFlight.labels(server).value;
  }

  /** The last finished calls, newest first. */
  recentCalls(limit?: number): CallRecord[] {
    return this.calls.recent(limit).map((call) => {
      const record: CallRecord = {
        time: Math.round(this.wallOffset + call.start),
        session: shortId(call.session.id),
        front: call.session.front,
        method: call.series.labels[1],
        server: call.series.labels[0],
        ms: round3(call.ms),
        outcome: call.outcome!,
      };
      if (call.name !== undefined) record.name = call.name;
      if (call.traceId !== undefined) record.traceId = call.traceId;
      return record;
    });
  }

  /** Restarts of a server (all its instances) since start. */
  restartCount(server: string): number {
    return this.restarts.labels(server).value;
  }

  /** Since when (ms since the epoch) a backend has been ready; undefined if it is not. */
  readySince(backend: ObservedBackend): number | undefined {
    return this.seen.get(backend)?.readySince;
  }

  private seriesFor(server: string, method: string, tool: string | undefined): CallSeries {
    const last = this.lastSeries;
    if (tool === undefined && last !== undefined && last.labels[0] === server && last.labels[1] === method && last.labels.length === 2) return last;
    let byMethod = this.series.get(server);
    if (!byMethod) this.series.set(server, (byMethod = new Map()));
    let found = byMethod.get(method);
    if (tool !== undefined) {
      if (!found) byMethod.set(method, (found = new Map<string, CallSeries>()));
      const byTool = found as Map<string, CallSeries>;
      let series = byTool.get(tool);
      if (!series) byTool.set(tool, (series = this.newSeries([server, method, tool])));
      return series;
    }
    if (!found) byMethod.set(method, (found = this.newSeries([server, method])));
    return (this.lastSeries = found as CallSeries);
  }

  private newSeries(labels: string[]): CallSeries {
    return { inFlight: this.inFlight.labels(labels[0]), duration: this.duration.labels(...labels), outcomes: {}, labels };
  }

}

/** The requests_total label values: server, method, outcome[, tool]. */
function outcomeLabels(labels: string[], outcome: CallOutcome): string[] {
  return [labels[0], labels[1], outcome, ...labels.slice(2)];
}

/** Milliseconds to the microsecond. */
function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** One forwarded request: its series, its session, when it started; once ended, its outcome and duration. */
class Call implements CallHandle {
  outcome: CallOutcome | undefined;
  ms = 0;

  constructor(
    private readonly observer: ProxyObserver,
    readonly series: CallSeries,
    readonly session: ObservedSession,
    readonly entry: SessionEntry | undefined,
    /** The client's own id (the message's id is rewritten once forwarded). */
    readonly clientId: JsonRpcId,
    readonly name: string | undefined,
    readonly traceId: string | undefined,
    readonly start: number,
  ) {}

  ended(outcome: CallOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.observer.finish(this);
  }
}
