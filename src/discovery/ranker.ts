// BM25F over tool definitions, local and deterministic. Each field (name, description, a
// parameter's description, …) has its own weight and its own length normalization, so a long
// description does not drown a tool's name. A query word and its synonyms (synonyms.ts) score as
// one term. Ties go to the tool listed first.
import { expandQuery } from './synonyms.js';
import { tokenize } from './tokenize.js';

export interface Field {
  /** Fields with the same key share a weight and an average length (e.g. every parameter name). */
  key: string;
  text: string;
  weight: number;
}

export interface Hit {
  /** Index of the document as given to the constructor. */
  doc: number;
  score: number;
}

const K1 = 1.2;
const B = 0.75;

export class Ranker {
  private readonly terms = new Map<string, number>();
  /** Per term: the documents containing it and its BM25F pseudo-frequency there (weights and lengths applied). */
  private readonly postingDocs: Int32Array[] = [];
  private readonly postingFreqs: Float32Array[] = [];
  private readonly scores: Float64Array;
  private readonly groupFreq: Float64Array;
  readonly size: number;

  constructor(docs: Field[][]) {
    this.size = docs.length;
    // Tokenize once; per document and field key: the terms and the field's length.
    const tokenized = docs.map((fields) => {
      const byKey = new Map<string, { weight: number; terms: string[] }>();
      for (const { key, text, weight } of fields) {
        const entry = byKey.get(key) ?? { weight, terms: [] };
        entry.terms.push(...tokenize(text));
        byKey.set(key, entry);
      }
      return byKey;
    });
    const totals = new Map<string, number>();
    for (const byKey of tokenized) for (const [key, { terms }] of byKey) totals.set(key, (totals.get(key) ?? 0) + terms.length);
    const lists: { docs: number[]; freqs: number[] }[] = [];
    tokenized.forEach((byKey, doc) => {
      const freq = new Map<number, number>();
      for (const [key, { weight, terms }] of byKey) {
        const average = totals.get(key)! / docs.length || 1;
        const norm = weight / (1 - B + (B * terms.length) / average);
        for (const term of terms) {
          let id = this.terms.get(term);
          if (id === undefined) {
            id = lists.length;
            this.terms.set(term, id);
            lists.push({ docs: [], freqs: [] });
          }
          freq.set(id, (freq.get(id) ?? 0) + norm);
        }
      }
      for (const [id, f] of freq) {
        lists[id].docs.push(doc);
        lists[id].freqs.push(f);
      }
    });
    for (const list of lists) {
      this.postingDocs.push(Int32Array.from(list.docs));
      this.postingFreqs.push(Float32Array.from(list.freqs));
    }
    this.scores = new Float64Array(docs.length);
    this.groupFreq = new Float64Array(docs.length);
  }

  /** The best `limit` documents for the query, best first; documents sharing no term are left out. */
  search(query: string, limit: number): Hit[] {
    const touched: number[] = [];
    const scores = this.scores;
    const n = this.size;
    const groupFreq = this.groupFreq;
    for (const group of expandQuery(query)) {
      // A word and its synonyms count as one term: frequencies add up (synonyms weighted), one idf.
      const inGroup: number[] = [];
      for (const [term, weight] of group) {
        const id = this.terms.get(term);
        if (id === undefined) continue;
        const docs = this.postingDocs[id];
        const freqs = this.postingFreqs[id];
        for (let i = 0; i < docs.length; i++) {
          const d = docs[i];
          if (groupFreq[d] === 0) inGroup.push(d);
          groupFreq[d] += weight * freqs[i];
        }
      }
      if (inGroup.length === 0) continue;
      const idf = Math.log(1 + (n - inGroup.length + 0.5) / (inGroup.length + 0.5));
      for (const d of inGroup) {
        const f = groupFreq[d];
        groupFreq[d] = 0;
        if (scores[d] === 0) touched.push(d);
        scores[d] += (idf * f * (K1 + 1)) / (f + K1);
      }
    }
    const hits = topK(touched, scores, limit);
    for (const d of touched) scores[d] = 0;
    return hits;
  }
}

/** Keeps the k best in a small sorted array: touched lists can be long, k is at most 50. */
function topK(docs: number[], scores: Float64Array, k: number): Hit[] {
  const best: Hit[] = [];
  if (k <= 0) return best;
  const better = (a: Hit, b: Hit) => a.score > b.score || (a.score === b.score && a.doc < b.doc);
  for (const doc of docs) {
    const hit = { doc, score: scores[doc] };
    if (best.length === k && !better(hit, best[k - 1])) continue;
    let i = Math.min(best.length, k - 1);
    if (best.length < k) best.push(hit);
    while (i > 0 && better(hit, best[i - 1])) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = hit;
  }
  return best;
}
