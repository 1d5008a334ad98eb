// Deep comparison of an expected (recorded) message with the one the replayed proxy sent, under
// the normalisation rules: every difference comes back with its path, and the id pairs the
// comparison learned (committed by the caller only when the whole message matched).
import type { IdBijection, IdPair } from './id-bijection.js';
import type { CompareRules } from './normalise.js';

export type PathSegment = string | number;

export interface Difference {
  path: PathSegment[];
  /** undefined: absent on that side. */
  expected: unknown;
  actual: unknown;
  note?: string;
}

export interface Comparison {
  differences: Difference[];
  pairs: IdPair[];
}

/** `result.content[0].text`; keys that are not identifiers are quoted: `a["b-c"]`. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(whole message)' : out;
}

export function compareMessage(expected: unknown, actual: unknown, rules: CompareRules, ids: IdBijection): Comparison {
  const result: Comparison = { differences: [], pairs: [] };
  walk(expected, actual, [], rules, ids, result);
  return result;
}

function walk(expected: unknown, actual: unknown, path: PathSegment[], rules: CompareRules, ids: IdBijection, out: Comparison): void {
  const at = formatPath(path);
  if (rules.ignore.has(at)) return;
  const scope = rules.ids.get(at);
  if (scope !== undefined && expected !== undefined && actual !== undefined && isId(expected) && isId(actual)) {
    const pair = { scope, recorded: expected, replayed: actual };
    const conflict = ids.conflict(pair, out.pairs);
    if (conflict) out.differences.push({ path, expected, actual, note: conflict });
    else out.pairs.push(pair);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) walk(expected[i], actual[i], [...path, i], rules, ids, out);
    return;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) walk(expected[k], actual[k], [...path, k], rules, ids, out);
    return;
  }
  if (expected !== actual) out.differences.push({ path, expected, actual });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number';
}
