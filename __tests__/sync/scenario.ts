/** Runs for the sync tests: plain sample runs and the TracebackMatching late-run scenario. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyRun } from '../../src/classify.ts';
import { createFlakefighter } from '../../src/flakefighters/registry.ts';
import type { Execution, Run, Test, TracebackFrame } from '../../src/model.ts';
import type { AnyStore } from '../../src/sync/open-any.ts';
import { pickle, toPlain, unpickle, type Picklable } from '../../src/store/pickle.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

export const ROOT = '/home/runner/work/app/app';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ffa-sync-'));
}

/** Minute `m` of a fixed day, local time (start times are naive local, like the plugin's). */
export const at = (m: number, ms = 0): Date => new Date(2026, 10, 20, 9, m, 0, ms);

const T1: TracebackFrame[] = [
  { path: `${ROOT}/tests/test_shared.py`, lineno: 9, colno: null, statement: 'assert fetch() == 200', source: null },
  { path: `${ROOT}/app/net.py`, lineno: 41, colno: null, statement: 'raise TimeoutError()', source: null },
];
const T2: TracebackFrame[] = [{ path: `${ROOT}/tests/test_z.py`, lineno: 3, colno: null, statement: 'assert 1 == 2', source: null }];

function exec(outcome: 'passed' | 'failed', t: Date, frames?: TracebackFrame[]): Execution {
  return {
    outcome,
    startTime: t,
    endTime: new Date(t.getTime() + 5),
    stdout: null,
    stderr: null,
    report: outcome === 'failed' ? 'AssertionError' : 'None',
    coverage: null,
    exception: frames ? { name: 'AssertionError', frames } : null,
    results: [],
  };
}

function test(name: string, executions: Execution[]): Test {
  return { name, fspath: `${ROOT}/${name.split('::')[0]}`, lineNo: 1, skipped: false, executions, results: [] };
}

function run(uuid: string, start: Date, tests: Test[], commitSha: string): Run {
  return { startTime: start, createdAt: null, root: ROOT, commitSha, tests, activeFlakefighters: [], meta: { uuid, source: 'action', dialects: ['pytest'] } };
}

export const NAMES = ['OutcomeFlip', 'TracebackMatching'];

/** Classifies like the action does (real flakefighters, params stored in activeflakefighter). */
export async function classifyAndSave(store: AnyStore, r: Run): Promise<number> {
  const ffs = NAMES.map((n) => createFlakefighter(n, n === 'TracebackMatching' ? { run_live: true, root: ROOT } : {}, { root: ROOT }));
  const history = await store.loadHistory({ before: r.startTime });
  await classifyRun(ffs, { run: r, history, root: ROOT, warn: () => {} });
  return (await store.save(r)).runId;
}

/**
 * A (late, minute 10): test_flaky fails with traceback T1, then passes on retry → OutcomeFlip flaky.
 * C (minute 30): test_other fails with the same traceback T1 → genuine when classified (no history).
 * D (minute 40): test_z fails with an unrelated traceback T2 → genuine, and stays genuine.
 * B (minute 20): all green, already at the destination.
 */
export const scenario = {
  A: () =>
    run('aaaaaaaa-0000-4000-8000-000000000010', at(10), [
      test('tests/test_shared.py::test_flaky', [exec('failed', at(10), T1), exec('passed', at(10, 100))]),
      test('tests/test_ok.py::test_ok', [exec('passed', at(10, 200))]),
    ], 'c0ffee1'),
  B: () => run('bbbbbbbb-0000-4000-8000-000000000020', at(20), [test('tests/test_ok.py::test_ok', [exec('passed', at(20))])], 'c0ffee2'),
  C: () =>
    run('cccccccc-0000-4000-8000-000000000030', at(30), [
      test('tests/test_other.py::test_other', [exec('failed', at(30), T1)]),
      test('tests/test_ok.py::test_ok', [exec('passed', at(30, 100))]),
    ], 'c0ffee3'),
  D: () => run('dddddddd-0000-4000-8000-000000000040', at(40), [test('tests/test_z.py::test_z', [exec('failed', at(40), T2)])], 'c0ffee4'),
};

/**
 * Deep content of a run without database ids (for cross-store equality). Params are compared as
 * written (a pickled GitPython Repo is written back as its working directory, by design).
 */
export function content(r: Run): unknown {
  const strip = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(strip);
    if (o instanceof Date) return o.getTime();
    if (o && typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype) {
      return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'id').map(([k, v]) => [k, strip(v)]));
    }
    return o;
  };
  // A plugin run's meta has only uuid/source (no ffa_run row); once copied its other fields read null.
  // Stored totals (ffa_run.counts) exist only once a run passed through our store; compare tests instead.
  const meta = Object.fromEntries(Object.entries(r.meta).filter(([k, v]) => v !== null && v !== undefined && k !== 'counts'));
  return strip({ ...r, meta, activeFlakefighters: r.activeFlakefighters.map((a) => [a.name, toPlain(unpickle(pickle(a.params as Picklable)))]) });
}

/** Files for the late-run scenario: the source holds the late run A; the destination B, C, D, classified before A arrives. */
export async function lateRunFiles(): Promise<{ src: string; dst: string; dir: string }> {
  const dir = tempDir();
  const src = join(dir, 'src.db');
  const dst = join(dir, 'dst.db');
  const s = await openSqliteStore(src);
  await classifyAndSave(s, scenario.A());
  await s.close();
  const d = await openSqliteStore(dst);
  for (const r of [scenario.B(), scenario.C(), scenario.D()]) await classifyAndSave(d, r);
  await d.close();
  return { src, dst, dir };
}
