// Text edits of a config file for the admin API: add or remove one server entry and leave every
// other byte as it was (comments, order, indentation, other editors' settings).
import { blankJsonc, stringEnd } from "./jsonc.js";
import { SERVER_TABLES } from "./load.js";

interface Member {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  valueStart: number;
  /** Offset just past the value. */
  valueEnd: number;
}

interface ObjectSpan {
  /** Offset of `{`. */
  open: number;
  /** Offset of `}`. */
  close: number;
  members: Member[];
}

/** The text with server `name` set to `entry` (replaced where it is, else appended to the servers). */
export function setServerEntry(text: string, name: string, entry: unknown): string {
  const blanked = checked(text);
  const root = objectAt(blanked, firstToken(blanked, 0));
  const tables = SERVER_TABLES.flatMap((key) => tableOf(blanked, root, key));
  for (const table of tables) {
    const existing = table.members.findLast((m) => m.key === name);
    if (existing) {
      const value = indentJson(entry, lineIndent(text, existing.start), indentUnit(text));
      return text.slice(0, existing.valueStart) + value + text.slice(existing.valueEnd);
    }
  }
  if (tables.length > 0) return insertMember(text, tables[0], name, entry);
  return insertMember(text, root, "mcpServers", { [name]: entry });
}

/** The text without server `name` (every occurrence, in either servers table); unchanged if absent. */
export function removeServerEntry(text: string, name: string): string {
  for (;;) {
    const blanked = checked(text);
    const root = objectAt(blanked, firstToken(blanked, 0));
    const table = SERVER_TABLES.flatMap((key) => tableOf(blanked, root, key)).find((t) => t.members.some((m) => m.key === name));
    if (!table) return text;
    const i = table.members.findIndex((m) => m.key === name);
    const { members } = table;
    const entry = members[i];
    if (members.length === 1) {
      text = text.slice(0, table.open + 1) + text.slice(table.close);
      continue;
    }
    if (i === members.length - 1) {
      // The last one: the comma before it goes (a comment after that comma stays with its entry).
      const comma = blanked.indexOf(",", members[i - 1].valueEnd);
      const lineBreak = blanked.lastIndexOf("\n", entry.start - 1);
      const from = lineBreak > comma && blanked.slice(lineBreak, entry.start).trim() === "" ? lineBreak : comma + 1;
      text = text.slice(0, comma) + text.slice(comma + 1, from) + text.slice(entry.valueEnd);
      continue;
    }
    let from = entry.start;
    let to = blanked.indexOf(",", entry.valueEnd) + 1; // its comma; the next entry takes its place
    const lineStart = blanked.lastIndexOf("\n", from - 1) + 1;
    const lineEnd = blanked.indexOf("\n", to);
    if (lineEnd !== -1 && blanked.slice(lineStart, from).trim() === "" && blanked.slice(to, lineEnd).trim() === "") {
      [from, to] = [lineStart, lineEnd + 1]; // whole lines (a comment after it on its last line goes too)
    } else {
      while (blanked[to] === " " || blanked[to] === "\t") to++;
    }
    text = text.slice(0, from) + text.slice(to);
  }
}

/** The blanked text, after making sure it is JSON whose top level is an object. */
function checked(text: string): string {
  const blanked = blankJsonc(text).replace(/^\uFEFF/, " ");
  let doc: unknown;
  try {
    doc = JSON.parse(blanked);
  } catch (err) {
    throw new Error(`the file is not valid JSON right now (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("the file's top level is not a JSON object");
  return blanked;
}

function tableOf(blanked: string, root: ObjectSpan, key: string): ObjectSpan[] {
  const member = root.members.findLast((m) => m.key === key);
  return member && blanked[member.valueStart] === "{" ? [objectAt(blanked, member.valueStart)] : [];
}

function insertMember(text: string, object: ObjectSpan, key: string, value: unknown): string {
  const unit = indentUnit(text);
  const last = object.members.at(-1);
  if (last) {
    const indent = lineIndent(text, last.start);
    const multiline = text.slice(object.open, last.start).includes("\n");
    const member = `${JSON.stringify(key)}: ${multiline ? indentJson(value, indent, unit) : JSON.stringify(value)}`;
    return text.slice(0, last.valueEnd) + (multiline ? `,\n${indent}` : ", ") + member + text.slice(last.valueEnd);
  }
  const outer = lineIndent(text, object.open);
  const inner = outer + unit;
  const member = `${JSON.stringify(key)}: ${indentJson(value, inner, unit)}`;
  return text.slice(0, object.open + 1) + `\n${inner}${member}\n${outer}` + text.slice(object.close);
}

/** JSON of `value` laid out with `unit`, its later lines starting at `indent`. */
function indentJson(value: unknown, indent: string, unit: string): string {
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}

/** The whitespace that starts the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The file's indentation step: the first indented line's leading whitespace (2 spaces if none). */
function indentUnit(text: string): string {
  return /\n([ \t]+)\S/.exec(text)?.[1] ?? "  ";
}

function firstToken(blanked: string, from: number): number {
  let i = from;
  while (i < blanked.length && /\s/.test(blanked[i])) i++;
  return i;
}

/** The object starting at `open` (a `{` in valid blanked JSON), with its direct members. */
function objectAt(blanked: string, open: number): ObjectSpan {
  const members: Member[] = [];
  let i = firstToken(blanked, open + 1);
  while (blanked[i] !== "}") {
    const start = i;
    const keyEnd = stringEnd(blanked, i);
    const key = JSON.parse(blanked.slice(start, keyEnd)) as string;
    const valueStart = firstToken(blanked, blanked.indexOf(":", keyEnd) + 1);
    const valueEnd = valueEndAt(blanked, valueStart);
    members.push({ key, start, valueStart, valueEnd });
    i = firstToken(blanked, valueEnd);
    if (blanked[i] === ",") i = firstToken(blanked, i + 1);
  }
  return { open, close: i, members };
}

/** Offset just past the JSON value starting at `i`. */
function valueEndAt(blanked: string, i: number): number {
  if (blanked[i] === '"') return stringEnd(blanked, i);
  if (blanked[i] !== "{" && blanked[i] !== "[") return i + /^[^\s,}\]]+/.exec(blanked.slice(i))![0].length;
  let depth = 0;
  for (let k = i; k < blanked.length; k++) {
    const c = blanked[k];
    if (c === '"') k = stringEnd(blanked, k) - 1;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return k + 1;
  }
  return blanked.length;
}
