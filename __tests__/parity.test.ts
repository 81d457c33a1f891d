/**
 * Parity with the reference plugin: every vector file in __tests__/fixtures/shared/parity, and in
 * $FLAKEFIGHTERS_PARITY_DIR when it is set (extra vectors), is recognised by its structure and every case in it is checked.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testFlaky, type Run, type Test } from '../src/model.ts';
import { CosineSimilarity } from '../src/flakefighters/cosine-similarity.ts';
import { clusterRows, CoverageIndependence } from '../src/flakefighters/coverage-independence.ts';
import { pyFloatRepr } from '../src/flakefighters/py-compat.ts';
import { rankSffl, sfflCsv, totalCoverage } from '../src/flakefighters/sffl.ts';
import { fitTfidf, termCounts, tfidfCosineSimilarities, tracebackDocument, type FrameTuple } from '../src/flakefighters/tfidf.ts';
import { frameTuple, frameUnderRoot } from '../src/flakefighters/traceback-history.ts';
import { TracebackMatching } from '../src/flakefighters/traceback-matching.ts';
import { context, execution, exception, pairs, run, test as mkTest } from './flakefighters/builders.ts';
import { SHARED } from './helpers/shared-dir.ts';

type Json = any;

const EXTRA = process.env.FLAKEFIGHTERS_PARITY_DIR;
const vectorFiles = (dir: string, label: string) =>
  readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => ({ file: `${label}${f}`, path: join(dir, f) }));
const bundled = vectorFiles(`${SHARED}/parity`, '');
const extraMissing = EXTRA !== undefined && !existsSync(EXTRA);
const files = [...bundled, ...(EXTRA && !extraMissing ? vectorFiles(EXTRA, 'extra ') : [])];

/** Floats come as JSON numbers (repr round-trips exactly) or 'inf' / '-inf' / 'nan'. */
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
const sameFloat = (a: number, b: number | string): boolean => Object.is(a, num(b)) || (a === 0 && num(b) === 0);

function kindOf(doc: Json): 'coverage' | 'cosine' | 'sffl' | null {
  if (Array.isArray(doc.scenarios) && doc.scenarios.every((s: Json) => Array.isArray(s.results) && Array.isArray(s.tests))) return 'coverage';
  if (Array.isArray(doc.cases) && doc.cases.every((c: Json) => 'cosine_verdicts' in c)) return 'cosine';
  if (Array.isArray(doc.cases) && doc.cases.every((c: Json) => 'csv' in c && 'metric' in c)) return 'sffl';
  return null;
}

const counts: Record<string, number> = {};
const count = (file: string, n = 1): void => {
  counts[file] = (counts[file] ?? 0) + n;
};

assert.ok(bundled.length > 0, `no parity vectors in ${SHARED}/parity`);
if (EXTRA) {
  test('FLAKEFIGHTERS_PARITY_DIR holds extra vectors', () => {
    assert.ok(!extraMissing, `FLAKEFIGHTERS_PARITY_DIR=${EXTRA} does not exist; point it at a folder of .json vector files, or unset it`);
    assert.ok(files.length > bundled.length, `FLAKEFIGHTERS_PARITY_DIR=${EXTRA} holds no .json vector file`);
  });
}

for (const { file, path } of files) {
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const kind = kindOf(doc);
  describe(`parity ${file}`, () => {
    test('is a known vector format', () => assert.ok(kind, `${file}: neither coverage_independence, cosine_similarity nor sffl vectors`));
    if (kind === 'coverage') coverageFile(file, doc);
    if (kind === 'cosine') cosineFile(file, doc);
    if (kind === 'sffl') sfflFile(file, doc);
    test('counts', (t) => {
      assert.ok((counts[file] ?? 0) > 0);
      t.diagnostic(`${file}: ${counts[file]} checks passed`);
      console.log(`parity ${file}: ${counts[file]} checks`);
    });
  });
}

// ---------------------------------------------------------------- CoverageIndependence

function coverageTests(s: Json): Test[] {
  return s.tests.map((t: Json) => mkTest(t.name, t.executions.map((e: Json) => execution(e.outcome, { coverage: e.coverage ?? {} }))));
}

