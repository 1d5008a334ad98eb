// The bridge from a 2025 backend to a 2026 client: 2026 has no server→client requests, so a
// backend's sampling, elicitation or roots request made while serving a 2026 request is parked,
// and the client's request is answered input_required naming it, with a sealed requestState. The
// client's retry answers the parked requests and takes the request over; the backend's final
// answer (or its next question, another round) answers the retry.
import { randomUUID } from 'node:crypto';
import { ErrorCode, errorResponse, isValidId, resultResponse, type JsonRpcRequest } from '../../protocol/jsonrpc.js';
import { INPUT_REQUEST_METHODS, INPUT_REQUIRED_METHODS, MetaKey } from '../../protocol/modern.js';
import { formatDuration } from '../backends/backend.js';
import { PROXY_INFO } from '../proxy-info.js';
import type { MessageExtra } from '../transports/channel.js';
import type { ExchangeCore, Link, Outbound, Park, Routed } from './exchange-types.js';
import { openState, sealState } from './request-state.js';
import type { ClientSession } from './session.js';

/** A parked request's own deadline sits just past the park's expiry: the park decides. */
const PAST_EXPIRY_MS = 250;

export class Parks {
  private readonly parks = new Map<string, Park>();

  constructor(private readonly core: ExchangeCore) {}

  get size(): number {
    return this.parks.size;
  }


  /**
   * A 2025 backend asks the 2026 client of `session` for input (sampling, elicitation, roots).
   * 2026 has no server→client requests: the backend's request is parked, and the client's
   * request is answered input_required with it (requests arriving together go together).
   */
  park(link: Link, msg: JsonRpcRequest, session: ClientSession, extra: MessageExtra | undefined): void {
    const routed = this.core.relatedRequest(link, extra) ?? this.onlyRouted(link, session);
    if (!routed || routed.session !== session || !INPUT_REQUEST_METHODS.has(msg.method) || !INPUT_REQUIRED_METHODS.has(routed.method)) {
      const message = `${msg.method} cannot be carried to this MCP 2026-07-28 client (only sampling, elicitation and roots, during tools/call, prompts/get or resources/read)`;
      return this.core.toBackend(link, errorResponse(msg.id, ErrorCode.MethodNotFound, message));
    }
    const now = this.core.clock.now();
    let park = routed.park;
    if (!park) {
      park = { id: randomUUID(), routed, round: 0, waiting: new Map(), parked: false, flushing: false, nextKey: 1, expires: now + this.core.clientAnswerMs };
      routed.park = park;
      this.parks.set(park.id, park);
    }
    const key = `${msg.method.split('/')[0]}_${park.nextKey++}`;
    const { _meta, ...params } = msg.params ?? {};
    const out: Outbound = {
      session, proxyId: 0, link, backendId: msg.id, method: msg.method, backendToken: undefined,
      deadline: park.expires, createsTask: false, park, key, input: { method: msg.method, params },
    };
    link.asked.set(msg.id, out);
    park.waiting.set(key, out);
    if (!park.parked && !park.flushing) {
      park.flushing = true;
      setImmediate(() => this.askParked(park!));
    }
    this.core.arm();
  }

  /** The attached client's request ends with input_required naming every waiting input; the backend's request stays. */
  private askParked(park: Park): void {
    park.flushing = false;
    const { routed } = park;
    const ledger = this.core.ledgers.get(routed.session);
    if (park.parked || park.waiting.size === 0 || !ledger || ledger.inflight.get(routed.clientId) !== routed) return;
    ledger.inflight.delete(routed.clientId);
    park.parked = true;
    park.round++;
    park.expires = this.core.clock.now() + this.core.clientAnswerMs;
    routed.deadline = park.expires + PAST_EXPIRY_MS;
    const inputRequests: Record<string, unknown> = {};
    for (const [key, out] of park.waiting) inputRequests[key] = out.input;
    const requestState = sealState({ park: park.id, round: park.round, exp: park.expires, method: routed.method, target: routed.target ?? '' });
    const result = { resultType: 'input_required', inputRequests, requestState, _meta: { [MetaKey.serverInfo]: PROXY_INFO } };
    routed.session.send(resultResponse(routed.clientId, result));
  }

