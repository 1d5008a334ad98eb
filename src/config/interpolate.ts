import { ConfigError, type ConfigIssue } from "./errors.js";
import { formatPath, type PathSegment } from "./path.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Values of editor variables such as `${workspaceFolder}`, known from where the config is. */
export type Builtins = Readonly<Record<string, string>>;

// `$${` (escape for a literal `${`), `${...}`, or an unterminated `${`.
const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
// Inside the braces: [env:]NAME or [env:]NAME:-default (default may be empty or contain anything but `}`).
const REFERENCE = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
// VS Code's prompt for a value: taken from an environment variable here.
const INPUT = /^input:([\w.-]+)$/;
/** Editor variables multi-mcp knows (values given by the loader). */
export const BUILTIN_NAMES = ["workspaceFolder", "userHome"] as const;

interface Reference {
  name: string;
  fallback?: string;
  /** For `${input:id}`: the id, as written. */
  input?: string;
}

/** The environment variable that stands in for VS Code's `${input:id}`: API-KEY → API_KEY. */
function inputVariable(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
}

/**
 * Replaces `${VAR}` / `${VAR:-default}` (also written `${env:VAR}`, as VS Code does) in every
 * string value (object keys are left alone). Like the shell, the default applies when VAR is
 * unset or empty. `${input:id}` (VS Code prompts for it) is read from the variable ID, and the
 * loader's builtins (`${workspaceFolder}`, `${userHome}`) are replaced by their values.
 * Every unset variable without a default is collected and reported in a single
 * ConfigError, each naming the variable and the JSON path where it is used.
 */
export function interpolate<T>(value: T, env: Env = process.env, source = "<config>"): T {
  const { value: result, issues } = interpolateCollect(value, env);
  if (issues.length > 0) throw new ConfigError(source, issues);
  return result as T;
}

/** Like interpolate, but returns the problems instead of throwing (missing values become ""). */
export function interpolateCollect(
  value: unknown,
  env: Env = process.env,
  basePath: readonly PathSegment[] = [],
  builtins: Builtins = {},
): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const result = mapStrings(value, basePath, (text, where) =>
    substitute(text, (ref) => {
      const current = env[ref.name];
      if (current !== undefined && (current !== "" || ref.fallback === undefined)) return current;
      if (ref.fallback !== undefined) return ref.fallback;
      const message = ref.input
        ? `\${input:${ref.input}} asks the editor to prompt for a value, which a proxy cannot do: set the environment variable ${ref.name} instead${usedBy(where)}`
        : `environment variable ${ref.name} is not set${usedBy(where)}`;
      issues.push({ path: formatPath(where), message });
      return "";
    }, (bad) => issues.push({ path: formatPath(where), message: malformed(bad) }), builtins),
  );
  return { value: result, issues };
}

/**
 * Names of all variables referenced anywhere in `value` (first-use order, no
 * duplicates). With `requiredOnly`, references that have a default are skipped.
 */
export function referencedVariables(value: unknown, options: { requiredOnly?: boolean } = {}): string[] {
  const names = new Set<string>();
  mapStrings(value, [], (text) =>
    substitute(text, (ref) => {
      if (!options.requiredOnly || ref.fallback === undefined) names.add(ref.name);
      return "";
    }, () => {}, Object.fromEntries(BUILTIN_NAMES.map((n) => [n, ""]))),
  );
  return [...names];
}

function substitute(
  text: string,
  resolve: (ref: Reference) => string,
  onMalformed: (token: string) => void,
  builtins: Builtins,
): string {
  return text.replace(TOKEN, (token: string, inner: string | undefined) => {
    if (token === "$${") return "${";
    if (inner !== undefined && Object.hasOwn(builtins, inner)) return builtins[inner];
    const input = inner === undefined ? null : INPUT.exec(inner);
    if (input) return resolve({ name: inputVariable(input[1]), input: input[1] });
    const match = inner === undefined ? null : REFERENCE.exec(inner);
    if (!match) {
      onMalformed(token);
      return token;
    }
    return resolve({ name: match[1], fallback: match[2] });
  });
}

function mapStrings(value: unknown, where: readonly PathSegment[], fn: (text: string, where: readonly PathSegment[]) => string): unknown {
  if (typeof value === "string") return fn(value, where);
  if (Array.isArray(value)) return value.map((item, i) => mapStrings(item, [...where, i], fn));
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, [...where, k], fn)]));
  }
  return value;
}

function usedBy(where: readonly PathSegment[]): string {
  return (where[0] === "mcpServers" || where[0] === "servers") && where.length > 1 ? ` (used by server "${String(where[1])}")` : "";
}

function malformed(token: string): string {
  const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
  const editorVariable = /^\$\{\w+:/.test(token) && !token.startsWith("${env:") && !token.startsWith("${input:");
  const expected = "expected ${NAME}, ${NAME:-default}, ${env:NAME}, ${input:ID}, ${workspaceFolder} or ${userHome}";
  return `${editorVariable ? "unsupported editor variable" : "invalid variable reference"} "${shown}": ${expected} (write $\${ for a literal \${)`;
}
