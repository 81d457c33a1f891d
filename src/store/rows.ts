/**
 * The row layer both back ends share: flat rows of the plugin's tables (+ ours) ⇄ model Runs.
 * A back end only runs set-based SELECTs that return these rows, and INSERTs the rows
 * `flattenRun` gives, mapping ids; everything about formats and pickles lives here.
 *
 * STABLE API (the Postgres back end builds on it):
 *
 *   type Timestamp = string | Date | null      // text as stored, or a driver's Date
 *   type DbBool = boolean | number | null      // SQLite 0/1, Postgres boolean
 *   interface RunRow, FfaRunRow, ActiveFlakefighterRow, TestRow, ExecutionRow, ExceptionRow,
 *             FrameRow, ResultRow, EvidenceRow // one per table, snake_case column names
 *   interface RunRows { runs, ffaRuns, activeFlakefighters, tests, executions, exceptions,
 *                       frames, results, evidence }           // arrays of the rows above
 *   hydrateRuns(rows: RunRows, opts?: HydrateOptions): Run[]   // runs in rows.runs order,
 *       children in id order; orphans ignored; pickles decoded (a bad pickle → warn + null/opaque);
 *       a run without an ffa_run row is a plugin run: meta.uuid = pluginRunUuid(...), source 'plugin'
 *   flattenRun(run: Run, now?: Date): FlatRun                  // rows without ids + parent indexes
 *       FlatRun.run / .ffaRun / .activeFlakefighters / .tests / .executions{testIndex} /
 *       .exceptions{executionIndex} / .frames{exceptionIndex} /
 *       .results{testIndex|null, executionIndex|null} / .evidence{resultIndex} / .learned{resultIndex}
 *       (ffa_learned_result: verdicts learned after their run was saved; .learnedAt: when this run's passes teach)
 *       Insert in that order; index i of each array is the i-th row inserted in its table.
 *       Timestamps are text in the plugin's formats, booleans are JS booleans (SQLite binds 0/1),
 *       pickled columns are protocol-4 bytes.
 *   flattenHead(run, now?): FlatHead                // flattenRun's run, ffaRun, activeFlakefighters, learnedAt
 *   flattenTests(run, bulk: BulkRowSink): FlatDetail // tests and executions to `bulk` as column values (no row
 *       objects), the other rows returned; flattenRun = flattenHead + flattenTests, the same rows
 *   passedTestNames(run): Set<string>               // tests with a passing execution (learning on save)
 *   pluginRunUuid(startTime: Date, root: string | null, testNames: string[]): string
 *   interface LoadOptions { failuresOnly?; coverage?; environment?; testNames?; bare? }   // bare: outcomes and verdicts only
 *   interface RunKey { id: number; uuid: string; startTime: Date; source: string | null }
 *   FLAT_COLUMNS: the column order of each FlatRun row kind, for multi-row INSERTs
 *   applyLoadOptions(runs, opts): Run[]   // after hydrateRuns: drops emptied tests when failuresOnly
 *   re-exported: formatLocalTimestamp, formatUtcTimestamp, parseTimestamp
 */
import { createHash } from 'node:crypto';
import type {
  ActiveFlakefighter,
  Evidence,
  Execution,
  ExceptionInfo,
  FlakefighterResult,
  Outcome,
  Run,
  RunCounts,
  RunMeta,
  Test,
  TracebackFrame,
} from '../model.ts';
import { countRun } from '../model.ts';
import { OpaqueObject, coverageFromPickle, coverageToPickle, pickle, unpickle, type Picklable } from './pickle.ts';
import type { PickleValue } from './pickle-types.ts';
import { formatLocalTimestamp, formatUtcTimestamp, parseTimestamp } from './timestamps.ts';

export { formatLocalTimestamp, formatUtcTimestamp, parseTimestamp };

export type Timestamp = string | Date | null;
export type DbBool = boolean | number | null;

export interface RunRow {
  id: number;
  start_time: Timestamp;
  created_at: Timestamp;
  root: string | null;
  commit_sha: string | null;
}

