/** Builds model Runs for store tests. */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run, Test } from '../../src/model.ts';
import { SHARED } from '../helpers/shared-dir.ts';

export const FIXTURE_DB = `${SHARED}/plugin/flakefighters.db`;
export const FIXTURE_DB7 = `${SHARED}/plugin/pytest7/flakefighters.db`;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ffa-store-'));
}

/** A private copy of a read-only fixture database. */
export function copyFixture(src = FIXTURE_DB): string {
  const p = join(tempDir(), 'flakefighters.db');
  copyFileSync(src, p);
  return p;
}

export interface SampleOptions {
  uuid?: string;
  start?: Date;
  tests?: number;
  commitSha?: string | null;
  root?: string;
  /** Every n-th test fails (with an exception, frames and flaky results); 0 = none. */
  failEvery?: number;
}

export function sampleRun(o: SampleOptions = {}): Run {
  const start = o.start ?? new Date(2026, 10, 25, 12, 0, 0, 123);
  const root = o.root ?? '/home/runner/work/app/app';
  const n = o.tests ?? 4;
  const failEvery = o.failEvery ?? 2;
  const tests: Test[] = [];
  for (let i = 0; i < n; i++) {
    const failing = failEvery > 0 && i % failEvery === 1;
    const t0 = new Date(start.getTime() + i * 10);
    tests.push({
      name: `tests/test_m${i % 7}.py::test_${i}`,
      fspath: `${root}/tests/test_m${i % 7}.py`,
      lineNo: i + 1,
      skipped: false,
      results: failing ? [{ name: 'CoverageIndependence', flaky: false }] : [],
      executions: failing
        ? [
            {
              outcome: 'failed',
              startTime: t0,
              endTime: new Date(t0.getTime() + 5),
              stdout: 'out',
              stderr: null,
              report: `AssertionError: boom ${i}`,
              coverage: { [`${root}/app.py`]: [3, 1, 300] },
              exception: {
                name: 'AssertionError',
                frames: [
                  { path: `${root}/tests/test_m${i % 7}.py`, lineno: i, colno: null, statement: 'assert x', source: 'def t():\n    assert x' },
                  { path: `${root}/app.py`, lineno: 41, colno: 4, statement: 'raise', source: null },
                ],
              },
              results: [
                { name: 'OutcomeFlip', flaky: true, evidence: { reason: 'failed then passed on retry in this run', similarity: 1 } },
                { name: 'TracebackMatching', flaky: false },
              ],
            },
            {
              outcome: 'passed',
              startTime: new Date(t0.getTime() + 6),
              endTime: new Date(t0.getTime() + 8),
              stdout: null,
              stderr: null,
              report: 'None',
              coverage: null,
              exception: null,
              results: [],
            },
          ]
        : [
            {
              outcome: 'passed',
              startTime: t0,
              endTime: new Date(t0.getTime() + 3),
              stdout: null,
              stderr: null,
              report: 'None',
              coverage: { [`${root}/app.py`]: [1, 2] },
              exception: null,
              results: [],
            },
          ],
    });
  }
  return {
    startTime: start,
    createdAt: null,
    root,
    commitSha: o.commitSha === undefined ? 'abc123' : o.commitSha,
    tests,
    activeFlakefighters: [
      { name: 'OutcomeFlip', params: { run_live: true } as never },
      { name: 'CosineSimilarity', params: { run_live: false, root, threshold: 0.8 } as never },
    ],
    meta: {
      uuid: o.uuid ?? `00000000-0000-4000-8000-${String(start.getTime()).padStart(12, '0').slice(-12)}`,
      workflow: 'CI',
      job: 'test',
      runId: '123456789',
      runAttempt: 1,
      runNumber: 42,
      ref: 'refs/heads/main',
      branch: 'main',
      repository: 'o/r',
      eventName: 'push',
      source: 'action',
      dialects: ['pytest'],
      environment: '["action",".github/workflows/ci.yml","test","matrix:{\\"python\\":\\"3.12\\"}"]',
      environmentLabel: 'ci.yml › test › python 3.12',
      dirtyTree: false,
    },
  };
}
