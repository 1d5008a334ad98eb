import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import type { z } from "zod";
import { EDITOR_ONLY_KEYS, timeoutInSeconds, workspaceFolder } from "./editors.js";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { interpolateCollect, type Env } from "./interpolate.js";
import { blankJsonc } from "./jsonc.js";
import { formatPath, type PathSegment } from "./path.js";
import { checkViews, toToolDiscovery, toViewConfigs } from "./discovery.js";
import { ConfigFileSchema, isPlainObject } from "./schema.js";
import { toServerSpec, type Config, type ServerSpec } from "./spec.js";

export { ConfigError, type ConfigIssue } from "./errors.js";

/** The keys that hold servers: `mcpServers` (most editors) and `servers` (VS Code). */
export const SERVER_TABLES = ["mcpServers", "servers"] as const;
const OWN_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([...SERVER_TABLES, "separator", "namespace", "toolDiscovery", "views"]);

/** Reads and parses a config file. `source` in the result and errors is the absolute path. */
export function loadConfig(file: string, env: Env = process.env): Config {
  const absolute = path.resolve(file);
  return parseConfig(readConfigText(absolute), absolute, env);
}

/** The text of a config file; a ConfigError that says why if it cannot be read. */
export function readConfigText(file: string): string {
  const absolute = path.resolve(file);
  try {
    return readFileSync(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" ? `config file does not exist: ${absolute}` : `cannot read config file ${absolute}: ${(err as Error).message}`;
    throw new ConfigError(absolute, [{ path: "", message }]);
  }
}

/**
 * Parses config text: JSON (comments and trailing commas allowed) → `${VAR}` interpolation →
 * validation → normalized Config. Relative paths are anchored at the directory of `source`.
 */
export function parseConfig(text: string, source: string, env: Env = process.env): Config {
  const raw = parseJson(text, source);
  const { servers, disabledServers, file, notes, ignoredKeys } = validate(raw, source, env);
  const views = toViewConfigs(file.views);
  const viewIssues = checkViews(views, [...servers.map((s) => s.name), ...disabledServers]);
  if (viewIssues.length > 0) throw new ConfigError(source, viewIssues);
  const toolDiscovery = toToolDiscovery(file.toolDiscovery);
  const config: Config = { servers, disabledServers, toolDiscovery, views, source, notes, ignoredKeys };
  if (file.separator !== undefined) config.separator = file.separator;
  if (file.namespace !== undefined) config.namespace = file.namespace;
  return config;
}

/**
 * Validates a `{ "mcpServers": { ... } }` (or `"servers"`) object coming from elsewhere (the
 * admin API), with the same interpolation and error reporting as a file. `configFile` anchors
 * relative paths, as if the entries were written there.
 */
export function parseServerEntries(
  obj: unknown,
  source: string,
  env: Env = process.env,
  configFile = source,
): { servers: ServerSpec[]; disabledServers: string[] } {
  const { servers, disabledServers } = validate(obj, source, env, configFile);
  return { servers, disabledServers };
}

function validate(raw: unknown, source: string, env: Env, configFile = source) {
  const disabledServers: string[] = [];
  const ignoredKeys: string[] = [];
  let doc = raw;
  const entries: unknown[] = [];
  if (isPlainObject(raw)) {
    // Only the keys multi-mcp reads are interpolated: editors keep other things (comments,
    // their own settings) at the top level, and a "${...}" there must not break loading.
    const { separator, namespace, toolDiscovery, views } = raw;
    const kept: Record<string, unknown> = { separator, namespace, toolDiscovery, views };
    for (const key of Object.keys(raw)) if (!OWN_TOP_LEVEL_KEYS.has(key)) ignoredKeys.push(formatPath([key]));
    for (const table of SERVER_TABLES) {
      const servers = raw[table];
      if (!isPlainObject(servers)) {
        kept[table] = servers;
        continue;
      }
      entries.push(...Object.values(servers));
      kept[table] = Object.fromEntries(
        Object.entries(servers).filter(([name, entry]) => {
          // `disabled: true` works like commenting the entry out (JSON has no comments): it is
          // neither interpolated nor validated, so half-written entries don't block startup.
          if (isPlainObject(entry) && entry.disabled === true) disabledServers.push(name);
          return !(isPlainObject(entry) && entry.disabled === true);
        }).map(([name, entry]) => [name, withoutEditorKeys(entry, [table, name], ignoredKeys)]),
      );
    }
    doc = kept;
  }

  const builtins = { workspaceFolder: workspaceFolder(configFile), userHome: homedir() };
  const interpolated = interpolateCollect(doc, env, [], builtins);
  if (interpolated.issues.length > 0) throw new ConfigError(source, interpolated.issues);

  const parsed = ConfigFileSchema.safeParse(interpolated.value);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.map(toConfigIssue));

  const issues: ConfigIssue[] = [];
  const inSeconds = timeoutInSeconds(configFile, entries);
  const baseDir = path.dirname(path.resolve(configFile));
  const servers: ServerSpec[] = [];
  const secondsRead: string[] = [];
  for (const table of SERVER_TABLES) {
    for (const [name, server] of Object.entries(parsed.data[table] ?? {})) {
      const issue = (key: string, message: string) => issues.push({ path: formatPath([table, name, key]), message });
      servers.push(toServerSpec(name, server, { baseDir, timeoutInSeconds: inSeconds, issue }));
      if (typeof server.timeout === "number") secondsRead.push(`${formatPath([table, name, "timeout"])}: ${server.timeout} → ${server.timeout} s`);
    }
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  const notes = secondsRead.length === 0 ? [] : [
    `${source}: "timeout" numbers are read as seconds, as Cline and Roo Code mean them (${secondsRead.join(", ")}); write "timeoutMs" or "60s" to say the unit`,
  ];
  return { servers, disabledServers, file: parsed.data, notes, ignoredKeys };
}

/** The entry without the keys editors keep for themselves; their paths are added to `ignored`. */
function withoutEditorKeys(entry: unknown, where: PathSegment[], ignored: string[]): unknown {
  if (!isPlainObject(entry)) return entry;
  const kept = Object.entries(entry).filter(([key]) => {
    if (EDITOR_ONLY_KEYS.has(key)) ignored.push(formatPath([...where, key]));
    return !EDITOR_ONLY_KEYS.has(key);
  });
  return Object.fromEntries(kept);
}

function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const message = issue.message
    .replace(/^Invalid (input|option): /, "")
    .replace(/\brecord\b/g, "object")
    .replace(/, received undefined$/, " (missing)");
  return { path: formatPath(issue.path), message };
}

