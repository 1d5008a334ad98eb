// What a 2026-07-28 client is answered that a 2025-11-25 one is not: `resultType` on every
// result, the server's identity in the result's `_meta`, caching hints on the six cacheable
// results, `-32602` (with the URI) instead of `-32002` for an unknown resource, server/discover.
import { ErrorCode, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { ListKinds, type ListKind } from '../../protocol/mcp.js';
import { CACHEABLE_METHODS, MetaKey, MODERN_VERSIONS } from '../../protocol/modern.js';
import type { Backend } from '../backends/backend.js';
import { PROXY_INFO } from '../proxy-info.js';

export type CacheScope = 'public' | 'private';
export interface CacheHints {
  ttlMs: number;
  cacheScope: CacheScope;
}

/**
 * How long a merged list may be cached: the proxy's merged list is the cache entry, and every
 * change to it (a backend's list_changed, a server added or removed, a config reload) is
 * announced at once, so a list is fresh for as long as every contributing server lets it be:
 * a 2026 server for the ttlMs it gave, a 2025 server that announces changes to that list for
 * LIST_TTL_MS, one that does not for 0. Private when any server said so or serves one client.
 */
export const LIST_TTL_MS = 300_000;

export function listHints(backends: Iterable<Backend>, kind: ListKind): CacheHints {
  let ttlMs = LIST_TTL_MS;
  let cacheScope: CacheScope = 'public';
  const capability = kind === 'resourceTemplates' ? 'resources' : kind;
  for (const b of backends) {
    if (!b.listed) continue;
    const hints = b.listHints[kind];
    const announces = Boolean((b.init?.capabilities as Record<string, any> | undefined)?.[capability]?.listChanged);
    ttlMs = Math.min(ttlMs, hints ? hints.ttlMs : announces ? LIST_TTL_MS : 0);
    if (hints?.cacheScope === 'private' || b.spec.session === 'per-client') cacheScope = 'private';
  }
  return { ttlMs, cacheScope };
}

/** Stamps a complete result for a modern client, in place: resultType, serverInfo, caching hints where due. */
export function completeResult(method: string, result: Record<string, any>, hints?: CacheHints): Record<string, any> {
  result.resultType ??= 'complete';
  const meta = (result._meta ??= {});
  meta[MetaKey.serverInfo] ??= PROXY_INFO;
  if (CACHEABLE_METHODS.has(method) && result.resultType === 'complete') {
    result.ttlMs ??= hints?.ttlMs ?? 0;
    result.cacheScope ??= hints?.cacheScope ?? 'private';
  }
  return result;
}

/** A backend's answer, as a modern client must get it. `uri`: the request's, for resources/read. */
export function toModernAnswer(msg: JsonRpcResponse, method: string, uri?: unknown): void {
  if (msg.error) {
    if (msg.error.code === ErrorCode.ResourceNotFound) {
      msg.error.code = ErrorCode.InvalidParams;
      const data = (msg.error.data ?? {}) as Record<string, unknown>;
      msg.error.data = typeof uri === 'string' && data.uri === undefined ? { ...data, uri } : data;
    }
    return;
  }
  if (msg.result && typeof msg.result === 'object') completeResult(method, msg.result);
}

/** server/discover, answered by the proxy from what it serves. */
export function discoverResult(capabilities: Record<string, unknown>, instructions: string | undefined): Record<string, unknown> {
  return completeResult('server/discover', {
    supportedVersions: [...MODERN_VERSIONS],
    capabilities,
    ...(instructions ? { instructions } : {}),
    // What the proxy serves changes with its servers; every change is announced on listen streams.
    ttlMs: 0,
    cacheScope: 'private',
  });
}

/** The notifications a listen stream asked for that the proxy honours (the ack's `notifications`). */
export function honouredFilter(asked: Record<string, unknown> | undefined, resources: string[]): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const key of ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged']) if (asked?.[key] === true) filter[key] = true;
  if (resources.length > 0) filter.resourceSubscriptions = resources;
  return filter;
}

/** The listen filter key that admits a list_changed notification. */
export function filterKeyOf(method: string): string | undefined {
  for (const kind of Object.keys(ListKinds) as ListKind[]) {
    if (ListKinds[kind].changed === method) return kind === 'tools' ? 'toolsListChanged' : kind === 'prompts' ? 'promptsListChanged' : 'resourcesListChanged';
  }
  return undefined;
}
