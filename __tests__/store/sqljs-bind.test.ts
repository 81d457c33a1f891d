/**
 * A batch bound through SQLite's C API (sqljs-bind.ts) stores what sql.js's own Statement.run stores: the same type
 * and bytes for every value, in columns of every affinity; values only sql.js binds are left to it, with nothing bound.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import { DirectBinder } from '../../src/store/sqljs-bind.ts';
import { bindBatchDirectly } from '../helpers/direct-bind.ts';

const COLUMNS = ['a', 'b TEXT', 'c INTEGER', 'd BLOB', 'e BOOLEAN', 'f DATETIME', 'g REAL'];
const TABLE = `CREATE TABLE t (${COLUMNS.join(', ')})`;
const ROW = `(${COLUMNS.map(() => '?').join(',')})`;

const EDGE: SqlValue[] = [
  '', 'x', 'None', 'é', 'naïve ✓ 日本語', '😀 and 👍🏽', 'nul \u0000 inside', '12', '1.5', ' 7 ', 'x'.repeat(100_000), '日本'.repeat(30_000),
  0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, 2 ** 63, 1.5, -2.25, 1e300, NaN, Infinity, -Infinity,
  null, new Uint8Array(0), new Uint8Array([0, 255, 128]), Buffer.from('ab'),
];

/** Every value in every column: one row per value. */
function rowsOf(values: readonly unknown[]): unknown[] {
  return values.flatMap((v) => COLUMNS.map(() => v));
}

/** typeof and hex of every stored value, in row order. */
function stored(db: Database): string[] {
  const sel = COLUMNS.map((c) => c.split(' ')[0]).map((c) => `typeof(${c}) || ':' || hex(${c})`).join(" || '|' || ");
  return (db.exec(`SELECT ${sel} FROM t ORDER BY rowid`)[0]?.values ?? []).map((r) => String(r[0]));
}

async function freshDb(): Promise<Database> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.run(TABLE);
  return db;
}

describe('sql.js batches bound through the C API', () => {
  test('the installed sql.js allows it (else every batch is bound value by value through sql.js)', async () => {
    const SQL = await loadSqlJs();
    const db = await freshDb();
    const binder = DirectBinder.open(SQL, db);
    assert.ok(binder, 'the statement handle was found and confirmed');
    binder.free();
    db.close();
  });

  test('every value stores the type and bytes sql.js stores, in columns of every affinity', async () => {
    const SQL = await loadSqlJs();
    const values = rowsOf(EDGE) as SqlValue[];
    const sql = `INSERT INTO t VALUES ${EDGE.map(() => ROW).join(',')}`;

    const theirs = await freshDb();
    theirs.run(sql, values);
    const ours = await freshDb();
    const binder = DirectBinder.open(SQL, ours);
    assert.ok(binder);
    const stmt = ours.prepare(sql);
    assert.equal(binder.runBatch(stmt, values, values.length), true, 'bound directly');
    // The statement is reused for a second batch, as a full batch statement is.
    assert.equal(binder.runBatch(stmt, values, values.length), true);
    stmt.free();
    binder.free();
    theirs.run(sql, values);

    const want = stored(theirs);
    assert.equal(want.length, 2 * EDGE.length);
    assert.deepEqual(stored(ours), want);
    // A spot check of what sql.js gives, so the comparison is not of two empty tables.
    assert.ok(want.includes(['text:', 'text:', 'text:', 'text:', 'text:', 'text:', 'text:'].join('|')), 'an empty string is TEXT, not NULL');
    assert.ok(want.includes(['blob:', 'blob:', 'blob:', 'blob:', 'blob:', 'blob:', 'blob:'].join('|')), 'an empty blob is a BLOB, not NULL');
    theirs.close();
    ours.close();
  });

  test('wide text and blobs past the staging room are staged whole', async () => {
    const SQL = await loadSqlJs();
    const sql = `INSERT INTO t VALUES ${ROW}`;
    // A fresh binder's staging is sized for ASCII: 2-byte text that fits, then blobs that do not; 3-byte text that
    // does not fit at all.
    const batches: SqlValue[][] = [
      ['é'.repeat(40_000), new Uint8Array(40_000).fill(7), 'tail', new Uint8Array(3).fill(9), null, 1, 2.5],
      ['日'.repeat(40_000), new Uint8Array(40_000).fill(7), 'tail', new Uint8Array(3).fill(9), null, 1, 2.5],
    ];
    for (const values of batches) {
      const theirs = await freshDb();
      theirs.run(sql, values);
      const ours = await freshDb();
      bindBatchDirectly(SQL, ours, sql, values);
      assert.deepEqual(stored(ours), stored(theirs));
      theirs.close();
      ours.close();
    }
  });

  test('values only sql.js binds are left to it, with nothing bound', async () => {
    const SQL = await loadSqlJs();
    const db = await freshDb();
    const binder = DirectBinder.open(SQL, db);
    assert.ok(binder);
    const stmt = db.prepare(`INSERT INTO t VALUES ${ROW}`);
    // (and a batch bigger than the staging is meant for: sql.js binds it as before)
    const others: unknown[] = ['lone \ud800 high', 'lone \udc00 low', 'ends high \ud83d', undefined, 10n, [1, 2], { length: 1 }, 'x'.repeat(5 * 1024 * 1024)];
    for (const odd of others) {
      const values = ['ok', 1, odd, null, null, null, null] as SqlValue[];
      assert.equal(binder.runBatch(stmt, values, values.length), false, `${String(odd)} is left to sql.js`);
    }
    // Nothing was stepped; the statement still inserts NULLs when run without values.
    stmt.run();
    assert.deepEqual(stored(db), [Array(COLUMNS.length).fill('null:').join('|')]);
    stmt.free();
    binder.free();
    db.close();
  });
});
