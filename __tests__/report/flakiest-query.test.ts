/**
 * Store.flakiestTests: the flakiest tests over every stored run in one aggregate query, on a real sql.js file and a
 * real PostgreSQL, and what the pipeline's reports make of it (the JSON's flakiestStored, the HTML ranking and strips).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Execution, Outcome, Run, Test } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { timelines } from '../../src/report/facts.ts';
import type { ReportData } from '../../src/report/report-data.ts';

function exec(outcome: Outcome, flaky?: boolean): Execution {
  return {
    outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'E   boom', coverage: null, exception: null,
    results: flaky === undefined ? [] : [{ name: 'OutcomeFlip', flaky, evidence: { reason: flaky ? 'failed then passed on retry in this run' : 'never passed' } }],
  };
}

const t = (name: string, executions: Execution[]): Test => ({ name, fspath: '', lineNo: null, skipped: false, executions, results: [] });

/** Six runs: `retry` flakes in 3 of them (fails then passes), `broken` always fails, `steady` always passes, `once` fails once and passes otherwise. */
function runs(): Run[] {
  return Array.from({ length: 6 }, (_, i) => ({
    startTime: new Date(Date.UTC(2026, 10, 20 + i, 10)),
    root: '/w',
    commitSha: `${i}`.repeat(40),
    activeFlakefighters: [],
    meta: { uuid: `00000000-0000-4000-8000-00000000000${i}` },
    tests: [
      t('tests/test_a.py::test_retry', i % 2 === 0 ? [exec('failed', true), exec('passed', true)] : [exec('passed')]),
      t('tests/test_a.py::test_broken', [exec('failed', false)]),
      t('tests/test_a.py::test_steady', [exec('passed')]),
      t('tests/test_a.py::test_once', i === 3 ? [exec('failed', false)] : [exec('passed')]),
    ],
  }));
}

async function checkRanking(store: Store): Promise<void> {
  for (const r of runs()) await store.save(r);
  const ranked = await store.flakiestTests(10);
  assert.deepEqual(ranked, [
    { name: 'tests/test_a.py::test_retry', runs: 6, failedRuns: 3, flakyRuns: 3, passedRuns: 6 },
    { name: 'tests/test_a.py::test_once', runs: 6, failedRuns: 1, flakyRuns: 0, passedRuns: 5 },
  ], 'always-failing and always-passing tests are not flaky');
  assert.equal((await store.flakiestTests(1)).length, 1, 'bounded by the limit');
}

describe('Store.flakiestTests', () => {
  test('sql.js file', async () => {
    const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'ffa-flakiest-')), 'ff.db'));
    try {
      await checkRanking(store);
    } finally {
      await store.close();
    }
  });

  describe('PostgreSQL', () => {
    let server: PgServer;
    before(async () => {
      server = await startPostgres();
    });
    after(async () => {
      await server?.destroy();
    });
    test('the same ranking', async () => {
      const store = await openPostgresStore(server.url);
      try {
        await checkRanking(store);
      } finally {
        await store.close();
      }
    });
  });
});

test('history loaded with failures only: a stored run without a failure of the test reads "no failure", not "not run"', () => {
  const [a, b, c] = runs();
  a.meta.counts = { total: 4, passed: 3, failed: 1, skipped: 0, flaky: 0, genuine: 1 };
  // b as loaded failures-only: only its failing test is left.
  b.tests = b.tests.filter((x) => x.name.endsWith('test_broken'));
  b.meta.counts = { total: 4, passed: 3, failed: 1, skipped: 0, flaky: 0, genuine: 1 };
  const data: ReportData = { run: c, history: [b, a], files: [], dialects: [], flakefighters: [], warnings: [], database: { kind: 'sqlite', description: '' }, historyFailuresOnly: true };
  const strip = timelines(data, ['tests/test_a.py::test_retry', 'tests/test_a.py::test_nowhere']).cells;
  assert.deepEqual(strip.get('tests/test_a.py::test_retry'), ['flaky', 'ok', 'flaky']);
  // Without the flag (the CLI's full load) a missing test is not in the run.
  assert.deepEqual(timelines({ ...data, historyFailuresOnly: false }, ['tests/test_a.py::test_nowhere']).cells.get('tests/test_a.py::test_nowhere'), ['absent', 'absent', 'absent']);
});

test('the flip ranking over history loaded with failures only counts a stored run without a failure as a pass', async () => {
  const { flipRanking } = await import('../../src/report/facts.ts');
  const all = runs();
  for (const r of all) r.meta.counts = { total: 4, passed: 3, failed: 1, skipped: 0, flaky: 0, genuine: 1 };
  const current = all.pop()!;
  // As loaded failures-only: stored runs keep only their failing tests.
  const history = all.map((r) => ({ ...r, tests: r.tests.filter((x) => x.executions.some((e) => e.outcome === 'failed')) })).reverse();
  const data: ReportData = { run: current, history, files: [], dialects: [], flakefighters: [], warnings: [], database: { kind: 'sqlite', description: '' }, historyFailuresOnly: true };
  const once = flipRanking(data).find((f) => f.name.endsWith('test_once'));
  // test_once: pass, pass, pass, fail, pass, pass over the six runs: two flips.
  assert.deepEqual(once && [once.flips, once.runs, once.failures], [2, 6, 1]);
  assert.equal(flipRanking(data).some((f) => f.name.endsWith('test_broken')), false, 'a test that always fails never flips');
  // Without the flag the stored passes are missing: only the fail in run 4 and this run's pass are seen.
  const partial = flipRanking({ ...data, historyFailuresOnly: false }).find((f) => f.name.endsWith('test_once'));
  assert.deepEqual(partial && [partial.flips, partial.runs], [1, 2]);
});
