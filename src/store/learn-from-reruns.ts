/**
 * Learn on save (issue 18): a run that passes test T on commit C in environment E (the same job and matrix leg)
 * shows that every stored failure of T on (C, E) was flaky. Each such failing execution that has no flaky verdict
 * gets one appended, inside the save's transaction: an `OutcomeFlip` row flaky=true (the plugin's Test.flaky reads
 * it), its evidence naming the run, attempt and leg that passed, and an `ffa_learned_result` row saying when and
 * from which run it was learned, so replays "as of" an earlier moment can hide it (learned-verdicts.ts).
 *
 * Only this direction: nothing is ever turned back into genuine, and a run of unknown commit or environment, from a
 * working tree with uncommitted changes, or of another environment teaches nothing; neither does one whose
 * environment may mix matrix legs when two stored runs of one attempt share it (OutcomeFlip's rule).
 * The run's own failures are not touched: its in-run retries were judged when it was classified. A run whose
 * flakefighters did not include OutcomeFlip (turned off in the configuration) teaches nothing either.
 *
 * Both back ends run the same few set queries: the same commit's runs (usually none, which ends it), their failing
 * executions, and the flaky verdicts those already have; then inserts. The dialects differ only in booleans and
 * how id lists and inserts are sent (the Executor below).
 */
import type postgres from 'postgres';
import type { Database, SqlValue } from 'sql.js';
import { environmentMayMixLegs } from '../github/context.ts';
import type { Evidence, RunCounts } from '../model.ts';
import type { FlatRun } from './rows.ts';

const LEARNED_FLAKEFIGHTER = 'OutcomeFlip';

/** One failing execution that a pass in the saved run showed to be flaky. */
export interface LearnedVerdict {
  resultId: number;
  executionId: number;
  testName: string;
  /** The stored run the failure belongs to. */
  runId: number;
  evidence: Evidence;
}

/**
 * What the learning asks of a back end, inside the save's transaction. The steps are a generator so sql.js runs them
 * synchronously (nothing can interleave with its transaction) and Postgres awaits each (runLearning*).
 */
export type LearnRequest =
  | { kind: 'all'; sql: string; params: unknown[] }
  /** Insert OutcomeFlip flaky=true rows for these executions; answer: the new result ids in the same order. */
  | { kind: 'insertResults'; executionIds: number[] }
  | { kind: 'insertRows'; table: 'ffa_result_evidence' | 'ffa_learned_result'; columns: string[]; rows: unknown[][] }
  | { kind: 'run'; sql: string; params: unknown[] };

type Steps<T> = Generator<LearnRequest, T, unknown>;

/**
 * What learning reads of the run just saved: its own rows and, only when it gets that far, the names of the tests
 * that passed in it (sql.js saves a run without collecting its rows: rows.ts flattenTests).
 */
export type LearnInput = Pick<FlatRun, 'run' | 'ffaRun' | 'activeFlakefighters' | 'learnedAt'> & { passedTestNames: () => ReadonlySet<string> };

function learnInputOf(flat: FlatRun): LearnInput {
  return {
    ...flat,
    passedTestNames: () => {
      const passed = new Set<string>();
      for (const e of flat.executions) if (e.outcome === 'passed') passed.add(flat.tests[e.testIndex].name);
      return passed;
    },
  };
}

function runLearningSync(runId: number, flat: LearnInput, dialect: 'sqlite' | 'postgres', answer: (r: LearnRequest) => unknown): LearnedVerdict[] {
  const g = learnFromReruns(dialect, runId, flat);
  let step = g.next();
  while (!step.done) step = g.next(answer(step.value));
  return step.value;
}

async function runLearningAsync(runId: number, flat: LearnInput, dialect: 'sqlite' | 'postgres', answer: (r: LearnRequest) => Promise<unknown>): Promise<LearnedVerdict[]> {
  const g = learnFromReruns(dialect, runId, flat);
  let step = g.next();
  while (!step.done) step = g.next(await answer(step.value));
  return step.value;
}

function* all<T>(sql: string, params: unknown[]): Steps<T[]> {
  return (yield { kind: 'all', sql, params }) as T[];
}

interface SameCodeRun {
  id: number;
  gh_run_id: string | null;
  run_attempt: number | null;
  counts: string | null;
}

interface FailingRow {
  execution_id: number;
  test_id: number;
  name: string | null;
  run_id: number;
}

