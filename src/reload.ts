// The config file while the proxy runs: hot reload (file watch, SIGHUP) and the admin API's
// changes written back to it. Every change to the set of servers goes through one queue, so two
// changes at once never lose one, and a reload never applies on top of a half-done admin change.
//
// A reload diffs the new file against the servers it last applied, not against what runs: a
// server added or removed at run time only (--read-only-config) is left alone by later reloads
// unless the file changes that very server.
import type { Backend } from './backends/backend.js';
import { ConfigError, parseConfig, readConfigText, type Config, type Env, type ServerSpec } from './config/index.js';
import { writeFileAtomic } from './config/atomic-write.js';
import { removeServerEntry, setServerEntry } from './config/edit.js';
import { errorMessage, log } from './log.js';
import type { Router } from './router/router.js';

export interface ServerDiff {
  added: ServerSpec[];
  removed: string[];
  changed: ServerSpec[];
}

/** Whether an admin change reached the config file; `reason` says why not. */
export interface Persisted {
  persisted: boolean;
  reason?: string;
}

export type ReloadOutcome = 'unchanged' | 'invalid' | 'applied';

export interface LiveConfigOptions {
  /** false (--read-only-config): admin changes stay at run time only. */
  persist: boolean;
  env?: Env;
}

export class LiveConfig {
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `config` and `text`: what the proxy started with (undefined: no config file, e.g. a test
   * harness; admin changes are then run-time only).
   */
  constructor(
    private readonly router: Router,
    private config: Config | undefined,
    private text: string | undefined,
    private readonly options: LiveConfigOptions,
  ) {}

  /** The config file (absolute), if there is one. */
  get file(): string | undefined {
    return this.config?.source;
  }

  /** Runs `change` once every change queued before it is done. */
  serialize<T>(change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Reads the file again and applies what changed: added servers start, removed ones stop,
   * changed ones restart, failed ones are retried; the others keep running untouched. A file
   * that does not load is refused and the running servers stay. Without `force` (file watch),
   * an unchanged text is not even parsed.
   */
  reload(why: string, force = false): Promise<ReloadOutcome> {
    return this.serialize(async () => {
      const current = this.config;
      if (!current) return 'unchanged';
      let next: Config;
      try {
        const text = readConfigText(current.source);
        if (!force && text === this.text) return 'unchanged';
        this.text = text;
        next = parseConfig(text, current.source, this.options.env);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        log.error(`config not reloaded (${why}); still serving the previous one:\n${e.message}`);
        return 'invalid';
      }
      reportConfigNotes(next);
      const diff = diffServers(current.servers, next.servers);
      const unchanged = next.servers.filter((s) => !diff.added.includes(s) && !diff.changed.includes(s));
      const retried = unchanged.filter((s) => this.router.registry.get(s.name)?.state === 'failed');
      if (current.separator !== next.separator || current.namespace !== next.namespace) {
        log.warn('"separator" and "namespace" changes take effect when the proxy restarts');
      }
      this.config = next;
      await this.apply(diff, retried, next);
      log.info(`config reloaded (${why}): ${describeDiff(diff, retried)}`);
      return 'applied';
    });
  }

  /** Admin API: the added entries (as posted) written to the file; call inside serialize(). */
  async persistAdded(entries: Record<string, unknown>, specs: ServerSpec[]): Promise<Persisted> {
    const persisted = await this.edit((text) => Object.entries(entries).reduce((t, [name, entry]) => setServerEntry(t, name, entry), text));
    // What runs now is what the file says: the watcher's reload of this write finds nothing to do.
    if (persisted.persisted && this.config) {
      const names = new Set(specs.map((s) => s.name));
      this.config = { ...this.config, servers: [...this.config.servers.filter((s) => !names.has(s.name)), ...specs] };
    }
    return persisted;
  }

  /** Admin API: the entry removed from the file; call inside serialize(). */
  async persistRemoved(name: string): Promise<Persisted> {
    const persisted = await this.edit((text) => removeServerEntry(text, name));
    if (persisted.persisted && this.config) this.config = { ...this.config, servers: this.config.servers.filter((s) => s.name !== name) };
    return persisted;
  }

  /** Admin API: stops and starts a server again with its spec (e.g. one that gave up); queued. */
  restart(name: string): Promise<Backend | undefined> {
    return this.serialize(async () => {
      const spec = this.router.registry.get(name)?.spec;
      return spec && this.router.launchServer(spec, 'is restarting (admin API)');
    });
  }

  private async edit(change: (text: string) => string): Promise<Persisted> {
    if (!this.config) return { persisted: false, reason: 'the proxy was started without a config file' };
    if (!this.options.persist) return { persisted: false, reason: 'started with --read-only-config: the change lasts until the proxy stops' };
    const file = this.config.source;
    try {
      const text = readConfigText(file);
      await writeFileAtomic(file, change(text));
      return { persisted: true };
    } catch (e) {
      const reason = `cannot write ${file}: ${errorMessage(e)}; the change lasts until the proxy stops (--read-only-config says so up front)`;
      log.warn(`admin change not saved: ${reason}`);
      return { persisted: false, reason };
    }
  }

  private async apply(diff: ServerDiff, retried: ServerSpec[], next: Config): Promise<void> {
    await this.router.batch(async () => {
      this.router.views.configure(next); // views and toolDiscovery follow the file like the servers
      await Promise.all([
        ...diff.removed.map((name) => this.router.removeServer(name, 'was removed from the config')),
        // A name the file adds that runs already (added at run time only) is replaced too.
        ...[...diff.added, ...diff.changed].map((s) => this.router.launchServer(s, 'is restarting: its config changed')),
        ...retried.map((s) => this.router.launchServer(s, 'is retried after a config reload')),
      ]);
    });
  }
}

/** Servers in `after` not in `before`, gone from it, or with a different spec (by name). */
export function diffServers(before: ServerSpec[], after: ServerSpec[]): ServerDiff {
  const old = new Map(before.map((s) => [s.name, s]));
  const names = new Set(after.map((s) => s.name));
  return {
    added: after.filter((s) => !old.has(s.name)),
    removed: before.filter((s) => !names.has(s.name)).map((s) => s.name),
    changed: after.filter((s) => old.has(s.name) && canonical(old.get(s.name)) !== canonical(s)),
  };
}

/** Logs what the loader wants said once per load: notes at info, editor-only keys at debug. */
export function reportConfigNotes(config: Config): void {
  for (const note of config.notes) log.info(note);
  if (config.ignoredKeys.length > 0) {
    log.debug(`${config.source}: left out (editor settings, nothing for a proxy): ${config.ignoredKeys.join(', ')}`);
  }
}

function describeDiff(diff: ServerDiff, retried: ServerSpec[]): string {
  const parts = [
    [diff.added.map((s) => s.name), 'added'],
    [diff.removed, 'removed'],
    [diff.changed.map((s) => s.name), 'restarted (changed)'],
    [retried.map((s) => s.name), 'retried (had failed)'],
  ] as const;
  const said = parts.filter(([names]) => names.length > 0).map(([names, what]) => `${what} ${names.map((n) => `"${n}"`).join(', ')}`);
  return said.length > 0 ? said.join('; ') : 'no server changed';
}

/** JSON with sorted keys: two specs are the same whatever order their maps were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
