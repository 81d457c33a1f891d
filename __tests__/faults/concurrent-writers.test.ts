/**
 * Issue 16, case 11: several processes writing one sql.js database-path at once, through the built
 * dist/index.js (`npm run build` first). sql.js reads the whole file and writes it whole, so without
 * the lock file the last writer erased the others' runs.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { endedInTime, noStackTrace, plainWarnings, rows, runCount, sampleWorkspace } from './fault-helpers.ts';

const LIMIT_MS = 120_000;

function run(dbPath: string, runId: number, env: Record<string, string> = {}, failOn = 'never'): Promise<ActionRun> {
  const ws = sampleWorkspace();
  return runAction({
    workspace: ws,
    inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'database-path': dbPath, 'fail-on': failOn, 'upload-artifact': 'false', 'history-from-artifact': 'false' },
    runId: String(runId),
    env,
    timeoutMs: LIMIT_MS,
  });
}

describe('case 11: concurrent writers on one file', () => {
  test('five processes at once: five runs, ids 1 to 5, no warning, no lock left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-conc-'));
    const db = join(dir, 'flakefighters.db');
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => run(db, 8100 + i)));
    for (const r of results) {
      endedInTime(r);
      assert.equal(r.code, 0, r.all);
      noStackTrace(r.all);
      assert.deepEqual(plainWarnings(r), []);
      assert.ok(r.summary.length > 0);
      assert.equal(r.outputs.failed, '2');
    }
    const stored = await rows(db, 'SELECT r.id, f.gh_run_id FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id');
    assert.deepEqual(stored.map((x) => x.id), [1, 2, 3, 4, 5]);
    assert.deepEqual(stored.map((x) => Number(x.gh_run_id)).sort(), [8101, 8102, 8103, 8104, 8105]);
    assert.ok(!existsSync(`${db}.lock`), 'every writer released the lock');
  });

  test('a writer that cannot get the lock in time keeps its run in a side file named in the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-lock-'));
    const db = join(dir, 'flakefighters.db');
    const first = await run(db, 8201);
    assert.equal(first.code, 0, first.all);
    const before = readFileSync(db);
    // A live holder (this test process) that never lets go.
    writeFileSync(`${db}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since: Date.now() }));
    const t0 = Date.now();
    const r = await run(db, 8202, { FLAKEFIGHTERS_DB_LOCK_TIMEOUT: '2' }, 'genuine');
    endedInTime(r);
    assert.ok(Date.now() - t0 >= 2000, 'it waited for the lock first');
    noStackTrace(r.all);
    assert.equal(r.code, 1, 'the exit code follows fail-on (two genuine failures)');
    const line = plainWarnings(r).find((w) => w.includes('could not be written'));
    assert.ok(line, plainWarnings(r).join('\n'));
    assert.match(line, new RegExp(`another writer \\(process ${process.pid} on `));
    const side = / kept in (\S+\.db) instead/.exec(line)![1]!;
    assert.equal(side, join(dir, /[^/]+$/.exec(side)![0]), 'the side file sits next to the database');
    assert.ok(r.summary.includes(side.replace(/_/g, '\\_')) || r.summary.includes(side), 'the summary names the side file');
    assert.equal(await runCount(side), 2, 'the side file holds the history read and this run');
    assert.deepEqual(readFileSync(db), before, 'the locked database was not overwritten');
    assert.equal(await runCount(db), 1);
  });

  test("a crashed writer's lock (its process is gone) is taken over at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-fault-stale-'));
    const db = join(dir, 'flakefighters.db');
    // Pid 2^22 - 1 is above Linux's default pid_max: no such process.
    writeFileSync(`${db}.lock`, JSON.stringify({ pid: 4194303, host: hostname(), since: Date.now() }));
    const r = await run(db, 8301, { FLAKEFIGHTERS_DB_LOCK_TIMEOUT: '30' });
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(plainWarnings(r), []);
    assert.equal(await runCount(db), 1);
    assert.ok(!existsSync(`${db}.lock`));
  });
});
