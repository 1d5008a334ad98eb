// Namespacing: the exposed name of a (server, original name) pair.
// Many clients (Claude, OpenAI) accept only ^[a-zA-Z0-9_-]{1,64}$, so exposed names are kept
// inside that set whenever the separator allows. A name that does not fit is shortened
// deterministically, server part first (a model picks tools by their tool part, so it stays
// whole whenever it fits); bad characters are replaced, with a hash to keep originals apart.
// Routing always goes through the table, never by splitting the exposed string.
import { createHash } from 'node:crypto';

export const DEFAULT_SEPARATOR = '__';
export const MAX_NAME_LENGTH = 64;
const STRICT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const STRICT_CHARS = /^[a-zA-Z0-9_-]*$/;
const BAD_CHARS = /[^a-zA-Z0-9_-]/g;
/** A shortened server part: its first SERVER_KEEP characters, '_', a 6-digit hash of the full name. */
const SERVER_KEEP = 20;
const SERVER_HASH = 6;
const SHORT_SERVER_LENGTH = SERVER_KEEP + 1 + SERVER_HASH;
const TOOL_HASH = 8;

export interface NamingOptions {
  separator: string;
  /** false: transparent mode, original names are exposed verbatim. */
  namespace: boolean;
}

export interface Owner {
  server: string;
  original: string;
}

/** True when names built with this separator can satisfy the strict client pattern. */
export function separatorIsStrict(separator: string): boolean {
  return STRICT_CHARS.test(separator) && separator.length > 0;
}

export function sanitizeServerName(server: string): string {
  const s = server.replace(BAD_CHARS, '_');
  return s.length > 0 ? s : '_';
}

function hash(length: number, ...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, length);
}

/** Cuts `base` so that base + '_' + hash fits the length limit. */
function withHash(base: string, suffix: string): string {
  return `${base.slice(0, MAX_NAME_LENGTH - suffix.length - 1)}_${suffix}`;
}

/**
 * The preferred exposed name, before collision handling. `server__tool` when it fits; else the
 * server part shortened to `<first 20 chars>_<hash of the server name>` (the same for every tool
 * of that server); only when the tool part alone still does not fit is it cut too, with a hash.
 */
export function exposedName(server: string, original: string, opts: NamingOptions): string {
  if (!opts.namespace) return original;
  const sep = opts.separator;
  const serverPart = sanitizeServerName(server);
  const candidate = serverPart + sep + original;
  // A separator like "::" can never meet the strict pattern: then only length and the name part are checked.
  const valid = separatorIsStrict(sep) ? STRICT_NAME.test(candidate) : candidate.length <= MAX_NAME_LENGTH && STRICT_CHARS.test(original);
  if (valid) return candidate;

  const toolHash = hash(TOOL_HASH, server, original);
  const base = original.replace(BAD_CHARS, '_');
  let tool = base === original ? base : `${base}_${toolHash}`; // repaired characters: the hash keeps originals apart
  const fits = (s: string, t: string) => s.length + sep.length + t.length <= MAX_NAME_LENGTH;
  let prefix = serverPart;
  if (!fits(prefix, tool) && prefix.length > SHORT_SERVER_LENGTH) {
    prefix = `${serverPart.slice(0, SERVER_KEEP)}_${hash(SERVER_HASH, server)}`;
  }
  if (!fits(prefix, tool)) {
    const room = MAX_NAME_LENGTH - prefix.length - sep.length - TOOL_HASH - 1;
    if (room < 1) return withHash(prefix + sep + base, toolHash); // only with an absurdly long separator
    tool = `${base.slice(0, room)}_${toolHash}`;
  }
  return prefix + sep + tool;
}

/**
 * Maps exposed names to owners for one kind of item (tools or prompts). Built afresh whenever a
 * backend's list changes, visiting backends in config order so names are stable across runs.
 */
export class NameTable {
  private readonly owners = new Map<string, Owner>();
  readonly problems: string[] = [];

  constructor(
    private readonly opts: NamingOptions,
    private readonly kind: string,
  ) {}

  /** Returns the exposed name for the pair, or undefined when it is unreachable (transparent-mode collision). */
  add(server: string, original: string): string | undefined {
    const preferred = exposedName(server, original, this.opts);
    const holder = this.owners.get(preferred);
    let name = preferred;
    if (holder) {
      if (!this.opts.namespace) {
        this.problems.push(
          `${this.kind} "${original}" of server "${server}" collides with the one of server "${holder.server}"; ` +
            `with --no-namespace the first wins, "${server}"'s is not reachable`,
        );
        return undefined;
      }
      // Every repaired name is checked again: it may be taken too (by a name that happens to look like it).
      for (let attempt = 0; this.owners.has(name); attempt++) {
        name = withHash(preferred, hash(TOOL_HASH, server, original, ...(attempt > 0 ? [String(attempt)] : [])));
      }
      this.problems.push(
        `${this.kind} "${original}" of server "${server}" would be exposed as "${preferred}", already used by server ` +
          `"${holder.server}"; exposing it as "${name}"`,
      );
    }
    this.owners.set(name, { server, original });
    return name;
  }

  get(name: string): Owner | undefined {
    return this.owners.get(name);
  }

  get size(): number {
    return this.owners.size;
  }
}
