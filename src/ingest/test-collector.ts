/**
 * Collects testcases into Tests by id. Records that share an id are kept apart until `tests()`, where the
 * report's retry rule (retries.ts) says whether they are attempts of one test (merged, in file order) or
 * different tests the writer did not tell apart (kept apart, each later one named with an ordinal).
 */
import type { Execution, FlakefighterResult, Outcome, Test } from '../model.ts';
import { attemptsAsWritten, type RetryRule } from './retries.ts';

const MERGE_ALL: RetryRule = { repeatsAreAttempts: () => true, readAttempts: attemptsAsWritten };

export interface RepeatSummary {
  /** Ids written more than once and kept apart as different tests. */
  groups: number;
  /** Records beyond the first in those groups (each got an ordinal). */
  extra: number;
  /** Up to three of those ids, for messages. */
  examples: string[];
}

export class TestCollector {
  /**
   * Keyed by (group, key) where name = group + key: the group (e.g. a pytest module prefix) is one string
   * object shared by many tests, so its hash is computed once, and the long concatenated id never has to be
   * flattened and hashed here. That was the single hottest line on a 100k-testcase report.
   */
  private readonly groups = new Map<string, Map<string, Test>>();
  private readonly order: Test[] = [];
  /** Later records of an id, by the first record (rare: only repeated ids land here). */
  private readonly repeats = new Map<Test, Test[]>();
  private resolved: Test[] | null = null;
  private summary: RepeatSummary = { groups: 0, extra: 0, examples: [] };

  constructor(private readonly rule: RetryRule = MERGE_ALL) {}

  add(name: string, fspath: string, lineNo: number | null, executions: Execution[], results: FlakefighterResult[] = []): Test {
    return this.addIn('', name, name, fspath, lineNo, executions, results);
  }

  /** Returns the record of this testcase; its executions and results are its own until `tests()`. */
  addIn(group: string, key: string, name: string, fspath: string, lineNo: number | null, executions: Execution[], results: FlakefighterResult[] = []): Test {
    this.resolved = null;
    let g = this.groups.get(group);
    if (g === undefined) this.groups.set(group, (g = new Map()));
    const record: Test = { name, fspath, lineNo, skipped: false, executions, results };
    const first = g.get(key);
    if (first === undefined) {
      g.set(key, record);
      this.order.push(record);
      return record;
    }
    const more = this.repeats.get(first);
    if (more === undefined) this.repeats.set(first, [record]);
    else more.push(record);
    return record;
  }

  merge(tests: Iterable<Test>): void {
    for (const t of tests) this.add(t.name, t.fspath, t.lineNo, t.executions, t.results);
  }

  get size(): number {
    return this.order.length;
  }

  /** Ids written more than once that the retry rule kept apart (for the report's notice). */
  repeatSummary(): RepeatSummary {
    this.tests();
    return this.summary;
  }

  /** The Tests in first-seen order; `skipped` is true when every execution was skipped. */
  tests(): Test[] {
    if (this.resolved !== null) return this.resolved;
    const out: Test[] = [];
    const summary: RepeatSummary = { groups: 0, extra: 0, examples: [] };
    let taken: Set<string> | null = null;
    for (const t of this.order) {
      const more = this.repeats.get(t);
      if (more === undefined) {
        out.push(finish(t));
        continue;
      }
      const records = [t, ...more];
      if (this.rule.repeatsAreAttempts(t.name, records.map((r) => r.executions))) {
        out.push(finish(mergeRecords(records, this.rule)));
        continue;
      }
      // Different tests with one id: the first keeps it, the k-th becomes `id [k]` (stable: file order).
      taken ??= new Set(this.order.map((x) => x.name));
      summary.groups++;
      summary.extra += more.length;
      if (summary.examples.length < 3) summary.examples.push(t.name);
      out.push(finish(t));
      let k = 2;
      for (const r of more) {
        let name = `${t.name} [${k}]`;
        for (let n = 2; taken.has(name); n++) name = `${t.name} [${k}.${n}]`;
        taken.add(name);
        r.name = name;
        out.push(finish(r));
        k++;
      }
    }
    this.summary = summary;
    this.resolved = out;
    return out;
  }
}

function finish(t: Test): Test {
  t.skipped = t.executions.length > 0 && t.executions.every((e) => e.outcome === 'skipped');
  return t;
}

/** A new Test: the records stay as they were, so resolving twice gives the same result. */
function mergeRecords(records: Test[], rule: RetryRule): Test {
  const t: Test = { ...records[0], executions: rule.readAttempts(records.map((r) => r.executions)), results: [...records[0].results] };
  for (let i = 1; i < records.length; i++) {
    const r = records[i];
    for (const x of r.results) t.results.push(x);
    if (!t.fspath && r.fspath) t.fspath = r.fspath;
    if (t.lineNo === null && r.lineNo !== null) t.lineNo = r.lineNo;
  }
  return t;
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
