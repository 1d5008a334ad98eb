import { z } from "zod";
import { ToolDiscoverySchema, ViewsSchema } from "./discovery.js";
import { parseDuration } from "./duration.js";
import { OAuthConfigSchema } from "../oauth/config.js";

/** Longest server name accepted; names end up inside tool names, which clients limit. */
export const MAX_SERVER_NAME_LENGTH = 64;

/** `streamable-http` (Roo Code) and `streamableHttp` (Cline) are names of `http`. */
export const TRANSPORT_TYPES = ["stdio", "sse", "http", "streamable-http", "streamableHttp", "ws"] as const;
/** MCP protocol era per server: "auto" probes server/discover (2026-07-28) and falls back to 2025-11-25. */
export const PROTOCOL_SETTINGS = ["auto", "2025-11-25", "2026-07-28", "both"] as const;
export type TransportType = (typeof TRANSPORT_TYPES)[number];

/** Backoff used when `restart` is true or leaves a field out. */
export const DEFAULT_RESTART = { initialDelayMs: 500, maxDelayMs: 30_000, stableMs: 60_000 } as const;

const URL_PROTOCOLS = new Set(["http:", "https:", "ws:", "wss:"]);

/** Parses an absolute http(s)/ws(s) URL, or returns undefined. */
export function parseServerUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return URL_PROTOCOLS.has(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

const stringMap = z.record(z.string(), z.string());
const stringList = z.array(z.string());
const nonEmpty = z.string().min(1, "expected a non-empty string");
const delayMs = z.number().int("expected a whole number of milliseconds").nonnegative("expected a number >= 0");
const serverUrl = z.string().refine((s) => parseServerUrl(s) !== undefined, "expected an absolute http:, https:, ws: or wss: URL");
const transportType = z.enum(TRANSPORT_TYPES);
const DURATION = 'expected a duration with its unit, such as "60s" or "500ms"';

const RestartOptionsSchema = strictObject({
  initialDelayMs: delayMs.optional(),
  maxDelayMs: delayMs.optional(),
  stableMs: delayMs.optional(),
});

const ToolFilterSchema = strictObject({
  allow: stringList.optional(),
  deny: stringList.optional(),
});

/**
 * One server entry. Unknown keys are rejected so typos ("comand") surface; the loader takes out
 * the editors' own keys (see editors.ts) before this sees the entry.
 */
export const ServerConfigSchema = strictObject({
  command: nonEmpty.optional(),
  args: stringList.optional(),
  env: stringMap.optional(),
  envFile: nonEmpty.optional(),
  cwd: nonEmpty.optional(),
  url: serverUrl.optional(),
  serverUrl: serverUrl.optional(), // Windsurf
  type: transportType.optional(),
  transportType: transportType.optional(), // Cline
  headers: stringMap.optional(),
  disabled: z.boolean().optional(),
  disabledTools: stringList.optional(), // Roo Code, Windsurf
  tools: ToolFilterSchema.optional(),
  session: z.enum(["shared", "per-client"]).optional(),
  // The unit of a bare number depends on the editor that wrote it: the loader decides (load.ts).
  timeout: z
    .union([z.number().positive(DURATION), z.string().refine((s) => parseDuration(s) !== undefined, DURATION)], { error: DURATION })
    .optional(),
  timeoutMs: z
    .number()
    .int("expected a whole number of milliseconds")
    .positive("expected a positive number of milliseconds")
    .optional(),
  restart: z
    .union([z.boolean(), RestartOptionsSchema], {
      error: "expected true, false or an object { initialDelayMs?, maxDelayMs?, stableMs? }",
    })
    .optional(),
  oauth: OAuthConfigSchema.optional(),
  protocol: z.enum(PROTOCOL_SETTINGS).optional(),
}).superRefine((server, ctx) => checkServerRules(server, ctx), {
  // Run even when a field is malformed, so "no command or url" is reported together with it.
  when: (payload) => isPlainObject(payload.value),
});

const ServerTableSchema = z.record(z.string(), ServerConfigSchema).superRefine(checkServerNames, {
  when: (payload) => isPlainObject(payload.value),
});

/**
 * The whole file: servers under `mcpServers` (Claude, Cursor, Cline, Roo, Windsurf…) and/or
 * `servers` (VS Code). Other top-level keys are ignored: editors keep their own settings there.
 */
export const ConfigFileSchema = z
  .looseObject({
    mcpServers: ServerTableSchema.optional(),
    servers: ServerTableSchema.optional(),
    separator: z.string().min(1, "expected 1 to 8 characters").max(8, "expected 1 to 8 characters").optional(),
    namespace: z.boolean().optional(),
    toolDiscovery: ToolDiscoverySchema.optional(),
    views: ViewsSchema.optional(),
  })
  .superRefine((file, ctx) => {
    if (file.mcpServers === undefined && file.servers === undefined) {
      ctx.addIssue({ code: "custom", path: ["mcpServers"], message: 'missing: expected "mcpServers" (or "servers", as VS Code writes it), an object of servers by name' });
    }
    for (const name of Object.keys(file.servers ?? {})) {
      if (file.mcpServers && Object.hasOwn(file.mcpServers, name)) {
        ctx.addIssue({ code: "custom", path: ["servers", name], message: `server "${name}" is also in "mcpServers"; keep one of the two` });
      }
    }
  });

export type ServerConfig = z.infer<typeof ServerConfigSchema>;
export type RestartOptions = z.infer<typeof RestartOptionsSchema>;
export type ToolFilter = z.infer<typeof ToolFilterSchema>;
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

type Ctx = z.RefinementCtx<unknown>;

/** Cross-field rules zod's shape cannot express. Fields may be malformed here; guard with typeof. */
function checkServerRules(server: Partial<Record<keyof ServerConfig, unknown>>, ctx: Ctx): void {
  const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: "custom", message, path });
  const urlKey = server.url !== undefined ? "url" : "serverUrl";
  const typeKey = server.type !== undefined ? "type" : "transportType";
  const hasCommand = server.command !== undefined;
  const hasUrl = server[urlKey] !== undefined;

  for (const [a, b] of [["url", "serverUrl"], ["type", "transportType"], ["timeout", "timeoutMs"]] as const) {
    if (server[a] !== undefined && server[b] !== undefined && (a === "timeout" || server[a] !== server[b])) {
      issue(`has both "${a}" and "${b}"${a === "timeout" ? "" : " with different values"}; keep one`, [b]);
    }
  }
  if (hasCommand && hasUrl) {
    issue(`has both "command" and "${urlKey}"; use "command" for a local process or "${urlKey}" for a remote server, not both`);
  } else if (!hasCommand && !hasUrl) {
    issue('needs either "command" (local process) or "url" (remote server)');
  }
  if (hasCommand && server.oauth !== undefined) issue('"oauth" applies to remote servers ("url") only', ["oauth"]);

  const restart = server.restart;
  if (isPlainObject(restart)) {
    const initial = typeof restart.initialDelayMs === "number" ? restart.initialDelayMs : DEFAULT_RESTART.initialDelayMs;
    const max = typeof restart.maxDelayMs === "number" ? restart.maxDelayMs : DEFAULT_RESTART.maxDelayMs;
    if (max < initial) issue(`maxDelayMs (${max}) must be at least initialDelayMs (${initial})`, ["restart", "maxDelayMs"]);
  }

  const type = TRANSPORT_TYPES.find((t) => t === server[typeKey]);
  if (server.protocol === "both" && (!hasUrl || type === "stdio" || type === "sse" || type === "ws")) {
    issue(`protocol "both" is for a server reached by "url" over Streamable HTTP (one endpoint serving both eras)`, ["protocol"]);
  }
  if (type === undefined) return; // absent, or already reported as not one of TRANSPORT_TYPES
  if (type === "stdio") {
    if (!hasCommand) issue(`${typeKey} "stdio" requires "command"`, [typeKey]);
    return;
  }
  if (server.protocol === "2026-07-28" && (type === "sse" || type === "ws")) {
    issue(`protocol "2026-07-28" runs over stdio or Streamable HTTP, not ${typeKey} "${type}"`, ["protocol"]);
  }
  if (!hasUrl) {
    issue(`${typeKey} "${type}" requires "url"`, [typeKey]);
    return;
  }
  const value = server[urlKey];
  const url = typeof value === "string" ? parseServerUrl(value) : undefined;
  if (!url) return; // already reported by the url field itself
  const isWs = url.protocol === "ws:" || url.protocol === "wss:";
  if (type === "ws" && !isWs) issue(`${typeKey} "ws" requires a ws: or wss: URL`, [urlKey]);
  if (type !== "ws" && isWs) issue(`${typeKey} "${type}" requires an http: or https: URL`, [urlKey]);
}

function checkServerNames(servers: Record<string, unknown>, ctx: Ctx): void {
  for (const name of Object.keys(servers)) {
    if (name.length === 0 || name.length > MAX_SERVER_NAME_LENGTH) {
      ctx.addIssue({
        code: "custom",
        message: `server name must be 1 to ${MAX_SERVER_NAME_LENGTH} characters (got ${name.length})`,
        path: [name],
      });
    }
  }
}

/** z.strictObject whose unknown-key error names each key and suggests the likely intended one. */
function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code !== "unrecognized_keys") return undefined;
      const described = iss.keys.map((key) => {
        const guess = suggestKey(key, known);
        return guess ? `"${key}" (did you mean "${guess}"?)` : `"${key}"`;
      });
      return `unknown key${described.length > 1 ? "s" : ""} ${described.join(", ")}; expected one of: ${known.join(", ")}`;
    },
  });
}

function suggestKey(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3; // only suggest close matches
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
