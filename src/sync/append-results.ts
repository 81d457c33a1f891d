/**
 * Appends reclassified verdicts to runs that are already stored, never touching the rows that are
 * there: a new flakefighter_result row per changed verdict (plus its evidence), and one
 * ffa_reclassification row tying old and new together. One transaction per run.
 *
 * Neither store has an append method (Store is save-a-whole-run only), so this works below them:
 * Postgres through a pool of its own opened from the store's parsed target, sqlite through the
 * file itself after the store has been closed (its sql.js database is private, and a store that
 * is still open would overwrite the file with its own copy on close).
 */
import type { Evidence, RunCounts } from '../model.ts';
import type { PostgresStore } from '../store/postgres-store.ts';
import { formatUtcTimestamp } from '../store/timestamps.ts';
import type { AnyStore } from './open-any.ts';
import { forgetRunsSql } from '../store/traceback-signatures.ts';
import { forgetRunsPostgres } from '../store/traceback-index-postgres.ts';

export const RECLASSIFICATION_TABLE = 'ffa_reclassification';

/** Same layout in both dialects, apart from the id type (SQLAlchemy-style, id last, no cascades). */
export function reclassificationDdl(kind: 'sqlite' | 'postgres'): string {
  const id = kind === 'sqlite' ? 'INTEGER' : 'SERIAL';
  const ts = kind === 'sqlite' ? 'DATETIME' : 'TIMESTAMP WITHOUT TIME ZONE';
  return `CREATE TABLE IF NOT EXISTS ${RECLASSIFICATION_TABLE} (
\trun_id INTEGER NOT NULL, 
\tresult_id INTEGER NOT NULL, 
\told_result_id INTEGER, 
\ttest_id INTEGER NOT NULL, 
\ttest_execution_id INTEGER, 
\tname VARCHAR NOT NULL, 
\told_flaky BOOLEAN, 
\tnew_flaky BOOLEAN NOT NULL, 
\treason TEXT NOT NULL, 
\tat ${ts} NOT NULL, 
\tid ${id} NOT NULL, 
\tPRIMARY KEY (id), 
\tFOREIGN KEY(run_id) REFERENCES run (id), 
\tFOREIGN KEY(result_id) REFERENCES flakefighter_result (id)
)`;
}

/** One verdict to add: exactly one of executionId (execution level) or test-level (executionId null). */
export interface AppendedResult {
  testId: number;
  executionId: number | null;
  name: string;
  flaky: boolean;
  evidence?: Evidence;
  /** The result row it supersedes (null when the flakefighter had given no verdict there). */
  oldResultId: number | null;
  oldFlaky: boolean | null;
}

export interface RunAppend {
  runId: number;
  results: AppendedResult[];
  /** Why (stored in every ffa_reclassification row). */
  reason: string;
  /**
   * The run's totals as it now reads (old and new results), for ffa_run.counts: that column is our
   * cache of the totals that reports and trends show, so it follows the appended verdicts.
   */
  counts?: RunCounts | null;
}

/** Returns the new result ids, per run in the order given. */
export async function appendResults(store: AnyStore, appends: RunAppend[], now = new Date()): Promise<number[][]> {
  const work = appends.filter((a) => a.results.length > 0);
  if (work.length === 0) return appends.map(() => []);
  const ids = store.kind === 'postgres' ? await appendPostgres(store, work, now) : await appendSqlite(store.path, store, work, now);
  const byRun = new Map(work.map((a, i) => [a, ids[i]]));
  return appends.map((a) => byRun.get(a) ?? []);
}

const evidenceJson = (r: AppendedResult): string | null => (r.evidence ? JSON.stringify(r.evidence) : null);

