import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { copyFileSync, readFileSync } from 'node:fs';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import { countRun, verdictOf } from '../../src/model.ts';
import { classifyAndSave, lateRunFiles, scenario, tempDir } from './scenario.ts';
import { readWithPython } from '../interop/plugin-shape.ts';
import { formatLocalTimestamp } from '../../src/store/timestamps.ts';
import { SHARED } from '../helpers/shared-dir.ts';

async function rows(path: string, sql: string): Promise<unknown[][]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    return db.exec(sql)[0]?.values ?? [];
  } finally {
    db.close();
  }
}


describe('a late run and --reclassify (TracebackMatching)', () => {
  test('the classification before the sync: A flaky, C and D genuine', async () => {
    const { src, dst } = await lateRunFiles();
    const s = await openSqliteStore(src, { readonly: true });
    const [a] = await s.loadAllRuns();
    await s.close();
    assert.equal(verdictOf(a.tests[0]), 'flaky');
    const d = await openSqliteStore(dst, { readonly: true });
    const runs = await d.loadAllRuns();
    await d.close();
    assert.deepEqual(runs.map((r) => r.tests.map(verdictOf)), [['passed'], ['genuine', 'passed'], ['genuine']]);
  });

  test('without --reclassify: warned, nothing appended', async () => {
    const { src, dst } = await lateRunFiles();
    const from = await openSqliteStore(src, { readonly: true });
    const to = await openSqliteStore(dst);
    const r = await syncDatabases(from, to);
    await from.close();
    await to.close();
    assert.equal(r.lateRuns.length, 1);
    assert.deepEqual(r.lateRuns[0].affected.map((x) => x.uuid), [scenario.B(), scenario.C(), scenario.D()].map((x) => x.meta.uuid));
    assert.equal(r.changes.length, 0);
    assert.deepEqual(await rows(dst, "SELECT name FROM sqlite_master WHERE name = 'ffa_reclassification'"), []);
  });

  test('C\'s failure becomes flaky, appended next to the old verdict; B and D do not change', async () => {
    const { src, dst } = await lateRunFiles();
    const resultsBefore = (await rows(dst, 'SELECT id, test_execution_id, test_id, name, flaky FROM flakefighter_result ORDER BY id')) as number[][];
    const from = await openSqliteStore(src, { readonly: true });
    const to = await openSqliteStore(dst);
    const r = await syncDatabases(from, to, { reclassify: true });
    await from.close();
    await to.close();

    const d = await openSqliteStore(dst, { readonly: true });
    const runs = await d.loadAllRuns();
    await d.close();
    const [, , c, dRun] = runs; // A (copied), B, C, D in start order
    assert.equal(c.meta.uuid, scenario.C().meta.uuid);
    assert.deepEqual(
      r.changes.map((x) => [x.runId, x.test, x.execution, x.flakefighter, x.oldFlaky, x.newFlaky, x.testVerdictBefore, x.testVerdictAfter]),
      [[c.id, 'tests/test_other.py::test_other', 0, 'TracebackMatching', false, true, 'genuine', 'flaky']],
    );
    // B, C and D were all recomputed (A is in every window); only C changed.
    assert.deepEqual(r.reclassifiedRuns.map((x) => x.uuid), [scenario.B(), scenario.C(), scenario.D()].map((x) => x.meta.uuid));

    // Old rows untouched; exactly one new result row plus its evidence and reclassification record.
    const resultsAfter = (await rows(dst, 'SELECT id, test_execution_id, test_id, name, flaky FROM flakefighter_result ORDER BY id')) as number[][];
    const copiedA = resultsAfter.length - resultsBefore.length - 1;
    assert.ok(copiedA > 0);
    for (const row of resultsBefore) assert.ok(resultsAfter.some((x) => JSON.stringify(x) === JSON.stringify(row)));
    const newRow = resultsAfter[resultsAfter.length - 1];
    const cExec = c.tests[0].executions[0];
    assert.deepEqual(newRow.slice(1), [cExec.id, null, 'TracebackMatching', 1]);
    assert.equal(r.changes[0].resultId, newRow[0]);
    const rec = await rows(dst, 'SELECT run_id, result_id, test_id, test_execution_id, name, old_flaky, new_flaky, reason FROM ffa_reclassification');
    assert.equal(rec.length, 1);
    const oldId = cExec.results.find((x) => x.name === 'TracebackMatching' && !x.flaky)!.id;
    assert.deepEqual(rec[0].slice(0, 7), [c.id, newRow[0], c.tests[0].id, cExec.id, 'TracebackMatching', 0, 1]);
    assert.match(String(rec[0][7]), /history now includes run \d+ \(aaaaaaaa-/);
    assert.deepEqual(await rows(dst, 'SELECT old_result_id FROM ffa_reclassification'), [[oldId]]);

    // As read back: C's test is flaky (any result flaky, the plugin's rule), D unchanged.
    assert.equal(verdictOf(c.tests[0]), 'flaky');
    assert.equal(verdictOf(dRun.tests[0]), 'genuine');
    assert.equal(dRun.tests[0].executions[0].results.length, 2);
    // The stored totals (ffa_run.counts) follow: C now has 1 flaky and 0 genuine failures; D keeps 1 genuine.
    assert.deepEqual(countRun(c), { total: 2, passed: 1, failed: 1, skipped: 0, flaky: 1, genuine: 0 });
    assert.deepEqual(countRun(dRun), { total: 1, passed: 0, failed: 1, skipped: 0, flaky: 0, genuine: 1 });
    const ev = cExec.results.find((x) => x.id === newRow[0])!.evidence!;
    assert.match(ev.reason, /same traceback as a flaky failure/);

    // The plugin's mapping reads the appended verdict: Test.flaky of C's test is now true, D's false.
    const py = readWithPython(dst);
    assert.deepEqual(py.reached, py.counts);
    const flakyByName = Object.fromEntries((py.runs as any[]).flatMap((run) => run.tests.map((t: any) => [`${run.start_time}|${t.name}`, t.flaky])));
    assert.equal(flakyByName[`${formatLocalTimestamp(c.startTime)}|tests/test_other.py::test_other`], true);
    assert.equal(flakyByName[`${formatLocalTimestamp(dRun.startTime)}|tests/test_z.py::test_z`], false);

    // Sync again with --reclassify: nothing is late any more, nothing changes.
    const from2 = await openSqliteStore(src, { readonly: true });
    const to2 = await openSqliteStore(dst);
    const again = await syncDatabases(from2, to2, { reclassify: true });
    await from2.close();
    await to2.close();
    assert.equal(again.copied, 0);
    assert.equal(again.changes.length, 0);
    assert.equal((await rows(dst, 'SELECT count(*) FROM flakefighter_result'))[0][0], resultsAfter.length);
  });

  test('load-max-runs bounds the affected runs: with 1, only the run right after A is recomputed', async () => {
    const { src, dst } = await lateRunFiles();
    const from = await openSqliteStore(src, { readonly: true });
    const to = await openSqliteStore(dst);
    const r = await syncDatabases(from, to, { reclassify: true, loadMaxRuns: 1 });
    await from.close();
    await to.close();
    // B's window is {A}; C's window is {B}, so C never saw A and keeps its verdict.
    assert.deepEqual(r.lateRuns[0].affected.map((x) => x.uuid), [scenario.B().meta.uuid]);
    assert.deepEqual(r.reclassifiedRuns.map((x) => x.uuid), [scenario.B().meta.uuid]);
    assert.equal(r.changes.length, 0);
  });

  test('on the plugin\'s own database, a late run that changes nothing appends nothing (stored plugin verdicts are left alone)', async (t) => {
    const dir = tempDir();
    const dst = join(dir, 'plugin.db');
    copyFileSync(`${SHARED}/plugin/flakefighters.db`, dst);
    const src = join(dir, 'late.db');
    const s = await openSqliteStore(src);
    // All green, a day before the plugin's runs: in every window, but no evidence for anything.
    const late = scenario.B();
    late.startTime = new Date(2026, 10, 24, 12, 0, 0);
    await classifyAndSave(s, late);
    await s.close();
    const before = await rows(dst, 'SELECT count(*) FROM flakefighter_result');
    const from = await openSqliteStore(src, { readonly: true });
    const to = await openSqliteStore(dst);
    const r = await syncDatabases(from, to, { reclassify: true });
    await from.close();
    await to.close();
    assert.equal(r.lateRuns.length, 1);
    assert.equal(r.lateRuns[0].affected.length, 5);
    assert.equal(r.reclassifiedRuns.length, 5);
    assert.deepEqual(r.changes, []);
    assert.ok(r.notRecomputed.some((n) => /DiffCov verdicts were kept/.test(n)));
    // Recomputing the plugin's runs reproduces its stored TracebackMatching, CosineSimilarity and
    // CoverageIndependence verdicts exactly (failing executions; ours judge no passing ones).
    t.diagnostic(`${r.drifted} recomputed verdict(s) differ from the plugin's stored ones`);
    assert.equal(r.drifted, 0);
    // Only the late run's own rows were added.
    const lateResults = late.tests.reduce((n, x) => n + x.results.length + x.executions.reduce((m, e) => m + e.results.length, 0), 0);
    assert.deepEqual(await rows(dst, 'SELECT count(*) FROM flakefighter_result'), [[Number(before[0][0]) + lateResults]]);
  });
});
