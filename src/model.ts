/**
 * The one result model every stage shares: ingest builds a Run, the store saves and loads Runs,
 * flakefighters append results to it, reports render it. Field names follow the plugin's tables
 * (design §2) so the store maps them one to one.
 */
import type { PickleValue } from './store/pickle-types.ts';

/** The plugin stores `passed` | `failed` | `skipped`; we add `error` for JUnit <error>. */
export type Outcome = 'passed' | 'failed' | 'error' | 'skipped';

export const isFailing = (o: Outcome | string): boolean => o === 'failed' || o === 'error';

/** One frame as the plugin stores it: path relative to the run's root where possible, lineno 0-based. */
export interface TracebackFrame {
  path: string;
  /** 0-based, as pytest/the plugin store it (JUnit text is 1-based: subtract 1 on ingest). */
  lineno: number;
  colno: number | null;
  statement: string | null;
  source?: string | null;
}

export interface ExceptionInfo {
  /** Exception class name without module (`ValueError`, `AssertionError`, `java.lang.AssertionError` → `AssertionError`). */
  name: string;
  frames: TracebackFrame[];
}

/** Why a flakefighter said what it said; shown in reports, kept in `ffa_result_evidence`. */
export interface Evidence {
  /** Human sentence: "failed then passed on retry in this run", "same traceback as run #12 (tests/x.py::t)". */
  reason: string;
  runId?: number | null;
  runUuid?: string | null;
  testName?: string | null;
  similarity?: number;
  cluster?: number;
  [key: string]: unknown;
}

export interface FlakefighterResult {
  name: string;
  flaky: boolean;
  evidence?: Evidence;
  /** Set when loaded from the database. */
  id?: number;
  /**
   * Set on a verdict learned after its run was saved (store/learn-from-reruns.ts: the failure later passed on the
   * same code in the same environment), kept in `ffa_learned_result`. Replays "as of" a moment hide those learned
   * after it (learned-verdicts.ts).
   */
  learned?: LearnedFrom;
}

/** When a verdict was learned and from which run (its uuid: database ids differ between databases). */
export interface LearnedFrom {
  at: Date;
  fromRunUuid: string | null;
}

/**
 * The `results` of a test or execution nothing has judged yet: one frozen array shared by all of them (a million passing
 * tests would otherwise hold two empty arrays each, 64 MB). Write only through `addResults`; a direct push throws.
 */
export const NO_RESULTS: FlakefighterResult[] = Object.freeze([]) as unknown as FlakefighterResult[];

/** Appends verdicts to a test's or an execution's results, giving it an array of its own on the first one. */
export function addResults(holder: { results: FlakefighterResult[] }, ...results: FlakefighterResult[]): void {
  if (results.length === 0) return;
  if (holder.results === NO_RESULTS) holder.results = results;
  else holder.results.push(...results);
}

export interface Execution {
  outcome: Outcome;
  startTime: Date | null;
  endTime: Date | null;
  stdout: string | null;
  stderr: string | null;
  /** The failure text (plugin: str(longrepr), the string 'None' for passing tests). */
  report: string;
  /** Absolute file path → 1-based covered lines, or null when no per-test coverage is known. */
  coverage: Record<string, number[]> | null;
  exception: ExceptionInfo | null;
  results: FlakefighterResult[];
  /** Failure message (first line), for summaries. Not stored in the plugin's tables. */
  message?: string | null;
  id?: number;
}

export interface Test {
  /** Stable test id: pytest nodeid where the report allows, else `classname.name`. */
  name: string;
  /** Absolute path of the test's file where known, else ''. */
  fspath: string;
  /** 1-based line of the test where known. */
  lineNo: number | null;
  skipped: boolean;
  executions: Execution[];
  /** Test-level results (CoverageIndependence). */
  results: FlakefighterResult[];
  id?: number;
}

export interface ActiveFlakefighter {
  name: string;
  /** A dict as loaded from the database (PickleDict) or as a flakefighter gives it (plain object). */
  params: PickleValue | Record<string, PickleValue>;
}

/** Our own run metadata, kept in `ffa_run` (the plugin's tables have no room for it). */
export interface RunMeta {
  uuid: string;
  workflow?: string | null;
  job?: string | null;
  runId?: string | null;
  runAttempt?: number | null;
  runNumber?: number | null;
  ref?: string | null;
  branch?: string | null;
  repository?: string | null;
  eventName?: string | null;
  /** Where the run came from: `action`, `cli`, `plugin` (read from a plugin-written database). */
  source?: string | null;
  /** JUnit/CTRF dialects read, e.g. ["pytest", "jest-junit"]. */
  dialects?: string[];
  /**
   * Totals as classified when the run was saved (ffa_run.counts): history is loaded with its
   * failures only, so the stored tests alone no longer tell how many passed.
   */
  counts?: RunCounts | null;
  /**
   * Where the run ran, as one comparable key: workflow, job and matrix leg (else the runner's OS and
   * architecture) for the action, the machine for the CLI. Results are compared across runs only within one
   * environment: a pass on another leg is no retry. Null for plugin runs and older rows, which match no run.
   */
  environment?: string | null;
  /** The environment as people read it in evidence ("ci.yml › test › python 3.9, ubuntu"). */
  environmentLabel?: string | null;
  /**
   * True when the CLI ran on a working tree with uncommitted changes to tracked files: such a run is not the
   * same code as any other run of its commit.
   */
  dirtyTree?: boolean | null;
  /**
   * Result files matched by test-results that could not be read (malformed, truncated): their tests are missing
   * from this run, so the run never reads as all-green (it is counted in RunCounts.unreadable).
   */
  unreadableFiles?: string[];
}

