/**
 * `flakefighters evaluate` through the built dist/cli.js (`npm run build` first) on a history the built
 * dist/index.js saved from real result files with known truth (history.ts): the labels, the replay as of each
 * run (no leakage), the metrics worked out by hand, the threshold sweep, --labels, and the JSON schema.
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/local-runner.ts';
import { validate } from '../report/json-schema-check.ts';
import { buildHistory } from './history.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { classifyAsOf } from '../../src/sync/reclassify.ts';
import type { EvaluationReport } from '../../src/evaluate/evaluate.ts';
import { verdictOf } from '../../src/model.ts';

const CLI = join(repoRoot, 'dist/cli.js');
const FETCH = 'tests/test_calc.py::test_fetch_rate';
const FETCH_EUR = 'tests/test_calc.py::test_fetch_rate_eur';
const DISCOUNT = 'tests/test_calc.py::test_discount';
const GO_FETCH = 'example.com/rates.TestFetchUSD';

function evaluateCli(ws: string, args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', ...args], { cwd: ws, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let ws = '';
let report: EvaluationReport;
let table = '';

before(async () => {
  ws = await buildHistory();
  const r = evaluateCli(ws, ['--database', 'flakefighters.db', '--json', 'evaluation.json']);
  assert.equal(r.code, 0, r.stderr);
  table = r.stdout;
  report = JSON.parse(readFileSync(join(ws, 'evaluation.json'), 'utf8')) as EvaluationReport;
});

const verdictsOf = (ref: string, testName: string) => {
  const l = report.labelled.find((x) => x.run.ref === ref && x.test === testName);
  assert.ok(l, `${testName} in ${ref} is labelled`);
  return l;
};

describe('evaluate on a history with known truth', () => {
  test('labels: a pass in another attempt or a retry makes a failure flaky; failing in both attempts, genuine', () => {
    const got = report.labelled.map((l) => `${l.run.ref} ${l.test} ${l.label}`).sort();
    assert.deepEqual(got, [
      `#11 ${FETCH} flaky`,
      `#11 ${FETCH_EUR} flaky`,
      `#12 ${DISCOUNT} genuine`,
      `#12 (attempt 2) ${DISCOUNT} genuine`,
      `#12 (attempt 2) ${FETCH} flaky`,
      `#12 (attempt 2) ${FETCH_EUR} flaky`,
      `#13 ${GO_FETCH} flaky`,
      `#14 ${FETCH} flaky`,
      `#14 ${FETCH_EUR} flaky`,
      `#15 ${DISCOUNT} genuine`,
      `#15 (attempt 2) ${DISCOUNT} genuine`,
    ].sort());
    assert.deepEqual(report.labels, { labelled: 11, flaky: 7, genuine: 4, fromHistory: 11, fromFile: 0, unlabelled: 0, runs: 7 });
    assert.match(verdictsOf('#13', GO_FETCH).why, /failed and passed in this run/);
    assert.match(verdictsOf('#11', FETCH).why, /passed in run #11 \(attempt 2\)/);
  });

  test('replay without leakage: a failure whose only flaky evidence is its own later re-run is not caught by OutcomeFlip', () => {
    // #11 and #14 pass in attempt 2, which started after them.
    for (const ref of ['#11', '#14']) for (const t of [FETCH, FETCH_EUR]) assert.equal(verdictsOf(ref, t).verdicts.OutcomeFlip, false, `${ref} ${t}`);
    // #12 attempt 2 comes after attempt 1, in which the fetch tests passed; #13 retried inside the run.
    for (const t of [FETCH, FETCH_EUR]) assert.equal(verdictsOf('#12 (attempt 2)', t).verdicts.OutcomeFlip, true);
    assert.equal(verdictsOf('#13', GO_FETCH).verdicts.OutcomeFlip, true);
    // #14's failures have the traceback of #12 attempt 2's, called flaky when it was saved: TracebackMatching knows it.
    for (const t of [FETCH, FETCH_EUR]) assert.equal(verdictsOf('#14', t).verdicts.TracebackMatching, true);
    // #11 had no history at all: nothing can have known.
    for (const name of ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity', 'combination']) assert.equal(verdictsOf('#11', FETCH).verdicts[name], false, name);
  });

  test('metrics match the counts worked out by hand, with 95% Wilson intervals', () => {
    const of = (name: string) => (name === 'combination' ? report.combination : report.flakefighters.find((f) => f.name === name)!);
    const counts = (name: string) => {
      const m = of(name).metrics;
      return [m.tp, m.fp, m.tn, m.fn];
    };
    // OutcomeFlip: #12a2 ×2 and #13 caught; #11 ×2 and #14 ×2 missed; the 4 genuine ones left alone.
    assert.deepEqual(counts('OutcomeFlip'), [3, 0, 4, 4]);
    // TracebackMatching: #12a2 ×2 (#11's failures, learned flaky from their re-run before #12a2 started) and #14 ×2.
    assert.deepEqual(counts('TracebackMatching'), [4, 0, 4, 3]);
    // The combination the runs ran (OutcomeFlip + TracebackMatching): everything but #11 ×2.
    assert.deepEqual(counts('combination'), [5, 0, 4, 2]);
    const m = of('OutcomeFlip').metrics;
    assert.equal(m.labelled, 11);
    assert.equal(m.precision.value, 1);
    // 3 of 3 → [0.4385, 1]; 3 of 7 → [0.1582, 0.7495]; F1 = 3 / (3 + 4/2) = 0.6 over 5 → [0.2307, 0.8824].
    const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 5e-4, `${a} ≈ ${b}`);
    close(m.precision.low, 0.4385);
    close(m.precision.high, 1);
    close(m.recall.value, 3 / 7);
    close(m.recall.low, 0.1582);
    close(m.recall.high, 0.7495);
    close(m.f1.value, 0.6);
    close(m.f1.low, 0.2307);
    close(m.f1.high, 0.8824);
    assert.deepEqual(report.combination.hiddenGenuine, []);
    assert.match(table, /OutcomeFlip\s+3\s+0\s+4\s+4\s+1\.00 \[0\.44–1\.00\]\s+0\.43 \[0\.16–0\.75\]\s+0\.60 \[0\.23–0\.88\]/);
  });

  test('the CosineSimilarity sweep reads as a replay at each threshold would', async () => {
    const rows = report.sweep.rows.filter((r) => r.flakefighter === 'CosineSimilarity');
    assert.equal(rows.length, 11);
    const own = report.flakefighters.find((f) => f.name === 'CosineSimilarity')!;
    assert.deepEqual(rows.find((r) => r.threshold === 1)!.metrics, own.metrics);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].metrics.tp + rows[i].metrics.fp <= rows[i - 1].metrics.tp + rows[i - 1].metrics.fp, 'fewer flaky calls as the threshold rises');
    // A direct replay at 0.5 of every labelled run, with the runs before it as history, calls the same failures flaky.
    const store = await openSqliteStore(join(ws, 'flakefighters.db'), { readonly: true });
    try {
      const all = await store.loadAllRuns({ coverage: false });
      let flaky = 0;
      for (const l of report.labelled) {
        const run = all.find((r) => r.id === l.run.id)!;
        const history = all.filter((r) => r.startTime < run.startTime).reverse();
        const got = await classifyAsOf(run, history, { active: [{ name: 'CosineSimilarity', params: { threshold: 0.5 } }] });
        const t = got.run.tests.find((x) => x.name === l.test)!;
        if (t.executions.some((e) => e.results.some((r) => r.name === 'CosineSimilarity' && r.flaky))) flaky++;
      }
      const at = rows.find((r) => r.threshold === 0.5)!.metrics;
      assert.equal(at.tp + at.fp, flaky);
    } finally {
      await store.close();
    }
    const best = report.sweep.best.CosineSimilarity;
    assert.ok(best && best.metrics.precision.value! >= 0.99);
    assert.match(table, /Recommended at precision >= 0\.99: CosineSimilarity threshold/);
  });

  test('the combination is what the flakefighters each run ran say when the run is replayed whole as of its start', async () => {
    const store = await openSqliteStore(join(ws, 'flakefighters.db'), { readonly: true });
    try {
      const all = await store.loadAllRuns({ coverage: false });
      for (const l of report.labelled) {
        const run = all.find((r) => r.id === l.run.id)!;
        const history = all.filter((r) => r.startTime < run.startTime).reverse();
        const got = await classifyAsOf(run, history);
        assert.equal(verdictOf(got.run.tests.find((t) => t.name === l.test)!) === 'flaky', l.verdicts.combination, `${l.run.ref} ${l.test}`);
      }
    } finally {
      await store.close();
    }
  });

  test('CoverageIndependence is swept over metric and threshold on the runs with per-test coverage', () => {
    const rows = report.sweep.rows.filter((r) => r.flakefighter === 'CoverageIndependence');
    assert.equal(rows.length, 22);
    assert.deepEqual(new Set(rows.map((r) => r.metric)), new Set(['jaccard', 'hamming']));
    // The Go run has no coverage: 10 of the 11 labelled failures can be clustered.
    assert.equal(report.sweep.coverageLabelled, 10);
    const own = report.flakefighters.find((f) => f.name === 'CoverageIndependence')!;
    assert.deepEqual(rows.find((r) => r.metric === 'jaccard' && r.threshold === 0)!.metrics, own.metrics);
    assert.equal(own.abstained, 1);
    // Wide clusters put a genuine failure with a passing execution of similar coverage: those settings hide genuine failures.
    const best = report.sweep.best.CoverageIndependence;
    if (best) assert.equal(best.metrics.fp, 0);
    assert.ok(rows.some((r) => r.metrics.fp > 0), 'some setting calls a genuine failure flaky');
  });

  test('the JSON follows docs/evaluate-schema.json', () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'docs/evaluate-schema.json'), 'utf8'));
    assert.deepEqual(validate(schema, report), []);
    assert.equal(report.schemaVersion, 1);
    assert.deepEqual(validate(schema, { ...report, labels: { ...report.labels, extra: 1 } }).length, 1);
  });

  test('--labels overrides: a genuine label the history did not give shows what OutcomeFlip would have hidden, with the run link', () => {
    writeFileSync(join(ws, 'labels.csv'), `run,test,label\n4,"${FETCH}",genuine\n999,${FETCH},flaky\n`);
    const r = evaluateCli(ws, ['--database', 'flakefighters.db', '--labels', 'labels.csv', '--json', 'with-labels.json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(ws, 'with-labels.json'), 'utf8')) as EvaluationReport;
    assert.equal(j.labels.fromFile, 1);
    assert.equal(j.labels.genuine, 5);
    const of = j.flakefighters.find((f) => f.name === 'OutcomeFlip')!;
    assert.deepEqual(of.hiddenGenuine.map((h) => [h.test, h.run.ref, h.run.url]), [[FETCH, '#12 (attempt 2)', 'https://github.com/octo/shop/actions/runs/5002/attempts/2']]);
    assert.match(r.stdout, /OutcomeFlip: tests\/test_calc\.py::test_fetch_rate in run #12 \(attempt 2\) https:\/\/github\.com\/octo\/shop\/actions\/runs\/5002\/attempts\/2/);
    assert.ok(j.notes.some((n) => /labels\.csv line 3: no stored run 999/.test(n)));
  });

  test('--summary appends the table to the job summary; without $GITHUB_STEP_SUMMARY it is a usage error', () => {
    const summary = join(ws, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = spawnSync(process.execPath, [CLI, 'evaluate', '--database', 'flakefighters.db', '--summary', '-q'], {
      cwd: ws, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC', GITHUB_STEP_SUMMARY: summary },
    });
    assert.equal(r.status, 0, r.stderr);
    const md = readFileSync(summary, 'utf8');
    assert.ok(md.startsWith('# earlier step\n## Flakefighters evaluation\n\n'));
    // Markdown, not the terminal's text: the same numbers as a table row (evaluate-html.test.ts checks the rest).
    assert.match(r.stdout, /^OutcomeFlip\s+3\s+0\s+4\s+4\s/m);
    assert.ok(md.includes('\n| OutcomeFlip | 3 | 0 | 4 | 4 | 1.00 [0.44–1.00] | 0.43 [0.16–0.75] | 0.60 [0.23–0.88] | 0 | 11 |\n'), md);
    const without = evaluateCli(ws, ['--database', 'flakefighters.db', '--summary']);
    assert.equal(without.code, 2);
    assert.match(without.stderr, /--summary needs \$GITHUB_STEP_SUMMARY/);
  });

  test('bad input: one line naming the file or flag, exit 2', () => {
    writeFileSync(join(ws, 'bad.csv'), `1,${FETCH},maybe\n`);
    const bad = evaluateCli(ws, ['--database', 'flakefighters.db', '--labels', 'bad.csv']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), `flakefighters: evaluate: --labels bad.csv line 1: label 'maybe' is neither flaky nor genuine`);
    const none = evaluateCli(ws, []);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^flakefighters: evaluate: --database is required; usage: flakefighters evaluate/);
    assert.equal(none.stderr.trim().split('\n').length, 1);
    const missing = evaluateCli(ws, ['--database', 'nope.db']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--database .*nope\.db does not exist/);
    const help = evaluateCli(ws, ['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: flakefighters evaluate --database PATH\|URL/);
  });
});
