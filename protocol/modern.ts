// MCP 2026-07-28 ("modern"): stateless requests carrying their protocol version and client
// capabilities in `_meta`, server/discover, input_required results, subscriptions/listen, caching
// hints. Names and small pure helpers only; no I/O.

export const MODERN_VERSION = '2026-07-28';
/** Modern versions the proxy speaks, newest first. */
export const MODERN_VERSIONS: readonly string[] = [MODERN_VERSION];

export const MetaKey = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

export const ModernMethod = {
  discover: 'server/discover',
  listen: 'subscriptions/listen',
} as const;

export const ModernNotification = {
  acknowledged: 'notifications/subscriptions/acknowledged',
} as const;

export const ModernError = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/** HTTP headers of the revision (names are case-insensitive on the wire; Node lowercases them). */
export const ModernHeader = {
  protocolVersion: 'mcp-protocol-version',
  method: 'mcp-method',
  name: 'mcp-name',
  paramPrefix: 'mcp-param-',
} as const;

/** Results that must carry caching hints (`ttlMs`, `cacheScope`). */
export const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/** Requests that may answer `input_required`. */
export const INPUT_REQUIRED_METHODS: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** Server→client requests of 2025-11-25 that 2026-07-28 carries as `inputRequests` instead. */
export const INPUT_REQUEST_METHODS: ReadonlySet<string> = new Set(['sampling/createMessage', 'elicitation/create', 'roots/list']);

/** Methods of 2025-11-25 that 2026-07-28 removed. */
export const REMOVED_METHODS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

/** What a modern request says about its client, read from `params._meta`. */
export interface Envelope {
  protocolVersion: string;
  clientCapabilities: Record<string, any>;
  clientInfo?: { name: string; version: string } & Record<string, unknown>;
  logLevel?: string;
}

/** The envelope of a request, or a reason it is missing or malformed. */
export function readEnvelope(params: Record<string, any> | undefined): Envelope | { invalid: string } {
  const meta = params?._meta;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return { invalid: 'params._meta is required' };
  const protocolVersion = meta[MetaKey.protocolVersion];
  const clientCapabilities = meta[MetaKey.clientCapabilities];
  if (typeof protocolVersion !== 'string') return { invalid: `_meta["${MetaKey.protocolVersion}"] must be a string` };
  if (clientCapabilities === null || typeof clientCapabilities !== 'object' || Array.isArray(clientCapabilities)) {
    return { invalid: `_meta["${MetaKey.clientCapabilities}"] must be an object` };
  }
  const envelope: Envelope = { protocolVersion, clientCapabilities };
  const clientInfo = meta[MetaKey.clientInfo];
  if (clientInfo && typeof clientInfo === 'object' && typeof clientInfo.name === 'string') envelope.clientInfo = clientInfo;
  if (typeof meta[MetaKey.logLevel] === 'string') envelope.logLevel = meta[MetaKey.logLevel];
  return envelope;
}

/** Writes the envelope into `params._meta` (creating both as needed); returns the params. */
export function stampEnvelope(params: Record<string, any> | undefined, envelope: Envelope): Record<string, any> {
  const p = params ?? {};
  const meta = (p._meta ??= {});
  meta[MetaKey.protocolVersion] = envelope.protocolVersion;
  meta[MetaKey.clientCapabilities] = envelope.clientCapabilities;
  if (envelope.clientInfo) meta[MetaKey.clientInfo] = envelope.clientInfo;
  if (envelope.logLevel) meta[MetaKey.logLevel] = envelope.logLevel;
  return p;
}

/** Removes the envelope from `params._meta` (the rest of `_meta`, e.g. progressToken, stays). */
export function stripEnvelope(params: Record<string, any> | undefined): void {
  const meta = params?._meta;
  if (!meta || typeof meta !== 'object') return;
  for (const key of [MetaKey.protocolVersion, MetaKey.clientCapabilities, MetaKey.clientInfo, MetaKey.logLevel]) delete meta[key];
  if (Object.keys(meta).length === 0) delete params!._meta;
}

const pick = (o: unknown, keys: string[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (o && typeof o === 'object') for (const k of keys) if ((o as any)[k] !== undefined) out[k] = (o as any)[k];
  return out;
};

/** A 2025-11-25 client's capabilities in the 2026-07-28 shape (roots without listChanged, no core tasks). */
export function toModernCapabilities(caps: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  if (caps.experimental) out.experimental = caps.experimental;
  if (caps.roots) out.roots = {};
  if (caps.sampling) out.sampling = pick(caps.sampling, ['context', 'tools']);
  if (caps.elicitation) out.elicitation = pick(caps.elicitation, ['form', 'url']);
  if (caps.extensions) out.extensions = caps.extensions;
  return out;
}

/** True for a result a modern server marked as needing input. */
export function isInputRequired(result: unknown): result is { resultType: 'input_required'; inputRequests?: Record<string, { method: string; params?: Record<string, any> }>; requestState?: string } {
  return (result as { resultType?: unknown } | null)?.resultType === 'input_required';
}
