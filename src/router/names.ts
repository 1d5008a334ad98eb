// Namespacing: the exposed name of a (server, original name) pair.
// Many clients (Claude, OpenAI) accept only ^[a-zA-Z0-9_-]{1,64}$, so exposed names are kept
// inside that set whenever the separator allows; otherwise-bad names are repaired
// deterministically with a hash suffix. Routing always goes through the table, never by
// splitting the exposed string.
import { createHash } from 'node:crypto';

export const DEFAULT_SEPARATOR = '__';
export const MAX_NAME_LENGTH = 64;
const STRICT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const STRICT_CHARS = /^[a-zA-Z0-9_-]*$/;

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
  const s = server.replace(/[^a-zA-Z0-9_-]/g, '_');
  return s.length > 0 ? s : '_';
}

function hash8(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 8);
}

/** Cuts `base` so that base + '_' + hash fits the length limit. */
function withHash(base: string, hash: string): string {
  return `${base.slice(0, MAX_NAME_LENGTH - hash.length - 1)}_${hash}`;
}

/** The preferred exposed name, before collision handling. */
export function exposedName(server: string, original: string, opts: NamingOptions): string {
  if (!opts.namespace) return original;
  const prefix = `${sanitizeServerName(server)}${opts.separator}`;
  const candidate = prefix + original;
  // A separator like "::" can never meet the strict pattern: then only length and the name part are checked.
  const valid = separatorIsStrict(opts.separator)
    ? STRICT_NAME.test(candidate)
    : candidate.length <= MAX_NAME_LENGTH && STRICT_CHARS.test(original);
  if (valid) return candidate;
  return withHash(prefix + original.replace(/[^a-zA-Z0-9_-]/g, '_'), hash8(server, original));
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
    let name = exposedName(server, original, this.opts);
    const holder = this.owners.get(name);
    if (holder) {
      if (!this.opts.namespace) {
        this.problems.push(
          `${this.kind} "${original}" of server "${server}" collides with the one of server "${holder.server}"; ` +
            `with --no-namespace the first wins, "${server}"'s is not reachable`,
        );
        return undefined;
      }
      const repaired = withHash(name, hash8(server, original));
      this.problems.push(
        `${this.kind} "${original}" of server "${server}" would be exposed as "${name}", already used by server ` +
          `"${holder.server}"; exposing it as "${repaired}"`,
      );
      name = repaired;
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
