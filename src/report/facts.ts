/**
 * The numbers and lists every report shows, computed one way from ReportData so the summary, the HTML, the JSON and
 * the terminal never disagree: counts, failures in display order, who said flaky and why, per-test timelines across
 * the stored runs, and the flip ranking.
 */
import { isFailing, runRef, testFailed, testFlaky, verdictOf, type Execution, type Run, type Test, type Verdict } from '../model.ts';
export { countRun, type RunCounts } from '../model.ts';
import type { ReportData } from './report-data.ts';
import { firstLine } from './text.ts';


export interface FlakyReason {
  /** Flakefighter name. */
  name: string;
  /** Its Evidence.reason, '' when it gave none. */
  reason: string;
}

/** The flakefighters that said flaky, test-level first, one entry per flakefighter (its first reason). */
export function flakyReasons(test: Test): FlakyReason[] {
  const seen = new Map<string, FlakyReason>();
  const all = [...test.results, ...test.executions.flatMap((e) => e.results)];
  for (const r of all) {
    if (!r.flaky) continue;
    const reason = typeof r.evidence?.reason === 'string' ? r.evidence.reason : '';
    const prev = seen.get(r.name);
    if (!prev) seen.set(r.name, { name: r.name, reason });
    else if (!prev.reason && reason) prev.reason = reason;
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
  reasons: FlakyReason[];
  message: string;
}

/** Failing tests, genuine first (they are what needs fixing), then flaky, each in run order. */
export function failuresOf(run: Run): Failure[] {
  const genuine: Failure[] = [];
  const flaky: Failure[] = [];
  for (const test of run.tests) {
    if (!testFailed(test)) continue;
    const isFlaky = testFlaky(test) === true;
    const f: Failure = { test, verdict: isFlaky ? 'flaky' : 'genuine', reasons: isFlaky ? flakyReasons(test) : [], message: failureMessage(test) };
    (isFlaky ? flaky : genuine).push(f);
  }
  return genuine.concat(flaky);
}

/** Tests a flakefighter called flaky although they did not fail in this run (DiffCov does this for new tests). */
export function flaggedButPassed(run: Run): Test[] {
  return run.tests.filter((t) => !testFailed(t) && testFlaky(t) === true);
}

/** Runs oldest first, the current run last. */
export function chronologicalRuns(data: ReportData): Run[] {
  return [...data.history].reverse().concat(data.run);
}

/** One cell of a per-test history strip. */
export type Cell = Verdict | 'absent';

/**
 * Each named test's verdict in each run, oldest first, current run last (at most `maxRuns` runs). One pass over each
 * run's tests, looking names up in a set, so it stays linear for 100k-test runs.
 */
export function timelines(data: ReportData, names: Iterable<string>, maxRuns = 30): { runs: Run[]; cells: Map<string, Cell[]> } {
  const runs = chronologicalRuns(data).slice(-maxRuns);
  const cells = new Map<string, Cell[]>();
  for (const n of names) cells.set(n, new Array<Cell>(runs.length).fill('absent'));
  runs.forEach((run, i) => {
    for (const t of run.tests) {
      const row = cells.get(t.name);
      if (row && row[i] === 'absent') row[i] = verdictOf(t);
    }
  });
  return { runs, cells };
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

/** Tests ranked by flip rate (then flips), over the stored runs and this one; only tests that flipped at least once. */
export function flipRanking(data: ReportData, limit = 100): FlipRank[] {
  const state = new Map<string, { last: boolean | null; flips: number; executions: number; runs: number; failures: number }>();
  for (const run of chronologicalRuns(data)) {
    for (const t of run.tests) {
      let s = state.get(t.name);
      if (!s) state.set(t.name, (s = { last: null, flips: 0, executions: 0, runs: 0, failures: 0 }));
      s.runs++;
      for (const e of t.executions) {
        if (e.outcome === 'skipped') continue;
        const failing = isFailing(e.outcome);
        if (s.last !== null && s.last !== failing) s.flips++;
        s.last = failing;
        s.executions++;
        if (failing) s.failures++;
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
  return ranked.slice(0, limit);
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
