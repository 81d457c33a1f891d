/**
 * The sql.js save writes tests and executions in multi-row INSERTs straight from the run (sqljs-batch.ts) and, for a
 * big run into a small file, reopens the file with room first (sqljs-room.ts). Both must store exactly the rows
 * flattenRun describes, with the ids it implies, and leave a file that is only its pages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { flattenRun } from '../../src/store/rows.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { estimateRoom, reopenWithRoom } from '../../src/store/sqljs-room.ts';
import { sampleRun, tempDir } from './sample-run.ts';

async function tableRows(path: string, sql: string): Promise<unknown[][]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    return db.exec(sql)[0]?.values ?? [];
  } finally {
    db.close();
  }
}

/** The rows flattenRun gives for `run`, with the ids a back end assigns from 1 (a fresh file). */
function expectedRows(run: ReturnType<typeof sampleRun>) {
  const flat = flattenRun(run);
  const b = (v: boolean) => (v ? 1 : 0);
  return {
    tests: flat.tests.map((t, i) => [i + 1, 1, t.fspath, t.line_no, t.name, b(t.skipped)]),
    executions: flat.executions.map((e, i) => [i + 1, e.testIndex + 1, e.outcome, e.stdout, e.stderr, e.report, e.start_time, e.end_time, e.coverage]),
    frames: flat.frames.map((f, i) => [i + 1, f.exceptionIndex + 1, f.path, f.lineno, f.colno, f.statement, f.source]),
    results: flat.results.map((r, i) => [i + 1, r.executionIndex === null ? null : r.executionIndex + 1, r.testIndex === null ? null : r.testIndex + 1, r.name, b(r.flaky)]),
  };
}

const fileIsItsPages = async (path: string) => {
  const [[count, size, check]] = await tableRows(path, 'SELECT (SELECT page_count FROM pragma_page_count), (SELECT page_size FROM pragma_page_size), (SELECT quick_check FROM pragma_quick_check)');
  assert.equal(check, 'ok');
  assert.equal(statSync(path).size, Number(count) * Number(size), 'the file holds its pages and nothing after them');
};

describe('sql.js bulk save', () => {
  test('rows across several full batches and a partial one are the rows flattenRun describes', async () => {
    // 1,500 tests, every 7th failing with a retry, frames and verdicts: test_execution spans full batches and a tail.
    const run = sampleRun({ tests: 1_500, failEvery: 7, uuid: 'bulk-1' });
    const path = join(tempDir(), 'bulk.db');
    const store = await openSqliteStore(path);
    const saved = await store.save(run);
    await store.close();
    assert.equal(saved.runId, 1);
    const want = expectedRows(run);
    const got = {
      tests: await tableRows(path, 'SELECT id, run_id, fspath, line_no, name, skipped FROM test ORDER BY id'),
      executions: await tableRows(path, 'SELECT id, test_id, outcome, stdout, stderr, report, start_time, end_time, coverage FROM test_execution ORDER BY id'),
      frames: await tableRows(path, 'SELECT id, exception_id, path, lineno, colno, statement, source FROM tracebackentry ORDER BY id'),
      results: await tableRows(path, 'SELECT id, test_execution_id, test_id, name, flaky FROM flakefighter_result ORDER BY id'),
    };
    assert.equal(got.executions.length, 1_500 + Math.floor((1_500 + 5) / 7));
    assert.deepEqual(got, want);
    await fileIsItsPages(path);
  });

  test('a big run into a fresh file gets room first; the file written is its pages, the run reads back whole', async () => {
    const run = sampleRun({ tests: 30_000, failEvery: 500, uuid: 'bulk-2' });
    assert.ok(estimateRoom(run) >= 4 * 1024 * 1024, `estimate ${estimateRoom(run)} is big enough to reopen with room`);
    const path = join(tempDir(), 'roomy.db');
    const store = await openSqliteStore(path);
    await store.save(run);
    // A second run into the same (now roomy) open file: ids continue after the first run's.
    const second = await store.save(sampleRun({ tests: 10, failEvery: 3, uuid: 'bulk-3', start: new Date(2026, 10, 26) }));
    await store.close();
    assert.equal(second.runId, 2);
    await fileIsItsPages(path);
    const again = await openSqliteStore(path, { readonly: true });
    const [back] = await again.loadRuns([1]);
    await again.close();
    assert.equal(back.tests.length, 30_000);
    assert.deepEqual(back.tests[1_001].executions.map((e) => [e.outcome, e.report]), [['failed', 'AssertionError: boom 1001'], ['passed', 'None']]);
    assert.deepEqual(await tableRows(path, 'SELECT MIN(id), MAX(id), COUNT(*) FROM test WHERE run_id = 2'), [[30_001, 30_010, 10]]);
  });

  test('no room for a small run or into a file already bigger than the room', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run('CREATE TABLE t (x)');
    assert.equal(reopenWithRoom(SQL, db, 1024 * 1024), null, 'a small run writes into the file as it is');
    db.run('INSERT INTO t VALUES (zeroblob(6000000))');
    assert.equal(reopenWithRoom(SQL, db, 5 * 1024 * 1024), null, 'a 6 MB file grows on its own for 5 MB');
    const roomy = reopenWithRoom(SQL, db, 8 * 1024 * 1024);
    assert.ok(roomy);
    assert.deepEqual(roomy.exec('SELECT length(x) FROM t')[0].values, [[6_000_000]]);
    assert.equal(roomy.export().length, db.export().length, 'the room is not part of the database');
    roomy.close();
    db.close();
  });
});
