/**
 * Merges testcases into Tests by id: the same id seen again (a retry, a repeated testcase, the same test in
 * another report file) is another execution of one Test, which is what OutcomeFlip looks at.
 */
import type { Execution, FlakefighterResult, Outcome, Test } from '../model.ts';

export class TestCollector {
  /**
   * Keyed by (group, key) where name = group + key: the group (e.g. a pytest module prefix) is one string
   * object shared by many tests, so its hash is computed once, and the long concatenated id never has to be
   * flattened and hashed here. That was the single hottest line on a 100k-testcase report.
   */
  private readonly groups = new Map<string, Map<string, Test>>();
  private readonly order: Test[] = [];

  add(name: string, fspath: string, lineNo: number | null, executions: Execution[], results: FlakefighterResult[] = []): Test {
    return this.addIn('', name, name, fspath, lineNo, executions, results);
  }

  addIn(group: string, key: string, name: string, fspath: string, lineNo: number | null, executions: Execution[], results: FlakefighterResult[] = []): Test {
    let g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, (g = new Map()));
    let t = g.get(key);
    if (t === undefined) {
      t = { name, fspath, lineNo, skipped: false, executions, results };
      g.set(key, t);
      this.order.push(t);
      return t;
    }
    for (const e of executions) t.executions.push(e);
    for (const r of results) t.results.push(r);
    if (!t.fspath && fspath) t.fspath = fspath;
    if (t.lineNo === null && lineNo !== null) t.lineNo = lineNo;
    return t;
  }

  merge(tests: Iterable<Test>): void {
    for (const t of tests) this.add(t.name, t.fspath, t.lineNo, t.executions, t.results);
  }

  get size(): number {
    return this.order.length;
  }

  /** The Tests in first-seen order; `skipped` is true when every execution was skipped. */
  tests(): Test[] {
    const out: Test[] = [];
    for (const t of this.order) {
      t.skipped = t.executions.length > 0 && t.executions.every((e) => e.outcome === 'skipped');
      out.push(t);
    }
    return out;
  }
}

/** A passing execution without output: the common case, built without an options object. */
export function passedExecution(startTime: Date | null, endTime: Date | null, stdout: string | null, stderr: string | null): Execution {
  return { outcome: 'passed', startTime, endTime, stdout, stderr, report: 'None', coverage: null, exception: null, results: [], message: null };
}

export function newExecution(outcome: Outcome, fields: Partial<Execution> = {}): Execution {
  return {
    outcome,
    startTime: fields.startTime ?? null,
    endTime: fields.endTime ?? null,
    stdout: fields.stdout ?? null,
    stderr: fields.stderr ?? null,
    // The plugin writes str(longrepr), which is 'None' for a passing test.
    report: fields.report ?? 'None',
    coverage: fields.coverage ?? null,
    exception: fields.exception ?? null,
    results: fields.results ?? [],
    message: fields.message ?? null,
  };
}

/** Report timestamps: ISO 8601 with or without offset, `2021-03-07T10:36:56 UTC` (TestNG), `2021-06-28 20:23:41Z`. */
export function parseTimestamp(s: string | undefined): Date | null {
  if (!s) return null;
  let v = s.trim();
  if (v.endsWith(' UTC')) v = v.slice(0, -4) + 'Z';
  if (/^\d{4}-\d\d-\d\d \d/.test(v)) v = v.slice(0, 10) + 'T' + v.slice(11);
  const ms = Date.parse(v);
  // Python's datetime (the plugin reads these back) holds years 1 to 9999 only.
  return Number.isNaN(ms) || ms < MIN_DATETIME_MS || ms > MAX_DATETIME_MS ? null : new Date(ms);
}

const MIN_DATETIME_MS = -62135596800000;
const MAX_DATETIME_MS = 253402300799999;
/** A duration longer than a year is a broken report, not a slow test; it would push end times out of range. */
const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

/** Seconds as written by test tools (`0.001`, `1,234.5` from some locales) → milliseconds, or null. */
export function secondsToMs(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  const n = Number(s.indexOf(',') === -1 ? s : s.replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 && n * 1000 <= MAX_DURATION_MS ? n * 1000 : null;
}
