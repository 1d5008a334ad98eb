// Bounded waiting for tests: every loop here ends by count or by time, never open-ended.

/**
 * How long a test waits for something that must happen before calling it a hang. Generous on
 * purpose: it only bounds a wait, it never measures speed, and the machine may be loaded (two
 * cores shared with other jobs can make a 100 ms step take seconds).
 */
export const PATIENCE_MS = 30_000;

/** Lets queued microtasks, stream events and in-memory channel deliveries run (a few event-loop turns). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` until it returns a truthy value or `timeoutMs` passes; then throws with `what`. */
export async function waitFor<T>(predicate: () => T | undefined | false, what: string, timeoutMs = PATIENCE_MS, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