function coverageFile(file: string, doc: Json): void {
  for (const s of doc.scenarios) {
    test(`${s.id}`, async (t) => {
      for (const r of [...s.results, ...(s.extra_results ?? [])]) {
        await t.test(`${r.metric} ${r.linkage_method} t=${r.threshold}`, () => {
          const tests = coverageTests(s);
          const current = run(tests);
          const ctx = context(current);
          new CoverageIndependence({ threshold: r.threshold, metric: r.metric, linkageMethod: r.linkage_method }).classify(ctx);
          if (r.error) {
            // The plugin crashes here; we warn and give no verdict.
            assert.ok(tests.every((x) => x.results.length === 0));
            assert.equal(ctx.warnings.length, 1, 'one warning');
            count(file);
            return;
          }
          for (const x of tests) {
            assert.deepEqual(pairs(x.results), r.test_results[x.name], `test_results of ${x.name}`);
            assert.equal(Boolean(testFlaky(x)), r.test_flaky[x.name], `test_flaky of ${x.name}`);
          }
          count(file);
          if (!r.linkage) return;
          const rows = tests.flatMap((test) => test.executions.map((execution) => ({ test, execution })));
          assert.deepEqual(rows.map((x) => x.execution.outcome), s.execution_rows.map((x: Json) => x.outcome));
          const c = clusterRows(rows, r.metric, r.linkage_method, r.threshold);
          if (s.n_columns !== undefined) assert.equal(c.ncols, s.n_columns);
          const expected = s.distances[r.metric];
          assert.equal(c.distances.length, expected.length);
          expected.forEach((d: number | string, i: number) => assert.ok(sameFloat(c.distances[i], d), `distance ${i}: ${c.distances[i]} vs ${d}`));
          const Z = r.linkage.map((_: Json, i: number) => [c.Z[i * 4], c.Z[i * 4 + 1], c.Z[i * 4 + 2], c.Z[i * 4 + 3]]);
          Z.forEach((row: number[], i: number) => {
            const want = r.linkage[i];
            assert.deepEqual([row[0], row[1], row[3]], [want[0], want[1], want[3]], `linkage row ${i}`);
            assert.ok(sameFloat(row[2], want[2]), `linkage height ${i}: ${row[2]} vs ${want[2]}`);
          });
          assert.deepEqual([...c.labels], r.labels, 'fcluster labels');
          for (const [label, mixed] of Object.entries(r.cluster_mixed as Record<string, boolean>)) {
            const outcomes = new Set(rows.filter((_, i) => c.labels[i] === Number(label)).map((x) => x.execution.outcome));
            assert.equal(outcomes.size > 1, mixed, `cluster ${label} mixed`);
          }
          count(file, 4);
        });
      }
    });
  }
}

// ---------------------------------------------------------------- TracebackMatching / CosineSimilarity

function cosineRuns(c: Json): { current: Run; history: Run[]; testName: string } {
  const exc = c.current_traceback === null ? null : exception(c.current_traceback.map((f: Json) => [f.path, f.lineno, f.colno, f.statement]));
  const current = run([mkTest('tests/test_current.py::test_it', [execution('failed', { exception: exc })])], { root: c.root });
  const history = run(
    c.previous_flaky_tracebacks.map((tb: FrameTuple[], i: number) =>
      mkTest(`tests/test_prev.py::test_${i}`, [execution('failed', { exception: exception(tb as Json) })], { results: [{ name: 'Earlier', flaky: true }] }),
    ),
    { root: c.root, id: 1 },
  );
  return { current, history: [history], testName: 'tests/test_current.py::test_it' };
}

/**
 * Our one deliberate deviation (issue 12, README): a failure with no frame under root gets no verdict from either
 * traceback flakefighter (a flaky=false row marked noVerdict), where the plugin matches empty tracebacks ([] == [])
 * or crashes on an empty vocabulary. Every other case must give the plugin's verdict.
 */
function abstains(c: Json): boolean {
  return c.current_traceback !== null && !c.current_traceback.some((f: Json) => frameUnderRoot(f.path, c.root));
}

function assertNoVerdict(results: { flaky: boolean; evidence?: { reason: string; noVerdict?: unknown } }[]): void {
  assert.equal(results.length, 1);
  assert.equal(results[0].flaky, false);
  assert.equal(results[0].evidence?.noVerdict, true);
  assert.match(results[0].evidence!.reason, /no traceback frame under the project root/);
}