/** Appends learned verdicts for the run just inserted as `runId`; returns what was learned. */
function* learnFromReruns(dialect: 'sqlite' | 'postgres', runId: number, flat: LearnInput): Steps<LearnedVerdict[]> {
  const f = flat.ffaRun;
  const commit = flat.run.commit_sha;
  if (!commit || f.environment == null || f.dirty_tree === true) return [];
  // A learned verdict is OutcomeFlip's: a run classified without it (the user turned it off) teaches nothing.
  if (!flat.activeFlakefighters.some((a) => a.name === LEARNED_FLAKEFIGHTER)) return [];

  const pg = dialect === 'postgres';
  const clean = pg ? 'f.dirty_tree IS NOT TRUE' : 'COALESCE(f.dirty_tree, 0) = 0';
  const runs = yield* all<SameCodeRun>(
    `SELECT r.id, f.gh_run_id, f.run_attempt, f.counts FROM run r JOIN ffa_run f ON f.run_id = r.id
      WHERE r.commit_sha = ${pg ? '$1' : '?'} AND f.environment = ${pg ? '$2' : '?'} AND r.id <> ${pg ? '$3::int' : '?'} AND ${clean}`,
    [commit, f.environment, runId],
  );
  if (runs.length === 0) return [];
  if (mixesLegs(f.environment, f.gh_run_id, f.run_attempt, runs)) return [];
  // Only now, when stored runs of this code exist: a first run of a commit need not list its 100k passes.
  const passed = flat.passedTestNames();
  if (passed.size === 0) return [];

  const ids = runs.map((r) => Number(r.id));
  const failing = (
    yield* all<FailingRow>(
      `SELECT e.id AS execution_id, t.id AS test_id, t.name, t.run_id FROM test t JOIN test_execution e ON e.test_id = t.id
        WHERE t.run_id IN (${ids.join(',')}) AND e.outcome IN ('failed', 'error') ORDER BY e.id`,
      [],
    )
  ).filter((r) => passed.has(r.name ?? ''));
  if (failing.length === 0) return [];

  const execIds = failing.map((r) => Number(r.execution_id));
  const testIds = [...new Set(failing.map((r) => Number(r.test_id)))];
  const flakyRows = yield* all<{ test_execution_id: number | null; test_id: number | null; owner: number }>(
    `SELECT x.test_execution_id, x.test_id, COALESCE(e.test_id, x.test_id) AS owner FROM flakefighter_result x
       LEFT JOIN test_execution e ON e.id = x.test_execution_id
      WHERE ${pg ? 'x.flaky' : 'x.flaky = 1'} AND (x.test_execution_id IN (${execIds.join(',')}) OR x.test_id IN (${testIds.join(',')}))`,
    [],
  );
  const flakyExecs = new Set(flakyRows.map((r) => Number(r.test_execution_id)).filter((n) => n > 0));
  const flakyTests = new Set(flakyRows.map((r) => Number(r.owner)));
  const learn = failing.filter((r) => !flakyExecs.has(Number(r.execution_id)));
  if (learn.length === 0) return [];

  const evidenceFor = (testName: string): Evidence => ({
    reason: `passed later in ${runName(runId, f.run_number, f.run_attempt)}${f.environment_label ? ` (${f.environment_label})` : ''}`,
    runId,
    runUuid: f.uuid,
    testName,
    runNumber: f.run_number ?? null,
    runAttempt: f.run_attempt ?? null,
    environment: f.environment_label ?? null,
    learnedLater: true,
  });
  const resultIds = (yield { kind: 'insertResults', executionIds: learn.map((r) => Number(r.execution_id)) }) as number[];
  const out: LearnedVerdict[] = learn.map((r, i) => ({
    resultId: resultIds[i],
    executionId: Number(r.execution_id),
    testName: r.name ?? '',
    runId: Number(r.run_id),
    evidence: evidenceFor(r.name ?? ''),
  }));
  yield { kind: 'insertRows', table: 'ffa_result_evidence', columns: ['result_id', 'evidence'], rows: out.map((l) => [l.resultId, JSON.stringify(l.evidence)]) };
  yield { kind: 'insertRows', table: 'ffa_learned_result', columns: ['result_id', 'learned_at', 'learned_from_run'], rows: out.map((l) => [l.resultId, flat.learnedAt, f.uuid]) };
  yield* updateCounts(pg, runs, learn, flakyTests);
  return out;
}

/**
 * Without the matrix input, legs the runner cannot tell apart share an environment: two runs of one workflow run
 * attempt in it are two legs, so no pass there is known to be the same leg (outcome-flip.ts mixedLegs).
 */
