// Durations written with their unit ("60s", "500ms", "2m", "1h"): config never guesses a unit.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds for a string such as "60s" or "1.5s"; undefined if it is not one, or not above 0. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2]]);
  return ms > 0 ? ms : undefined;
}
