// Watching the config file for edits. The directory is watched, not the file: editors that save
// by writing a new file and renaming it over the old one (vim, JetBrains, atomic writers) replace
// the inode a file watch would follow. Events come in bursts; one call follows the last of them.
import { watch, realpathSync, type FSWatcher } from "node:fs";
import * as path from "node:path";
import { errorMessage, log } from "../log.js";

export const DEFAULT_DEBOUNCE_MS = 200;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Calls `fire` once, `delayMs` after the last of a burst of pokes. */
export class Debouncer {
  private handle: unknown;

  constructor(
    private readonly fire: () => void,
    private readonly delayMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  poke(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      this.fire();
    }, this.delayMs);
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }
}

/**
 * Calls `onChange` after changes in the directory of `file` (and of its target, if it is a
 * symlink) settle. Any entry of the directory counts: Kubernetes swaps a `..data` symlink, not
 * the file; the caller compares the content, so unrelated events cost one read. Does not keep
 * the process alive.
 */
export function watchConfigFile(file: string, onChange: () => void, debounceMs = DEFAULT_DEBOUNCE_MS): { close(): void } {
  const debouncer = new Debouncer(onChange, debounceMs);
  const dirs = new Set([path.dirname(file)]);
  try {
    dirs.add(path.dirname(realpathSync(file)));
  } catch {
    // gone for the moment: the directory watch sees it come back
  }
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const watcher = watch(dir, { persistent: false }, () => debouncer.poke());
      watcher.on("error", (e) => log.warn(`watching ${dir} for config changes stopped: ${errorMessage(e)}`));
      watchers.push(watcher);
    } catch (e) {
      log.warn(`cannot watch ${dir} for config changes (${errorMessage(e)}); send SIGHUP to reload`);
    }
  }
  return {
    close() {
      debouncer.cancel();
      for (const w of watchers) w.close();
    },
  };
}
