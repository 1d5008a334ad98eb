// The `requestState` the proxy hands a 2026-07-28 client with an input_required result it made
// itself (a 2025 backend asked for sampling, elicitation or roots). The client must echo it; it
// names the parked exchange, so it is sealed: HMAC-SHA256 under a key of this process (or
// MULTI_MCP_STATE_KEY, shared by replicas), with an expiry and the request it belongs to.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'mmcp1.';

export interface StateClaims {
  /** The parked exchange. */
  park: string;
  /** Its round: a state is good for one retry only. */
  round: number;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** The request it continues: method and exposed name or URI. */
  method: string;
  target: string;
}

let key: Buffer = process.env.MULTI_MCP_STATE_KEY ? Buffer.from(process.env.MULTI_MCP_STATE_KEY) : randomBytes(32);

/** Tests: a fixed key. */
export function setStateKey(k: Buffer): void {
  key = k;
}

const mac = (body: string) => createHmac('sha256', key).update(body).digest();

export function sealState(claims: StateClaims): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PREFIX}${body}.${mac(body).toString('base64url')}`;
}

/** True for a state this proxy made (sealed or tampered): a retry to resume here, not to pass on. */
export function isSealedState(state: unknown): state is string {
  return typeof state === 'string' && state.startsWith(PREFIX);
}

/** The claims of a state this proxy sealed, or why it is refused. */
export function openState(state: string, now: number): StateClaims | { refused: string } {
  const [body, tag] = state.slice(PREFIX.length).split('.');
  if (!body || !tag) return { refused: 'requestState is malformed' };
  const expected = mac(body);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: 'requestState failed its integrity check' };
  let claims: StateClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as StateClaims;
  } catch {
    return { refused: 'requestState is malformed' };
  }
  if (claims.exp <= now) return { refused: 'requestState has expired' };
  return claims;
}
