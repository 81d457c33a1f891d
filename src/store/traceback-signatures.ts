/**
 * The traceback signature index (issue 17, goal 2): why it exists is that TracebackMatching and CosineSimilarity
 * only ever compare a failure with the *flaky* tracebacks of the history window, yet loading that window meant
 * hydrating every stored failure with its frames, a cost that grew with every run kept. These ffa_ tables hold, per
 * stored execution that carries an exception, its normalised frame tuples (the ones traceback-history.ts compares,
 * relative to its run's root, hashed with whether a frame is under that root) and whether its test is flaky now
 * (learned verdicts included), so a classification reads the window's distinct flaky signatures, already counted
 * and with the first occurrence of each, in one indexed query.
 *
 *   ffa_traceback_signature  one row per distinct (rooted, tuples): id, hash (sha256, UNIQUE), tuples (JSON), rooted
 *   ffa_traceback_run        one row per run indexed (a run without a row is indexed on demand: older databases,
 *                            runs the plugin wrote, runs whose verdicts changed); uuid as history reads it
 *   ffa_traceback_seen       one row per stored execution with an exception: where it is (run, test, execution
 *                            index as history loaded with failures only numbers it), its signature, whether its test
 *                            was flaky, and when only a learned verdict makes it so, what the evidence names
 *
 * The rows are derived, never the truth: whatever changes a stored run's verdicts (learning on save, sync
 * --reclassify's appended results, retention) deletes that run's rows, and the next read indexes it again from the
 * plugin's tables with the same code that indexes a run at save (indexRun), so both paths agree by construction.
 */
import { hash as hashOnce } from 'node:crypto';
import { isFailing, testFlaky, testsToJudge, type Execution, type FlakefighterResult, type Run, type Test } from '../model.ts';
import { learnedFlakyOnly } from '../learned-verdicts.ts';
import { frameTuple, hasRootedFrame, matchTuples, type FlakyTracebackGroup, type TracebackHistorySource, type TracebackRef } from '../flakefighters/traceback-history.ts';
import type { FrameTuple } from '../flakefighters/tfidf.ts';
import type { HistoryQuery } from './store.ts';

/** The hash of a signature: the rooted flag is part of it (`src/x.py` and `../src/x.py` may give one tuple list). */
export function signatureHash(tuplesJson: string, rooted: boolean): string {
  // One-shot: a Hash object per signature cost 3 ms per 1,000 failures (lookups, the save's index).
  return hashOnce('sha256', `${rooted ? 1 : 0}\u0001${tuplesJson}`, 'hex');
}

/** The hash TracebackMatching looks a current failure up by: its tuples under root, which only match rooted history. */
export function lookupHash(tuples: readonly FrameTuple[]): string {
  return signatureHash(JSON.stringify(tuples), true);
}

export interface SeenRow {
  executionId: number;
  runId: number;
  testId: number;
  hash: string;
  testName: string;
  executionIndex: number;
  flaky: boolean;
  learnedAt: string | null;
  learnedFromRun: string | null;
  learnedReason: string | null;
}

export interface IndexedRun {
  runId: number;
  uuid: string;
  seen: SeenRow[];
  /** hash → [tuples JSON, rooted], each distinct signature once. */
  signatures: Map<string, [string, boolean]>;
}

/**
 * Which executions history loaded with failures only keeps, per back end (their load queries differ): the execution
 * index of a stored traceback is its position among those, as the evidence of a match names it.
 */
export type KeepExecution = (e: Execution) => boolean;
export const SQLITE_KEEPS: KeepExecution = (e) => e.outcome !== 'passed' || e.results.length > 0;
export const POSTGRES_KEEPS: KeepExecution = (e) => isFailing(e.outcome) || e.results.length > 0;
export const KEEPS_ALL: KeepExecution = () => true;

/**
 * The index rows of one run. `ids` gives each test's id and each execution's id in the run's order (a run just saved);
 * a run loaded from the database carries them itself.
 */
