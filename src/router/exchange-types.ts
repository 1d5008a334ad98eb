// The records the exchange keeps: one per backend connection (Link), per client session
// (Ledger), per request in either direction. Only the exchange and its tables create or change them.
import type { JsonRpcId, JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { MessageExtra } from '../transports/channel.js';
import type { Clock } from './clock.js';
import type { Backend } from '../backends/backend.js';
import type { BackendConnection } from '../backends/connection.js';
import type { CallHandle } from '../observe/observer.js';
import type { ClientSession } from './session.js';
import type { TaskEntry } from './tasks.js';

/** One connection of one backend. Ids count up per connection, so they are unique for its life. */
export interface Link {
  readonly backend: Backend;
  readonly connection: BackendConnection;
  nextId: number;
  /** Requests on this connection waiting for their answers, by our id (also the progress token we gave). */
  readonly pending: Map<number, Pending>;
  /** Its own requests sent on to a client, by its id (exact: 1 and "1" differ). */
  readonly asked: Map<JsonRpcId, Outbound>;
  /** URL-mode elicitations it started: elicitationId → the session asked, for the completion notification. */
  readonly elicitations: Map<string, ClientSession>;
  /** The session whose roots change it heard last: its next roots/list without a related request is for it (once). */
  rootsCause: ClientSession | undefined;
}

/** A client's request forwarded to a backend. */
export interface Routed {
  readonly kind: 'routed';
  /** Who gets the answer. Mutable: a suspended request can be taken over by a later client request. */
  session: ClientSession;
  clientId: JsonRpcId;
  readonly method: string;
  /** The client's progress token, restored on notifications/progress (ours is backendId). */
  progressToken: JsonRpcId | undefined;
  /** The exposed name or URI the client asked for (binds a requestState to its request). */
  readonly target: string | undefined;
  /** The params sent to the backend (a 2026 backend's input_required is answered by sending them again). */
  readonly params: Record<string, any> | undefined;
  readonly link: Link;
  readonly backendId: number;
  deadline: number;
  readonly maxDeadline: number;
  /** Progress was forwarded for it (see Exchange.answer). */
  progressed: boolean;
  /** A task-augmented call: its answer creates a task. */
  readonly createsTask: boolean;
  /** tasks/get, tasks/result, tasks/cancel, tasks/list of a task: its answer names the task by the backend's id. */
  readonly task?: TaskEntry;
  /** A 2026 client's request whose 2025 backend asked for input: parked until the client retries. */
  park?: Park;
  /** A 2025 client's request whose 2026 backend answered input_required: the rounds so far. */
  readonly rounds?: Rounds;
  /** The observer's record of this call (metrics, status page). */
  readonly call: CallHandle;
}

/**
 * A 2025 backend's requests to a 2026 client (sampling, elicitation, roots), which the client
 * gets as an input_required result. The backend's request waits here until the client retries
 * with the inputResponses; the sealed requestState names this park and its round.
 */
export interface Park {
  readonly id: string;
  readonly routed: Routed;
  /** Bumped for each input_required sent and each retry taken: a requestState is good once. */
  round: number;
  /** Sent to the client as input_required; not answered yet. */
  readonly waiting: Map<string, Outbound>;
  /** The routed request's client is not attached: its input_required was sent, no retry yet. */
  parked: boolean;
  /** An input_required to the attached client is due in the next turn (requests arriving together go together). */
  flushing: boolean;
  nextKey: number;
  expires: number;
  /** The backend's final answer, when it came while parked. */
  final?: JsonRpcResponse;
}

/** A 2026 backend's input_required answered to a 2025 client through its own session, round by round. */
export interface Rounds {
  /** The original params, resent each round with that round's inputResponses and requestState. */
  readonly params: Record<string, any> | undefined;
  count: number;
  requestState?: string;
  responses: Record<string, unknown>;
  waiting: Set<string>;
}

/** The proxy's own request to a backend (initialize, lists, setLevel, unsubscribe). */
export interface Internal {
  readonly kind: 'internal';
  readonly method: string;
  readonly timeoutMs: number;
  deadline: number;
  readonly resolve: (result: any) => void;
  readonly reject: (error: Error) => void;
}

export type Pending = Routed | Internal;

/** A backend's request sent on to a client (sampling, elicitation, roots, tasks/*). */
export interface Outbound {
  readonly session: ClientSession;
  /** The id the client sees (unique per session); also the progress token it sees, if any. */
  readonly proxyId: number;
  readonly link: Link;
  readonly backendId: JsonRpcId;
  readonly method: string;
  /** The backend's own progress token, restored on the client's progress notifications. */
  readonly backendToken: JsonRpcId | undefined;
  deadline: number;
  readonly createsTask: boolean;
  readonly task?: TaskEntry;
  /** Parked for a 2026 client, under this input key (not in any ledger). */
  readonly park?: Park;
  readonly key?: string;
  /** What the 2026 client is shown for it in inputRequests. */
  readonly input?: { method: string; params?: Record<string, any> };
  /** Asked by the proxy for a 2026 backend's input_required (no backend request behind it). */
  readonly round?: { routed: Routed; key: string };
}

/** One client session as the exchange sees it. */
export interface Ledger {
  /** Its requests in flight at backends, by its own id. */
  readonly inflight: Map<JsonRpcId, Routed>;
  /** Backends' requests sent to it, by the proxy id it saw (made on first use: most sessions get none). */
  outbound: Map<number, Outbound> | undefined;
  nextId: number;
}

/** What the bridges (bridge-park.ts, bridge-rounds.ts) use of the exchange. */
export interface ExchangeCore {
  readonly clock: Clock;
  readonly clientAnswerMs: number;
  readonly ledgers: Map<ClientSession, Ledger>;
  relatedRequest(link: Link, extra: MessageExtra | undefined): Routed | undefined;
  toBackend(link: Link, msg: object): void;
  fail(routed: Routed, code: number, message: string): void;
  abandon(routed: Routed, reason: string): void;
  answer(link: Link, routed: Routed, msg: JsonRpcResponse): void;
  forward(session: ClientSession, msg: JsonRpcRequest, backend: Backend | undefined, server: string, how?: { target?: string; rounds?: Rounds }): void;
  arm(): void;
}
