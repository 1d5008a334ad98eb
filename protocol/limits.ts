// Bounds on what a peer can make the proxy keep or choke on. A client's initialize capabilities
// and clientInfo live as long as its session (and go to every per-client backend it starts), so
// they are checked for depth and size before they are kept; real clients send a few hundred bytes.

export const MAX_KEPT_DEPTH = 32;
export const MAX_KEPT_VALUES = 10_000;
export const MAX_KEPT_CHARS = 256 * 1024;

/**
 * Why `value` is too deep or too large to keep, or undefined. Iterative and stops at the first
 * bound it passes, so a value nested a million deep costs nothing but the walk to the limit.
 */
export function tooLargeToKeep(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  let chars = 0;
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (depth > MAX_KEPT_DEPTH) return `nested deeper than ${MAX_KEPT_DEPTH} levels`;
    if (++values > MAX_KEPT_VALUES) return `more than ${MAX_KEPT_VALUES} values`;
    if (typeof current === 'string') chars += current.length;
    else if (current !== null && typeof current === 'object') {
      if (Array.isArray(current)) for (const item of current) stack.push([item, depth + 1]);
      else
        for (const [key, item] of Object.entries(current)) {
          chars += key.length;
          stack.push([item, depth + 1]);
        }
    }
    if (chars > MAX_KEPT_CHARS) return `larger than ${MAX_KEPT_CHARS} characters`;
  }
  return undefined;
}

/** The initialize params fields a session keeps, checked (see tooLargeToKeep); undefined when acceptable. */
export function initializeParamsProblem(params: Record<string, unknown> | undefined): string | undefined {
  for (const field of ['capabilities', 'clientInfo']) {
    const problem = tooLargeToKeep(params?.[field]);
    if (problem) return `${field} is ${problem}`;
  }
  return undefined;
}
