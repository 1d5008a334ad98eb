// Which protocol era a backend speaks: MCP 2026-07-28 (stateless, server/discover) or the
// 2025-11-25 lifecycle (initialize). Unless the config forces one ("protocol"), the first message
// on a new connection is server/discover at 2026-07-28 (what the Python SDK's client does):
//  - a DiscoverResult listing a version the proxy speaks: modern, no initialize;
//  - -32022 (unsupported version) naming one: one corrective probe at that version;
//    naming only versions the proxy does not speak at all: the start fails;
//  - any other answer, error or timeout: the 2025 lifecycle.
// A stdio server that exits on a request before initialize (some do) is started once more and
// spoken to in 2025 only; that verdict, and a probe that timed out, are remembered for the
// server, so its restarts and per-client instances do not pay for them again.
import { InitializeResult, type Tool } from '../../protocol/mcp.js';
import { MetaKey, MODERN_VERSION, MODERN_VERSIONS, ModernError, type Envelope } from '../../protocol/modern.js';
import { isSupportedVersion } from '../../protocol/versions.js';
import type { ServerSpec } from '../config/spec.js';
import { log } from '../log.js';
import { PROXY_INFO } from '../proxy-info.js';
import type { Clock } from '../router/clock.js';
import { invalidHeaderAnnotation } from '../transports/mcp-headers.js';
import type { BackendConnection } from './connection.js';
import { EraConnection, type ProbeAnswer } from './era-connection.js';

/** The longest a probe may wait (a server that ignores unknown requests before initialize). */
const PROBE_TIMEOUT_MS = 10_000;
/** Transports 2026-07-28 defines. */
const MODERN_TRANSPORTS: ReadonlySet<string> = new Set(['stdio', 'http', 'auto-http']);

/** Servers found to speak 2025 only in a way that cost something to learn. */
const remembered = new WeakMap<ServerSpec, string>();

/** What a new connection to the server starts with: 2025 at once, the probe, or 2026 only. */
export function eraOf(spec: ServerSpec): 'legacy' | 'probe' | 'modern' {
  const setting = spec.protocol ?? 'auto';
  if (setting === '2025-11-25') return 'legacy';
  if (setting === MODERN_VERSION) return 'modern';
  return MODERN_TRANSPORTS.has(spec.transport) && !remembered.has(spec) ? 'probe' : 'legacy';
}

/** The connection as the Backend uses it: wrapped when the server may speak 2026-07-28. */
export function eraConnection(spec: ServerSpec, connection: BackendConnection, clock: Clock): BackendConnection {
  return eraOf(spec) === 'legacy' ? connection : new EraConnection(connection, { name: spec.name, clock });
}

export interface Settled {
  modern: boolean;
  /** For a modern server: what its discover said, in the shape of an initialize result. */
  init?: InitializeResult;
  /** For a modern server: tells its standing listen that the subscribed URIs changed. */
  updateListen?: () => Promise<void>;
  /** The server quit on the probe: connect again (it will be spoken to in 2025 only). */
  reconnect?: boolean;
  /** A modern server whose discover also lists a 2025 version: it serves that era too. */
  alsoLegacy?: boolean;
}

/**
 * Probes the server (when its connection is wrapped for it) and settles the era of this
 * connection. `uris`: the URIs clients subscribed to at this server (a modern one's listen names them).
 */
