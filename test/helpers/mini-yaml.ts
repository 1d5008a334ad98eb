// A small YAML reader for the subset our Kubernetes manifest uses (no dependency for one test):
// `---`-separated documents, block mappings and sequences (including `- key: value` items),
// literal block scalars (`|`, `|-`, `|+`), plain / single- / double-quoted scalars, `{}` and
// `[]`, and comments. Anything else (anchors, flow collections with content, tabs) throws, so the
// test fails loudly instead of reading the manifest wrong.

export function parseYamlDocuments(text: string): unknown[] {
  const docs: string[][] = [[]];
  for (const line of text.split('\n')) {
    if (/^---\s*(#.*)?$/.test(line)) docs.push([]);
    else docs[docs.length - 1].push(line);
  }
  return docs.map((lines) => new BlockParser(lines).document()).filter((doc) => doc !== undefined);
}

const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?[{][^:]*?|-[^\s:][^:]*?):(?:\s+(.*))?$/;

interface Line {
  indent: number;
  text: string;
}

class BlockParser {
  private index = 0;

  constructor(private readonly lines: string[]) {}

  document(): unknown {
    const first = this.peek();
    if (!first) return undefined;
    const value = this.node(first.indent);
    const rest = this.peek();
    if (rest) throw this.error(`unexpected content at indent ${rest.indent}`);
    return value;
  }

  /** The next line with content (blank and comment-only lines skipped), not consumed. */
  private peek(): Line | undefined {
    for (; this.index < this.lines.length; this.index++) {
      const raw = this.lines[this.index];
      const text = stripComment(raw).trimEnd();
      if (text.trim() === '') continue;
      const indent = text.length - text.trimStart().length;
      if (/^\s*\t/.test(raw)) throw this.error('tab in indentation');
      return { indent, text: text.trimStart() };
    }
    return undefined;
  }

  private error(message: string): Error {
    return new Error(`YAML line ${this.index + 1}: ${message}`);
  }

  private node(indent: number): unknown {
    const line = this.peek()!;
    return isSequenceItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw this.error('unexpected indentation');
      if (isSequenceItem(line.text)) break; // belongs to the parent (`key:` then `- item` at the same indent)
      const match = KEY.exec(line.text);
      if (!match) throw this.error(`expected "key: value", got ${line.text}`);
      const key = scalar(match[1]);
      if (typeof key !== 'string' && typeof key !== 'number') throw this.error(`unsupported key ${match[1]}`);
      this.index++;
      map[String(key)] = this.value(match[2], indent, true);
    }
    return map;
  }

  private sequence(indent: number): unknown[] {
    const list: unknown[] = [];
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw this.error('unexpected indentation');
      if (!isSequenceItem(line.text)) break;
      const after = line.text.slice(1).trimStart();
      if (after !== '' && KEY.test(after)) {
        // `- key: value`: the item is a mapping whose keys line up with `key`.
        const column = indent + line.text.length - after.length;
        this.lines[this.index] = ' '.repeat(column) + after;
        list.push(this.mapping(column));
      } else {
        this.index++;
        list.push(this.value(after, indent, false));
      }
    }
    return list;
  }

  /** The value after `key:` or `-` on a line of `indent` (nested block when the rest is empty). */
  private value(rest: string | undefined, indent: number, inMapping: boolean): unknown {
    if (rest !== undefined && rest !== '') {
      const block = /^\|([+-]?)$/.exec(rest);
      return block ? this.blockScalar(indent, block[1]) : scalar(rest);
    }
    const next = this.peek();
    if (next && next.indent > indent) return this.node(next.indent);
    if (inMapping && next && next.indent === indent && isSequenceItem(next.text)) return this.sequence(indent);
    return null;
  }

  private blockScalar(indent: number, chomp: string): string {
    const body: string[] = [];
    for (; this.index < this.lines.length; this.index++) {
      const raw = this.lines[this.index];
      if (raw.trim() !== '' && raw.length - raw.trimStart().length <= indent) break;
      body.push(raw);
    }
    const firstContent = body.find((l) => l.trim() !== '');
    const blockIndent = firstContent ? firstContent.length - firstContent.trimStart().length : 0;
    const lines = body.map((l) => (l.trim() === '' ? '' : l.slice(blockIndent)));
    if (chomp === '+') return lines.join('\n') + '\n';
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n') + (chomp === '-' ? '' : '\n');
  }
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Removes a `#` comment that is not inside quotes (YAML needs whitespace before it). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:\[{,-]/.test(line[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string): unknown {
  const value = text.trim();
  if (value.startsWith('"')) return JSON.parse(value);
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw new Error(`unterminated quote: ${value}`);
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (value === '{}') return {};
  if (value === '[]') return [];
  if (/^[[{&*!|>%@`]/.test(value)) throw new Error(`unsupported YAML syntax: ${value}`);
  if (/^(true|false)$/.test(value)) return value === 'true';
  if (/^(null|~)$/.test(value)) return null;
  if (/^[-+]?\d+$/.test(value)) return Number(value);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}
