// Capabilities in both directions: what the proxy offers clients (every list it may announce
// changes for, plus the union of what ready backends offer), and what it offers backends.
import type { Backend } from '../backends/backend.js';

/**
 * What shared backends are offered in HTTP mode, where clients come and go: every client
 * capability the proxy can route. Each session is guarded on its own: a backend request that
 * needs a capability the session did not declare is refused to the backend, never sent on.
 */
export const ROUTABLE_CLIENT_CAPABILITIES: Record<string, unknown> = Object.freeze({
  roots: { listChanged: true },
  sampling: { tools: {}, context: {} },
  elicitation: { form: {}, url: {} },
  tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } },
});

/**
 * What the proxy offers a client. The three lists are always declared with listChanged: a
 * server added or restarted later may bring prompts or resources, and a client may only be told
 * of changes to lists it was told of. The rest is the union of what ready backends offer;
 * `experimental` keys merge across backends (the first server in config order wins a clash).
 */
export function offeredCapabilities(backends: Iterable<Backend>): Record<string, unknown> {
  const caps: Record<string, any> = {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { subscribe: false, listChanged: true },
    logging: {},
  };
  for (const b of backends) {
    const c = b.init?.capabilities as Record<string, any> | undefined;
    if (!c || !b.listed) continue;
    if (c.resources?.subscribe) caps.resources.subscribe = true;
    if (c.completions) caps.completions = {};
    if (c.tasks) caps.tasks = mergeTasks(caps.tasks, c.tasks);
    if (isObject(c.experimental)) caps.experimental = { ...c.experimental, ...caps.experimental };
  }
  if (!caps.resources.subscribe) delete caps.resources.subscribe;
  return caps;
}

function mergeTasks(into: Record<string, any> | undefined, from: Record<string, any>): Record<string, any> {
  const tasks: Record<string, any> = { ...into };
  if (from.list) tasks.list = {};
  if (from.cancel) tasks.cancel = {};
  if (from.requests?.tools?.call) tasks.requests = { tools: { call: {} } };
  return tasks;
}

/** `_meta` of several results (initialize, or one list from each backend) as one: the first server in config order wins a clash. */
export function mergedMeta(metas: Iterable<Record<string, unknown> | undefined>): Record<string, unknown> | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const meta of metas) if (meta) merged = { ...meta, ...merged };
  return merged;
}

/** The ready backends' instructions, each under its server's name. */
export function mergedInstructions(backends: Iterable<Backend>): string | undefined {
  const parts: string[] = [];
  for (const b of backends) {
    if (b.listed && b.init?.instructions) parts.push(`## ${b.name}\n${b.init.instructions}`);
  }
  return parts.length ? parts.join('\n\n') : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What the proxy offers a 2026-07-28 client (server/discover): as to a 2025 one, without 2025's core tasks. */
export function modernCapabilities(backends: Iterable<Backend>): Record<string, unknown> {
  const { tasks: _, ...caps } = offeredCapabilities(backends);
  return caps;
}
