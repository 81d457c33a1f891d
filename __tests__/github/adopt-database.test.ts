/**
 * adoptDatabase: a downloaded database becomes the local file only when the merge would have copied
 * it whole; real sql.js files written by our store, edited with sql.js directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Run } from '../../src/model.ts';
import { actionRun, failedOnce, saveRuns } from '../helpers/saved-runs.ts';
import { editSqlite } from '../helpers/sqlite-rows.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { adoptDatabase, mergeDatabases } from '../../src/github/merge-history.ts';

const dir = mkdtempSync(join(tmpdir(), 'ffa-adopt-'));
let n = 0;

function run(minutesAgo: number, uuid?: string): Run {
  return actionRun(minutesAgo, (t) => [failedOnce(t)], { uuid, activeFlakefighters: [{ name: 'OutcomeFlip', params: { window: 3 } }] });
}

/** A database of `runs` written by our store, then edited with `sql` (sql.js directly). */
async function database(runs: Run[], sql?: string): Promise<string> {
  const p = await saveRuns(join(dir, `src-${n++}.db`), runs);
  if (sql) await editSqlite(p, sql);
  return p;
}

const target = () => join(mkdtempSync(join(dir, 'ws-')), 'flakefighters.db');

test('our own database is taken byte for byte, with its run uuids; the store reads it as it was', async () => {
  const runs = [run(30), run(20)];
  const src = await database(runs);
  const to = target();
  const got = await adoptDatabase(src, to);
  assert.equal(got.adopted, true);
  assert.deepEqual([...(got as { uuids: string[] }).uuids].sort(), runs.map((r) => r.meta.uuid).sort());
  assert.ok(readFileSync(to).equals(readFileSync(src)));
  const s = await openSqliteStore(to, { readonly: true });
  assert.deepEqual((await s.listRunKeys()).map((k) => k.uuid), runs.map((r) => r.meta.uuid));
  assert.deepEqual(s.warnings, []);
  await s.close();
  assert.deepEqual(readdirSync(join(to, '..')), ['flakefighters.db'], 'no temp file left');
});

test('an existing file is never replaced', async () => {
  const src = await database([run(5)]);
  const to = target();
  writeFileSync(to, 'mine');
  const got = await adoptDatabase(src, to);
  assert.equal(got.adopted, false);
  assert.match((got as { reason: string }).reason, /could not be placed at .*flakefighters\.db: EEXIST/);
  assert.equal(readFileSync(to, 'utf8'), 'mine');
});

test('what the merge alone would have cleaned up is refused, and the merge still takes it', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['a plugin run (no ffa_run row)', "DELETE FROM ffa_run WHERE run_id = 1", /runs written by the plugin/],
    ['a pickle over the reader’s limits', `UPDATE activeflakefighter SET params = X'8002${'28'.repeat(1100)}2e' WHERE id = 1`, /^activeflakefighter 1 holds a pickled value the reader refuses/],
    ['an unknown column', 'ALTER TABLE test ADD COLUMN xdist_group TEXT', /its schema differs from this action's \(other table test/],
    ['a view', 'CREATE VIEW v AS SELECT * FROM run', /other view v/],
    ['an index of someone else', 'CREATE INDEX ix ON test (name)', /other index ix/],
    ['an orphan execution', "INSERT INTO test_execution (id, test_id, outcome) VALUES (500, 999, 'failed')", /rows whose parent row is missing/],
  ];
  for (const [what, sql, reason] of cases) {
    await t.test(what, async () => {
      const runs = [run(10), run(9)];
      const src = await database(runs, sql);
      const to = target();
      const got = await adoptDatabase(src, to);
      assert.equal(got.adopted, false);
      assert.match((got as { reason: string }).reason, reason);
      assert.ok(!existsSync(to), 'nothing placed');
      // As before: the merge copies the runs it can read into a fresh file.
      const store = await openSqliteStore(to);
      const merged = await mergeDatabases(store, [src]);
      await store.close();
      assert.ok(merged.runsAdded >= 1, `${what}: runs merged (${JSON.stringify(merged)})`);
    });
  }
});

test('a newer schema, a foreign database and a damaged file are refused with the reason the merge gives', async () => {
  const newer = await database([run(3)], "UPDATE ffa_meta SET value = '99' WHERE key = 'schema_version'");
  assert.match((await adoptDatabase(newer, target()) as { reason: string }).reason, /written by a newer flakefighters-action \(schema 99/);
  const foreign = join(dir, 'foreign.db');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE cats (name TEXT)');
  writeFileSync(foreign, db.export());
  db.close();
  assert.match((await adoptDatabase(foreign, target()) as { reason: string }).reason, /a SQLite database of something else/);
  const damaged = await database([run(2), run(1)]);
  const bytes = readFileSync(damaged);
  const page = bytes.readUInt16BE(16);
  bytes.fill(0x5a, page * 2, page * 3);
  writeFileSync(damaged, bytes);
  const got = await adoptDatabase(damaged, target());
  assert.equal(got.adopted, false);
  assert.match((got as { reason: string }).reason, /malformed|integrity check/);
});

test('from another filesystem (no hard link): copied beside the target, then linked in whole', async (t) => {
  const other = '/dev/shm';
  if (!existsSync(other) || statSync(other).dev === statSync(dir).dev) {
    t.diagnostic('no second filesystem here (/dev/shm missing or on the same device); the copy path is not exercised');
    return;
  }
  const src = join(mkdtempSync(join(other, 'ffa-adopt-')), 'history.db');
  copyFileSync(await database([run(4)]), src);
  const to = target();
  const got = await adoptDatabase(src, to);
  assert.equal(got.adopted, true);
  assert.ok(readFileSync(to).equals(readFileSync(src)));
  assert.notEqual(statSync(to).ino, statSync(src).ino, 'a copy, not a link');
  assert.deepEqual(readdirSync(join(to, '..')), ['flakefighters.db'], 'no temp file left');
});