  /** A 2026 client's retry carrying a requestState this proxy sealed: the parked request continues. */
  resume(session: ClientSession, msg: JsonRpcRequest): void {
    const now = this.core.clock.now();
    const refuse = (why: string) => session.send(errorResponse(msg.id, ErrorCode.InvalidParams, `Invalid params: ${why}`));
    const claims = openState(msg.params!.requestState, now);
    if ('refused' in claims) return refuse(claims.refused);
    const park = this.parks.get(claims.park);
    if (!park || !park.parked || park.round !== claims.round) return refuse('requestState was used already, or the request it continues is over');
    const target = msg.params?.name ?? msg.params?.uri ?? '';
    if (claims.method !== msg.method || claims.target !== target) return refuse('requestState belongs to another request');
    const responses = msg.params?.inputResponses;
    if (responses !== undefined && (responses === null || typeof responses !== 'object' || Array.isArray(responses))) return refuse('inputResponses must be an object');
    for (const [key, answer] of Object.entries(responses ?? {})) {
      if (park.waiting.has(key) && (answer === null || typeof answer !== 'object' || Array.isArray(answer))) return refuse(`inputResponses.${key} must be an object`);
    }
    const ledger = this.core.ledgers.get(session);
    if (!ledger) return;
    for (const [key, out] of [...park.waiting]) {
      const answer = (responses as Record<string, unknown> | undefined)?.[key];
      if (answer === undefined) continue; // asked again below
      park.waiting.delete(key);
      out.link.asked.delete(out.backendId);
      this.core.toBackend(out.link, resultResponse(out.backendId, answer));
    }
    const { routed } = park;
    park.parked = false;
    park.round++;
    routed.session = session;
    routed.clientId = msg.id;
    const token = msg.params?._meta?.progressToken;
    routed.progressToken = isValidId(token) ? token : undefined;
    routed.deadline = Math.min(now + routed.link.backend.requestTimeoutMs, routed.maxDeadline);
    ledger.inflight.set(msg.id, routed);
    if (park.final) {
      this.dropPark(park);
      routed.park = undefined;
      return this.core.answer(routed.link, routed, park.final);
    }
    if (park.waiting.size > 0) this.askParked(park); // what it did not answer is asked again
  }

  /** A park whose request got its final answer: inputs still asked for are moot. */
  dropPark(park: Park): void {
    this.parks.delete(park.id);
    for (const out of park.waiting.values()) if (out.link.asked.get(out.backendId) === out) out.link.asked.delete(out.backendId);
    park.waiting.clear();
  }

  /** The session's only request in flight at this connection. */
  private onlyRouted(link: Link, session: ClientSession): Routed | undefined {
    let found: Routed | undefined;
    for (const p of this.core.ledgers.get(session)?.inflight.values() ?? []) {
      if (p.link !== link) continue;
      if (found) return undefined;
      found = p;
    }
    return found;
  }

  /** The connection of their backend ended: its parked requests are gone with it. */
  dropLink(link: Link): void {
    for (const park of [...this.parks.values()]) if (park.routed.link === link) this.parks.delete(park.id);
  }

  /** Parks whose client did not retry in time: the backend's requests get an error, its request is cancelled. */
  sweep(now: number): void {
    for (const park of [...this.parks.values()]) {
      if (!park.parked || park.expires > now) continue;
      this.parks.delete(park.id);
      const message = `the client did not continue ${park.routed.method} within ${formatDuration(this.core.clientAnswerMs)}`;
      for (const out of park.waiting.values()) {
        out.link.asked.delete(out.backendId);
        this.core.toBackend(out.link, errorResponse(out.backendId, ErrorCode.RequestTimeout, message));
      }
      this.core.abandon(park.routed, message);
    }
  }
}
