/**
 * Issue 16, case 8: a stored run stamped hours in the future (the runner that saved it had its clock
 * ahead), through the built dist/index.js (`npm run build` first). The run is real and saved first;
 * its start_time is then moved three hours ahead in the file, as a skewed clock would have written it.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { endedInTime, noStackTrace, plainWarnings, rows, sampleWorkspace } from './fault-helpers.ts';

const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';

function run(db: string, results: 1 | 2 | 3, runId: number, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const ws = sampleWorkspace();
  return runAction({
    workspace: ws,
    inputs: { 'test-results': `run-${results}/*.xml`, root: 'project', 'database-path': db, 'upload-artifact': 'false', 'history-from-artifact': 'false', ...inputs },
    runId: String(runId),
    runNumber: runId - 9000,
    sha: String(results).repeat(40).slice(0, 40).replace(/\d/g, 'abc'[results - 1]!),
    timeoutMs: 60_000,
  });
}

async function shiftRun(db: string, id: number, hours: number): Promise<void> {
  const SQL = await initSqlJs();
  const d = new SQL.Database(readFileSync(db));
  d.run(`UPDATE run SET start_time = strftime('%Y-%m-%d %H:%M:%f', start_time, '+${hours} hours') || '000' WHERE id = ?`, [id]);
  writeFileSync(db, d.export());
  d.close();
}

describe('case 8: a run stamped three hours in the future', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-fault-skew-'));
  const db = join(dir, 'flakefighters.db');
  let second: ActionRun;
  let third: ActionRun;
  before(async () => {
    const first = await run(db, 1, 9001);
    assert.equal(first.code, 0, first.all);
    await shiftRun(db, 1, 3);
    second = await run(db, 2, 9002);
    third = await run(db, 3, 9003, { 'store-max-runs': '2' });
  });

  test('the next run uses it as history, with a warning naming it', () => {
    endedInTime(second);
    assert.equal(second.code, 0, second.all);
    noStackTrace(second.all);
    const w = plainWarnings(second).filter((m) => m.startsWith('History run #1 is stamped'));
    assert.equal(w.length, 1, plainWarnings(second).join('\n'));
    assert.match(w[0]!, /3\.0 h after this run started/);
    assert.ok(second.summary.replace(/\\(.)/g, '$1').includes('History run #1 is stamped'), 'the summary says so');
  });

  test('the flaky verdict it supports holds (as without the skew)', () => {
    endedInTime(third);
    noStackTrace(third.all);
    assert.equal(third.outputs['flaky-failures'], '1', third.all);
    assert.equal(third.outputs['genuine-failures'], '1');
    assert.deepEqual(JSON.parse(third.outputs['flaky-tests']!), [SUPPLIER]);
    assert.notEqual(third.code, 0, 'the genuine failure fails the step');
  });

  test('store-max-runs keeps the newest real runs, not the future-stamped one', async () => {
    const stored = await rows(db, 'SELECT r.id, CAST(f.gh_run_id AS INTEGER) AS gh FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id');
    assert.deepEqual(stored.map((r) => r.gh), [9002, 9003], 'the real runs stay; the skewed one (saved first) is the one pruned');
  });
});

describe('case 8 on PostgreSQL: the same skew, the same history and retention', () => {
  let pg: PgServer;
  let second: ActionRun;
  let third: ActionRun;
  before(async () => {
    pg = await startPostgres();
    const db = join(mkdtempSync(join(tmpdir(), 'ff-fault-skew-pg-')), 'fallback.db');
    const first = await run(db, 1, 9101, { 'database-url': pg.url });
    assert.equal(first.code, 0, first.all);
    await pg.psql(`UPDATE run SET start_time = start_time + interval '3 hours'`);
    second = await run(db, 2, 9102, { 'database-url': pg.url });
    third = await run(db, 3, 9103, { 'database-url': pg.url, 'store-max-runs': '2' });
  });
  after(() => pg?.destroy());

  test('history uses the skewed run with a warning; the verdict holds; retention keeps the real runs', async () => {
    for (const r of [second, third]) {
      endedInTime(r);
      noStackTrace(r.all);
      assert.equal(plainWarnings(r).filter((m) => m.startsWith('History run #')).length, 1, plainWarnings(r).join('\n'));
    }
    assert.equal(third.outputs['flaky-failures'], '1', third.all);
    assert.equal(third.outputs['genuine-failures'], '1');
    assert.equal(await pg.psql('SELECT string_agg(gh_run_id, \',\' ORDER BY run_id) FROM ffa_run'), '9102,9103');
  });
});
