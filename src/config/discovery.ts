// Config keys of tool discovery (issue 18): `toolDiscovery` (top level and per view) and `views`.
// Kept apart from schema.ts so the server-entry schema stays readable.
import { z } from "zod";
import type { ConfigIssue } from "./errors.js";
import { formatPath } from "./path.js";

export const DISCOVERY_MODES = ["all", "search"] as const;
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

/** A view's name is a URL path segment: /mcp/NAME, /sse/NAME, /ws/NAME. */
export const VIEW_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const globList = z.array(z.string().min(1, "expected a non-empty name or glob"));

export const ToolDiscoverySchema = z.strictObject({
  mode: z.enum(DISCOVERY_MODES).optional(),
  /** Exposed tool names (globs allowed) listed beside the meta-tools in search mode. */
  pinned: globList.optional(),
});

export const ViewSchema = z.strictObject({
  servers: z.array(z.string()).optional(),
  tools: z.strictObject({ include: globList.optional(), exclude: globList.optional() }).optional(),
  toolDiscovery: ToolDiscoverySchema.optional(),
});

export const ViewsSchema = z.record(z.string(), ViewSchema);

export interface ToolDiscovery {
  mode: DiscoveryMode;
  pinned: string[];
}

export interface ViewConfig {
  name: string;
  /** undefined: every server. */
  servers?: string[];
  include?: string[];
  exclude?: string[];
  /** undefined: the top-level toolDiscovery. */
  toolDiscovery?: ToolDiscovery;
}

export function toToolDiscovery(raw: z.infer<typeof ToolDiscoverySchema> | undefined): ToolDiscovery {
  return { mode: raw?.mode ?? "all", pinned: raw?.pinned ?? [] };
}

export function toViewConfigs(raw: z.infer<typeof ViewsSchema> | undefined): ViewConfig[] {
  return Object.entries(raw ?? {}).map(([name, v]) => {
    const view: ViewConfig = { name };
    if (v.servers) view.servers = v.servers;
    if (v.tools?.include) view.include = v.tools.include;
    if (v.tools?.exclude) view.exclude = v.tools.exclude;
    if (v.toolDiscovery) view.toolDiscovery = toToolDiscovery(v.toolDiscovery);
    return view;
  });
}

/** Names that cannot be a path segment, and servers no entry of mcpServers (enabled or not) has. */
export function checkViews(views: ViewConfig[], serverNames: Iterable<string>): ConfigIssue[] {
  const known = new Set(serverNames);
  const issues: ConfigIssue[] = [];
  for (const view of views) {
    if (!VIEW_NAME.test(view.name)) {
      issues.push({ path: formatPath(["views", view.name]), message: "a view name must be 1 to 64 of A-Z a-z 0-9 _ - (it is part of the URL)" });
    }
    view.servers?.forEach((server, i) => {
      if (known.has(server)) return;
      const names = [...known].map((n) => `"${n}"`).join(", ") || "none";
      issues.push({ path: formatPath(["views", view.name, "servers", i]), message: `no server "${server}" in mcpServers (servers: ${names})` });
    });
  }
  return issues;
}
