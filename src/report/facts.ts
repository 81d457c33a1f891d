/**
 * The numbers and lists every report shows, computed one way from ReportData so the summary, the HTML, the JSON and
 * the terminal never disagree: counts, failures in display order, who said flaky and why, per-test timelines across
 * the stored runs, and the flip ranking.
 */
import { failingTests, isFailing, runRef, testFailed, testFlaky, verdictOf, type Evidence, type Execution, type Run, type Test, type Verdict } from '../model.ts';
export { countRun, type RunCounts } from '../model.ts';
import type { ReportData } from './report-data.ts';
import { firstLine } from './text.ts';
import { learnedFlakyOnly } from '../learned-verdicts.ts';


export interface FlakyReason {
  /** Flakefighter name. */
  name: string;
  /** Its Evidence.reason, '' when it gave none. */
  reason: string;
  /** The evidence itself, for the run it points at (links). */
  evidence?: Evidence;
}

/** The flakefighters that said flaky, test-level first, one entry per flakefighter (its first reason). */
function flakyReasons(test: Test): FlakyReason[] {
  return reasonsSaying(test, true);
}

/**
 * Why a genuine failure is genuine: each flakefighter's reason for not calling it flaky ("never passed on this commit
 * in 8 stored runs", "no earlier flaky failure with the same traceback"); flakefighters that gave no reason are left out.
 */
function genuineReasons(test: Test): FlakyReason[] {
  return reasonsSaying(test, false).filter((r) => r.reason);
}

function reasonsSaying(test: Test, flaky: boolean): FlakyReason[] {
  const seen = new Map<string, FlakyReason>();
  const all = [...test.results, ...test.executions.flatMap((e) => e.results)];
  for (const r of all) {
    if (r.flaky !== flaky) continue;
    const reason = typeof r.evidence?.reason === 'string' ? r.evidence.reason : '';
    const prev = seen.get(r.name);
    if (!prev) seen.set(r.name, { name: r.name, reason, ...(r.evidence ? { evidence: r.evidence } : {}) });
    else if (!prev.reason && reason) Object.assign(prev, { reason, evidence: r.evidence });
  }
  return [...seen.values()];
}

/** An execution's message: Execution.message, else pytest's `E   ...` line or the report's first line, else the exception name. */
export function executionMessage(e: Execution): string {
  if (e.message) return firstLine(e.message);
  if (e.report && e.report !== 'None') {
    const eLine = e.report.split('\n').find((l) => /^E\s{2,}/.test(l));
    if (eLine) return eLine.replace(/^E\s+/, '').trim();
    return firstLine(e.report);
  }
  return e.exception?.name ?? '';
}

/** The last failure's message. */
export function failureMessage(test: Test): string {
  for (let i = test.executions.length - 1; i >= 0; i--) {
    if (isFailing(test.executions[i].outcome)) return executionMessage(test.executions[i]);
  }
  return '';
}

export interface Failure {
  test: Test;
  verdict: 'flaky' | 'genuine';
  /** Who said flaky and why (empty for genuine failures). */
  reasons: FlakyReason[];
  /** Why the verdict: `reasons` for a flaky failure, the flakefighters' reasons for not saying flaky for a genuine one. */
  why: FlakyReason[];
  message: string;
}

/** Failing tests, genuine first (they are what needs fixing), then flaky, each in run order. */
export function failuresOf(run: Run): Failure[] {
  const genuine: Failure[] = [];
  const flaky: Failure[] = [];
  for (const test of failedTests(run)) {
    const isFlaky = testFlaky(test) === true;
    const reasons = isFlaky ? flakyReasons(test) : [];
    const f: Failure = { test, verdict: isFlaky ? 'flaky' : 'genuine', reasons, why: isFlaky ? reasons : genuineReasons(test), message: failureMessage(test) };
    (isFlaky ? flaky : genuine).push(f);
  }
  return genuine.concat(flaky);
}

/** Tests a flakefighter called flaky although they did not fail in this run (DiffCov does this for new tests). */
export function flaggedButPassed(run: Run): Test[] {
  if (shared?.data.run === run) return (shared.sorted ??= sortTests(run)).flaggedPassed.slice();
  // testFlaky first: most tests carry no verdict and are done with at once.
  return run.tests.filter((t) => testFlaky(t) === true && !testFailed(t));
}

