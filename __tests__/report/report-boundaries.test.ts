/**
 * Review of the report writers' fast paths at their edges: the millisecond tables for testcase times and JSON
 * durationSeconds (durations of 0, negative, unknown, past the tables' 1e12 ms bound, summed over attempts), and
 * the name prefilter of the timelines and the flip ranking (no name that is there may be missed), each against
 * the plain computation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderEnrichedJunit } from '../../src/report/junit-report.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { flipRanking, testSeconds, timelines, type FlipRank } from '../../src/report/facts.ts';
import { isFailing, verdictOf, type Outcome, type Run, type Test } from '../../src/model.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { makeReportData } from './report-fixture.ts';

const exec = (outcome: Outcome, start: Date | null, end: Date | null) => ({
  outcome,
  startTime: start,
  endTime: end,
  report: 'None',
  message: null,
  stdout: '',
  stderr: '',
  exception: null,
  coverage: null,
  results: [],
});
const testOf = (name: string, executions: ReturnType<typeof exec>[]): Test => ({ name, fspath: '', lineNo: null, skipped: false, results: [], executions }) as unknown as Test;

const T = Date.UTC(2026, 0, 1);
/** [start, end] pairs in ms since 1970 (NaN: an invalid Date; null: unknown). */
const SPANS: [number | null, number | null][] = [
  [T, T],
  [T, T - 5],
  [T, T + 1],
  [T, NaN],
  [null, T],
  [T, null],
  [T, T + 999_999_999_999],
  [T, T + 1_000_000_000_000],
  [T, T + 1_000_000_000_001],
  [-8.64e15, 8.64e15],
  [-1, 0],
  [-62135596800000, -62135596799999],
  [T, T + 2 ** 31],
  [T, T + 123_456_789],
];
const date = (ms: number | null) => (ms === null ? null : new Date(ms));