async function appendSqlite(path: string, store: AnyStore, work: RunAppend[], now: Date): Promise<number[][]> {
  // Flush the store's in-memory copy first; from here on the file is the truth.
  await store.close();
  const { loadSqlJs } = await import('../store/sqljs.ts');
  const { readDatabaseFile, writeAtomically } = await import('../store/sqlite-file.ts');
  const SQL = await loadSqlJs();
  const file = await readDatabaseFile(path);
  if (file.kind !== 'bytes') throw new Error(`${path}: cannot append reclassified verdicts: the file is ${file.kind === 'empty' ? 'empty' : 'not a SQLite database'}`);
  const db = new SQL.Database(file.bytes);
  const at = formatUtcTimestamp(now);
  const out: number[][] = [];
  try {
    db.run(reclassificationDdl('sqlite'));
    const hasCounts = (db.exec('PRAGMA table_info(ffa_run)')[0]?.values ?? []).some((r) => r[1] === 'counts');
    const hasIndex = (db.exec("SELECT 1 FROM sqlite_master WHERE name = 'ffa_traceback_run'")[0]?.values.length ?? 0) > 0;
    for (const a of work) {
      db.run('BEGIN');
      try {
        const newIds: number[] = [];
        for (const r of a.results) {
          db.run('INSERT INTO flakefighter_result (test_execution_id, test_id, name, flaky) VALUES (?, ?, ?, ?)', [
            r.executionId,
            r.executionId === null ? r.testId : null,
            r.name,
            r.flaky ? 1 : 0,
          ]);
          const id = Number(db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
          newIds.push(id);
          const ev = evidenceJson(r);
          if (ev !== null) db.run('INSERT INTO ffa_result_evidence (result_id, evidence) VALUES (?, ?)', [id, ev]);
          db.run(
            `INSERT INTO ${RECLASSIFICATION_TABLE} (run_id, result_id, old_result_id, test_id, test_execution_id, name, old_flaky, new_flaky, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [a.runId, id, r.oldResultId, r.testId, r.executionId, r.name, r.oldFlaky === null ? null : r.oldFlaky ? 1 : 0, r.flaky ? 1 : 0, a.reason, at],
          );
        }
        if (hasCounts && a.counts) db.run('UPDATE ffa_run SET counts = ? WHERE run_id = ?', [JSON.stringify(a.counts), a.runId]);
        // The run's verdicts changed: its traceback signature rows are derived again when next read.
        if (hasIndex) for (const sql of forgetRunsSql('?')) db.run(sql, [a.runId]);
        db.run('COMMIT');
        out.push(newIds);
      } catch (err) {
        db.run('ROLLBACK');
        throw err;
      }
    }
    await writeAtomically(path, db.export());
  } finally {
    db.close();
  }
  return out;
}

async function appendPostgres(store: PostgresStore, work: RunAppend[], now: Date): Promise<number[][]> {
  const { openPool, abandonOnConnectionLoss } = await import('../store/postgres-store.ts');
  const sql = openPool(store.target, { max: 1 });
  const at = formatUtcTimestamp(now);
  const out: number[][] = [];
  try {
    await sql.unsafe(reclassificationDdl('postgres'));
    const hasCounts =
      (await sql.unsafe(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'ffa_run' AND column_name = 'counts'`)).length > 0;
    for (const a of work) {
      // The guard keeps postgres.js from crashing the process when the connection dies mid-transaction.
      const ids = await sql.begin((tx) => abandonOnConnectionLoss((async () => {
        const newIds: number[] = [];
        for (const r of a.results) {
          const [row] = await tx.unsafe(
            'INSERT INTO flakefighter_result (test_execution_id, test_id, name, flaky) VALUES ($1::int, $2::int, $3, $4::boolean) RETURNING id',
            [r.executionId, r.executionId === null ? r.testId : null, r.name, r.flaky] as never[],
          );
          const id = Number(row.id);
          newIds.push(id);
          const ev = evidenceJson(r);
          if (ev !== null) await tx.unsafe('INSERT INTO ffa_result_evidence (result_id, evidence) VALUES ($1::int, $2)', [id, ev] as never[]);
          await tx.unsafe(
            `INSERT INTO ${RECLASSIFICATION_TABLE} (run_id, result_id, old_result_id, test_id, test_execution_id, name, old_flaky, new_flaky, reason, at)
             VALUES ($1::int, $2::int, $3::int, $4::int, $5::int, $6, $7::boolean, $8::boolean, $9, $10::text::timestamp)`,
            [a.runId, id, r.oldResultId, r.testId, r.executionId, r.name, r.oldFlaky, r.flaky, a.reason, at] as never[],
          );
        }
        if (hasCounts && a.counts) await tx.unsafe('UPDATE ffa_run SET counts = $1 WHERE run_id = $2::int', [JSON.stringify(a.counts), a.runId] as never[]);
        // The run's verdicts changed: its traceback signature rows are derived again when next read.
        await forgetRunsPostgres(tx, [a.runId]);
        return newIds;
      })()));
      out.push(ids);
    }
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
  return out;
}
