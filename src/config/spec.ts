import * as path from "node:path";
import { DEFAULT_RESTART, parseServerUrl, type ServerConfig } from "./schema.js";

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
}

export interface Config {
  /** Enabled servers, in file order. */
  servers: ServerSpec[];
  /** Names of entries with `disabled: true`; they are not in `servers`. */
  disabledServers: string[];
  separator?: string;
  namespace?: boolean;
  /** Where the config came from (absolute file path for loadConfig). */
  source: string;
}

/** Picks the transport for an entry; `type` wins, otherwise inferred from command/url. */
export function inferTransport(server: Pick<ServerConfig, "type" | "command" | "url">): Transport {
  if (server.type === "streamable-http") return "http";
  if (server.type) return server.type;
  if (server.command !== undefined) return "stdio";
  const url = server.url !== undefined ? parseServerUrl(server.url) : undefined;
  if (!url) throw new Error("server has neither a command nor a valid url"); // schema rules out
  if (url.protocol === "ws:" || url.protocol === "wss:") return "ws";
  // Most SSE servers are mounted at .../sse; anything else gets Streamable HTTP with SSE fallback.
  if (/\/sse\/?$/.test(url.pathname)) return "sse";
  return "auto-http";
}

/**
 * Turns a validated entry into a ServerSpec. `baseDir` anchors relative `cwd`
 * values, so a config works the same whatever directory the proxy starts in.
 */
export function toServerSpec(name: string, server: ServerConfig, baseDir: string): ServerSpec {
  const restart = server.restart ?? true;
  const spec: ServerSpec = {
    name,
    transport: inferTransport(server),
    args: server.args ?? [],
    env: server.env ?? {},
    headers: server.headers ?? {},
    tools: { ...server.tools },
    session: server.session ?? "shared",
    restart:
      typeof restart === "boolean"
        ? { enabled: restart, ...DEFAULT_RESTART }
        : { enabled: true, ...DEFAULT_RESTART, ...definedOnly(restart) },
  };
  if (server.command !== undefined) spec.command = server.command;
  if (server.url !== undefined) spec.url = server.url;
  if (server.cwd !== undefined) spec.cwd = path.resolve(baseDir, server.cwd);
  if (server.timeout !== undefined) spec.timeoutMs = server.timeout;
  return spec;
}

function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
