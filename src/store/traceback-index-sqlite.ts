/**
 * The signature index (traceback-signatures.ts) on sql.js: writing a run's rows inside the caller's transaction,
 * finding the runs not indexed yet, and the window query. Synchronous, like every sql.js call.
 */
import type { Database, SqlValue } from 'sql.js';
import { BatchInsert, type BatchShape } from './sqljs-batch.ts';
import type { DirectBinder } from './sqljs-bind.ts';
import { selectRows } from './sqljs-rows.ts';
import { forgetRunsSql, rangeGroupsSql, windowGroupsSql, type GroupRow, type IndexedRun } from './traceback-signatures.ts';

/**
 * Replaces the run's index rows with `ix` (ids of a pruned run can be reused by the next save). Rows go in batches of
 * many rows per statement, bound through `binder` when given (sqljs-batch.ts): one statement per row cost a sql.js
 * bind each, 15–40 ms on a 100k-test save with 1,000 failures. Same rows, inserted in the same order.
 */
export function writeIndexSqlite(db: Database, ix: IndexedRun, binder: DirectBinder | null = null): void {
  for (const sql of forgetRunsSql(String(ix.runId))) db.run(sql);
  const signatures = new BatchInsert(db, 'ffa_traceback_signature', ['hash', 'tuples', 'rooted'], binder, { tail: 'ON CONFLICT (hash) DO NOTHING' });
  const seen = new BatchInsert(db, 'ffa_traceback_seen', SEEN_COLUMNS, binder, SEEN_SHAPE);
  try {
    for (const [hash, [json, rooted]] of ix.signatures) {
      signatures.put(hash), signatures.put(json), signatures.put(rooted ? 1 : 0);
      signatures.endRow();
    }
    // Every signature is in before a seen row looks its id up.
    signatures.finish();
    for (const r of ix.seen) {
      seen.put(r.executionId), seen.put(r.runId), seen.put(r.testId), seen.put(r.hash), seen.put(r.testName), seen.put(r.executionIndex);
      seen.put(r.flaky ? 1 : 0), seen.put(r.learnedAt), seen.put(r.learnedFromRun), seen.put(r.learnedReason), seen.put(ix.runId);
      seen.endRow();
    }
    seen.finish();
  } finally {
    signatures.free();
    seen.free();
  }
  db.run('INSERT OR REPLACE INTO ffa_traceback_run (run_id, uuid) VALUES (?, ?)', [ix.runId, ix.uuid]);
}

const SEEN_COLUMNS = [
  'execution_id', 'run_id', 'test_id', 'signature_id', 'test_name', 'execution_index', 'flaky', 'learned_at', 'learned_from_run', 'learned_reason', 'start_time',
];
/**
 * A seen row's values, in VALUES order, then the signature's id looked up by its hash and the start time copied from
 * the run's row: joined once per statement (a subquery per row made preparing a batch cost more than binding its
 * rows one by one). LEFT JOINs on unique keys: one row out per row in, in order, NULL where nothing matches.
 */
const SEEN_SHAPE: BatchShape = {
  head: `INSERT OR REPLACE INTO ffa_traceback_seen (${SEEN_COLUMNS.join(', ')})
    SELECT v.column1, v.column2, v.column3, g.id, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10, r.start_time FROM (VALUES `,
  tail: ') v LEFT JOIN ffa_traceback_signature g ON g.hash = v.column4 LEFT JOIN run r ON r.id = v.column11',
};

/** Forgets runs' index rows: their verdicts changed (they are indexed again when next read) or they are deleted. */
export function forgetRunsSqlite(db: Database, runIds: readonly number[]): void {
  const ids = runIds.filter(Number.isInteger);
  if (ids.length) for (const sql of forgetRunsSql(ids.join(','))) db.run(sql);
}

/** Which of these runs have no index rows yet. */
export function unindexedSqlite(db: Database, runIds: readonly number[]): number[] {
  if (runIds.length === 0) return [];
  return selectRows<{ id: number }>(db, 'SELECT value AS id FROM json_each(?) WHERE value NOT IN (SELECT run_id FROM ffa_traceback_run)', [JSON.stringify(runIds)]).map((r) => Number(r.id));
}

/** uuid of each indexed run (as history hydrated with failures only derives a plugin run's). */
export function indexedUuidsSqlite(db: Database, runIds: readonly number[]): Map<number, string | null> {
  if (runIds.length === 0) return new Map();
  const got = selectRows<{ run_id: number; uuid: string | null }>(db, 'SELECT run_id, uuid FROM ffa_traceback_run WHERE run_id IN (SELECT value FROM json_each(?))', [JSON.stringify(runIds)]);
  return new Map(got.map((r) => [Number(r.run_id), r.uuid]));
}

/** The window's flaky signatures (runIds in window order), optionally only those with the given hashes. */
export function windowGroupsSqlite(db: Database, runIds: readonly number[], hashes?: readonly string[]): GroupRow[] {
  if (runIds.length === 0 || (hashes && hashes.length === 0)) return [];
  const w = 'SELECT CAST(value AS INTEGER) AS run_id, CAST(key AS INTEGER) AS rank FROM json_each(?)';
  const sql = windowGroupsSql('sqlite', w, hashes ? 'SELECT value FROM json_each(?)' : null);
  return selectRows<GroupRow>(db, sql, hashes ? [JSON.stringify(runIds), JSON.stringify(hashes)] : [JSON.stringify(runIds)]);
}

/** The flaky signatures of the runs started in a span (`range` on s.start_time, with its parameters). */
export function rangeGroupsSqlite(db: Database, range: string, params: SqlValue[], hashes?: readonly string[]): GroupRow[] {
  if (hashes && hashes.length === 0) return [];
  const sql = rangeGroupsSql('sqlite', range, hashes ? 'SELECT value FROM json_each(?)' : null);
  return selectRows<GroupRow>(db, sql, hashes ? [...params, JSON.stringify(hashes)] : params);
}