/** The run's failed tests in run order. */
function failedTests(run: Run): Test[] {
  return shared?.data.run === run ? (shared.sorted ??= sortTests(run)).failed : failingTests(run);
}

/**
 * The failed tests and the passing ones called flaky, each in run order, in one pass: made once for the run
 * sharingFacts renders, for the ranking, the failures and the flagged tests (on 100k tests each pass cost milliseconds).
 */
function sortTests(run: Run): SortedTests {
  const failed: Test[] = [];
  const flaggedPassed: Test[] = [];
  for (const t of run.tests) {
    if (testFailed(t)) failed.push(t);
    else if (testFlaky(t) === true) flaggedPassed.push(t);
  }
  return { failed, flaggedPassed };
}

interface SortedTests {
  failed: Test[];
  flaggedPassed: Test[];
}

/** Runs oldest first, the current run last. */
export function chronologicalRuns(data: ReportData): Run[] {
  return [...data.history].reverse().concat(data.run);
}

/**
 * One cell of a per-test history strip: a verdict; `ok` where the run was loaded with its failures only and the test
 * did not fail there (it passed, or did not run); `absent` where the test is not in the run.
 */
export type Cell = Verdict | 'learned' | 'ok' | 'absent';

/** What a cell means, in words (tooltips and text alternatives). */
export const CELL_TEXT: Record<Cell, string> = {
  passed: 'passed',
  skipped: 'skipped',
  flaky: 'flaky',
  learned: 'flaky, learned later',
  genuine: 'genuine',
  ok: 'no failure (passed or not run)',
  absent: 'not run',
};

/**
 * Each named test's verdict in each run, oldest first, current run last (at most `maxRuns` runs). One pass over each
 * run's tests, looking names up in a set, so it stays linear for 100k-test runs.
 */
export function timelines(data: ReportData, names: Iterable<string>, maxRuns = 30): { runs: Run[]; cells: Map<string, Cell[]> } {
  const runs = chronologicalRuns(data).slice(-maxRuns);
  const cells = new Map<string, Cell[]>();
  for (const n of names) cells.set(n, new Array<Cell>(runs.length).fill('absent'));
  const maybeNamed = namePrefilter(cells.keys());
  runs.forEach((run, i) => {
    // A stored run without a failure of the test: passed (or not run), when the run is known to have tests.
    if (data.historyFailuresOnly && run !== data.run && (run.meta.counts?.total ?? 0) > 0) for (const row of cells.values()) row[i] = 'ok';
    for (const t of run.tests) {
      const row = maybeNamed(t.name) ? cells.get(t.name) : undefined;
      if (row && (row[i] === 'absent' || row[i] === 'ok')) row[i] = cellOf(t);
    }
  });
  return { runs, cells };
}

/**
 * A test that a name may be one of `names` (false: it is not), cheaper than a lookup: a 100k-test run's names are
 * looked up against a few hundred, and a lookup hashes the whole name the first time. Length and the last three
 * characters (where test names differ most) index a table; only names that pass are looked up for real.
 */
function namePrefilter(names: Iterable<string>): (name: string) => boolean {
  const seen = new Uint8Array(1 << 16);
  for (const n of names) seen[nameKey(n)] = 1;
  return (name) => seen[nameKey(name)] === 1;
}

/** Equal names give equal keys (a name shorter than three characters too: NaN parts make its key 0). */
const nameKey = (s: string): number => {
  const n = s.length;
  return (((n * 31 + s.charCodeAt(n - 1)) * 31 + s.charCodeAt(n - 2)) * 31 + s.charCodeAt(n - 3)) & 0xffff;
};

/**
 * A test's cell: `learned` when it was genuine when its run was classified and is flaky only by a verdict learned later
 * (it passed on a re-run of its commit, store/learn-from-reruns.ts).
 */
function cellOf(t: Test): Cell {
  const v = verdictOf(t);
  return v === 'flaky' && learnedFlakyOnly(t) ? 'learned' : v;
}

/** How many of a run's flaky tests are flaky only by verdicts learned later (they were genuine when it was classified). */
export function learnedLater(run: Run): number {
  let n = 0;
  for (const t of run.tests) if (testFailed(t) && learnedFlakyOnly(t)) n++;
  return n;
}

