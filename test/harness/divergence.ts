// The first place a replay differs from its transcript, and its readable form: the line, the
// stream, each differing path, then expected and actual pretty-printed with those paths marked.
import { formatPath, type Difference, type PathSegment } from './compare.js';

export interface Divergence {
  /**
   * mismatch: the proxy sent something else; missing: it sent nothing in time; unexpected: it
   * sent a message the stream has no more of; input: a recorded input could not be fed.
   */
  kind: 'mismatch' | 'missing' | 'unexpected' | 'input';
  /** 1-based transcript line: the expected message (mismatch, missing), else where the replay stood. */
  line: number;
  /** `dir peer`, e.g. `proxy>client stdio`. */
  stream: string;
  expected?: unknown;
  actual?: unknown;
  differences: Difference[];
  summary: string;
}

const MARK = '> ';
const PLAIN = '  ';

export function formatDivergence(d: Divergence, file = 'transcript'): string {
  const out = [`divergence at ${file}:${d.line} (${d.stream}): ${d.summary}`];
  for (const diff of d.differences) {
    out.push(`  at ${formatPath(diff.path)}: expected ${show(diff.expected)}, got ${show(diff.actual)}${diff.note ? ` (${diff.note})` : ''}`);
  }
  const marked = new Set(d.differences.map((x) => formatPath(x.path)));
  if (d.expected !== undefined) out.push(`expected (line ${d.line}):`, ...render(d.expected, marked));
  if (d.actual !== undefined) out.push(d.kind === 'unexpected' ? 'the proxy sent:' : 'actual:', ...render(d.actual, marked));
  return out.join('\n');
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

/** Pretty JSON (2-space indent), each line prefixed: `> ` where a differing path starts. */
export function render(value: unknown, marked: Set<string>): string[] {
  const lines: string[] = [];
  const visit = (v: unknown, path: PathSegment[], depth: number, label: string, comma: string) => {
    const mark = marked.has(formatPath(path)) ? MARK : PLAIN;
    const pad = '  '.repeat(depth + 1);
    const entries: [PathSegment, unknown][] | undefined = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : typeof v === 'object' && v !== null
        ? Object.entries(v)
        : undefined;
    if (!entries || entries.length === 0) {
      lines.push(`${mark}${pad}${label}${entries ? (Array.isArray(v) ? '[]' : '{}') : JSON.stringify(v)}${comma}`);
      return;
    }
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    lines.push(`${mark}${pad}${label}${open}`);
    entries.forEach(([k, x], i) => {
      const childLabel = typeof k === 'number' ? '' : `${JSON.stringify(k)}: `;
      visit(x, [...path, k], depth + 1, childLabel, i < entries.length - 1 ? ',' : '');
    });
    lines.push(`${PLAIN}${pad}${close}${comma}`);
  };
  visit(value, [], 0, '', '');
  return lines;
}
