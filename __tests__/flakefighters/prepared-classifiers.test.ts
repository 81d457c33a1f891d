/**
 * The fast paths of the heavy flakefighters give exactly what the plain computations give: sparse
 * pdist (inverted index over covered lines) against packed bit rows, and a TF-IDF corpus prepared
 * once and queried many times against a one-shot fit per query (the computation sklearn does,
 * written out with maps), bit for bit.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkage, LinkageError, packRows, pdistBool, pdistRows, singleLinkageRows, type DistanceMetric } from '../../src/flakefighters/hierarchy.ts';
import { exactLog } from '../../src/flakefighters/exact-log.ts';
import { compareCodePoints } from '../../src/flakefighters/py-compat.ts';
import { termCounts, TfidfCorpus, type TermCounts } from '../../src/flakefighters/tfidf.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const sameBits = (a: Float64Array | number[], b: Float64Array | number[]) => {
  assert.equal(a.length, b.length);
  const x = Buffer.from(Float64Array.from(a).buffer);
  const y = Buffer.from(Float64Array.from(b).buffer);
  assert.ok(x.equals(y), 'distances differ in some bit');
};

describe('sparse pdist', () => {
  test('matches packed bit rows on sparse, dense, duplicated, empty and shared-by-all columns', () => {
    const r = rng(11);
    let sparseCases = 0;
    for (let trial = 0; trial < 120; trial++) {
      const n = 2 + Math.floor(r() * 60);
      const ncols = 1 + Math.floor(r() * (trial % 3 === 0 ? 20 : 400));
      const p = trial % 2 ? r() * 0.05 : r() * 0.8;
      const everywhere = trial % 5 === 0 ? Math.floor(r() * ncols) : -1;
      const rows = Array.from({ length: n }, () => {
        const cols: number[] = [];
        for (let c = 0; c < ncols; c++) if (c === everywhere || r() < p) cols.push(c);
        // Duplicates and unsorted columns are allowed in the input.
        if (cols.length && r() < 0.3) cols.push(cols[0]);
        return cols.reverse();
      });
      if (trial % 7 === 0) rows[0] = [];
      for (const metric of ['jaccard', 'hamming'] as DistanceMetric[]) {
        const d = pdistBool(packRows(rows, ncols), metric);
        sameBits(pdistRows(rows, ncols, metric), d);
        // Single linkage straight from the rows: scipy's Z (merge order, ties, heights) without the matrix.
        sameBits(singleLinkageRows(rows, ncols, metric), linkage(d, n, 'single'));
      }
      if (p < 0.05) sparseCases++;
    }
    assert.ok(sparseCases > 30);
  });

  test('a coverage-like matrix of 600 rows (sparse path) matches bit rows', () => {
    const r = rng(5);
    const rows = Array.from({ length: 600 }, (_, i) => {
      const family = i % 30;
      const cols: number[] = [];
      for (let l = 0; l < 40; l++) cols.push(family * 100 + l);
      for (let l = 0; l < 15; l++) cols.push(Math.floor(r() * 3000));
      return cols;
    });
    for (const metric of ['jaccard', 'hamming'] as DistanceMetric[]) {
      const d = pdistBool(packRows(rows, 3000), metric);
      sameBits(pdistRows(rows, 3000, metric), d);
      sameBits(singleLinkageRows(rows, 3000, metric), linkage(d, rows.length, 'single'));
    }
  });

  test('hamming with no columns at all is refused as linkage refuses its NaN distances', () => {
    assert.throws(() => singleLinkageRows([[], [], []], 0, 'hamming'), LinkageError);
    assert.throws(() => linkage(pdistBool(packRows([[], [], []], 0), 'hamming'), 3, 'single'), LinkageError);
  });
});

/** sklearn's fit on [query, ...docs] then cosine_similarity, with maps and no preparation. */
function oneShot(query: TermCounts, docs: TermCounts[], mult: number[]): number[] | null {
  const df = new Map<string, number>();
  for (const t of query.terms) df.set(t, 1);
  let n = 1;
  docs.forEach((d, i) => {
    n += mult[i];
    for (const t of d.terms) df.set(t, (df.get(t) ?? 0) + mult[i]);
  });
  if (df.size === 0) return null;
  const idf = (t: string) => exactLog((n + 1) / (df.get(t)! + 1)) + 1;
  const l2 = (v: Float64Array) => {
    let s = 0;
    for (const x of v) s += x * x;
    const norm = Math.sqrt(s);
    return norm === 0 ? v : v.map((x) => x / norm);
  };
  const w = (d: TermCounts) => l2(l2(Float64Array.from(d.counts, (c, i) => c * idf(d.terms[i]))));
  const q = w(query);
  return docs.map((d) => {
    const x = w(d);
    let dot = 0;
    for (let i = 0, j = 0; i < query.terms.length && j < d.terms.length; ) {
      const c = compareCodePoints(query.terms[i], d.terms[j]);
      if (c === 0) dot += q[i++] * x[j++];
      else if (c < 0) i++;
      else j++;
    }
    return dot;
  });
}

describe('prepared TF-IDF corpus', () => {
  test('many queries against one prepared corpus give the one-shot fit for each, bit for bit', () => {
    const r = rng(3);
    const words = ['cart', 'price', 'Ünïcode', 'x1', 'ab', 'ß_', 'zz', 'timeout', '𝐀𝐁', 'retry', 'db', 'ﬁle', 'ab12', 'Z9'];
    const doc = () => termCounts(Array.from({ length: Math.floor(r() * 14) }, () => words[Math.floor(r() * words.length)]).join(' '));
    for (let trial = 0; trial < 60; trial++) {
      const docs = Array.from({ length: Math.floor(r() * 25) }, doc);
      const mult = docs.map(() => 1 + Math.floor(r() * 3));
      const corpus = new TfidfCorpus(docs, mult);
      for (let k = 0; k < 8; k++) {
        const query = k === 0 ? termCounts('') : k === 1 ? termCounts('neverseen words only') : doc();
        const got = corpus.similarities(query);
        const want = oneShot(query, docs, mult);
        if (want === null) assert.equal(got, null);
        else sameBits(got!, want);
      }
    }
  });
});
