/**
 * Random, tie-heavy coverage matrices and random Unicode tracebacks, checked against what scipy
 * and scikit-learn computed for them (fixtures/make-reference.py regenerates the file).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fclusterDistance, linkage, LinkageError, packRows, pdistBool } from '../../src/flakefighters/hierarchy.ts';
import { fitTfidf, termCounts, tfidfCosineSimilarities, tracebackDocument, type FrameTuple } from '../../src/flakefighters/tfidf.ts';

interface ClusterCase {
  rows: number[][];
  ncols: number;
  results: { metric: 'jaccard' | 'hamming'; method: Parameters<typeof linkage>[2]; error?: string; Z?: number[][]; labels?: number[][] }[];
}
interface TfidfCase {
  tracebacks: FrameTuple[][];
  corpus: string[];
  error?: string;
  vocabulary?: string[];
  idf?: number[];
  similarities?: number[];
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8')) as {
  thresholds: number[];
  clusters: ClusterCase[];
  tfidf: TfidfCase[];
};

describe(`scipy linkage + fcluster, bit for bit (${ref.clusters.length} matrices × 2 metrics × 7 methods)`, () => {
  test('linkage matrices and flat cluster ids', () => {
    let checked = 0;
    for (const c of ref.clusters) {
      const n = c.rows.length;
      for (const r of c.results) {
        const d = pdistBool(packRows(c.rows, c.ncols), r.metric);
        const where = `${JSON.stringify(c.rows)} ${r.metric} ${r.method}`;
        if (r.error) {
          assert.throws(() => linkage(d, n, r.method), LinkageError, where);
          checked++;
          continue;
        }
        const Z = linkage(d, n, r.method);
        r.Z!.forEach((row, i) => {
          assert.deepEqual([Z[i * 4], Z[i * 4 + 1], Z[i * 4 + 3]], [row[0], row[1], row[3]], `${where} row ${i}`);
          assert.ok(Object.is(Z[i * 4 + 2], row[2]), `${where} height ${i}: ${Z[i * 4 + 2]} vs ${row[2]}`);
        });
        ref.thresholds.forEach((t, k) => assert.deepEqual([...fclusterDistance(Z, n, t)], r.labels![k], `${where} t=${t}`));
        checked++;
      }
    }
    assert.equal(checked, ref.clusters.length * 14);
  });
});

describe(`scikit-learn TfidfVectorizer + cosine_similarity (${ref.tfidf.length} random Unicode corpora)`, () => {
  test('documents, vocabulary and idf exact, similarities within 1e-12', () => {
    for (const c of ref.tfidf) {
      const docs = c.tracebacks.map(tracebackDocument);
      assert.deepEqual(docs, c.corpus);
      const tcs = docs.map(termCounts);
      const fit = fitTfidf(tcs);
      if (c.error) {
        assert.equal(fit, null);
        continue;
      }
      assert.ok(fit);
      assert.deepEqual(fit.vocabulary, c.vocabulary);
      assert.deepEqual(c.vocabulary!.map((t) => fit.idf.get(t)), c.idf);
      const sims = tfidfCosineSimilarities(tcs[0], tcs.slice(1))!;
      sims.forEach((s, i) => assert.ok(Math.abs(s - c.similarities![i]) <= 1e-12, `${s} vs ${c.similarities![i]}`));
    }
  });
});
