/**
 * The ranking kept from a first run's save (sqlite-store.ts lastSaved) is only an answer while the store is open and
 * its tables hold that run alone: a closed store (sync's appendResults closes it and writes reclassified verdicts into
 * the file) answers like every other query of a closed store; and while it answers, its rows are the query's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { Execution, Outcome, Run, Test } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { flakiestSql, toFlakiness } from '../../src/store/flakiest-query.ts';
import { tempDir } from './sample-run.ts';

const exec = (outcome: 'passed' | 'failed'): Execution => ({
  outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'E boom', coverage: null, exception: null, results: [],
});

const run = (uuid: string): Run => ({
  startTime: new Date(Date.UTC(2026, 10, 20, 10)), root: '/w', commitSha: 'a'.repeat(40), activeFlakefighters: [], meta: { uuid },
  tests: [{ name: 't::retry', fspath: '', lineNo: null, skipped: false, results: [], executions: [exec('failed'), exec('passed')] }],
});

test('a closed store does not answer the flakiest tests from the run it saved', async () => {
  const path = join(tempDir(), 'ff.db');
  const store = await openSqliteStore(path);
  await store.save(run('closed-1'));
  assert.deepEqual((await store.flakiestTests(10)).map((r) => r.name), ['t::retry']);
  await store.close();
  await assert.rejects(store.flakiestTests(10), /closed/);
  await assert.rejects(store.testOutcomes(), /closed/, 'as every other query of a closed store');
});

test('random first runs (tests without executions first and last, verdicts on executions next to them): the rows the query gives', async () => {
  const SQL = await loadSqlJs();
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const outcomes: Outcome[] = ['passed', 'failed', 'error', 'skipped'];
  for (let round = 0; round < 6; round++) {
    const tests: Test[] = [];
    const n = 50 + Math.floor(rnd() * 200);
    for (let i = 0; i < n; i++) {
      const edge = i < 3 || i >= n - 3;
      const count = edge && rnd() < 0.7 ? 0 : Math.floor(rnd() * 4);
      const executions = Array.from({ length: count }, () => ({
        ...exec('passed'),
        outcome: outcomes[Math.floor(rnd() * 4)]!,
        results: rnd() < 0.3 ? [{ name: 'OutcomeFlip', flaky: rnd() < 0.5 }] : [],
      }));
      tests.push({ name: `n${Math.floor(rnd() * 25)}`, fspath: '', lineNo: null, skipped: false, executions, results: rnd() < 0.1 ? [{ name: 'OutcomeFlip', flaky: rnd() < 0.5 }] : [] });
    }
    const path = join(tempDir(), 'ff.db');
    const store = await openSqliteStore(path);
    await store.save({ ...run(`random-${round}`), tests });
    const ranked = await store.flakiestTests(1000);
    assert.ok((store as unknown as { lastSaved: unknown }).lastSaved, 'ranked from the run saved');
    await store.close();
    const db = new SQL.Database(readFileSync(path));
    const [res] = db.exec(flakiestSql(1000));
    db.close();
    const want = (res?.values ?? []).map((v) => toFlakiness(Object.fromEntries(res!.columns.map((c, i) => [c, v[i]]))));
    assert.deepEqual(ranked, want, `round ${round}`);
  }
});
