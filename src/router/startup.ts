// How long start-up waits for the backends. Waiting for every one would let a server that never
// answers initialize hold each client's initialize for the whole connect timeout. So start-up is
// over once every backend is ready or has failed, or once none has become ready or failed for
// `graceMs` since the last one did; a backend still starting then joins later, announced to
// clients with list_changed. Counting from the last one that settled (not from the start) keeps
// a loaded machine, where even fast servers take a while to spawn, from answering with nothing.
import type { Clock, Timer } from './clock.js';

export const DEFAULT_STARTUP_GRACE_MS = 3000;

/** Resolves when every promise has settled, or `graceMs` after the latest one settled; says which. */
export function settledWithin(starts: Promise<unknown>[], graceMs: number, clock: Clock): Promise<'settled' | 'grace'> {
  return new Promise((resolve) => {
    let left = starts.length;
    if (left === 0) return resolve('settled');
    let timer: Timer | undefined;
    const settled = () => {
      timer?.cancel();
      if (--left === 0) return resolve('settled');
      timer = clock.after(graceMs, () => resolve('grace'));
    };
    for (const start of starts) start.then(settled, settled);
  });
}