export async function settleEra(spec: ServerSpec, connection: BackendConnection, connectTimeoutMs: number, uris: () => string[]): Promise<Settled> {
  if (!(connection instanceof EraConnection)) return { modern: false };
  const forced = spec.protocol === MODERN_VERSION;
  if (!MODERN_TRANSPORTS.has(spec.transport)) throw new Error(`protocol ${MODERN_VERSION} runs over stdio or Streamable HTTP, not ${spec.transport}`);
  const timeoutMs = Math.min(PROBE_TIMEOUT_MS, connectTimeoutMs);
  let version = MODERN_VERSION;
  let corrected = false;
  for (;;) {
    // The proxy's own requests (probe, standing listen) speak for no client: its identity, no capabilities.
    const envelope: Envelope = { protocolVersion: version, clientCapabilities: {}, clientInfo: PROXY_INFO };
    const answer = await connection.probe(envelope, timeoutMs);
    const verdict = judge(answer, corrected);
    if (verdict.retryAt !== undefined) {
      corrected = true;
      version = verdict.retryAt;
      continue;
    }
    if (verdict.init) {
      connection.goModern(verdict.init.capabilities, envelope, uris);
      return { modern: true, init: verdict.init, updateListen: () => connection.updateListen(), alsoLegacy: verdict.alsoLegacy };
    }
    const why = verdict.legacy!;
    if (forced) throw new Error(`"protocol": "${MODERN_VERSION}" is configured, but ${why}`);
    if (verdict.fatal) throw new Error(why);
    const failed = 'failed' in answer ? answer.failed : undefined;
    if (failed && spec.transport === 'stdio') remembered.set(spec, failed);
    log.info(`server "${spec.name}" speaks the 2025 protocol (${why})`);
    if (failed === 'lost') return { modern: false, reconnect: true };
    connection.goLegacy();
    return { modern: false };
  }
}

interface Verdict {
  init?: InitializeResult;
  alsoLegacy?: boolean;
  retryAt?: string;
  /** Why the server is not spoken to in 2026-07-28. */
  legacy?: string;
  /** Not even the 2025 lifecycle can work. */
  fatal?: boolean;
}

function judge(answer: ProbeAnswer, corrected: boolean): Verdict {
  if ('failed' in answer) return { legacy: answer.failed === 'lost' ? `it quit on server/discover: ${answer.reason}` : answer.reason };
  if ('error' in answer) {
    const { code, message, data } = answer.error;
    if (code !== ModernError.UnsupportedProtocolVersion) return { legacy: `server/discover answered ${message} (${code})` };
    const supported: unknown[] = Array.isArray(data?.supported) ? data.supported : [];
    const mutual = MODERN_VERSIONS.find((v) => supported.includes(v));
    if (mutual && !corrected) return { retryAt: mutual };
    if (mutual || supported.some(isSupportedVersion)) return { legacy: `server/discover answered ${message} (${code})` };
    return { legacy: `the server speaks protocol versions ${JSON.stringify(supported)} only; multi-mcp speaks ${MODERN_VERSIONS.join(', ')} and 2025-11-25 back to 2024-11-05`, fatal: true };
  }
  const result = answer.result;
  const versions: unknown[] = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  const version = MODERN_VERSIONS.find((v) => versions.includes(v));
  if (!version) return { legacy: `server/discover lists no version multi-mcp speaks in 2026 style (${JSON.stringify(result.supportedVersions ?? null)})` };
  // The server's identity is in the result's _meta (or, from some, in the body); not kept in _meta.
  const { [MetaKey.serverInfo]: serverInfo, ...meta } = (result._meta ?? {}) as Record<string, unknown>;
  const parsed = InitializeResult.safeParse({
    protocolVersion: version,
    capabilities: result.capabilities ?? {},
    serverInfo: serverInfo ?? result.serverInfo ?? { name: 'unknown', version: '' },
    ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  });
  if (!parsed.success) return { legacy: `server/discover answered an invalid result: ${parsed.error.issues[0]?.message}` };
  return { init: parsed.data, alsoLegacy: versions.some(isSupportedVersion) };
}

/**
 * For a 2026-07-28 server over Streamable HTTP: tools whose x-mcp-header annotations break the
 * spec's rules are left out (the spec says a client MUST), with a warning naming the reason.
 */
export function headerRules(serverName: string): (tool: Tool) => boolean {
  return (tool) => {
    const why = invalidHeaderAnnotation(tool.inputSchema);
    if (why !== undefined) log.warn(`server "${serverName}": tool "${tool.name}" left out: ${why}`);
    return why !== undefined;
  };
}
