// Capabilities in both directions: what the proxy offers clients (the union of its ready
// backends), and which client capabilities backends may use through it.
import { Method } from '../../protocol/mcp.js';
import type { Backend } from '../backends/backend.js';

/** Client capabilities a backend may use through the proxy (the rest stay between client and proxy). */
const FORWARDED_CLIENT_CAPABILITIES = ['roots', 'sampling', 'elicitation'] as const;

/** The client capability a server→client request needs. */
export const CAPABILITY_FOR: Record<string, string | undefined> = {
  [Method.samplingCreateMessage]: 'sampling',
  [Method.elicitationCreate]: 'elicitation',
  [Method.rootsList]: 'roots',
};

export function forwardedCapabilities(client: Record<string, unknown>): Record<string, unknown> {
  const caps: Record<string, unknown> = {};
  for (const key of FORWARDED_CLIENT_CAPABILITIES) if (client[key]) caps[key] = client[key];
  return caps;
}

/** What the proxy offers: the union of what ready backends offer; tools always. */
export function offeredCapabilities(backends: Iterable<Backend>): Record<string, unknown> {
  const caps: Record<string, any> = { tools: { listChanged: true } };
  for (const b of backends) {
    const c = b.init?.capabilities;
    if (!c || b.state !== 'ready') continue;
    if (c.prompts) caps.prompts = { listChanged: true };
    if (c.resources) caps.resources = { subscribe: Boolean(caps.resources?.subscribe || c.resources.subscribe), listChanged: true };
    if (c.logging) caps.logging = {};
    if (c.completions) caps.completions = {};
  }
  return caps;
}

/** The ready backends' instructions, each under its server's name. */
export function mergedInstructions(backends: Iterable<Backend>): string | undefined {
  const parts: string[] = [];
  for (const b of backends) {
    if (b.state === 'ready' && b.init?.instructions) parts.push(`## ${b.name}\n${b.init.instructions}`);
  }
  return parts.length ? parts.join('\n\n') : undefined;
}
