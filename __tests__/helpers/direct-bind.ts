/** One batch bound through a fresh DirectBinder (sqljs-bind.ts), the step the binder tests compare with sql.js's own run. */
import assert from 'node:assert/strict';
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { DirectBinder } from '../../src/store/sqljs-bind.ts';

/** Opens a binder on `db`, runs `sql` with `values` through it (asserting both succeed), then frees the statement and binder. */
export function bindBatchDirectly(SQL: SqlJsStatic, db: Database, sql: string, values: SqlValue[], count = values.length): void {
  const binder = DirectBinder.open(SQL, db);
  assert.ok(binder);
  const stmt = db.prepare(sql);
  assert.equal(binder.runBatch(stmt, values, count), true);
  stmt.free();
  binder.free();
}
