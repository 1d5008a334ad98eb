// A server that speaks both protocol eras on one Streamable HTTP endpoint may serve its two sides
// differently (the conformance reference server does: server→client requests and stream polling
// only on its 2025 side, input_required tools only on its 2026 side). The proxy speaks 2026 to it
// and, when the server says it also speaks 2025 (its discover lists a 2025 version, or the config
// says "protocol": "both"), keeps a 2025 session with it too, its "legacy side": a 2025 client's
// call whose tool (prompt, resource) that side lists goes there, so the client gets what it would
// get from the server directly; everything else goes to the 2026 side (through the bridge). Never
// tried unasked: a 2026 client must not send a 2026-only server 2025 messages (the conformance
// client scenarios check every POST). The legacy side is invisible: its lists are not merged, its
// state is not shown, and it is not restarted (the next start of the main backend makes a new one).
import { Method } from '../../protocol/mcp.js';
import type { ServerSpec } from '../config/spec.js';
import { errorMessage, log } from '../log.js';
import { toolNamed, type Catalog } from './catalog.js';
import type { BackendHost } from './connection.js';

/** A shared 2026 HTTP server that said (or is configured to) serve 2025 clients too. */
export function wantsLegacySide(spec: ServerSpec, discoverListed2025: boolean): boolean {
  const setting = spec.protocol ?? 'auto';
  const asked = setting === 'both' || (setting === 'auto' && discoverListed2025);
  return asked && spec.session === 'shared' && (spec.transport === 'http' || spec.transport === 'auto-http');
}

/** The spec of the legacy side: the same endpoint (Streamable HTTP: no SSE fallback), pinned to 2025-11-25, never restarted. */
export function legacySpec(spec: ServerSpec): ServerSpec {
  return { ...spec, transport: 'http', protocol: '2025-11-25', restart: { ...spec.restart, enabled: false } };
}

/** The host as the legacy side sees it: messages flow as for any backend; its state and lists stay private. */
export function quietHost<B>(host: BackendHost<B>): BackendHost<B> {
  return {
    attach: (b, c) => host.attach(b, c),
    detach: (b, c, reason) => host.detach(b, c, reason),
    request: (c, method, params, timeoutMs) => host.request(c, method, params, timeoutMs),
    ready: () => {},
    changed: () => {},
  };
}

/** Whether the legacy side lists what the request is for. */
export function servesOnLegacySide(catalog: Catalog, method: string, params: Record<string, any> | undefined): boolean {
  switch (method) {
    case Method.toolsCall:
      return typeof params?.name === 'string' && toolNamed(catalog.tools, params.name) !== undefined;
    case Method.promptsGet:
      return catalog.prompts.some((p) => p.name === params?.name);
    case Method.resourcesRead:
      return catalog.resources.some((r) => r.uri === params?.uri);
    default:
      return false;
  }
}

/** Logs how a legacy side's start went; true when it is ready. */
export function reportLegacySide(name: string, outcome: unknown): boolean {
  if (outcome === true) {
    log.info(`server "${name}" also speaks 2025-11-25: its tools, prompts and resources listed there serve 2025 clients on that side`);
    return true;
  }
  log.warn(`server "${name}": no 2025-11-25 session beside the 2026-07-28 one (${errorMessage(outcome)}); 2025 clients are served through its 2026 side`);
  return false;
}
