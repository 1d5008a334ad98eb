// Which client a backend's own request (sampling, elicitation, roots) belongs to. Only what can be
// known is used: the instance's owner (per-client), the related request the wire names, the only
// session with requests in flight at that backend, or the only session at all. Never a guess.
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Backend, RoutedRequest } from '../backends/backend.js';
import type { ClientSession } from './session.js';

export function owningSession(backend: Backend, related: JsonRpcId | undefined, sessions: Set<ClientSession>): ClientSession | undefined {
  if (backend.owner) return backend.owner as ClientSession;
  if (related !== undefined) return backend.routedRequest(related)?.session as ClientSession | undefined;
  if (sessions.size === 1) return sessions.values().next().value; // only one client: no one else to confuse
  let found: ClientSession | undefined;
  for (const request of backend.routedRequests()) {
    const s = request.session as ClientSession;
    if (found && found !== s) return undefined;
    found = s;
  }
  return found;
}

/** The client's id of the request the backend's message relates to: named by the wire, or the session's only one there. */
export function relatedClientId(backend: Backend, related: JsonRpcId | undefined, session: ClientSession): JsonRpcId | undefined {
  const named = related === undefined ? undefined : backend.routedRequest(related)?.clientId;
  if (named !== undefined) return named;
  let found: RoutedRequest | undefined;
  for (const request of backend.routedRequests()) {
    if (request.session !== session) continue;
    if (found) return undefined;
    found = request;
  }
  return found?.clientId;
}