export interface FlipRank {
  name: string;
  /** Changes between passing and failing, over every execution in run order (in-run retries count). */
  flips: number;
  /** Executions that passed or failed (skipped ones do not count). */
  executions: number;
  /** Runs the test appears in. */
  runs: number;
  /** flips / (executions - 1). */
  flipRate: number;
  failures: number;
}

/**
 * Tests ranked by flip rate (then flips), over the loaded runs and this one; only tests that flipped at least once.
 * The whole stored history is ranked by the database (ReportData.flakiest); this ranks what the report loaded.
 */
export function flipRanking(data: ReportData, limit = 100): FlipRank[] {
  // The order is total (ties by name), so any limit is a prefix of the whole ranking: one ranking serves every report.
  if (shared?.data === data) return (shared.ranking ??= rankFlips(data)).slice(0, limit);
  return rankFlips(data).slice(0, limit);
}

/** The facts computed once while several reports are rendered from one unchanging ReportData (sharingFacts). */
let shared: { data: ReportData; ranking?: FlipRank[]; sorted?: SortedTests } | null = null;

/**
 * Renders several reports of `data` (write-report-files.ts) with what they have in common computed once: the flip
 * ranking of a 100k-test run took the JSON and the HTML report a tenth of their time each, and the run's failed tests
 * are sorted out in one pass for the ranking, the failures and the flagged tests. `data` must not change inside
 * `render`; the memo ends with it.
 */
export function sharingFacts<T>(data: ReportData, render: () => T): T {
  const outer = shared;
  // Inside a scope of the same data (publish around the report files), the facts are the ones computed there.
  shared = outer?.data === data ? outer : { data };
  try {
    return render();
  } finally {
    shared = outer;
  }
}

