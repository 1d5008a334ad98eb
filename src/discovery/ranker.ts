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
    // Pass 1: each document's terms (as ids) per field key, and each key's total length.
    const keys = new Map<string, number>();
    const weights: number[] = [];
    const totals: number[] = [];
    const postings: { docs: number[]; freqs: number[] }[] = [];
    const idOf = (term: string): number => {
      let id = this.terms.get(term);
      if (id === undefined) {
        id = postings.length;
        this.terms.set(term, id);
        postings.push({ docs: [], freqs: [] });
      }
      return id;
    };
    const perDoc = docs.map((fields) => {
      const byKey = new Map<number, number[]>();
      for (const { key, text, weight } of fields) {
        let k = keys.get(key);
        if (k === undefined) {
          k = weights.length;
          keys.set(key, k);
          weights.push(weight);
          totals.push(0);
        }
        let ids = byKey.get(k);
        if (!ids) byKey.set(k, (ids = []));
        for (const term of tokenize(text)) ids.push(idOf(term));
      }
      for (const [k, ids] of byKey) totals[k] += ids.length;
      return byKey;
    });
    // Pass 2: per document, each term's weighted, length-normalized frequency summed over fields.
    const acc = new Float64Array(postings.length);
    const seen: number[] = [];
    perDoc.forEach((byKey, doc) => {
      for (const [k, ids] of byKey) {
        const norm = weights[k] / (1 - B + (B * ids.length) / (totals[k] / docs.length || 1));
        for (const id of ids) {
          if (acc[id] === 0) seen.push(id);
          acc[id] += norm;
        }
      }
      for (const id of seen) {
        postings[id].docs.push(doc);
        postings[id].freqs.push(acc[id]);
        acc[id] = 0;
      }
      seen.length = 0;
    });
    for (const list of postings) {
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
