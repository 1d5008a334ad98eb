// JSON with comments and trailing commas (JSONC), as VS Code and Cursor write their mcp.json.
// Comments and trailing commas are blanked out with spaces rather than removed, so every other
// character keeps its offset: JSON.parse errors still point at the user's line and column, and
// edits computed on the blanked text apply to the original text unchanged.

/** The text with `//` and `/* *\/` comments and trailing commas replaced by spaces (newlines kept). */
export function blankJsonc(text: string): string {
  const out = text.split("");
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n" && out[k] !== "\r") out[k] = " ";
  };
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i = stringEnd(text, i);
    } else if (text[i] === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (text[i] === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2; // unterminated: JSON.parse reports what is left
      blank(i, stop);
      i = stop;
    } else {
      i++;
    }
  }
  // Trailing commas: a comma whose next non-blank character closes the object or array.
  const blanked = out.join("");
  for (let k = 0; k < blanked.length; k++) {
    if (blanked[k] === '"') {
      k = stringEnd(blanked, k) - 1;
    } else if (blanked[k] === ",") {
      let next = k + 1;
      while (next < blanked.length && /\s/.test(blanked[next])) next++;
      if (blanked[next] === "}" || blanked[next] === "]") out[k] = " ";
    }
  }
  return out.join("");
}

/** Index just past the string literal that starts at `start` (a `"`); the line's end if unterminated. */
export function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"' || text[i] === "\n") return i + 1;
  }
  return text.length;
}