/** JSON.parse with the error located as file:line:column where V8 tells us the offset. */
function parseJson(text: string, source: string): unknown {
  const body = blankJsonc(text.replace(/^\uFEFF/, "")); // editors on Windows like to add a BOM
  if (body.trim() === "") {
    throw new ConfigError(source, [{ path: "", message: 'file is empty (or only comments); expected a JSON object like { "mcpServers": { ... } }' }]);
  }
  try {
    return JSON.parse(body);
  } catch (err) {
    const detail = (err as Error).message;
    const where = locateJsonError(body, detail);
    const reason = detail
      .replace(/ at position \d+.*$/s, "")
      .replace(/ \(line \d+ column \d+\)$/, "")
      .replace(/ in JSON$/, "")
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, ""); // V8 quotes a snippet; we give line:column instead
    const at = where ? ` at line ${where.line}, column ${where.column}` : "";
    throw new ConfigError(source, [
      { path: "", message: `invalid JSON${at}: ${reason}` },
    ]);
  }
}

function locateJsonError(text: string, message: string): { line: number; column: number } | undefined {
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const position = /at position (\d+)/.exec(message);
  const atEnd = message.includes("Unexpected end of JSON input");
  const offset = position ? Number(position[1]) : atEnd ? text.length : findErrorOffset(text);
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Some V8 messages ("Unexpected token '/'", e.g. a comment) carry no position.
 * A prefix of the text fails for a real reason only once it includes the bad
 * character, so binary-search for the shortest such prefix.
 */
function findErrorOffset(text: string): number | undefined {
  const failsWithin = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (err) {
      const message = (err as Error).message;
      if (message.includes("Unexpected end of JSON input")) return false;
      const position = /at position (\d+)/.exec(message);
      return !(position && Number(position[1]) >= length); // ran off the end of the prefix
    }
  };
  if (!failsWithin(text.length)) return undefined;
  let ok = 0;
  let bad = text.length;
  while (bad - ok > 1) {
    const mid = (ok + bad) >> 1;
    if (failsWithin(mid)) bad = mid;
    else ok = mid;
  }
  return bad - 1;
}