export function indexRun(run: Run, runId: number, keep: KeepExecution, ids?: SavedIds): IndexedRun {
  const seen: SeenRow[] = [];
  const signatures = new Map<string, [string, boolean]>();
  run.tests.forEach((test, ti) => {
    if (!test.executions.some((e) => e.exception)) return;
    const flaky = testFlaky(test) === true;
    const learned = flaky ? learnedFlakyOnly(test) : null;
    let index = 0;
    test.executions.forEach((e, ei) => {
      if (!keep(e)) return;
      const executionIndex = index++;
      if (!e.exception) return;
      const json = JSON.stringify(e.exception.frames.map((f) => frameTuple(f, run.root)));
      const rooted = hasRootedFrame(e.exception.frames, run.root);
      const hash = signatureHash(json, rooted);
      if (!signatures.has(hash)) signatures.set(hash, [json, rooted]);
      const reason = learned?.evidence?.reason;
      seen.push({
        executionId: ids ? ids.execution(ti, ei) : e.id!,
        runId,
        testId: ids ? ids.test(ti) : test.id!,
        hash,
        testName: test.name,
        executionIndex,
        flaky,
        learnedAt: learned?.learned ? learned.learned.at.toISOString() : null,
        learnedFromRun: learned?.learned?.fromRunUuid ?? null,
        learnedReason: typeof reason === 'string' ? reason : null,
      });
    });
  });
  return { runId, uuid: run.meta.uuid, seen, signatures };
}

/** The database ids of a just-saved run's tests and executions, by their places in the run. */
export interface SavedIds {
  test(testIndex: number): number;
  execution(testIndex: number, executionIndex: number): number;
}

/**
 * Test and execution ids of a run just saved, from the flat id arrays (rows.ts flattenRun's order). Looked up through
 * each test's first execution's place: an array of ids per test cost 64 MB at 1,000,000 tests, at the save's peak.
 */
export function savedIds(run: Run, testIds: number[], execIds: number[]): SavedIds {
  const first = new Uint32Array(run.tests.length);
  let n = 0;
  for (let i = 0; i < run.tests.length; i++) {
    first[i] = n;
    n += run.tests[i].executions.length;
  }
  return { test: (ti) => testIds[ti], execution: (ti, ei) => execIds[first[ti] + ei] };
}

/** One row of the window query: a signature, how many flaky executions of the window carry it, and its first one. */
export interface GroupRow {
  tuples: string;
  rooted: boolean | number;
  n: number | string;
  run_id: number;
  test_id: number;
  execution_id: number;
  test_name: string | null;
  execution_index: number;
  learned_at: string | null;
  learned_from_run: string | null;
  learned_reason: string | null;
}

/**
 * The window's flaky signatures as the flakefighters read them, first occurrences in window order. The ref's run is
 * the window's own Run (its meta names the run in evidence); its test holds the one verdict that made it flaky, learned
 * or not, so refEvidence and describeRef read it as they read a fully loaded test.
 */
export function groupsFromRows(rows: GroupRow[], runs: readonly Run[]): FlakyTracebackGroup[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const out: FlakyTracebackGroup[] = [];
  for (const row of rows) {
    const run = byId.get(Number(row.run_id));
    if (!run) continue;
    const verdict: FlakefighterResult = row.learned_at
      ? {
          name: 'OutcomeFlip',
          flaky: true,
          learned: { at: new Date(row.learned_at), fromRunUuid: row.learned_from_run ?? null },
          ...(row.learned_reason !== null ? { evidence: { reason: row.learned_reason } } : {}),
        }
      : { name: 'TracebackIndex', flaky: true };
    const tuples = JSON.parse(row.tuples) as FrameTuple[];
    const execution: Execution = {
      id: Number(row.execution_id),
      outcome: 'failed',
      startTime: null,
      endTime: null,
      stdout: null,
      stderr: null,
      report: '',
      coverage: null,
      exception: null,
      results: [],
    };
    const test: Test = { id: Number(row.test_id), name: row.test_name ?? '', fspath: '', lineNo: null, skipped: false, executions: [execution], results: [verdict] };
    const ref: TracebackRef = { run, test, executionIndex: Number(row.execution_index), execution, tuples, rooted: row.rooted === true || Number(row.rooted) === 1 };
    out.push({ key: row.tuples, rooted: ref.rooted, count: Number(row.n), ref });
  }
  return out;
}

/**
 * The first occurrence of each aggregated signature (`agg`: signature_id, n, and `run` the expression naming its newest
 * run), in the order history hydrates in (test id, execution id), one index seek each, then the rows in `order`.
 * PostgreSQL seeks through a LATERAL subquery (joining on a subquery's result it would hash the whole table);
 * sql.js has no LATERAL and seeks the same way by primary key.
 */