function rankFlips(data: ReportData): FlipRank[] {
  type State = { last: boolean | null; flips: number; executions: number; runs: number; failures: number };
  const state = new Map<string, State>();
  const step = (s: State, failing: boolean) => {
    if (s.last !== null && s.last !== failing) s.flips++;
    s.last = failing;
    s.executions++;
    if (failing) s.failures++;
  };
  const runs = chronologicalRuns(data);
  // Only a test that fails somewhere can flip: the others (most of a 100k run) get no state at all.
  const failedIn = runs.map((r) => failedTests(r));
  const canFlip = new Set<string>();
  for (const failed of failedIn) for (const t of failed) canFlip.add(t.name);
  const runsWithFailures = failedIn.filter((failed) => failed.length > 0).length;
  const maybeFlips = namePrefilter(canFlip);
  // History loaded with its failures only keeps no passes: a stored run with tests that holds no failure of a test
  // that failed somewhere counts as one pass of it (or it did not run; only a test that fails somewhere can flip).
  const failing = data.historyFailuresOnly ? canFlip : null;
  for (const [i, run] of runs.entries()) {
    const seen = failing ? new Set<string>() : null;
    // A test that did not fail in this run is looked up only when another run has failures (hashing 100k names costs);
    // one that failed here is in canFlip too, so the lookup alone decides, without asking each test again.
    const elsewhere = runsWithFailures - (failedIn[i].length > 0 ? 1 : 0) > 0;
    for (const t of elsewhere ? run.tests : failedIn[i]) {
      if (elsewhere && !(maybeFlips(t.name) && canFlip.has(t.name))) continue;
      seen?.add(t.name);
      let s = state.get(t.name);
      if (!s) state.set(t.name, (s = { last: null, flips: 0, executions: 0, runs: 0, failures: 0 }));
      s.runs++;
      for (const e of t.executions) if (e.outcome !== 'skipped') step(s, isFailing(e.outcome));
    }
    if (failing && seen && run !== data.run && (run.meta.counts?.total ?? 0) > 0) {
      for (const name of failing) {
        if (seen.has(name)) continue;
        let s = state.get(name);
        if (!s) state.set(name, (s = { last: null, flips: 0, executions: 0, runs: 0, failures: 0 }));
        s.runs++;
        step(s, false);
      }
    }
  }
  const ranked: FlipRank[] = [];
  for (const [name, s] of state) {
    if (s.flips === 0) continue;
    ranked.push({ name, flips: s.flips, executions: s.executions, runs: s.runs, failures: s.failures, flipRate: s.flips / (s.executions - 1) });
  }
  // Plain code-unit order for ties: localeCompare costs seconds on 100k names.
  ranked.sort((a, b) => b.flipRate - a.flipRate || b.flips - a.flips || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ranked;
}

const isAbsolutePath = (p: string): boolean => p.startsWith('/') || /^[A-Za-z]:\//.test(p);

/** `path` relative to `root` in POSIX form; null when it is outside root (or root is unknown and path absolute). */
export function relativeToRoot(path: string, root: string): string | null {
  const p = path.replace(/\\/g, '/');
  if (!p) return null;
  if (!isAbsolutePath(p)) {
    const rel = p.replace(/^(\.\/)+/, '');
    return rel.startsWith('../') ? null : rel;
  }
  const r = root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (r && p.startsWith(r + '/')) return p.slice(r.length + 1);
  return null;
}

/** Path shown to people: relative to root when under it, else as stored. */
export function displayPath(path: string, root: string): string {
  return relativeToRoot(path, root) ?? path;
}

const TEST_FILE = /(^|[/_.-])(tests?|spec)([/_.-]|$)|Tests?\.[a-z]+$|(^|\/)[^/]*(test|spec)[^/]*$/i;

export interface Location {
  /** Relative to the run's root (the workspace), POSIX separators. */
  file?: string;
  /** 1-based. */
  line?: number;
}

/**
 * Where a test lives: its file from Test.fspath, else the first traceback frame under root; its line from
 * Test.lineNo, else the deepest frame in that file (frame linenos are 0-based in the model).
 */
export function testLocation(test: Test, root: string): Location {
  const frames = [...test.executions].reverse().find((e) => isFailing(e.outcome) && e.exception?.frames.length)?.exception?.frames ?? [];
  let file = test.fspath ? relativeToRoot(test.fspath, root) : null;
  if (!file) {
    // Python lists the test's frame first, Java and .NET list it last: prefer a frame in a file that looks like a test.
    const under = frames.map((f) => relativeToRoot(f.path, root)).filter((p): p is string => p !== null);
    file = under.find((p) => TEST_FILE.test(p)) ?? under[0] ?? null;
  }
  if (!file) return {};
  let line = test.lineNo != null && test.lineNo > 0 ? test.lineNo : undefined;
  if (line === undefined) {
    for (let i = frames.length - 1; i >= 0; i--) {
      if (relativeToRoot(frames[i].path, root) === file) {
        line = frames[i].lineno + 1;
        break;
      }
    }
  }
  return line === undefined ? { file } : { file, line };
}

/**
 * A root-relative path as the repository sees it: annotations and links are relative to the
 * workspace (the checkout), which is an ancestor of the run's root when `root` is a subfolder.
 */
export function repoPath(data: ReportData, rootRelative: string): string {
  if (!data.workspace) return rootRelative;
  const ws = data.workspace.replace(/\\/g, '/').replace(/\/+$/, '');
  const root = data.run.root.replace(/\\/g, '/').replace(/\/+$/, '');
  if (root === ws || !root.startsWith(`${ws}/`)) return rootRelative;
  return `${root.slice(ws.length + 1)}/${rootRelative}`;
}

/** A link to the file and line on GitHub when the repository and commit are known. */
export function fileUrl(data: ReportData, loc: Location): string | null {
  const sha = data.sha ?? data.run.commitSha;
  if (!data.repoUrl || !sha || !loc.file) return null;
  const path = repoPath(data, loc.file).split('/').map(encodeURIComponent).join('/');
  return `${data.repoUrl.replace(/\/+$/, '')}/blob/${sha}/${path}${loc.line ? `#L${loc.line}` : ''}`;
}

/** Sum of execution durations in seconds (0 when times are unknown). */
export function testSeconds(test: Test): number {
  let ms = 0;
  for (const e of test.executions) {
    if (e.startTime && e.endTime) {
      const d = e.endTime.getTime() - e.startTime.getTime();
      if (Number.isFinite(d) && d > 0) ms += d;
    }
  }
  return ms / 1000;
}

/** Label of a run for tables: `#12` when stored, else `this run`. */
export function runLabel(run: Run, current: Run): string {
  if (run === current) return 'this run';
  return runRef(run);
}

/** The run's links that are web addresses: a javascript: URL from a misconfigured input must reach no page. */
export function webLinks(data: ReportData): { label: string; url: string }[] {
  return (data.links ?? []).filter((l) => /^https?:\/\//.test(l.url));
}

/**
 * The workflow run's page (`…/actions/runs/<id>/attempts/<n>`) of a stored run saved by the action, when the repository
 * is known; null for CLI and plugin runs.
 */
export function workflowRunUrl(data: ReportData, run: Run): string | null {
  const id = run.meta?.runId;
  if (!id || !/^\d+$/.test(String(id)) || !data.repoUrl) return null;
  const base = data.repoUrl.replace(/\/+$/, '');
  const repo = run.meta.repository;
  // The server part of repoUrl, with the run's own repository when it names one (history may come from a fork's base).
  const url = repo && /^[\w.-]+\/[\w.-]+$/.test(repo) ? `${base.replace(/\/[^/]+\/[^/]+$/, '')}/${repo}` : base;
  const attempt = run.meta.runAttempt;
  return `${url}/actions/runs/${id}${attempt && attempt > 0 ? `/attempts/${attempt}` : ''}`;
}

const runIndexes = new WeakMap<ReportData, { byUuid: Map<string, Run>; byId: Map<number, Run> }>();

/** The stored run an evidence points at (by uuid, else database id), among the loaded history and this run. */
function evidenceRun(data: ReportData, ev: Evidence | undefined): Run | null {
  if (!ev) return null;
  let idx = runIndexes.get(data);
  if (!idx) {
    idx = { byUuid: new Map(), byId: new Map() };
    for (const r of [data.run, ...data.history]) {
      if (r.meta?.uuid) idx.byUuid.set(r.meta.uuid, r);
      if (r.id != null) idx.byId.set(r.id, r);
    }
    runIndexes.set(data, idx);
  }
  if (typeof ev.runUuid === 'string' && idx.byUuid.has(ev.runUuid)) return idx.byUuid.get(ev.runUuid)!;
  if (typeof ev.runId === 'number' && idx.byId.has(ev.runId)) return idx.byId.get(ev.runId)!;
  return null;
}

/** What a person reads of an evidence besides its reason: the run it points at (with its link), the matched test, the similarity. */
export interface EvidenceView {
  run?: { label: string; url: string | null };
  test?: string;
  similarity?: number;
  environment?: string;
}

export function evidenceView(data: ReportData, ev: Evidence | undefined): EvidenceView {
  if (!ev) return {};
  const out: EvidenceView = {};
  const run = evidenceRun(data, ev);
  if (run && run !== data.run) out.run = { label: `run ${runRef(run)}`, url: workflowRunUrl(data, run) };
  if (typeof ev.testName === 'string' && ev.testName) out.test = ev.testName;
  if (typeof ev.similarity === 'number' && Number.isFinite(ev.similarity)) out.similarity = ev.similarity;
  if (typeof ev.environment === 'string' && ev.environment) out.environment = ev.environment;
  return out;
}

/** How often a test failed and was called flaky across the loaded runs (history and this run). */
export interface FlakeCount {
  flaky: number;
  failed: number;
  /** Runs looked at: the loaded history and this run. */
  runs: number;
}

const flakeCounts = new WeakMap<ReportData, Map<string, { flaky: number; failed: number }>>();

/**
 * "flaked N of M runs": history is loaded with its failures only, so a test's passing runs are not in it; every loaded run
 * counts as a run of the test (the same suite ran), which makes M an upper bound and the rate a lower bound.
 */
export function flakeCount(data: ReportData, name: string): FlakeCount {
  let counts = flakeCounts.get(data);
  if (!counts) {
    counts = new Map();
    for (const run of chronologicalRuns(data)) {
      for (const t of failedTests(run)) {
        let c = counts.get(t.name);
        if (!c) counts.set(t.name, (c = { flaky: 0, failed: 0 }));
        c.failed++;
        if (testFlaky(t)) c.flaky++;
      }
    }
    flakeCounts.set(data, counts);
  }
  const c = counts.get(name) ?? { flaky: 0, failed: 0 };
  return { ...c, runs: data.history.length + 1 };
}