function cosineFile(file: string, doc: Json): void {
  for (const c of doc.cases) {
    test(`${c.id}`, async (t) => {
      if (c.corpus) {
        await t.test('corpus, tokens, idf, similarities', () => {
          const cur: FrameTuple[] = c.current_traceback.map((f: Json) => frameTuple(f, c.root));
          const docs = [tracebackDocument(cur), ...c.previous_flaky_tracebacks.map((tb: FrameTuple[]) => tracebackDocument(tb))];
          assert.deepEqual(docs, c.corpus, 'corpus');
          const tcs = docs.map(termCounts);
          const fit = fitTfidf(tcs);
          if (c.tfidf_error) {
            assert.equal(fit, null, 'empty vocabulary');
            assert.equal(tfidfCosineSimilarities(tcs[0], tcs.slice(1)), null);
            count(file);
            return;
          }
          assert.ok(fit);
          assert.deepEqual(fit.vocabulary, c.vocabulary, 'vocabulary');
          assert.deepEqual(Object.fromEntries(fit.idf), c.idf, 'idf (exact)');
          c.tfidf_rows.forEach((row: Record<string, number>, i: number) => {
            const got = fit.rows[i];
            for (const [term, w] of Object.entries(row)) assert.ok(Math.abs((got.get(term) ?? 0) - w) <= 1e-12, `tfidf row ${i} ${term}`);
          });
          const sims = tfidfCosineSimilarities(tcs[0], tcs.slice(1))!;
          assert.equal(sims.length, c.similarities.length);
          sims.forEach((s, i) => assert.ok(Math.abs(s - num(c.similarities[i])) <= 1e-9, `similarity ${i}: ${s} vs ${c.similarities[i]}`));
          count(file, 4);
        });
      }
      await t.test('TracebackMatching verdict', () => {
        const { current, history } = cosineRuns(c);
        new TracebackMatching({ runLive: true, root: c.root }).classify(context(current, history, c.root));
        const results = current.tests[0].executions[0].results;
        if (abstains(c)) assertNoVerdict(results);
        else assert.deepEqual(pairs(results), [{ name: 'TracebackMatching', flaky: c.traceback_matching_verdict }]);
        if (c.traceback_matching_current_filtered) {
          const filtered = c.current_traceback
            .filter((f: Json) => frameUnderRoot(f.path, c.root))
            .map((f: Json) => frameTuple(f, c.root));
          assert.deepEqual(filtered, c.traceback_matching_current_filtered, 'filtered current traceback');
        }
        count(file);
      });
      for (const [threshold, verdict] of Object.entries(c.cosine_verdicts as Record<string, boolean | null>)) {
        await t.test(`CosineSimilarity t=${threshold}`, () => {
          const { current, history } = cosineRuns(c);
          const ctx = context(current, history, c.root);
          new CosineSimilarity({ runLive: true, root: c.root, threshold: Number(threshold) }).classify(ctx);
          const results = current.tests[0].executions[0].results;
          if (abstains(c)) {
            assertNoVerdict(results);
            assert.deepEqual(ctx.warnings, []);
          } else if (verdict === null) {
            // The plugin raises "empty vocabulary"; we warn and give no verdict.
            assert.deepEqual(results, []);
            assert.equal(ctx.warnings.length, 1);
          } else {
            assert.equal(results.length, 1);
            const sensitive = c.verdict_platform_sensitive && (c['thresholds_within_1e-9'] ?? []).includes(Number(threshold));
            if (!sensitive) assert.equal(results[0].flaky, verdict, `verdict at ${threshold}`);
            else if (Math.abs(Number(results[0].evidence?.similarity) - 1) < 1e-12) {
              // Identical documents always match under our policy (sklearn gives 1 ± 4e-16 either side).
              assert.equal(results[0].flaky, true, `identical-document verdict at ${threshold}`);
            }
          }
          count(file);
        });
      }
    });
  }
}

// ---------------------------------------------------------------- SFFL

function sfflTests(c: Json): Test[] {
  return c.tests.map((x: Json, i: number) =>
    mkTest(`t${i}`, x.executions.map((e: Json) => execution('passed', { coverage: e.coverage })), {
      fspath: x.fspath,
      results: x.flaky === null || x.flaky === undefined ? [] : [{ name: 'Given', flaky: x.flaky }],
    }),
  );
}

function sfflFile(file: string, doc: Json): void {
  for (const c of doc.cases) {
    test(`${c.id}`, () => {
      const r = rankSffl(sfflTests(c), c.root, c.metric, c.include_test_code);
      assert.deepEqual(
        r.rows.map((x) => ({ file: x.file, line: x.line, suspiciousness: pyFloatRepr(x.suspiciousness) })),
        c.rows.map((x: Json) => ({ ...x, suspiciousness: typeof x.suspiciousness === 'number' ? pyFloatRepr(x.suspiciousness) : x.suspiciousness })),
        'rows',
      );
      assert.equal(sfflCsv(r.rows, r.integerColumn), c.csv, 'csv text');
      count(file, 2);
    });
  }
  const helpers = doc.helpers ?? {};
  for (const [key, ex] of Object.entries(helpers as Record<string, Json>)) {
    if (!key.startsWith('total_coverage')) continue;
    test(`helper ${key}`, () => {
      const t = mkTest('t', ex.input.executions.map((cov: Json) => execution('passed', { coverage: cov })), {
        results: [{ name: 'Given', flaky: ex.input.flaky }],
      });
      const got = Object.fromEntries([...totalCoverage('', t)].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]));
      assert.deepEqual(got, ex.output);
      count(file);
    });
  }
}