function firstsSql(dialect: 'sqlite' | 'postgres', run: string, order: string): string {
  const flaky = dialect === 'sqlite' ? 'f.flaky = 1' : 'f.flaky = true';
  const seek = `FROM ffa_traceback_seen f WHERE f.signature_id = a.signature_id AND f.run_id = ${run} AND ${flaky} ORDER BY f.test_id, f.execution_id LIMIT 1`;
  const cols = 'g.tuples, g.rooted, a.n, s.run_id, s.test_id, s.execution_id, s.test_name, s.execution_index, s.learned_at, s.learned_from_run, s.learned_reason';
  return dialect === 'postgres'
    ? `SELECT ${cols} FROM agg a CROSS JOIN LATERAL (SELECT f.* ${seek}) s JOIN ffa_traceback_signature g ON g.id = a.signature_id ORDER BY ${order}, s.test_id, s.execution_id`
    : `SELECT ${cols} FROM agg a JOIN ffa_traceback_seen s ON s.execution_id = (SELECT f.execution_id ${seek}) JOIN ffa_traceback_signature g ON g.id = a.signature_id
        ORDER BY ${order}, s.test_id, s.execution_id`;
}

/**
 * The window aggregate. `w` is the window (run id, rank in window order), the caller's dialect-specific source;
 * `hashes` an optional `IN (...)` list (TracebackMatching's lookup). The count and the newest run of each signature
 * come from one pass over a covering index (run_id, flaky, signature_id); rows come in the order of their first
 * occurrence: (rank, test id, execution id), the order history hydrates in.
 */
export function windowGroupsSql(dialect: 'sqlite' | 'postgres', w: string, hashes: string | null): string {
  const flaky = dialect === 'sqlite' ? 's.flaky = 1' : 's.flaky = true';
  // The newest run of a signature travels as rank × 2³² + run id, so one MIN finds it (ids are 32-bit).
  return `WITH w AS (${w}),
  agg AS (
    SELECT s.signature_id, COUNT(*) AS n, MIN(w.rank * 4294967296 + s.run_id) AS first
      FROM w JOIN ffa_traceback_seen s ON s.run_id = w.run_id AND ${flaky}${hashes ? ` WHERE s.signature_id IN (SELECT id FROM ffa_traceback_signature WHERE hash IN (${hashes}))` : ''}
     GROUP BY s.signature_id
  )
  ${firstsSql(dialect, 'a.first % 4294967296', 'a.first')}`;
}

/**
 * The aggregate for a window that is a span of start times (loadHistory's without load-max-runs: before, and since
 * when time-immemorial is set, the default): `range` is that span as a condition on `s.start_time`, which each row
 * keeps as its run's. Each flaky signature's count and newest run (history's order: start_time, then id, newest
 * first) come from one index-only pass over (flaky, signature_id, start_time DESC, run_id DESC), with no list of runs
 * to join, so the cost follows the flaky rows and the distinct signatures, never the runs' own rows. Every run of the
 * span must be indexed first. Same rows, same order as windowGroupsSql over the same runs.
 */
export function rangeGroupsSql(dialect: 'sqlite' | 'postgres', range: string, hashes: string | null): string {
  const flaky = dialect === 'sqlite' ? 's.flaky = 1' : 's.flaky = true';
  const only = hashes ? ` AND s.signature_id IN (SELECT id FROM ffa_traceback_signature WHERE hash IN (${hashes}))` : '';
  // sql.js: the newest start time with the count, in the index's order, then its newest run among the rows of that
  // start time by one seek; PostgreSQL: the counts in the index's order, then one seek per signature for its newest
  // run (`flaky = true`, not `flaky`: only an equality lets the planner read the index's order past its first column).
  const agg =
    dialect === 'sqlite'
      ? `SELECT s.signature_id, COUNT(*) AS n, MAX(s.start_time) AS start_time FROM ffa_traceback_seen s
          WHERE ${flaky} AND ${range}${only} GROUP BY s.signature_id`
      : `SELECT c.signature_id, c.n, d.start_time, d.run_id
           FROM (SELECT s.signature_id, COUNT(*) AS n FROM ffa_traceback_seen s WHERE ${flaky} AND ${range}${only} GROUP BY s.signature_id) c
           CROSS JOIN LATERAL (SELECT f.start_time, f.run_id FROM ffa_traceback_seen f WHERE f.flaky = true AND f.signature_id = c.signature_id
                                AND ${range.replace(/\bs\./g, 'f.')} ORDER BY f.start_time DESC, f.run_id DESC LIMIT 1) d`;
  const newestRun = `(SELECT r.run_id FROM ffa_traceback_seen r WHERE r.flaky = 1 AND r.signature_id = a.signature_id AND r.start_time = a.start_time
                       ORDER BY r.run_id DESC LIMIT 1)`;
  return dialect === 'sqlite'
    ? `WITH agg AS (${agg}) ${firstsSql(dialect, newestRun, 'a.start_time DESC, s.run_id DESC')}`
    : `WITH agg AS (${agg}) ${firstsSql(dialect, 'a.run_id', 'a.start_time DESC, a.run_id DESC')}`;
}

