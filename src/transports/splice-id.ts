// Forwarding a response without serializing it again: when the only edit is its id, the text the
// backend sent is passed on with the id replaced in place. Safe only where the id is certainly the
// top-level member: right after `{"jsonrpc":"2.0",` at the start, or as the last member at the
// end (its `}` then closes the message). Anything else returns undefined: serialize as usual.
const HEAD = '{"jsonrpc":"2.0","id":';

/** `text` with its top-level numeric id `id` replaced by `replacement` (JSON), or undefined. */
export function spliceId(text: string, id: number, replacement: string): string | undefined {
  const digits = String(id);
  if (text.startsWith(HEAD)) {
    const end = HEAD.length + digits.length;
    if (text.startsWith(digits, HEAD.length) && text.charCodeAt(end) === 0x2c /* , */) {
      return HEAD + replacement + text.slice(end);
    }
  }
  let last = text.length - 1;
  while (last > 0 && isSpace(text.charCodeAt(last))) last--;
  if (text.charCodeAt(last) !== 0x7d /* } */) return undefined;
  const start = last - digits.length;
  if (!text.startsWith(digits, start) || !text.startsWith('"id":', start - 5)) return undefined;
  const before = text.charCodeAt(start - 6);
  if (before !== 0x2c /* , */ && before !== 0x7b /* { */) return undefined;
  return text.slice(0, start) + replacement + text.slice(last);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
