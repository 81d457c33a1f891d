/**
 * Collects testcases into Tests by id. Records that share an id are kept apart until `tests()`, where the
 * report's retry rule (retries.ts) says whether they are attempts of one test (merged, in file order) or
 * different tests the writer did not tell apart (kept apart, each later one named with an ordinal).
 */
import { NO_RESULTS, type Execution, type FlakefighterResult, type Outcome, type Test } from '../model.ts';
import { asWritten, type RetryRule } from './retries.ts';
import { StringIndex } from './string-index.ts';

/**
 * Where a record was written, for records that share an id but are not attempts of one test: a label that
 * may tell them apart (the suite chain, the project), and a key that orders them the same way in every run
 * (a suite's content, not the order in which parallel workers finished). One object per suite, not per test.
 */
export interface RecordPlace {
  label: string;
  sortKey(): string;
}

export interface RepeatSummary {
  /** Ids written more than once and kept apart as different tests. */
  groups: number;
  /** Records beyond the first in those groups (each got an ordinal). */
  extra: number;
  /** Up to three of those ids, for messages. */
  examples: string[];
}

export class TestCollector {
  /** The ids of the first records, numbered as `order` (a record's `name` may change in `tests()`, its id does not). */
  private readonly ids = new StringIndex();
  private readonly order: Test[] = [];
  /** Where each first record was written (parallel to `order`; undefined when the reader gives none). */
  private readonly places: (RecordPlace | undefined)[] = [];
  /** Later records of an id, by the first record (rare: only repeated ids land here). */
  private readonly repeats = new Map<Test, Test[]>();
  private readonly repeatPlaces = new Map<Test, (RecordPlace | undefined)[]>();
  private resolved: Test[] | null = null;
  private summary: RepeatSummary = { groups: 0, extra: 0, examples: [] };

  constructor(private readonly rule: RetryRule = asWritten) {}

  /** Returns the record of this testcase; its executions and results are its own until `tests()`. */
  add(name: string, fspath: string, lineNo: number | null, executions: Execution[], results: FlakefighterResult[] = NO_RESULTS, place?: RecordPlace): Test {
    this.resolved = null;
    const record: Test = { name, fspath, lineNo, skipped: false, executions, results };
    const at = this.ids.findOrAdd(name);
    if (at < 0) {
      this.order.push(record);
      this.places.push(place);
      return record;
    }
    const first = this.order[at];
    const more = this.repeats.get(first);
    if (more === undefined) {
      this.repeats.set(first, [record]);
      this.repeatPlaces.set(first, [place]);
    } else {
      more.push(record);
      this.repeatPlaces.get(first)!.push(place);
    }
    return record;
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
    for (let i = 0; i < this.order.length; i++) {
      const t = this.order[i];
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
      taken ??= new Set(this.order.map((x) => x.name));
      summary.groups++;
      summary.extra += more.length;
      if (summary.examples.length < 3) summary.examples.push(t.name);
      for (const r of keepApart(t.name, records, [this.places[i], ...this.repeatPlaces.get(t)!], taken)) out.push(finish(r));
    }
    this.summary = summary;
    this.resolved = out;
    return out;
  }
}

/**
 * Records that share an id and are not attempts of one test. Where their places have different labels (two
 * suites, two projects), the label goes in front of the id; records still alike are ordered by their
 * place's key and then file order, and the k-th becomes `id [k]`. Never merged.
 */
function keepApart(id: string, records: Test[], places: (RecordPlace | undefined)[], taken: Set<string>): Test[] {
  const labels = new Set(places.map((p) => p?.label ?? ''));
  const byName = new Map<string, { r: Test; key: string; i: number }[]>();
  records.forEach((r, i) => {
    const label = places[i]?.label ?? '';
    const name = labels.size > 1 && label ? `${label} › ${id}` : id;
    r.name = name;
    let list = byName.get(name);
    if (list === undefined) byName.set(name, (list = []));
    list.push({ r, key: '', i });
  });
  for (const list of byName.values()) {
    if (list.length < 2) continue;
    for (const x of list) x.key = places[x.i]?.sortKey() ?? '';
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
    list.forEach((x, k) => {
      if (k === 0) return;
      let name = `${x.r.name} [${k + 1}]`;
      for (let n = 2; taken.has(name); n++) name = `${x.r.name} [${k + 1}.${n}]`;
      taken.add(name);
      x.r.name = name;
    });
  }
  return records;
}

function finish(t: Test): Test {
  const execs = t.executions;
  let skipped = execs.length > 0;
  for (let i = 0; skipped && i < execs.length; i++) skipped = execs[i].outcome === 'skipped';
  t.skipped = skipped;
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
  return { outcome: 'passed', startTime, endTime, stdout, stderr, report: 'None', coverage: null, exception: null, results: NO_RESULTS, message: null };
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

const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(s)` for the plain decimals test tools write (`0.0102`, `12`), read without a call into the engine's
 * number parser (once per testcase); NaN for anything else, which the caller gives to Number. Exactly Number's
 * value: with at most 15 digits the digits and the power of ten are exact doubles, and one division of exact
 * values rounds correctly.
 */
function plainDecimal(s: string): number {
  let m = 0;
  let digits = 0;
  let dot = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && dot === -1 && i > 0 && i < s.length - 1) {
      dot = i;
    } else {
      return NaN;
    }
  }
  if (digits > 15) return NaN;
  return dot === -1 ? m : m / POWERS_OF_TEN[s.length - 1 - dot];
}

const MIN_DATETIME_MS = -62135596800000;
const MAX_DATETIME_MS = 253402300799999;
/** A duration longer than a year is a broken report, not a slow test; it would push end times out of range. */
const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

/** Seconds as written by test tools (`0.001`, `1,234.5` from some locales) → milliseconds, or null. */
export function secondsToMs(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  let n = plainDecimal(s);
  if (Number.isNaN(n)) n = Number(s.indexOf(',') === -1 ? s : s.replace(/,/g, ''));
  return Number.isFinite(n) && n >= 0 && n * 1000 <= MAX_DURATION_MS ? n * 1000 : null;
}
