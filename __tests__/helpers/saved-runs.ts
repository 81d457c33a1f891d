/** Runs as the action saves them, and database files of them written by our own store, for the tests of history files. */
import { randomUUID } from 'node:crypto';
import type { ActiveFlakefighter, Run, Test } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

export interface ActionRunOptions {
  uuid?: string;
  activeFlakefighters?: ActiveFlakefighter[];
}

/**
 * A run of workflow CI, job test, started `minutesAgo` minutes ago; whole seconds, as the store keeps them, so a run
 * read back compares equal. `tests` makes the run's tests for its start time.
 */
export function actionRun(minutesAgo: number, tests: (start: Date) => Test[], { uuid = randomUUID(), activeFlakefighters = [] }: ActionRunOptions = {}): Run {
  const t = new Date(Date.now() - minutesAgo * 60e3);
  t.setMilliseconds(0);
  return {
    startTime: t,
    root: '/w',
    commitSha: 'abc',
    activeFlakefighters,
    meta: { uuid, workflow: 'CI', job: 'test', source: 'action' },
    tests: tests(t),
  };
}

/** A test failed once at `t`, with a report, coverage, a traceback and an OutcomeFlip verdict: rows in every table. */
export function failedOnce(t: Date, name = 'tests/test_a.py::test_x'): Test {
  return {
    name,
    fspath: '/w/tests/test_a.py',
    lineNo: 3,
    skipped: false,
    results: [],
    executions: [
      { outcome: 'failed', startTime: t, endTime: t, stdout: null, stderr: null, report: 'boom', coverage: { '/w/a.py': [1, 2] }, exception: { name: 'AssertionError', frames: [{ path: 'tests/test_a.py', lineno: 4, colno: null, statement: 'assert 0' }] }, results: [{ name: 'OutcomeFlip', flaky: true }] },
    ],
  };
}

/** A database file at `path` holding `runs`, saved by our SQLite store; returns `path`. */
export async function saveRuns(path: string, runs: Run[]): Promise<string> {
  const store = await openSqliteStore(path);
  for (const r of runs) await store.save(r);
  await store.close();
  return path;
}