/** Statements that forget runs' index rows (their verdicts changed, or they are deleted); `ids` is the dialect's id list. */
export function forgetRunsSql(ids: string): string[] {
  return [`DELETE FROM ffa_traceback_seen WHERE run_id IN (${ids})`, `DELETE FROM ffa_traceback_run WHERE run_id IN (${ids})`];
}

/** Index rows as positional arrays for the inserts: signatures [hash, tuples, rooted], seen rows, and the run row. */
export function insertRows(ix: IndexedRun): { signatures: [string, string, boolean][]; seen: unknown[][] } {
  return {
    signatures: [...ix.signatures].map(([hash, [json, rooted]]) => [hash, json, rooted]),
    seen: ix.seen.map((s) => [s.executionId, s.runId, s.testId, s.hash, s.testName, s.executionIndex, s.flaky, s.learnedAt, s.learnedFromRun, s.learnedReason]),
  };
}

/**
 * What the history flakefighters read for this window, from the store's signature index: CosineSimilarity's full set
 * is read once and TracebackMatching's lookup answered from it when it was read first; else an indexed lookup.
 */
export function storeTracebackSource(
  store: { flakyTracebacks(window: HistoryQuery | readonly Run[], hashes?: readonly string[]): Promise<FlakyTracebackGroup[]> },
  window: HistoryQuery | readonly Run[],
): TracebackHistorySource & { preload(run: Run, root: string, all: boolean): Promise<void> } {
  let all: Promise<FlakyTracebackGroup[]> | null = null;
  let looked: { hashes: Set<string>; groups: Promise<FlakyTracebackGroup[]> } | null = null;
  const pick = async (from: Promise<FlakyTracebackGroup[]>, hashes: readonly string[]) => {
    const want = new Set(hashes);
    return (await from).filter((g) => g.rooted && want.has(signatureHash(g.key, true)));
  };
  return {
    flaky: () => (all ??= store.flakyTracebacks(window)),
    async matching(hashes) {
      if (all) return pick(all, hashes);
      if (looked && hashes.every((h) => looked!.hashes.has(h))) return pick(looked.groups, hashes);
      return store.flakyTracebacks(window, hashes);
    },
    /**
     * Reads now what classifying `run` will ask (every failure's lookup, and the full set when CosineSimilarity runs), so
     * a database that fails does so while the caller can still fall back, never halfway through the flakefighters.
     */
    async preload(run, root, wantAll) {
      if (wantAll) {
        await (all ??= store.flakyTracebacks(window));
        return;
      }
      const hashes = lookupHashes(run, root);
      looked = { hashes, groups: hashes.size ? store.flakyTracebacks(window, [...hashes]) : Promise.resolve([]) };
      await looked.groups;
    },
  };
}

/** lookupHashes of a settled run, by root: the preload and TracebackMatching ask the same and frames never change. */
const lookedUp = new WeakMap<Run, { tests: readonly Test[]; root: string; hashes: Set<string> }>();

/** The lookup hash of every failure of `run` with a traceback that TracebackMatching compares (callers only read it). */
export function lookupHashes(run: Run, root: string): Set<string> {
  // A test outside testsToJudge has no execution with an exception.
  const tests = testsToJudge(run);
  const memo = lookedUp.get(run);
  if (memo && memo.tests === tests && memo.root === root) return memo.hashes;
  const out = new Set<string>();
  for (const t of tests) {
    for (const e of t.executions) {
      const tuples = e.exception ? matchTuples(e.exception.frames, root) : null;
      if (tuples) out.add(lookupHash(tuples));
    }
  }
  // Only a settled run's tests are known not to change (testsToJudge is then not run.tests itself).
  if (tests !== run.tests) lookedUp.set(run, { tests, root, hashes: out });
  return out;
}