export interface FfaRunRow {
  run_id: number;
  uuid: string;
  workflow: string | null;
  job: string | null;
  gh_run_id: string | null;
  run_attempt: number | null;
  run_number: number | null;
  ref: string | null;
  branch: string | null;
  repository: string | null;
  event_name: string | null;
  source: string | null;
  /** JSON array text. */
  dialects: string | null;
  /** JSON RunCounts text, as classified when saved. */
  counts: string | null;
  /** RunMeta.environment (schema 2; absent from rows of older databases until they are upgraded). */
  environment?: string | null;
  environment_label?: string | null;
  /** SQLite 0/1, Postgres boolean. */
  dirty_tree?: DbBool;
}

export interface ActiveFlakefighterRow {
  id: number;
  run_id: number;
  name: string | null;
  params: Uint8Array | null;
}

export interface TestRow {
  id: number;
  run_id: number;
  fspath: string | null;
  line_no: number | null;
  name: string | null;
  skipped: DbBool;
}

export interface ExecutionRow {
  id: number;
  test_id: number;
  outcome: string | null;
  stdout: string | null;
  stderr: string | null;
  report: string | null;
  start_time: Timestamp;
  end_time: Timestamp;
  coverage: Uint8Array | null;
}

export interface ExceptionRow {
  id: number;
  execution_id: number;
  name: string | null;
}

export interface FrameRow {
  id: number;
  exception_id: number;
  path: string | null;
  lineno: number | null;
  colno: number | null;
  statement: string | null;
  source: string | null;
}

export interface ResultRow {
  id: number;
  test_execution_id: number | null;
  test_id: number | null;
  name: string | null;
  flaky: DbBool;
}

export interface EvidenceRow {
  result_id: number;
  /** JSON object text. */
  evidence: string;
}

/** ffa_learned_result: a verdict learned after its run was saved (learn-from-reruns.ts). */
export interface LearnedRow {
  result_id: number;
  /** UTC. */
  learned_at: Timestamp;
  /** The teaching run's uuid. */
  learned_from_run: string | null;
}

export interface RunRows {
  runs: RunRow[];
  ffaRuns: FfaRunRow[];
  activeFlakefighters: ActiveFlakefighterRow[];
  tests: TestRow[];
  executions: ExecutionRow[];
  exceptions: ExceptionRow[];
  frames: FrameRow[];
  results: ResultRow[];
  evidence: EvidenceRow[];
  /** Absent from back ends or databases that do not read ffa_learned_result: no result is marked learned. */
  learned?: LearnedRow[];
}

/**
 * What history loading may leave out. Flakefighters that look back (TracebackMatching,
 * CosineSimilarity) only need failing executions and the results that make Test.flaky; a
 * passing execution without results matters only for outcome history (OutcomeFlip, DiffCov,
 * report trends), which is read through loadRunsForCommit / a full load instead.
 */
export interface LoadOptions {
  /**
   * Leave out passing executions that carry no flakefighter result, then tests left with no
   * execution and no test-level result. Test.flaky is unchanged by this; outcome history is not.
   */
  failuresOnly?: boolean;
  /** Load test_execution.coverage (default true); history rarely needs it and it is the bulk. */
  coverage?: boolean;
  /**
   * Only runs of this environment (ffa_run.environment); null selects nothing, since an unknown
   * environment matches no run. Undefined: every run.
   */
  environment?: string | null;
  /**
   * Only tests of these names (their executions, exceptions, results); every selected run is still returned. OutcomeFlip
   * asks only about this run's failing tests on its commit. Undefined: every test.
   */
  testNames?: readonly string[];
  /**
   * Outcomes and verdicts only: no exceptions, frames, evidence or execution texts (stdout, stderr, report). What the
   * reports read of stored runs (strips, counts, rankings); their tracebacks are read from the signature index instead.
   */
  bare?: boolean;
}

/** Identity of a stored run, for sync and artifact merges. */
export interface RunKey {
  id: number;
  uuid: string;
  startTime: Date;
  source: string | null;
}

/**
 * What a back end does after hydrating rows it selected with `opts` (the SQL filters the
 * executions; this drops the tests left empty), so both back ends return the same shape.
 */
export function applyLoadOptions(runs: Run[], opts: LoadOptions = {}): Run[] {
  if (opts.failuresOnly) for (const r of runs) r.tests = r.tests.filter((t) => t.executions.length > 0 || t.results.length > 0);
  return runs;
}

export interface HydrateOptions {
  /** Called for rows that cannot be decoded (bad pickle, bad evidence JSON); the row is kept. */
  warn?: (message: string) => void;
}

