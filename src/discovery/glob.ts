// Name patterns of views and pinned tools: `*` is any run of characters, `?` one character,
// everything else literal. Matched against exposed tool names, whole.

export type NameMatcher = (name: string) => boolean;

/** A matcher for any of the patterns; no pattern matches nothing. */
export function globMatcher(patterns: readonly string[]): NameMatcher {
  if (patterns.length === 0) return () => false;
  const source = patterns.map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|');
  const re = new RegExp(`^(?:${source})$`, 's');
  return (name) => re.test(name);
}
