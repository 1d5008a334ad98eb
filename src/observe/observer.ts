// What the router tells the observability side: a forwarded request started and how it ended,
// sessions opening and closing, a backend's state changing. The router holds an Observer and
// calls it at those points only; NO_OBSERVER makes the calls free when nothing observes.
import type { JsonRpcId, JsonRpcResponse } from '../../protocol/jsonrpc.js';

/** Bounded set (a metric label): how a forwarded request ended. */
export type CallOutcome = 'ok' | 'error' | 'tool_error' | 'timeout' | 'cancelled' | 'unavailable';
export const CALL_OUTCOMES: readonly CallOutcome[] = ['ok', 'error', 'tool_error', 'timeout', 'cancelled', 'unavailable'];

/** A client session as the observer sees it (the router's ClientSession fits). */
export interface ObservedSession {
  readonly id: string;
  /** Which front it came in on: stdio, sse, streamable-http, ws (tests: memory). */
  readonly front: string;
  readonly clientInfo: { name: string; version: string };
  readonly protocolVersion: string | undefined;
  /** Set for a 2026-07-28 request: a session of its own for that request only, not a client session. */
  readonly modern?: unknown;
}

/** A backend as the observer sees it (the Backend class fits). */
export interface ObservedBackend {
  readonly name: string;
  readonly state: string;
}

/** The request being forwarded, before the backend rewrites its id: the client's id, method and params. */
export interface ObservedRequest {
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: Record<string, any>;
}

export interface CallHandle {
  /** Idempotent: only the first outcome counts. */
  ended(outcome: CallOutcome): void;
}

export interface Observer {
  callStarted(session: ObservedSession, server: string, request: ObservedRequest): CallHandle;
  sessionOpened(session: ObservedSession): void;
  sessionClosed(session: ObservedSession): void;
  backendChanged(backend: ObservedBackend): void;
}

const NO_CALL: CallHandle = { ended() {} };

export const NO_OBSERVER: Observer = {
  callStarted: () => NO_CALL,
  sessionOpened() {},
  sessionClosed() {},
  backendChanged() {},
};

/** A backend's answer: an error, a tool result flagged isError, or ok. */
export function responseOutcome(msg: JsonRpcResponse): CallOutcome {
  if (msg.error) return 'error';
  return (msg.result as { isError?: unknown } | undefined)?.isError === true ? 'tool_error' : 'ok';
}