const PLUGIN_NAMESPACE = 'flakefighters-plugin-run/v1';

/**
 * Deterministic uuid of a run the plugin wrote (it has no ffa_run row): a v5-style uuid over the
 * plugin's natural key. start_time is taken at millisecond precision in local time so SQLite text
 * (microseconds) and a driver's Date (milliseconds) of the same row give the same uuid.
 */
export function pluginRunUuid(startTime: Date, root: string | null, testNames: readonly string[]): string {
  const key = [PLUGIN_NAMESPACE, formatLocalTimestamp(startTime), root ?? '', ...[...testNames].sort()].join('\n');
  const h = createHash('sha1').update(key, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const toBool = (v: DbBool): boolean => v === true || v === 1 || (typeof v === 'string' && (v === '1' || v === 't' || v === 'true'));

function sortedById<T extends { id: number }>(rows: T[]): T[] {
  for (let i = 1; i < rows.length; i++) if (rows[i - 1].id > rows[i].id) return [...rows].sort((a, b) => a.id - b.id);
  return rows;
}

function groupBy<T>(rows: T[], key: (r: T) => number | null): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    const k = key(r);
    if (k === null || k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function parseCounts(text: string | null | undefined): RunCounts | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<RunCounts>;
    const keys = ['total', 'passed', 'failed', 'skipped', 'flaky', 'genuine'] as const;
    return keys.every((k) => typeof v[k] === 'number') ? (v as RunCounts) : null;
  } catch {
    return null;
  }
}

function parseDialects(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Builds model Runs from flat rows. */
export function hydrateRuns(rows: RunRows, opts: HydrateOptions = {}): Run[] {
  const warn = opts.warn ?? (() => {});
  const ffaByRun = new Map(rows.ffaRuns.map((r) => [r.run_id, r]));
  const evidenceByResult = new Map(rows.evidence.map((r) => [r.result_id, r.evidence]));
  const learnedByResult = new Map((rows.learned ?? []).map((r) => [r.result_id, r]));
  const affByRun = groupBy(sortedById(rows.activeFlakefighters), (r) => r.run_id);
  const testsByRun = groupBy(sortedById(rows.tests), (r) => r.run_id);
  const execsByTest = groupBy(sortedById(rows.executions), (r) => r.test_id);
  const excByExec = groupBy(sortedById(rows.exceptions), (r) => r.execution_id);
  const framesByExc = groupBy(sortedById(rows.frames), (r) => r.exception_id);
  const results = sortedById(rows.results);
  const resultsByExec = groupBy(results, (r) => r.test_execution_id);
  // A row with both links set belongs to its execution (the plugin never writes both).
  const resultsByTest = groupBy(results, (r) => (r.test_execution_id === null ? r.test_id : null));

  const toResult = (r: ResultRow): FlakefighterResult => {
    const out: FlakefighterResult = { id: r.id, name: r.name ?? '', flaky: toBool(r.flaky) };
    const ev = evidenceByResult.get(r.id);
    if (ev !== undefined) {
      try {
        out.evidence = JSON.parse(ev) as Evidence;
      } catch {
        warn(`flakefighter_result ${r.id}: evidence is not JSON; kept as text`);
        out.evidence = { reason: ev };
      }
    }
    const learned = learnedByResult.get(r.id);
    if (learned) out.learned = { at: parseTimestamp(learned.learned_at, 'utc') ?? new Date(0), fromRunUuid: learned.learned_from_run ?? null };
    return out;
  };

  const toExecution = (e: ExecutionRow): Execution => {
    let coverage: Record<string, number[]> | null = null;
    try {
      coverage = coverageFromPickle(e.coverage);
    } catch (err) {
      warn(`test_execution ${e.id}: coverage pickle unreadable (${(err as Error).message}); ignored`);
    }
    const excRow = excByExec.get(e.id)?.[0];
    let exception: ExceptionInfo | null = null;
    if (excRow) {
      exception = {
        name: excRow.name ?? '',
        frames: (framesByExc.get(excRow.id) ?? []).map(
          (f): TracebackFrame => ({
            path: f.path ?? '',
            lineno: f.lineno ?? 0,
            colno: f.colno ?? null,
            statement: f.statement ?? null,
            source: f.source ?? null,
          }),
        ),
      };
    }
    return {
      id: e.id,
      outcome: (e.outcome ?? 'passed') as Outcome,
      startTime: parseTimestamp(e.start_time, 'local'),
      endTime: parseTimestamp(e.end_time, 'local'),
      stdout: e.stdout ?? null,
      stderr: e.stderr ?? null,
      report: e.report ?? 'None',
      coverage,
      exception,
      results: (resultsByExec.get(e.id) ?? []).map(toResult),
    };
  };

  return rows.runs.map((r): Run => {
    const testRows = testsByRun.get(r.id) ?? [];
    const tests = testRows.map(
      (t): Test => ({
        id: t.id,
        name: t.name ?? '',
        fspath: t.fspath ?? '',
        lineNo: t.line_no ?? null,
        skipped: toBool(t.skipped),
        executions: (execsByTest.get(t.id) ?? []).map(toExecution),
        results: (resultsByTest.get(t.id) ?? []).map(toResult),
      }),
    );
    const activeFlakefighters = (affByRun.get(r.id) ?? []).map((a): ActiveFlakefighter => {
      let params: PickleValue = null;
      if (a.params && a.params.length) {
        try {
          params = unpickle(a.params);
        } catch (err) {
          warn(`activeflakefighter ${a.id}: params pickle unreadable (${(err as Error).message}); ignored`);
          params = new OpaqueObject('flakefighters', 'unreadable');
        }
      }
      return { name: a.name ?? '', params };
    });
    const startTime = parseTimestamp(r.start_time, 'local') ?? new Date(0);
    const ffa = ffaByRun.get(r.id);
    const meta: RunMeta = ffa
      ? {
          uuid: ffa.uuid,
          workflow: ffa.workflow,
          job: ffa.job,
          runId: ffa.gh_run_id,
          runAttempt: ffa.run_attempt,
          runNumber: ffa.run_number,
          ref: ffa.ref,
          branch: ffa.branch,
          repository: ffa.repository,
          eventName: ffa.event_name,
          source: ffa.source,
          dialects: parseDialects(ffa.dialects),
          counts: parseCounts(ffa.counts),
          environment: ffa.environment ?? null,
          environmentLabel: ffa.environment_label ?? null,
          dirtyTree: ffa.dirty_tree === null || ffa.dirty_tree === undefined ? null : toBool(ffa.dirty_tree),
        }
      : { uuid: pluginRunUuid(startTime, r.root, testRows.map((t) => t.name ?? '')), source: 'plugin', dialects: [] };
    return {
      id: r.id,
      startTime,
      createdAt: parseTimestamp(r.created_at, 'utc'),
      root: r.root ?? '',
      commitSha: r.commit_sha ?? null,
      tests,
      activeFlakefighters,
      meta,
    };
  });
}

export type NewRunRow = { start_time: string; created_at: string; root: string; commit_sha: string | null };
export type NewFfaRunRow = Omit<FfaRunRow, 'run_id' | 'environment' | 'environment_label' | 'dirty_tree'> & {
  environment: string | null;
  environment_label: string | null;
  dirty_tree: boolean | null;
};
export type NewActiveFlakefighterRow = { name: string; params: Uint8Array | null };
export type NewTestRow = { fspath: string; line_no: number | null; name: string; skipped: boolean };
export type NewExecutionRow = {
  testIndex: number;
  outcome: string;
  stdout: string | null;
  stderr: string | null;
  report: string;
  start_time: string | null;
  end_time: string | null;
  coverage: Uint8Array | null;
};
export type NewExceptionRow = { executionIndex: number; name: string };
export type NewFrameRow = {
  exceptionIndex: number;
  path: string;
  lineno: number;
  colno: number | null;
  statement: string | null;
  source: string | null;
};
export type NewResultRow = { testIndex: number | null; executionIndex: number | null; name: string; flaky: boolean };
export type NewEvidenceRow = { resultIndex: number; evidence: string };
/** learned_at is UTC text with milliseconds (formatLearnedAt). */
export type NewLearnedRow = { resultIndex: number; learned_at: string; learned_from_run: string | null };

/** `YYYY-MM-DD HH:MM:SS.fff` in UTC: learned_at keeps milliseconds, so "learned after a run's start" is exact. */
function formatLearnedAt(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export interface FlatRun {
  run: NewRunRow;
  ffaRun: NewFfaRunRow;
  activeFlakefighters: NewActiveFlakefighterRow[];
  tests: NewTestRow[];
  executions: NewExecutionRow[];
  exceptions: NewExceptionRow[];
  frames: NewFrameRow[];
  /** Exactly one of testIndex / executionIndex is set (the plugin's CHECK). */
  results: NewResultRow[];
  evidence: NewEvidenceRow[];
  /** Learned verdicts the run carries (a copy made by sync keeps them learned). */
  learned: NewLearnedRow[];
  /**
   * When verdicts this run's passes teach count as learned (UTC, formatLearnedAt): the run's created_at when it
   * has one (a copy keeps the moment it was first saved), else `now`.
   */
  learnedAt: string;
}

/** An execution time the report did not give (or gave unparseable) is stored as NULL, like the plugin's missing values. */
function optionalTime(d: Date | null | undefined): string | null {
  return d instanceof Date && !Number.isNaN(d.getTime()) ? formatLocalTimestamp(d) : null;
}

/** Column order of each table's INSERT, matching the New*Row fields (parent id first where there is one). */
export const FLAT_COLUMNS = {
  run: ['start_time', 'created_at', 'root', 'commit_sha'],
  ffa_run: [
    'run_id', 'uuid', 'workflow', 'job', 'gh_run_id', 'run_attempt', 'run_number', 'ref', 'branch', 'repository', 'event_name', 'source', 'dialects', 'counts',
    'environment', 'environment_label', 'dirty_tree',
  ],
  activeflakefighter: ['run_id', 'name', 'params'],
  test: ['run_id', 'fspath', 'line_no', 'name', 'skipped'],
  test_execution: ['test_id', 'outcome', 'stdout', 'stderr', 'report', 'start_time', 'end_time', 'coverage'],
  test_exception: ['execution_id', 'name'],
  tracebackentry: ['exception_id', 'path', 'lineno', 'colno', 'statement', 'source'],
  flakefighter_result: ['test_execution_id', 'test_id', 'name', 'flaky'],
  ffa_result_evidence: ['result_id', 'evidence'],
  ffa_learned_result: ['result_id', 'learned_at', 'learned_from_run'],
} as const;

/** The run's own rows and learnedAt: everything flattenRun gives except the rows under its tests. */
export type FlatHead = Pick<FlatRun, 'run' | 'ffaRun' | 'activeFlakefighters' | 'learnedAt'>;

/** The rows under the tests that are few (failures, verdicts): flattenTests returns them as arrays. */
export type FlatDetail = Pick<FlatRun, 'exceptions' | 'frames' | 'results' | 'evidence' | 'learned'>;

/**
 * Takes the bulk rows (one per test, one per execution) as they are made, in insertion order, as column values in
 * FLAT_COLUMNS order: a back end can bind them straight away, so a 100k-test save builds no object per row (collecting
 * 200k row objects only to read them back once was most of a 100k save's garbage-collection time).
 */
export interface BulkRowSink {
  test(fspath: string, lineNo: number | null, name: string, skipped: boolean): void;
  execution(
    testIndex: number,
    outcome: string,
    stdout: string | null,
    stderr: string | null,
    report: string,
    startTime: string | null,
    endTime: string | null,
    coverage: Uint8Array | null,
  ): void;
}

/**
 * Flattens a Run into insertable rows. `now` is created_at when the run has none (the plugin's
 * CURRENT_TIMESTAMP default, UTC).
 */
export function flattenRun(run: Run, now: Date = new Date()): FlatRun {
  const head = flattenHead(run, now);
  const tests: NewTestRow[] = [];
  const executions: NewExecutionRow[] = [];
  const detail = flattenTests(run, {
    test: (fspath, line_no, name, skipped) => tests.push({ fspath, line_no, name, skipped }),
    execution: (testIndex, outcome, stdout, stderr, report, start_time, end_time, coverage) =>
      executions.push({ testIndex, outcome, stdout, stderr, report, start_time, end_time, coverage }),
  });
  return { ...head, tests, executions, ...detail };
}

/** The run's own rows (flattenRun without its tests); throws for a run without a valid start time. */
export function flattenHead(run: Run, now: Date = new Date()): FlatHead {
  if (!(run.startTime instanceof Date) || Number.isNaN(run.startTime.getTime())) {
    throw new Error(`run ${run.meta?.uuid ?? ''} has no valid start time; cannot store it`);
  }
  const m = run.meta;
  return {
    run: {
      start_time: formatLocalTimestamp(run.startTime),
      created_at: formatUtcTimestamp(run.createdAt ?? now),
      root: run.root,
      commit_sha: run.commitSha ?? null,
    },
    ffaRun: {
      uuid: m.uuid,
      workflow: m.workflow ?? null,
      job: m.job ?? null,
      gh_run_id: m.runId ?? null,
      run_attempt: m.runAttempt ?? null,
      run_number: m.runNumber ?? null,
      ref: m.ref ?? null,
      branch: m.branch ?? null,
      repository: m.repository ?? null,
      event_name: m.eventName ?? null,
      source: m.source ?? null,
      dialects: JSON.stringify(m.dialects ?? []),
      counts: JSON.stringify(countRun(run)),
      environment: m.environment ?? null,
      environment_label: m.environmentLabel ?? null,
      dirty_tree: m.dirtyTree ?? null,
    },
    activeFlakefighters: run.activeFlakefighters.map((a) => ({
      name: a.name,
      params: a.params === null || a.params === undefined ? null : pickle(a.params as Picklable),
    })),
    learnedAt: formatLearnedAt(run.createdAt instanceof Date && Number.isFinite(run.createdAt.getTime()) ? run.createdAt : now),
  };
}

/**
 * The rows under the run's tests: tests and executions to `bulk` as they are made, the rest returned. Indexes in the
 * returned rows count the rows `bulk` received (the i-th test, the i-th execution).
 */
export function flattenTests(run: Run, bulk: BulkRowSink): FlatDetail {
  const flat: FlatDetail = { exceptions: [], frames: [], results: [], evidence: [], learned: [] };
  const addResult = (r: FlakefighterResult, testIndex: number | null, executionIndex: number | null) => {
    const resultIndex = flat.results.length;
    flat.results.push({ testIndex, executionIndex, name: r.name, flaky: !!r.flaky });
    if (r.evidence !== undefined && r.evidence !== null) flat.evidence.push({ resultIndex, evidence: JSON.stringify(r.evidence) });
    if (r.learned) flat.learned.push({ resultIndex, learned_at: formatLearnedAt(r.learned.at), learned_from_run: r.learned.fromRunUuid });
  };
  // An execution often starts the moment the one before ended (JUnit gives durations): the last text is reused.
  let lastMs = NaN;
  let lastText: string | null = null;
  const time = (d: Date | null | undefined): string | null => {
    if (!(d instanceof Date)) return null;
    const ms = d.getTime();
    if (ms !== lastMs) {
      lastText = optionalTime(d);
      lastMs = ms;
    }
    return lastText;
  };
  let executionIndex = 0;
  for (let testIndex = 0; testIndex < run.tests.length; testIndex++) {
    const t = run.tests[testIndex];
    bulk.test(t.fspath, t.lineNo ?? null, t.name, !!t.skipped);
    for (const e of t.executions) {
      bulk.execution(
        testIndex,
        e.outcome,
        e.stdout ?? null,
        e.stderr ?? null,
        // The plugin stores str(longrepr): 'None' for a passing execution.
        e.report === undefined || e.report === null || (e.report === '' && e.outcome === 'passed') ? 'None' : e.report,
        time(e.startTime),
        time(e.endTime),
        coverageToPickle(e.coverage),
      );
      if (e.exception) {
        const exceptionIndex = flat.exceptions.length;
        flat.exceptions.push({ executionIndex, name: e.exception.name });
        for (const f of e.exception.frames) {
          flat.frames.push({
            exceptionIndex,
            path: f.path,
            lineno: f.lineno,
            colno: f.colno ?? null,
            statement: f.statement ?? null,
            source: f.source ?? null,
          });
        }
      }
      for (const r of e.results) addResult(r, null, executionIndex);
      executionIndex++;
    }
    for (const r of t.results) addResult(r, testIndex, null);
  }
  return flat;
}

/** Names of the tests with a passing execution, as the execution rows of flattenRun give them (learn-from-reruns.ts). */
export function passedTestNames(run: Run): Set<string> {
  const passed = new Set<string>();
  for (const t of run.tests) if (t.executions.some((e) => e.outcome === 'passed')) passed.add(t.name);
  return passed;
}
