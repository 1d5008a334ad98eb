// Words of tool definitions and of queries, made comparable: snake_case, camelCase, kebab-case
// and dotted names split into words, lower-cased, common English words dropped, and a light
// suffix stemmer so "issues", "issue" and "creating", "create" meet. No dictionary, no model.

const STOP_WORDS = new Set(
  ('a an and are as at be been by can could do does for from has have how i if in into is it its ' +
    'me my of on or our please should so some that the their them then there these this those to ' +
    'called named titled ' + // "a folder called X": they introduce a name, not a task
    'us was we were what when where which will with would you your').split(' '),
);

const VOWEL = /[aeiouy]/;

/** Splits text into stemmed, lower-case terms (stop words left out). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  // One pass over the characters (tool catalogs run to megabytes): a word is a run of ASCII letters
  // and digits, cut before an upper-case letter that follows a lower-case letter or digit
  // ("getHttp" → get|Http) or that starts a capitalized word after an acronym ("HTTPResponse" → HTTP|Response).
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    const kind = charKind(c);
    if (kind === OTHER) {
      if (start >= 0) push(out, text.slice(start, i));
      start = -1;
      continue;
    }
    if (start < 0) {
      start = i;
      continue;
    }
    if (kind === UPPER) {
      const prev = charKind(text.charCodeAt(i - 1));
      const next = i + 1 < text.length ? charKind(text.charCodeAt(i + 1)) : OTHER;
      if (prev === LOWER || prev === DIGIT || (prev === UPPER && next === LOWER)) {
        push(out, text.slice(start, i));
        start = i;
      }
    }
  }
  return out;
}

const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charKind(c: number): number {
  if (c >= 97 && c <= 122) return LOWER;
  if (c >= 65 && c <= 90) return UPPER;
  if (c >= 48 && c <= 57) return DIGIT;
  return OTHER;
}

function push(out: string[], raw: string): void {
  const word = raw.toLowerCase();
  if (STOP_WORDS.has(word)) return;
  let stemmed = STEMS.get(word);
  if (stemmed === undefined) {
    stemmed = stem(word);
    if (STEMS.size < MAX_STEMS) STEMS.set(word, stemmed);
  }
  out.push(stemmed);
}

/** Stems already computed: tool texts repeat their words a lot. Bounded, since queries add words too. */
const STEMS = new Map<string, string>();
const MAX_STEMS = 100_000;

/** A light stemmer (plural, -ing, -ed, final e, doubled consonant); consistent, not linguistic. */
export function stem(word: string): string {
  if (/\d/.test(word)) return word;
  let w = word;
  if (w.length > 3) {
    if (w.endsWith('ies') || w.endsWith('ied')) w = `${w.slice(0, -3)}y`;
    else if (/(ss|x|z|ch|sh|s)es$/.test(w)) w = w.slice(0, -2);
    else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
    else if (w.endsWith('ing') && VOWEL.test(w.slice(0, -3))) w = w.slice(0, -3);
    else if (w.endsWith('ed') && !w.endsWith('eed') && VOWEL.test(w.slice(0, -2))) w = w.slice(0, -2);
    if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  }
  // "added" → "add" → "ad", like "add" itself; l, s, z stay doubled ("pull", "class").
  if (w.length > 2 && w[w.length - 1] === w[w.length - 2] && !/[aeioulsz]/.test(w[w.length - 1])) w = w.slice(0, -1);
  return w;
}