export interface Run {
  id?: number;
  /** Naive local time in the plugin; we keep a Date and write it the plugin's way. */
  startTime: Date;
  createdAt?: Date | null;
  root: string;
  commitSha: string | null;
  tests: Test[];
  activeFlakefighters: ActiveFlakefighter[];
  meta: RunMeta;
}

/**
 * How a stored run is named to people: its GitHub run number (`#41`, `#41 (attempt 2)`), the number on
 * the Actions page, since database ids differ from file to file once history travels through
 * artifacts; else `#<database id>`; else the start of its uuid.
 */
export function runRef(run: Run): string {
  const n = run.meta?.runNumber;
  if (n) return `#${n}${(run.meta.runAttempt ?? 1) > 1 ? ` (attempt ${run.meta.runAttempt})` : ''}`;
  return run.id != null ? `#${run.id}` : (run.meta?.uuid ?? '?').slice(0, 8);
}

/** Both runs ran in one known environment (null never matches, design §4). */
export function sameEnvironment(a: Run, b: Run): boolean {
  return a.meta.environment != null && a.meta.environment === b.meta.environment;
}

/** Both runs ran the same code: one known commit and neither from a working tree with uncommitted changes. */
export function sameCode(a: Run, b: Run): boolean {
  return a.commitSha != null && a.commitSha === b.commitSha && !a.meta.dirtyTree && !b.meta.dirtyTree;
}

/** The plugin's Test.flaky: any test-level result or any execution result is flaky; null when there are none. */
export function testFlaky(test: Test): boolean | null {
  let seen = false;
  for (const r of test.results) {
    if (r.flaky) return true;
    seen = true;
  }
  for (const e of test.executions) {
    for (const r of e.results) {
      if (r.flaky) return true;
      seen = true;
    }
  }
  return seen ? false : null;
}

export function testFailed(test: Test): boolean {
  for (const e of test.executions) if (isFailing(e.outcome)) return true;
  return false;
}

/** What one pass over a settled run's tests found (settleRun). */
interface SettledTests {
  tests: Test[];
  length: number;
  /** Tests with a failing execution, in run order. */
  failing: Test[];
  /** Tests with a failing execution or one that carries an exception (what judged() in traceback-history.ts judges). */
  judged: Test[];
  /** Tests that did not fail and count as skipped (verdictOf). */
  skipped: number;
}

const settled = new WeakMap<Run, SettledTests>();

/**
 * Says that `run`'s tests, executions and outcomes no longer change (the pipeline, once ingest has built the run:
 * flakefighters only add results), so its failing tests are sorted out here in one pass and every later pass over
 * them (history lookups, flakefighters, counts, summary, annotations) reads a thousand tests instead of 100,000.
 */
export function settleRun(run: Run): void {
  const failing: Test[] = [];
  const judged: Test[] = [];
  let skipped = 0;
  for (const t of run.tests) {
    let failed = false;
    let withException = false;
    let allSkipped = t.executions.length > 0;
    for (const e of t.executions) {
      if (isFailing(e.outcome)) failed = true;
      else if (e.outcome !== 'skipped') allSkipped = false;
      if (e.exception !== null) withException = true;
    }
    if (failed) failing.push(t);
    else if (t.skipped || allSkipped) skipped++;
    if (failed || withException) judged.push(t);
  }
  settled.set(run, { tests: run.tests, length: run.tests.length, failing, judged, skipped });
}

/** settleRun's facts while they still hold (the same tests array, as long as it was). */
function settledTests(run: Run): SettledTests | null {
  const s = settled.get(run);
  return s && s.tests === run.tests && s.length === run.tests.length ? s : null;
}

/** The run's tests with a failing execution, in run order (a new array each call). */
export function failingTests(run: Run): Test[] {
  const s = settledTests(run);
  return s ? s.failing.slice() : run.tests.filter(testFailed);
}

/**
 * The run's tests that may hold an execution judged() judges (a failing one or one with an exception), in run order;
 * any other test has none. The whole run unless it was settled.
 */
export function testsToJudge(run: Run): readonly Test[] {
  return settledTests(run)?.judged ?? run.tests;
}

export type Verdict = 'passed' | 'skipped' | 'flaky' | 'genuine';

export interface RunCounts {
  total: number;
  passed: number;
  /** Tests with at least one failing execution (flaky + genuine). */
  failed: number;
  skipped: number;
  flaky: number;
  genuine: number;
  /** Result files that could not be read; their tests are missing from the other figures. */
  unreadable?: number;
}

/** The run's totals: as stored when it was saved, else counted from its tests. */
export function countRun(run: Run): RunCounts {
  if (run.meta.counts) return run.meta.counts;
  const c: RunCounts = { total: run.tests.length, passed: 0, failed: 0, skipped: 0, flaky: 0, genuine: 0 };
  if (run.meta.unreadableFiles?.length) c.unreadable = run.meta.unreadableFiles.length;
  const s = settledTests(run);
  if (s) {
    // The same figures as verdictOf's below, from the settled pass: only failing tests are looked at again.
    for (const t of s.failing) c[testFlaky(t) ? 'flaky' : 'genuine']++;
    c.failed = s.failing.length;
    c.skipped = s.skipped;
    c.passed = c.total - c.failed - c.skipped;
    return c;
  }
  for (const t of run.tests) {
    const v = verdictOf(t);
    if (v === 'flaky' || v === 'genuine') {
      c.failed++;
      c[v]++;
    } else c[v]++;
  }
  return c;
}

/** A test that failed is flaky when any flakefighter said so (Test.flaky), else genuine. */
export function verdictOf(test: Test): Verdict {
  if (testFailed(test)) return testFlaky(test) ? 'flaky' : 'genuine';
  if (test.skipped || (test.executions.length > 0 && test.executions.every((e) => e.outcome === 'skipped'))) return 'skipped';
  return 'passed';
}
