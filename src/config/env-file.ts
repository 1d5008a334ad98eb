// `envFile`: variables for a server from a dotenv file (as VS Code and Cursor read it).
import { readFileSync } from "node:fs";

/**
 * Parses dotenv text: `KEY=value` lines, optional `export `, `#` comments, values in single quotes
 * (literal), double quotes (\n, \t, \", \\ escapes) or bare (trimmed, ` #` starts a comment).
 * Throws with the line number for a line that is none of these.
 */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`line ${index + 1}: expected KEY=value`);
    const [, key, rest] = match;
    vars[key] = unquote(rest, index + 1);
  });
  return vars;
}

function unquote(value: string, line: number): string {
  const quote = value[0];
  if (quote !== "'" && quote !== '"') return value.replace(/\s+#.*$/, "").trim();
  let close = 1;
  while (close < value.length && value[close] !== quote) close += quote === '"' && value[close] === "\\" ? 2 : 1;
  if (close >= value.length) throw new Error(`line ${line}: missing closing ${quote}`);
  const inner = value.slice(1, close);
  if (quote === "'") return inner;
  return inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c);
}

/** Reads and parses an env file; errors name the file. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `env file does not exist: ${file}` : `cannot read env file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseDotenv(text);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
