import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { interpolateCollect, type Env } from "./interpolate.js";
import { formatPath } from "./path.js";
import { ConfigFileSchema, isPlainObject } from "./schema.js";
import { toServerSpec, type Config, type ServerSpec } from "./spec.js";

export { ConfigError, type ConfigIssue } from "./errors.js";

/** Reads and parses a config file. `source` in the result and errors is the absolute path. */
export function loadConfig(file: string, env: Env = process.env): Config {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" ? `config file does not exist: ${absolute}` : `cannot read config file ${absolute}: ${(err as Error).message}`;
    throw new ConfigError(absolute, [{ path: "", message }]);
  }
  return parseConfig(text, absolute, env);
}

/**
 * Parses config text: JSON → `${VAR}` interpolation → validation → normalized Config.
 * Relative `cwd` values resolve against the directory of `source`.
 */
export function parseConfig(text: string, source: string, env: Env = process.env): Config {
  const raw = parseJson(text, source);
  const { servers, disabledServers, file } = validate(raw, source, env);
  const config: Config = { servers, disabledServers, source };
  if (file.separator !== undefined) config.separator = file.separator;
  if (file.namespace !== undefined) config.namespace = file.namespace;
  return config;
}

/**
 * Validates a `{ "mcpServers": { ... } }` object coming from elsewhere (the admin
 * API), with the same interpolation and error reporting as a file.
 */
export function parseServerEntries(
  obj: unknown,
  source: string,
  env: Env = process.env,
): { servers: ServerSpec[]; disabledServers: string[] } {
  const { servers, disabledServers } = validate(obj, source, env);
  return { servers, disabledServers };
}

function validate(raw: unknown, source: string, env: Env) {
  // `disabled: true` works like commenting the entry out (JSON has no comments):
  // it is neither interpolated nor validated, so half-written entries don't block startup.
  const disabledServers: string[] = [];
  let doc = raw;
  if (isPlainObject(raw) && isPlainObject(raw.mcpServers)) {
    const enabled = Object.entries(raw.mcpServers).filter(([name, entry]) => {
      const disabled = isPlainObject(entry) && entry.disabled === true;
      if (disabled) disabledServers.push(name);
      return !disabled;
    });
    // Only the keys multi-mcp reads are interpolated: editors keep other things (comments,
    // their own settings) at the top level, and a "${...}" there must not break loading.
    const { separator, namespace } = raw;
    doc = { mcpServers: Object.fromEntries(enabled), separator, namespace };
  }

  const interpolated = interpolateCollect(doc, env);
  if (interpolated.issues.length > 0) throw new ConfigError(source, interpolated.issues);

  const parsed = ConfigFileSchema.safeParse(interpolated.value);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.map(toConfigIssue));

  const baseDir = path.dirname(path.resolve(source));
  const servers = Object.entries(parsed.data.mcpServers).map(([name, server]) => toServerSpec(name, server, baseDir));
  return { servers, disabledServers, file: parsed.data };
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
  const body = text.replace(/^\uFEFF/, ""); // editors on Windows like to add a BOM
  if (body.trim() === "") {
    throw new ConfigError(source, [{ path: "", message: 'file is empty; expected a JSON object like { "mcpServers": { ... } }' }]);
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