describe('testcase times and durationSeconds at the tables\' edges', () => {
  test('JUnit time is toFixed(3) and JSON durationSeconds JSON.stringify of the seconds, one attempt or several', () => {
    const tests: Test[] = SPANS.map(([s, e], i) => testOf(`tests/a.py::one${i}`, [exec('passed', date(s), date(e))]));
    // Several attempts: their durations add up (a negative or unknown one counts nothing).
    for (let i = 0; i + 1 < SPANS.length; i++) {
      tests.push(testOf(`tests/a.py::two${i}`, [exec('failed', date(SPANS[i][0]), date(SPANS[i][1])), exec('passed', date(SPANS[i + 1][0]), date(SPANS[i + 1][1]))]));
    }
    // Past 5,000 tests the JSON report is written compact, where simply passing tests take the table's path.
    for (let i = 0; i < 5001; i++) tests.push(testOf(`tests/pad.py::p${i}`, [exec('passed', date(T + i), date(T + i + (i % 1500)))]));
    const data = makeReportData();
    data.run.tests = tests;
    const times = [...renderEnrichedJunit(data).matchAll(/<testcase [^>]*? time="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(times, tests.map((t) => testSeconds(t).toFixed(3)));
    const json = JSON.parse(renderJsonReport(data)) as { run?: { tests?: { name: string; durationSeconds: number }[] }; tests?: { name: string; durationSeconds: number }[] };
    const list: { name: string; durationSeconds: number }[] | undefined = json.tests ?? json.run?.tests;
    assert.ok(Array.isArray(list));
    const written = new Map(list.map((x) => [x.name, x]));
    const raw = renderJsonReport(data);
    let compact = 0;
    for (const t of tests) {
      const w = written.get(t.name);
      assert.ok(w, t.name);
      const want = Math.round(testSeconds(t) * 1e6) / 1e6;
      assert.equal(w.durationSeconds, want, t.name);
      // The text too, where the compact form is written (a simply passing test).
      const key = `{"name":${JSON.stringify(t.name)},"verdict":"passed","durationSeconds":`;
      const at = raw.indexOf(key);
      if (at >= 0) {
        compact++;
        assert.equal(raw.slice(at + key.length, raw.indexOf('}', at)), JSON.stringify(want), t.name);
      }
    }
    assert.equal(compact, SPANS.length + 5001, 'every one-attempt test is written in the compact form');
  });
});

/** A seeded generator, so a failure can be tried again. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Runs whose names are alike in length and ending (the prefilter's key), with surrogates, NUL and short names. */
function randomData(seed: number): ReportData {
  const next = rng(seed);
  const alphabet = ['a', 'b', '/', ':', '\u0000', '\uD800', '\uDC00', '\uD83D\uDE00', 'é', 'z'];
  const pool: string[] = ['', 'q', 'qq'];
  while (pool.length < 400) {
    const stem = Array.from({ length: Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    pool.push(`${stem}${pool.length % 3 === 0 ? 'xyz' : alphabet[Math.floor(next() * alphabet.length)] + 'yz'}`);
  }
  const names = [...new Set(pool)];
  const data = makeReportData();
  const mkRun = (at: number): Run => {
    const tests: Test[] = [];
    for (const n of names) {
      if (next() < 0.3) continue;
      const k = 1 + Math.floor(next() * 3);
      const outcomes: Outcome[] = Array.from({ length: k }, () => (['passed', 'failed', 'skipped', 'error'] as Outcome[])[Math.floor(next() * 4)]);
      tests.push(testOf(n, outcomes.map((o) => exec(o, new Date(at), new Date(at + 1)))));
    }
    return { ...data.run, id: undefined, startTime: new Date(at), tests, meta: { ...data.run.meta } } as Run;
  };
  const history = Array.from({ length: 6 }, (_, k) => mkRun(T - (k + 1) * 3_600_000));
  // One stored run without a failure: the ranking must still see its passes.
  for (const t of history[2].tests) t.executions = t.executions.map((e) => ({ ...e, outcome: isFailing(e.outcome) ? 'passed' : e.outcome }));
  return { ...data, run: mkRun(T), history, historyFailuresOnly: false };
}

/** The flip ranking the plain way: every test of every run, oldest first. */
function plainRanking(data: ReportData): FlipRank[] {
  const state = new Map<string, { last: boolean | null; flips: number; executions: number; runs: number; failures: number }>();
  for (const run of [...data.history].reverse().concat(data.run)) {
    for (const t of run.tests) {
      let s = state.get(t.name);
      if (!s) state.set(t.name, (s = { last: null, flips: 0, executions: 0, runs: 0, failures: 0 }));
      s.runs++;
      for (const e of t.executions) {
        if (e.outcome === 'skipped') continue;
        const f = isFailing(e.outcome);
        if (s.last !== null && s.last !== f) s.flips++;
        s.last = f;
        s.executions++;
        if (f) s.failures++;
      }
    }
  }
  return [...state]
    .filter(([, s]) => s.flips > 0)
    .map(([name, s]) => ({ name, flips: s.flips, executions: s.executions, runs: s.runs, failures: s.failures, flipRate: s.flips / (s.executions - 1) }))
    .sort((a, b) => b.flipRate - a.flipRate || b.flips - a.flips || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe('the name prefilter misses no name', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`flip ranking and timelines equal the plain computation (seed ${seed})`, () => {
      const data = randomData(seed);
      const ranked = plainRanking(data);
      assert.ok(ranked.length > 20, `${ranked.length} tests flipped`);
      assert.deepEqual(flipRanking(data, Infinity), ranked);
      const all = new Set<string>();
      for (const r of [data.run, ...data.history]) for (const t of r.tests) all.add(t.name);
      const asked = [...all, 'never-run-xyz', 'q\uD800z'];
      const { runs, cells } = timelines(data, asked, 50);
      for (const n of asked) {
        const want = runs.map((r) => {
          const t = r.tests.find((x) => x.name === n);
          return t ? verdictOf(t) : 'absent';
        });
        assert.deepEqual(cells.get(n), want, JSON.stringify(n));
      }
    });
  }
});
