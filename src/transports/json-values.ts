// Splits a stream of text into its top-level JSON objects/arrays as they complete: one pretty-
// printed value, NDJSON lines, or values simply written one after another. 2026-07-28 servers
// answer `application/json` that way (the reference server streams a subscriptions/listen as
// NDJSON inside an application/json body that never ends), so the body cannot be read to its end first.

export interface JsonValueSink {
  /** One complete top-level value, as text. */
  value(text: string): void;
  /** Text that is not a JSON object or array, up to the next newline. */
  garbage(text: string): void;
}

const OPEN = new Set(['{', '[']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

export class JsonValueSplitter {
  private buffer = '';
  /** Where scanning resumes in `buffer`. */
  private at = 0;
  /** Start of the value being read, or -1 between values. */
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly sink: JsonValueSink,
    private readonly maxChars: number,
  ) {}

  /** Throws when one value grows past maxChars (the stream cannot be resynchronized then). */
  feed(chunk: string): void {
    this.buffer += chunk;
    const text = this.buffer;
    let i = this.at;
    while (i < text.length) {
      const c = text[i];
      if (this.start < 0) {
        if (WHITESPACE.has(c)) {
          i++;
          continue;
        }
        if (!OPEN.has(c)) {
          const nl = text.indexOf('\n', i);
          if (nl < 0) break; // wait for the rest of the line
          this.sink.garbage(text.slice(i, nl).trim());
          i = nl + 1;
          continue;
        }
        this.start = i;
        this.depth = 0;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') {
        this.inString = true;
      } else if (c === '{' || c === '[') {
        this.depth++;
      } else if (c === '}' || c === ']') {
        if (--this.depth === 0) {
          this.sink.value(text.slice(this.start, i + 1));
          this.start = -1;
        }
      }
      i++;
    }
    // Keep only what is still needed: the value being read, or an unfinished garbage line.
    const keep = this.start >= 0 ? this.start : i;
    this.buffer = text.slice(keep);
    this.at = i - keep;
    if (this.start >= 0) this.start = 0;
    if (this.buffer.length > this.maxChars && this.start >= 0) throw new Error(`a message was larger than ${this.maxChars} characters`);
    if (this.buffer.length > this.maxChars) {
      this.sink.garbage(this.buffer.slice(0, 200));
      this.buffer = '';
      this.at = 0;
    }
  }

  /** The body ended: a value left unfinished, or trailing text, is garbage. */
  end(): void {
    const rest = this.buffer.trim();
    if (rest !== '') this.sink.garbage(rest.slice(0, 200));
    this.buffer = '';
    this.at = 0;
    this.start = -1;
  }
}
