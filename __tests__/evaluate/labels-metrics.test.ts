/** The pure parts of evaluate: Wilson intervals against values worked out by hand, the labels CSV, and the label rules on runs built in memory. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { confusion, metricsOf, wilson } from '../../src/evaluate/metrics.ts';
import { deriveLabels, parseLabelsCsv } from '../../src/evaluate/labels.ts';
import { groupKey, type EvaluationHistory, type HistoryRun } from '../../src/evaluate/history.ts';
import type { Outcome, Run } from '../../src/model.ts';
import { UserError } from '../../src/store/store.ts';

const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 5e-5, `${a} ≈ ${b}`);

describe('Wilson score intervals', () => {
  test('match the formula worked out by hand', () => {
    // 8 of 10: p = 0.8, z = 1.96 → centre (0.8 + 0.19208) / 1.38415, half 0.27271 → [0.4902, 0.9433].
    const w = wilson(8, 10);
    close(w.value, 0.8);
    close(w.low, 0.4902);
    close(w.high, 0.9433);
    // 0 of 5 → [0, 0.4345]; 5 of 5 → [0.5655, 1].
    close(wilson(0, 5).high, 0.4345);
    close(wilson(5, 5).low, 0.5655);
    assert.deepEqual(wilson(0, 0), { value: null, low: null, high: null });
  });

  test('confusion counts and F1 as TP over TP + (FP + FN) / 2', () => {
    const c = confusion([
      { label: 'flaky', flaky: true },
      { label: 'flaky', flaky: true },
      { label: 'flaky', flaky: false },
      { label: 'genuine', flaky: true },
      { label: 'genuine', flaky: false },
    ]);
    assert.deepEqual(c, { tp: 2, fp: 1, tn: 1, fn: 1 });
    const m = metricsOf(c);
    close(m.precision.value, 2 / 3);
    close(m.recall.value, 2 / 3);
    close(m.f1.value, 2 / 3);
    assert.equal(m.labelled, 5);
    assert.equal(metricsOf({ tp: 0, fp: 0, tn: 3, fn: 0 }).precision.value, null);
  });
});

describe('labels CSV', () => {
  test('header optional, quoted ids with commas and quotes, comments and blank lines', () => {
    const rows = parseLabelsCsv('run,test,label\n12,"tests/t.py::test_x[a,b]",flaky\n\n# triage of May\nabc-uuid,"say ""hi""",Genuine\r\n', 'l.csv');
    assert.deepEqual(rows.map((r) => [r.line, r.run, r.test, r.label]), [
      [2, '12', 'tests/t.py::test_x[a,b]', 'flaky'],
      [5, 'abc-uuid', 'say "hi"', 'genuine'],
    ]);
  });

  test('a bad line is one error naming the file and the line', () => {
    assert.throws(() => parseLabelsCsv('1,t,flaky\n2,t\n', 'l.csv'), (e: unknown) => e instanceof UserError && /^evaluate: --labels l\.csv line 2: expected 3 fields/.test(e.message));
    assert.throws(() => parseLabelsCsv('1,"t,flaky\n', 'l.csv'), /line 1: a quoted field is not closed/);
    assert.throws(() => parseLabelsCsv('1,t,unsure\n', 'l.csv'), /line 1: label 'unsure' is neither flaky nor genuine/);
  });
});

describe('label rules', () => {
  let id = 0;
  const run = (commit: string | null, env: string | null, tests: Record<string, Outcome[]>, dirty = false): Run => ({
    id: ++id,
    startTime: new Date(Date.UTC(2026, 0, 1, 0, id)),
    root: '/p',
    commitSha: commit,
    tests: Object.entries(tests).map(([name, outcomes]) => ({
      name, fspath: '', lineNo: null, skipped: false, results: [],
      executions: outcomes.map((outcome) => ({ outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] })),
    })),
    activeFlakefighters: [],
    meta: { uuid: `u${id}`, environment: env, dirtyTree: dirty },
  });
  const history = (runs: Run[]): EvaluationHistory => {
    // What the outcomes query returns for each test of each run.
    const outcomes = (r: Run) =>
      new Map(r.tests.map((t) => [t.name, {
        runId: r.id!, name: t.name, covered: false,
        failed: t.executions.some((e) => e.outcome === 'failed' || e.outcome === 'error'),
        passed: t.executions.some((e) => e.outcome === 'passed'),
        ran: t.executions.some((e) => e.outcome !== 'skipped'),
      }]));
    const hs: HistoryRun[] = runs.map((r, index) => ({ index, failures: r, flakyOnly: r, outcomes: outcomes(r), group: groupKey(r) }));
    const groups = new Map<string, HistoryRun[]>();
    for (const h of hs) if (h.group) groups.set(h.group, [...(groups.get(h.group) ?? []), h]);
    return { runs: hs, groups, byId: new Map(hs.map((h) => [h.failures.id!, h])), byUuid: new Map(hs.map((h) => [h.failures.meta.uuid, h])) };
  };
  const labelsOf = (runs: Run[]) => deriveLabels(history(runs)).labelled.map((l) => `${l.run.failures.id} ${l.test} ${l.label}`);

  test('another environment, a dirty tree or an unknown commit is no attempt of the same code', () => {
    id = 0;
    assert.deepEqual(labelsOf([run('c', 'linux', { t: ['failed'] }), run('c', 'windows', { t: ['passed'] })]), []);
    id = 0;
    assert.deepEqual(labelsOf([run('c', 'linux', { t: ['failed'] }), run('c', 'linux', { t: ['passed'] }, true)]), []);
    id = 0;
    assert.deepEqual(labelsOf([run(null, 'linux', { t: ['failed'] }), run(null, 'linux', { t: ['failed'] })]), []);
  });

  test('a retry in the run; a pass in either direction of time; failing in two attempts; a skipped attempt does not count', () => {
    id = 0;
    assert.deepEqual(
      labelsOf([
        run('c', 'linux', { retried: ['failed', 'passed'], later: ['passed'], twice: ['failed'], once: ['failed'] }),
        run('c', 'linux', { later: ['failed'], twice: ['error'], once: ['skipped'] }),
      ]),
      ['1 retried flaky', '1 twice genuine', '2 later flaky', '2 twice genuine'],
    );
  });
});
