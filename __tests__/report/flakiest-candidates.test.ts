/**
 * The flakiest-tests query groups only the executions of names that failed somewhere: on a varied history
 * (retries, errors, skips, flaky and not-flaky verdicts, a name failing in one run only, a name that is
 * flaky without failing) it gives exactly the rows of grouping every stored execution, written out here
 * as the reference. Real sql.js file written by our store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution, Outcome, Run, Test } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { FLAKIEST_MAX, toFlakiness } from '../../src/store/flakiest-query.ts';

/** Every execution grouped per test, then per name: the ranking's definition. */
const REFERENCE = `WITH ex AS (
  SELECT test_id,
    MAX(CASE WHEN outcome IN ('failed', 'error') THEN 1 ELSE 0 END) AS failed,
    MAX(CASE WHEN outcome = 'passed' THEN 1 ELSE 0 END) AS passed
  FROM test_execution GROUP BY test_id
), fl AS (
  SELECT x.test_id AS test_id FROM flakefighter_result x WHERE x.flaky AND x.test_id IS NOT NULL
  UNION
  SELECT e.test_id FROM flakefighter_result x JOIN test_execution e ON e.id = x.test_execution_id WHERE x.flaky
)
SELECT t.name AS name, COUNT(*) AS runs, SUM(ex.failed) AS failed_runs,
  SUM(CASE WHEN fl.test_id IS NULL THEN 0 ELSE 1 END) AS flaky_runs, SUM(ex.passed) AS passed_runs
FROM test t JOIN ex ON ex.test_id = t.id LEFT JOIN fl ON fl.test_id = t.id
GROUP BY t.name
HAVING SUM(ex.failed) > 0 AND (SUM(CASE WHEN fl.test_id IS NULL THEN 0 ELSE 1 END) > 0 OR SUM(ex.passed) > 0)
ORDER BY flaky_runs DESC, failed_runs DESC, t.name
LIMIT ${FLAKIEST_MAX}`;

/** A small deterministic generator, so the history is varied and the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const OUTCOMES: Outcome[] = ['passed', 'passed', 'passed', 'failed', 'error', 'skipped'];

function history(): Run[] {
  const rnd = lcg(17);
  return Array.from({ length: 30 }, (_, i) => {
    const tests: Test[] = Array.from({ length: 25 }, (_, k): Test => {
      const n = 1 + Math.floor(rnd() * 3);
      const executions: Execution[] = Array.from({ length: n }, (): Execution => {
        // Names 20..24 never fail: 20 is sometimes called flaky all the same, and must not rank.
        const outcome = k >= 20 ? 'passed' : OUTCOMES[Math.floor(rnd() * (k < 5 ? 3 : OUTCOMES.length))]!;
        const verdict = rnd();
        return {
          outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'E   boom', coverage: null, exception: null,
          results: verdict < 0.3 || k === 20 ? [{ name: 'OutcomeFlip', flaky: verdict < 0.15 || k === 20, evidence: { reason: 'r' } }] : [],
        };
      });
      // Name 4 fails in run 7 only; names 0..3 never fail.
      if (k === 4 && i === 7) executions[0]!.outcome = 'failed';
      return { name: `tests/test_m.py::test_${k}`, fspath: '', lineNo: null, skipped: false, executions, results: [] };
    });
    return {
      startTime: new Date(Date.UTC(2026, 10, 1, 0, i)),
      root: '/w',
      commitSha: `${i % 10}`.repeat(40),
      activeFlakefighters: [],
      meta: { uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
      tests,
    };
  });
}

test('the ranking equals grouping every stored execution', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'ffa-flakiest-cand-')), 'ff.db');
  const store = await openSqliteStore(path);
  let ranked;
  try {
    for (const r of history()) await store.save(r);
    ranked = await store.flakiestTests(FLAKIEST_MAX);
  } finally {
    await store.close();
  }
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  let expected;
  try {
    const [res] = db.exec(REFERENCE);
    expected = (res?.values ?? []).map((v) => toFlakiness(Object.fromEntries(res!.columns.map((c, i) => [c, v[i]]))));
  } finally {
    db.close();
  }
  assert.ok(expected.length >= 10, `a varied ranking to compare (${expected.length} names)`);
  assert.ok(expected.some((r) => r.name.endsWith('::test_4') && r.failedRuns === 1), 'a name that failed once ranks');
  assert.ok(!expected.some((r) => r.name.endsWith('::test_20')), 'a name that never failed does not rank, flaky verdicts or not');
  assert.deepEqual(ranked, expected);
});
