// The replay normalisation, in one place (documented in replay.ts and README): where a message
// holds an id the proxy allocated (matched through the IdBijection instead of compared), which
// fields are ignored (the proxy's own version, also in a 2026 request's clientInfo), and how a recorded input that refers to a
// proxy-allocated id (in the message, or as the request its wire related it to) is rewritten
// before it is fed.
import type { JsonRpcId } from '../../protocol/jsonrpc.js';
import type { Direction } from '../../src/record/recorder.js';
import type { IdBijection } from './id-bijection.js';

export interface CompareRules {
  /** Paths (formatPath form) not compared. */
  ignore: Set<string>;
  /** Paths holding a proxy-allocated id, with the bijection scope they belong to. */
  ids: Map<string, string>;
}

export const backendScope = (server: string) => `backend ${server}`;
export const clientScope = (session: string) => `client ${session}`;

const CANCELLED = 'notifications/cancelled';
const CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
const PROGRESS = 'notifications/progress';

const isRequest = (msg: any) => typeof msg.method === 'string' && 'id' in msg;
const isNotification = (msg: any) => typeof msg.method === 'string' && !('id' in msg);
const isResponse = (msg: any) => !('method' in msg) && 'id' in msg;

/** The rules for comparing one expected output message (the recorded one decides). */
export function outputRules(dir: Direction, peer: string, expected: any): CompareRules {
  const ignore = new Set<string>();
  const ids = new Map<string, string>();
  const scope = dir === 'proxy>backend' ? backendScope(peer) : clientScope(peer);
  if (isRequest(expected)) {
    ids.set('id', scope);
    // The proxy uses its request id towards a backend as the progress token there.
    if (dir === 'proxy>backend' && expected.params?._meta?.progressToken !== undefined) ids.set('params._meta.progressToken', scope);
    if (dir === 'proxy>backend' && expected.method === 'initialize') ignore.add('params.clientInfo.version');
    // A 2026-07-28 backend hears the proxy's identity on the proxy's own requests (probe, lists, listen).
    if (dir === 'proxy>backend' && expected.params?._meta?.[CLIENT_INFO]?.name === 'multi-mcp') ignore.add(`params._meta[${JSON.stringify(CLIENT_INFO)}].version`);
  } else if (isNotification(expected) && expected.method === CANCELLED) {
    // Towards a backend: cancels the proxy's request; towards a client: a request the proxy sent it.
    ids.set('params.requestId', scope);
  } else if (dir === 'proxy>client' && isResponse(expected) && expected.result?.serverInfo !== undefined) {
    ignore.add('result.serverInfo.version');
  }
  return { ignore, ids };
}

/**
 * A copy of a recorded input with its references to proxy-allocated ids mapped to the replayed
 * ones: a backend's answers and progress notifications, a client's answers.
 */
export function rewriteInput(dir: Direction, peer: string, msg: any, ids: IdBijection): any {
  const copy = structuredClone(msg);
  if (dir === 'backend>proxy') {
    const scope = backendScope(peer);
    if (isResponse(copy) && copy.id !== null) copy.id = ids.map(scope, copy.id);
    if (isNotification(copy) && copy.method === PROGRESS && copy.params?.progressToken !== undefined) {
      copy.params.progressToken = ids.map(scope, copy.params.progressToken);
    }
  } else if (dir === 'client>proxy') {
    if (isResponse(copy) && copy.id !== null) copy.id = ids.map(clientScope(peer), copy.id);
  }
  return copy;
}

/** A recorded input's `rel`: on a backend's wire it names one of the proxy's requests there. */
export function rewriteRel(dir: Direction, peer: string, rel: JsonRpcId | undefined, ids: IdBijection): JsonRpcId | undefined {
  return rel !== undefined && dir === 'backend>proxy' ? ids.map(backendScope(peer), rel) : rel;
}