function mixesLegs(environment: string, ghRunId: string | null, attempt: number | null, runs: SameCodeRun[]): boolean {
  if (!environmentMayMixLegs(environment)) return false;
  const seen = new Set<string>();
  for (const r of [{ gh_run_id: ghRunId, run_attempt: attempt }, ...runs]) {
    if (!r.gh_run_id) continue;
    const key = `${r.gh_run_id}#${r.run_attempt ?? 1}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/**
 * ffa_run.counts caches the totals reports and trends show: a test that was genuine (no flaky verdict anywhere) and
 * now has one moves from genuine to flaky in its run's totals.
 */
function* updateCounts(pg: boolean, runs: SameCodeRun[], learned: FailingRow[], alreadyFlaky: Set<number>): Steps<void> {
  const turned = new Map<number, Set<number>>();
  for (const r of learned) {
    if (alreadyFlaky.has(Number(r.test_id))) continue;
    const set = turned.get(Number(r.run_id)) ?? new Set<number>();
    set.add(Number(r.test_id));
    turned.set(Number(r.run_id), set);
  }
  for (const run of runs) {
    const n = turned.get(Number(run.id))?.size ?? 0;
    if (n === 0 || !run.counts) continue;
    let counts: RunCounts;
    try {
      counts = JSON.parse(run.counts) as RunCounts;
    } catch {
      continue;
    }
    if (typeof counts.genuine !== 'number' || typeof counts.flaky !== 'number') continue;
    const moved = Math.min(n, counts.genuine);
    const next = { ...counts, genuine: counts.genuine - moved, flaky: counts.flaky + moved };
    yield { kind: 'run', sql: `UPDATE ffa_run SET counts = ${pg ? '$1' : '?'} WHERE run_id = ${pg ? '$2::int' : '?'}`, params: [JSON.stringify(next), Number(run.id)] };
  }
}

/** "run #41 attempt 2" for a workflow run; "run #7" (database id) for a CLI run (outcome-flip.ts runName). */
function runName(dbId: number, runNumber: number | null, attempt: number | null): string {
  return `run #${runNumber ?? dbId}${attempt ? ` attempt ${attempt}` : ''}`;
}

/** sql.js: inside save()'s open transaction, synchronously. */
export function learnOnSaveSqlite(db: Database, runId: number, flat: LearnInput): LearnedVerdict[] {
  const rows = <T>(sql: string, params: unknown[]): T[] => {
    const stmt = db.prepare(sql);
    try {
      if (params.length) stmt.bind(params as SqlValue[]);
      const out: T[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as T);
      return out;
    } finally {
      stmt.free();
    }
  };
  return runLearningSync(runId, flat, 'sqlite', (r) => {
    switch (r.kind) {
      case 'all':
        return rows(r.sql, r.params);
      case 'run':
        db.run(r.sql, r.params as SqlValue[]);
        return undefined;
      case 'insertResults': {
        let id = Number(rows<{ next: number }>('SELECT COALESCE(MAX(id), 0) + 1 AS next FROM flakefighter_result', [])[0].next);
        const ids: number[] = [];
        for (const e of r.executionIds) {
          db.run('INSERT INTO flakefighter_result (id, test_execution_id, test_id, name, flaky) VALUES (?, ?, NULL, ?, 1)', [id, e, LEARNED_FLAKEFIGHTER]);
          ids.push(id++);
        }
        return ids;
      }
      case 'insertRows': {
        const stmt = db.prepare(`INSERT INTO ${r.table} (${r.columns.join(', ')}) VALUES (${r.columns.map(() => '?').join(', ')})`);
        try {
          for (const row of r.rows) stmt.run(row as SqlValue[]);
        } finally {
          stmt.free();
        }
        return undefined;
      }
    }
  });
}

/** Postgres (postgres.js): inside the save's transaction. Ids come from the table's own sequence (SERIAL default). */
export function learnOnSavePostgres(tx: postgres.TransactionSql<{}>, runId: number, flat: FlatRun): Promise<LearnedVerdict[]> {
  return runLearningAsync(runId, learnInputOf(flat), 'postgres', async (r) => {
    switch (r.kind) {
      case 'all':
        return tx.unsafe(r.sql, r.params as never[]);
      case 'run':
        await tx.unsafe(r.sql, r.params as never[]);
        return undefined;
      case 'insertResults': {
        const rows = await tx.unsafe(
          `INSERT INTO flakefighter_result (test_execution_id, test_id, name, flaky)
           SELECT e::int, NULL, $2, true FROM jsonb_array_elements_text($1::text::jsonb) WITH ORDINALITY AS a(e, n) ORDER BY n
           RETURNING id, test_execution_id`,
          [JSON.stringify(r.executionIds), LEARNED_FLAKEFIGHTER] as never[],
        );
        // One new row per execution: map back by execution, whatever order RETURNING gives.
        const byExec = new Map(rows.map((row) => [Number(row.test_execution_id), Number(row.id)]));
        return r.executionIds.map((e) => byExec.get(e)!);
      }
      case 'insertRows': {
        const types: Record<string, string> = { result_id: 'int', evidence: 'text', learned_at: 'timestamp', learned_from_run: 'text' };
        const select = r.columns.map((c, i) => (types[c] === 'text' ? `(x->>${i})` : `(x->>${i})::${types[c]}`)).join(', ');
        await tx.unsafe(`INSERT INTO ${r.table} (${r.columns.join(', ')}) SELECT ${select} FROM jsonb_array_elements($1::text::jsonb) AS x`, [JSON.stringify(r.rows)] as never[]);
        return undefined;
      }
    }
  });
}
