/**
 * The direct binder (sqljs-bind.ts) beyond the value table of sqljs-bind.test.ts: blobs that are views into a larger
 * buffer, a constraint violation mid-save (the transaction rolls back whole and the next batch stores exactly its own
 * values, none of the failed batch's), batches that outgrow the heap block between two uses of one statement, and two
 * databases bound at once. Every stored value is compared with what sql.js's own Statement.run stores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { DirectBinder } from '../../src/store/sqljs-bind.ts';
import { BatchInsert } from '../../src/store/sqljs-batch.ts';
import { bindBatchDirectly } from '../helpers/direct-bind.ts';

const TABLE = 'CREATE TABLE t (k TEXT UNIQUE, a, b BLOB, c INTEGER)';
const ROW = '(?,?,?,?)';

function stored(db: Database): string[] {
  return (db.exec("SELECT typeof(k)||':'||hex(k)||'|'||typeof(a)||':'||hex(a)||'|'||typeof(b)||':'||hex(b)||'|'||typeof(c)||':'||hex(c) FROM t ORDER BY rowid")[0]?.values ?? []).map((r) => String(r[0]));
}

async function fresh(): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.run(TABLE);
  return db;
}

test('blobs that are views with a byteOffset store their own bytes, as sql.js stores them', async () => {
  const SQL = await loadSqlJs();
  const backing = new Uint8Array(64).map((_, i) => i);
  const views: SqlValue[] = [backing.subarray(10, 14), backing.subarray(63), backing.subarray(20, 20), Buffer.from(backing.buffer, 5, 3), new Uint8Array(backing.buffer, 30, 2)];
  const values = views.flatMap((v, i) => [`k${i}`, v, v, i]) as SqlValue[];
  const sql = `INSERT INTO t VALUES ${views.map(() => ROW).join(',')}`;
  const theirs = await fresh();
  theirs.run(sql, values);
  const ours = await fresh();
  bindBatchDirectly(SQL, ours, sql, values);
  assert.deepEqual(stored(ours), stored(theirs));
  assert.ok(stored(ours)[0]!.includes('blob:0A0B0C0D'), 'the view’s bytes, not the buffer’s start');
  theirs.close();
  ours.close();
});

test('booleans, -0 and numbers at the 32-bit edges store what sql.js stores', async () => {
  const SQL = await loadSqlJs();
  const odd: SqlValue[][] = [
    ['t', true as unknown as SqlValue, false as unknown as SqlValue, -0],
    ['u', 2 ** 31 - 1, -(2 ** 31), 2 ** 31],
    ['v', -(2 ** 31) - 1, 4294967295, -4294967296],
    ['w', 0.1, -1e-320, 2 ** 53 + 2],
  ];
  const sql = `INSERT INTO t VALUES ${odd.map(() => ROW).join(',')}`;
  const theirs = await fresh();
  theirs.run(sql, odd.flat());
  const ours = await fresh();
  bindBatchDirectly(SQL, ours, sql, odd.flat(), 16);
  assert.deepEqual(stored(ours), stored(theirs));
  assert.equal(stored(ours)[0], 'text:74|integer:31|integer:30|integer:30', 'true 1, false 0, -0 an integer 0');
  theirs.close();
  ours.close();
});

test('a constraint violation in a batch: the save rolls back whole, and the statement reused after it stores only its own values', async () => {
  const SQL = await loadSqlJs();
  const db = await fresh();
  const binder = DirectBinder.open(SQL, db)!;
  assert.ok(binder);
  const rows = 3;
  const sql = `INSERT INTO t VALUES ${Array(rows).fill(ROW).join(',')}`;
  const stmt = db.prepare(sql);
  db.run('BEGIN');
  assert.equal(binder.runBatch(stmt, ['a', 'x', new Uint8Array([1]), 1, 'b', 'y', new Uint8Array([2]), 2, 'c', 'z', new Uint8Array([3]), 3], 12), true);
  // 'a' again: UNIQUE fails on the statement's first row, with every value of the batch bound.
  assert.throws(() => binder.runBatch(stmt, ['d', 'wide ✓', new Uint8Array([4]), 4, 'a', 'dup', new Uint8Array([5]), 5, 'e', 'w', new Uint8Array([6]), 6], 12), /UNIQUE/);
  db.run('ROLLBACK');
  assert.deepEqual(db.exec('SELECT count(*) FROM t')[0]!.values, [[0]], 'nothing of the failed save is stored');
  // Reused with NULLs where the failed batch had values: NULLs are stored, not the failed batch's values.
  assert.equal(binder.runBatch(stmt, ['p', null, null, null, 'q', null, null, null, 'r', null, null, null], 12), true);
  stmt.free();
  binder.free();
  const theirs = await fresh();
  theirs.run(sql, ['p', null, null, null, 'q', null, null, null, 'r', null, null, null]);
  assert.deepEqual(stored(db), stored(theirs));
  theirs.close();
  db.close();
});

test('a bind that fails mid-batch (more values than parameters): the values bound before it do not stay bound', async () => {
  const SQL = await loadSqlJs();
  const db = await fresh();
  const binder = DirectBinder.open(SQL, db)!;
  assert.ok(binder);
  const stmt = db.prepare(`INSERT INTO t VALUES ${ROW}`);
  assert.throws(() => binder.runBatch(stmt, ['stale', 'stale a', new Uint8Array([9]), 9, 'one too many'], 5), /range/i);
  assert.deepEqual(db.exec('SELECT count(*) FROM t')[0]!.values, [[0]], 'nothing stepped');
  // The next batch leaves a, b and c NULL: they are stored NULL, not the failed batch's values.
  assert.equal(binder.runBatch(stmt, ['fresh', null, null, null], 4), true);
  stmt.free();
  binder.free();
  assert.deepEqual(stored(db), ['text:6672657368|null:|null:|null:']);
  db.close();
});

test('strings together longer than a JavaScript string can be: the batch is left to sql.js, not an error', async () => {
  const SQL = await loadSqlJs();
  const db = await fresh();
  const binder = DirectBinder.open(SQL, db)!;
  assert.ok(binder);
  const stmt = db.prepare(`INSERT INTO t VALUES ${ROW}`);
  // Three outputs of 2^28 characters (V8 keeps a repeat as a rope: cheap), 3 × 2^28 past the longest string V8 allows.
  const huge = 'x'.repeat(2 ** 28);
  assert.equal(binder.runBatch(stmt, ['k', huge, huge, huge], 4), false, 'sql.js binds it value by value, as before');
  // Nothing was bound: the statement still inserts what it is given.
  assert.equal(binder.runBatch(stmt, ['after', 1, null, 2], 4), true);
  stmt.free();
  binder.free();
  assert.deepEqual(stored(db), ['text:6166746572|integer:31|null:|integer:32']);
  db.close();
});

test('batches that outgrow the heap block, on one statement, into two databases at once: the rows sql.js stores', async () => {
  const SQL = await loadSqlJs();
  const batches: SqlValue[][] = [];
  for (let b = 0; b < 12; b++) {
    // Small, then big (a new heap block), then small again: the statement last bound from the freed block.
    const size = b % 3 === 1 ? 300_000 : 7;
    batches.push(Array.from({ length: 4 }, (_, r) => [`k${b}-${r}`, r % 2 ? 'é✓'.repeat(size) : 'a'.repeat(size), new Uint8Array(size).fill(b), b % 2 ? null : -(2 ** 31)]).flat() as SqlValue[]);
  }
  const theirs = await fresh();
  for (const v of batches) theirs.run(`INSERT INTO t VALUES ${Array(4).fill(ROW).join(',')}`, v);
  const dbs = [await fresh(), await fresh()];
  const inserts = dbs.map((db) => new BatchInsert(db, 't', ['k', 'a', 'b', 'c'], DirectBinder.open(SQL, db)));
  const binders = dbs.map((db) => DirectBinder.open(SQL, db)!);
  const stmts = dbs.map((db) => db.prepare(`INSERT INTO t VALUES ${Array(4).fill(ROW).join(',')}`));
  for (const v of batches) for (let d = 0; d < 2; d++) assert.equal(binders[d]!.runBatch(stmts[d]!, v, v.length), true);
  for (const s of stmts) s.free();
  for (const b of binders) b.free();
  for (const i of inserts) i.free();
  const want = stored(theirs);
  assert.equal(want.length, 48);
  for (const db of dbs) assert.deepEqual(stored(db), want);
  for (const db of [theirs, ...dbs]) db.close();
});
