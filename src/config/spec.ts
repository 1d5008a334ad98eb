import * as path from "node:path";
import type { ToolDiscovery, ViewConfig } from "./discovery.js";
import { parseDuration } from "./duration.js";
import { readEnvFile } from "./env-file.js";
import { anchorArgs, anchorCommand } from "./relative-paths.js";
import type { OAuthSettings } from "../oauth/config.js";
import { DEFAULT_RESTART, parseServerUrl, type PROTOCOL_SETTINGS, type ServerConfig } from "./schema.js";

/**
 * How to reach a backend. "auto-http" means: try Streamable HTTP, fall back to
 * SSE (decided by the transport layer, not here).
 */
export type Transport = "stdio" | "sse" | "http" | "ws" | "auto-http";

export interface RestartPolicy {
  enabled: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  stableMs: number;
}

/** A validated, defaulted server entry: what the rest of the proxy consumes. */
export interface ServerSpec {
  name: string;
  transport: Transport;
  command?: string;
  args: string[];
  /** Only the variables from the file; the spawner merges them over process.env. */
  env: Record<string, string>;
  /** Absolute path (relative values are resolved against the config file's directory). */
  cwd?: string;
  url?: string;
  headers: Record<string, string>;
  tools: { allow?: string[]; deny?: string[] };
  session: "shared" | "per-client";
  timeoutMs?: number;
  restart: RestartPolicy;
  /** Remote servers: sign-in settings; `false` turns sign-in off. */
  oauth?: OAuthSettings | false;
  /** MCP protocol era; absent: "auto" (probe server/discover, else 2025-11-25). */
  protocol?: (typeof PROTOCOL_SETTINGS)[number];
}

export interface Config {
  /** Enabled servers, in file order. */
  servers: ServerSpec[];
  /** Names of entries with `disabled: true`; they are not in `servers`. */
  disabledServers: string[];
  separator?: string;
  namespace?: boolean;
  /** Top-level toolDiscovery: the default endpoints' mode, and that of views without their own. */
  toolDiscovery: ToolDiscovery;
  /** Named views, served at /mcp/NAME, /sse/NAME, /ws/NAME and with --view NAME. */
  views: ViewConfig[];
  /** Where the config came from (absolute file path for loadConfig). */
  source: string;
  /** What the loader read in a way worth telling once (e.g. a bare "timeout" taken as seconds). */
  notes: string[];
  /** Editor settings accepted and left out (JSON paths), for one debug line. */
  ignoredKeys: string[];
}

/** What converting an entry needs to know about its file, and where it reports problems. */
export interface SpecContext {
  /** The config file's directory: relative paths are anchored there. */
  baseDir: string;
  /** A bare number in "timeout" means seconds (Cline, Roo Code); otherwise it is refused. */
  timeoutInSeconds: boolean;
  /** A problem with `key` of the entry (reported with the entry's JSON path). */
  issue(key: string, message: string): void;
}

/** Picks the transport for an entry; `type` wins, otherwise inferred from command/url. */
export function inferTransport(server: Pick<ServerConfig, "type" | "transportType" | "command" | "url" | "serverUrl">): Transport {
  const type = server.type ?? server.transportType;
  if (type === "streamable-http" || type === "streamableHttp") return "http";
  if (type) return type;
  if (server.command !== undefined) return "stdio";
  const address = server.url ?? server.serverUrl;
  const url = address !== undefined ? parseServerUrl(address) : undefined;
  if (!url) throw new Error("server has neither a command nor a valid url"); // schema rules out
  if (url.protocol === "ws:" || url.protocol === "wss:") return "ws";
  // Most SSE servers are mounted at .../sse; anything else gets Streamable HTTP with SSE fallback.
  if (/\/sse\/?$/.test(url.pathname)) return "sse";
  return "auto-http";
}

/**
 * Turns a validated entry into a ServerSpec: aliases resolved, relative paths anchored at the
 * config file's directory (so a config works whatever directory the proxy starts in), envFile
 * read, the timeout in milliseconds. Problems go to `ctx.issue`.
 */
export function toServerSpec(name: string, server: ServerConfig, ctx: SpecContext): ServerSpec {
  const restart = server.restart ?? true;
  const deny = [...(server.tools?.deny ?? []), ...(server.disabledTools ?? [])];
  const spec: ServerSpec = {
    name,
    transport: inferTransport(server),
    args: server.args ?? [],
    env: server.env ?? {},
    headers: server.headers ?? {},
    tools: { ...server.tools, ...(deny.length > 0 ? { deny } : {}) },
    session: server.session ?? "shared",
    restart:
      typeof restart === "boolean"
        ? { enabled: restart, ...DEFAULT_RESTART }
        : { enabled: true, ...DEFAULT_RESTART, ...definedOnly(restart) },
  };
  const hasCwd = server.cwd !== undefined;
  if (server.command !== undefined) {
    spec.command = anchorCommand(server.command, ctx.baseDir, hasCwd);
    spec.args = anchorArgs(spec.args, ctx.baseDir, hasCwd);
  }
  const url = server.url ?? server.serverUrl;
  if (url !== undefined) spec.url = url;
  if (hasCwd) spec.cwd = path.resolve(ctx.baseDir, server.cwd!);
  if (server.envFile !== undefined) {
    try {
      spec.env = { ...readEnvFile(path.resolve(ctx.baseDir, server.envFile)), ...spec.env }; // `env` wins
    } catch (err) {
      ctx.issue("envFile", (err as Error).message);
    }
  }
  const timeoutMs = readTimeout(server, ctx);
  if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
  if (server.oauth !== undefined) spec.oauth = server.oauth;
  if (server.protocol !== undefined) spec.protocol = server.protocol;
  return spec;
}

/** `timeoutMs`, or `timeout` as a duration string, or a bare number in seconds where the editor means that. */
function readTimeout(server: ServerConfig, ctx: SpecContext): number | undefined {
  const { timeout } = server;
  if (typeof timeout === "string") return parseDuration(timeout);
  if (timeout === undefined) return server.timeoutMs;
  if (ctx.timeoutInSeconds) return Math.round(timeout * 1000);
  ctx.issue(
    "timeout",
    `${timeout} has no unit: write "timeoutMs": ${timeout} for milliseconds, or "timeout": "${timeout}s" for seconds ` +
      "(a bare number means seconds only in Cline and Roo Code files)",
  );
  return undefined;
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
