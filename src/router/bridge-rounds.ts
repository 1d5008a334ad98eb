// The bridge from a 2026 backend to a 2025 client: the backend answers input_required; the
// proxy asks the client each input request on its own session, then sends the backend the
// request again with the answers (inputResponses) and its requestState, round after round.
import { ErrorCode, notification, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { Method, Notification } from '../../protocol/mcp.js';
import { INPUT_REQUEST_METHODS } from '../../protocol/modern.js';
import { randomUUID } from 'node:crypto';
import { missingCapability } from './client-capabilities.js';
import type { ExchangeCore, Ledger, Outbound, Rounds, Routed } from './exchange-types.js';

/** A 2026 backend asking a 2025 client for input more often than this is failed. */
const MAX_INPUT_ROUNDS = 8;
/** A round that asks nothing ("retry later") is retried after this long. */
const RETRY_LATER_MS = 250;

export class InputRounds {
  constructor(private readonly core: ExchangeCore) {}


  /** Asks the 2025 client, on its session, what the backend's input_required asks for; retries once all are answered. */
  askRound(routed: Routed, result: { inputRequests?: Record<string, { method: string; params?: Record<string, any> }>; requestState?: string }): void {
    const { session } = routed;
    const ledger = this.core.ledgers.get(session);
    if (!ledger) return;
    const rounds: Rounds = routed.rounds ?? { params: routed.params, count: 0, responses: {}, waiting: new Set() };
    if (++rounds.count > MAX_INPUT_ROUNDS) {
      return this.core.fail(routed, ErrorCode.InternalError, `server "${routed.link.backend.name}" asked for input more than ${MAX_INPUT_ROUNDS} times for ${routed.method}`);
    }
    const asked = Object.entries(result.inputRequests ?? {});
    for (const [, req] of asked) {
      const missing = INPUT_REQUEST_METHODS.has(req?.method) ? missingCapability(session.capabilities, req.method, req.params) : req?.method ?? 'an unknown request';
      if (missing) return this.core.fail(routed, ErrorCode.InternalError, `server "${routed.link.backend.name}" needs ${missing} for ${routed.method}, which the client did not declare`);
    }
    const retry: Routed = { ...routed, rounds };
    rounds.requestState = result.requestState;
    rounds.responses = {};
    rounds.waiting = new Set(asked.map(([key]) => key));
    ledger.inflight.set(routed.clientId, retry); // a cancellation finds it while the client is being asked
    if (asked.length === 0) return void this.core.clock.after(RETRY_LATER_MS, () => this.retryRound(retry)); // "retry later"
    for (const [key, req] of asked) {
      const proxyId = ledger.nextId++;
      const out: Outbound = {
        session, proxyId, link: routed.link, backendId: key, method: req.method, backendToken: undefined,
        deadline: this.core.clock.now() + this.core.clientAnswerMs, createsTask: false, round: { routed: retry, key },
      };
      (ledger.outbound ??= new Map()).set(proxyId, out);
      const params = req.method === Method.elicitationCreate && req.params?.mode === 'url' ? { ...req.params, elicitationId: randomUUID() } : req.params;
      session.send(params === undefined ? { jsonrpc: '2.0', id: proxyId, method: req.method } : { jsonrpc: '2.0', id: proxyId, method: req.method, params }, routed.clientId);
    }
    this.core.arm();
  }

  roundAnswered(routed: Routed, key: string, msg: JsonRpcResponse): void {
    const rounds = routed.rounds!;
    if (msg.error) {
      this.withdrawRound(this.core.ledgers.get(routed.session)!, routed, 'the client refused another input');
      return this.core.fail(routed, msg.error.code, msg.error.message);
    }
    rounds.responses[key] = msg.result;
    rounds.waiting.delete(key);
    if (rounds.waiting.size === 0) this.retryRound(routed);
  }

  /** The backend gets its request again, with this round's answers and its requestState. */
  private retryRound(routed: Routed): void {
    const ledger = this.core.ledgers.get(routed.session);
    if (!ledger || ledger.inflight.get(routed.clientId) !== routed) return; // cancelled or closed meanwhile
    ledger.inflight.delete(routed.clientId);
    const rounds = routed.rounds!;
    const params: Record<string, any> = { ...rounds.params, inputResponses: rounds.responses };
    if (rounds.requestState !== undefined) params.requestState = rounds.requestState;
    else delete params.requestState;
    if (routed.progressToken !== undefined) params._meta = { ...params._meta, progressToken: routed.progressToken };
    const msg: JsonRpcRequest = { jsonrpc: '2.0', id: routed.clientId, method: routed.method, params };
    this.core.forward(routed.session, msg, routed.link.backend, routed.link.backend.name, { target: routed.target, rounds });
  }

  /** The proxy's questions for this request that the client has not answered: withdrawn. */
  withdrawRound(ledger: Ledger, routed: Routed, reason: string): void {
    for (const out of [...(ledger.outbound?.values() ?? [])]) {
      if (out.round?.routed.clientId !== routed.clientId || out.session !== routed.session) continue;
      ledger.outbound?.delete(out.proxyId);
      out.session.send(notification(Notification.cancelled, { requestId: out.proxyId, reason }));
    }
  }
}
