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
  // camelCase and PascalCase boundaries ("getHTTPResponse" → "get HTTP Response") before lower-casing.
  const spaced = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  for (const word of spaced.toLowerCase().split(/[^a-z0-9]+/)) {
    if (word.length === 0 || STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}

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
