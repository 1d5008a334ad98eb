// The status page's data (GET /status): backends, sessions by front, the last calls. Nothing in
// it is secret: URLs are redacted, commands and their arguments, headers and env are left out.
import type { Backend } from '../backends/backend.js';
import { describeBackend, type ServerStatus } from '../http/admin.js';
import { PROXY_INFO } from '../proxy-info.js';
import { shortId, type CallRecord } from './call-log.js';
import type { ProxyObserver } from './proxy-observer.js';
import { redactUrl, redactUrlsIn } from '../redact.js';

/** Calls and sessions sent to the page at most (the call log itself may hold more). */
const MAX_CALLS = 50;
const MAX_SESSIONS = 200;

/** What /mcp_servers says of a server, and more. */
export interface BackendStatus extends ServerStatus {
  url?: string;
  /** Server-reported name and version. */
  server?: string;
  protocolVersion?: string;
  /** 2025: session-based protocol (2025-11-25 and older); 2026: stateless (2026-07-28). */
  era?: '2025' | '2026';
  restarts: number;
  inFlight: number;
  /** Ready since (ms since the epoch). */
  readySince?: number;
}

export interface SessionStatus {
  id: string;
  front: string;
  client: string;
  protocolVersion?: string;
  openedAt: number;
  inFlight: number;
}

export interface Status {
  proxy: { version: string; pid: number; startedAt: number; now: number };
  backends: BackendStatus[];
  sessions: { byFront: Record<string, number>; total: number; list: SessionStatus[] };
  calls: CallRecord[];
}

export function collectStatus(backends: Iterable<Backend>, observer: ProxyObserver, startedAt: number): Status {
  const byFront: Record<string, number> = {};
  const list: SessionStatus[] = [];
  for (const [s, { openedAt, inFlight }] of observer.sessions) {
    byFront[s.front] = (byFront[s.front] ?? 0) + 1;
    if (list.length >= MAX_SESSIONS) continue;
    const client = `${s.clientInfo.name}${s.clientInfo.version ? ` ${s.clientInfo.version}` : ''}`;
    const session: SessionStatus = { id: shortId(s.id), front: s.front, client, openedAt, inFlight };
    if (s.protocolVersion) session.protocolVersion = s.protocolVersion;
    list.push(session);
  }
  return {
    proxy: { version: PROXY_INFO.version, pid: process.pid, startedAt, now: observer.wallClock() },
    backends: [...backends].map((b) => backendStatus(b, observer)),
    sessions: { byFront, total: observer.sessions.size, list },
    calls: observer.recentCalls(MAX_CALLS),
  };
}

function backendStatus(b: Backend, observer: ProxyObserver): BackendStatus {
  const status: BackendStatus = { ...describeBackend(b), restarts: observer.restartCount(b.name), inFlight: observer.inFlightAt(b.name) };
  if (b.spec.url !== undefined) status.url = redactUrl(b.spec.url);
  if (b.init) {
    status.server = `${b.init.serverInfo.name} ${b.init.serverInfo.version}`;
    status.protocolVersion = b.init.protocolVersion;
    status.era = b.init.protocolVersion >= '2026-07-28' ? '2026' : '2025';
  }
  if (b.lastError !== undefined) status.lastError = redactUrlsIn(b.lastError);
  const since = observer.readySince(b);
  if (since !== undefined && b.state === 'ready') status.readySince = since;
  return status;
}
