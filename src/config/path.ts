/** A location inside the config document, as zod and our walkers report it. */
export type PathSegment = string | number | symbol;

const PLAIN_KEY = /^[\w$-]+$/;

/**
 * Formats a path the way users read it: `mcpServers.weather.args[1]`.
 * Keys that would be ambiguous with dots (spaces, dots, brackets…) are quoted:
 * `mcpServers["my.server"].command`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      if (PLAIN_KEY.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
