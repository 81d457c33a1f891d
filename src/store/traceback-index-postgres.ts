/**
 * The signature index (traceback-signatures.ts) on PostgreSQL: writing a run's rows inside the caller's transaction
 * (one statement per table, rows as one JSON parameter), finding the runs not indexed yet, and the window query.
 */
import type postgres from 'postgres';
import { jsonCell } from './postgres-json-cell.ts';
import { forgetRunsSql, insertRows, rangeGroupsSql, windowGroupsSql, type GroupRow, type IndexedRun } from './traceback-signatures.ts';

type Sql = postgres.Sql<{}> | postgres.TransactionSql<{}>;

/** A text[]-style literal of integers, sent as one text parameter. */
const intArray = (ids: readonly number[]) => `{${ids.filter(Number.isInteger).join(',')}}`;

/** Replaces the index rows of these runs with theirs. */
export async function writeIndexPostgres(tx: Sql, runs: readonly IndexedRun[]): Promise<void> {
  if (runs.length === 0) return;
  await forgetRunsPostgres(tx, runs.map((r) => r.runId));
  const signatures = new Map<string, [string, string, boolean]>();
  const seen: unknown[][] = [];
  for (const ix of runs) {
    const r = insertRows(ix);
    for (const s of r.signatures) signatures.set(s[0], s);
    seen.push(...r.seen);
  }
  if (signatures.size) {
    // Sorted, so two saves adding the same new signatures take their row locks in one order.
    const sigs = [...signatures.values()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    await tx.unsafe(
      `INSERT INTO ffa_traceback_signature (hash, tuples, rooted)
       SELECT r->>0, r->>1, (r->>2)::boolean FROM jsonb_array_elements($1::text::jsonb) AS r ORDER BY 1 ON CONFLICT (hash) DO NOTHING`,
      [JSON.stringify(sigs)] as never[],
    );
  }
  if (seen.length) {
    await tx.unsafe(
      `INSERT INTO ffa_traceback_seen (execution_id, run_id, test_id, signature_id, test_name, execution_index, flaky, learned_at, learned_from_run, learned_reason, start_time)
       SELECT (r->>0)::int, (r->>1)::int, (r->>2)::int, g.id, r->>4, (r->>5)::int, (r->>6)::boolean, r->>7, r->>8, r->>9, run.start_time
         FROM jsonb_array_elements($1::text::jsonb) AS r JOIN ffa_traceback_signature g ON g.hash = r->>3 JOIN run ON run.id = (r->>1)::int
       ON CONFLICT (execution_id) DO UPDATE SET run_id = EXCLUDED.run_id, test_id = EXCLUDED.test_id, signature_id = EXCLUDED.signature_id,
         test_name = EXCLUDED.test_name, execution_index = EXCLUDED.execution_index, flaky = EXCLUDED.flaky, learned_at = EXCLUDED.learned_at,
         learned_from_run = EXCLUDED.learned_from_run, learned_reason = EXCLUDED.learned_reason, start_time = EXCLUDED.start_time`,
      [JSON.stringify(seen.map((row) => row.map(jsonCell)))] as never[],
    );
  }
  await tx.unsafe(
    `INSERT INTO ffa_traceback_run (run_id, uuid) SELECT (r->>0)::int, r->>1 FROM jsonb_array_elements($1::text::jsonb) AS r
     ON CONFLICT (run_id) DO UPDATE SET uuid = EXCLUDED.uuid`,
    [JSON.stringify(runs.map((r) => [r.runId, r.uuid]))] as never[],
  );
}

/** Forgets runs' index rows: their verdicts changed (they are indexed again when next read) or they are deleted. */
export async function forgetRunsPostgres(tx: Sql, runIds: readonly number[]): Promise<void> {
  if (runIds.length === 0) return;
  for (const sql of forgetRunsSql('SELECT unnest($1::text::int[])')) await tx.unsafe(sql, [intArray(runIds)] as never[]);
}

/** Which of these runs have no index rows yet. */
export async function unindexedPostgres(sql: Sql, runIds: readonly number[]): Promise<number[]> {
  if (runIds.length === 0) return [];
  const got = await sql.unsafe(
    'SELECT w.id FROM unnest($1::text::int[]) AS w(id) WHERE NOT EXISTS (SELECT 1 FROM ffa_traceback_run t WHERE t.run_id = w.id)',
    [intArray(runIds)] as never[],
  );
  return got.map((r) => Number(r.id));
}

/** uuid of each indexed run (as history hydrated with failures only derives a plugin run's). */
export async function indexedUuidsPostgres(sql: Sql, runIds: readonly number[], pluginOnly = false): Promise<Map<number, string | null>> {
  if (runIds.length === 0) return new Map();
  const got = await sql.unsafe(
    `SELECT run_id, uuid FROM ffa_traceback_run WHERE run_id IN (SELECT unnest($1::text::int[]))${pluginOnly ? ' AND run_id NOT IN (SELECT run_id FROM ffa_run WHERE run_id IN (SELECT unnest($1::text::int[])))' : ''}`,
    [intArray(runIds)] as never[],
  );
  return new Map(got.map((r) => [Number(r.run_id), (r.uuid as string | null) ?? null]));
}

/** The window's flaky signatures (runIds in window order), optionally only those with the given hashes. */
export async function windowGroupsPostgres(sql: Sql, runIds: readonly number[], hashes?: readonly string[]): Promise<GroupRow[]> {
  if (runIds.length === 0 || (hashes && hashes.length === 0)) return [];
  const w = 'SELECT run_id, rank FROM unnest($1::text::int[]) WITH ORDINALITY AS w(run_id, rank)';
  const q = windowGroupsSql('postgres', w, hashes ? 'SELECT unnest($2::text::text[])' : null);
  const params = hashes ? [intArray(runIds), `{${hashes.join(',')}}`] : [intArray(runIds)];
  return (await sql.unsafe(q, params as never[])) as unknown as GroupRow[];
}

/** The flaky signatures of the runs started in a span (`range` on s.start_time, numbered from $1, with its parameters). */
export async function rangeGroupsPostgres(sql: Sql, range: string, params: unknown[], hashes?: readonly string[]): Promise<GroupRow[]> {
  if (hashes && hashes.length === 0) return [];
  const q = rangeGroupsSql('postgres', range, hashes ? `SELECT unnest($${params.length + 1}::text::text[])` : null);
  return (await sql.unsafe(q, (hashes ? [...params, `{${hashes.join(',')}}`] : params) as never[])) as unknown as GroupRow[];
}
