import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Run } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { pluginShape, pythonShape, readWithPython } from './plugin-shape.ts';
import { SHARED } from '../helpers/shared-dir.ts';
import { requireSystem } from '../helpers/require-system.ts';

const ROOT = '/home/runner/work/proj/proj';

/** Two runs using every column the plugin maps: exceptions with frames, both result levels, coverage, params. */
function runs(): Run[] {
  const t = (m: number, ms = 0) => new Date(2026, 10, 24, 8, m, 5, ms);
  const r1: Run = {
    startTime: t(0, 250),
    createdAt: new Date(Date.UTC(2026, 10, 24, 8, 0, 9)),
    root: ROOT,
    commitSha: '0123456789abcdef0123456789abcdef01234567',
    activeFlakefighters: [
      { name: 'DiffCov', params: { run_live: true, root: ROOT, source_commit: 'aaa', target_commit: null } as never },
      { name: 'TracebackMatching', params: { run_live: true, root: ROOT } as never },
      { name: 'CosineSimilarity', params: { run_live: false, root: ROOT, threshold: 0.8 } as never },
      { name: 'CoverageIndependence', params: { threshold: 0.05, metric: 'jaccard', linkage_method: 'single', extra: [1, 300, 70000, -2, 2 ** 40], nested: { ok: true } } as never },
    ],
    tests: [
      {
        name: 'tests/test_api.py::TestApi::test_fetch[ünï-1]',
        fspath: `${ROOT}/tests/test_api.py`,
        lineNo: 12,
        skipped: false,
        results: [{ name: 'CoverageIndependence', flaky: true }],
        executions: [
          {
            outcome: 'failed',
            startTime: t(0, 300),
            endTime: t(0, 350),
            stdout: 'fetching…\n',
            stderr: 'warning: slow\n',
            report: 'def test_fetch():\n>       assert fetch() == 200\nE       assert 500 == 200',
            coverage: { [`${ROOT}/app/api.py`]: [30, 1, 2, 256, 70000], [`${ROOT}/tests/test_api.py`]: [12], [`${ROOT}/app/empty.py`]: [] },
            exception: {
              name: 'AssertionError',
              frames: [
                { path: `${ROOT}/tests/test_api.py`, lineno: 13, colno: null, statement: 'assert fetch() == 200', source: 'def test_fetch():\n    assert fetch() == 200' },
                { path: `${ROOT}/app/api.py`, lineno: 0, colno: 8, statement: 'raise Oops()', source: null },
              ],
            },
            results: [
              { name: 'DiffCov', flaky: false },
              { name: 'TracebackMatching', flaky: true },
              { name: 'CosineSimilarity', flaky: false },
            ],
          },
          {
            outcome: 'passed',
            startTime: t(0, 400),
            endTime: t(0, 401),
            stdout: null,
            stderr: null,
            report: 'None',
            coverage: { [`${ROOT}/app/api.py`]: [1] },
            exception: null,
            results: [{ name: 'DiffCov', flaky: false }],
          },
        ],
      },
      { name: 'tests/test_api.py::test_skipped', fspath: `${ROOT}/tests/test_api.py`, lineNo: 40, skipped: true, results: [], executions: [] },
      {
        name: 'tests/test_api.py::test_ok',
        fspath: `${ROOT}/tests/test_api.py`,
        lineNo: 50,
        skipped: false,
        results: [],
        executions: [{ outcome: 'passed', startTime: t(0, 500), endTime: null, stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] }],
      },
    ],
    meta: { uuid: 'interop-1', source: 'action', dialects: ['pytest'] },
  };
  const r2: Run = {
    ...r1,
    startTime: t(5),
    createdAt: new Date(Date.UTC(2026, 10, 24, 8, 5, 7)),
    commitSha: null,
    activeFlakefighters: [{ name: 'OutcomeFlip', params: {} as never }],
    tests: [
      {
        name: 'ApiTest.testFetch',
        fspath: '',
        lineNo: null,
        skipped: false,
        results: [],
        executions: [
          {
            outcome: 'failed',
            startTime: null,
            endTime: null,
            stdout: null,
            stderr: null,
            report: 'java.lang.AssertionError: expected:<200> but was:<500>',
            coverage: null,
            exception: { name: 'AssertionError', frames: [{ path: 'src/test/java/ApiTest.java', lineno: 41, colno: null, statement: null, source: null }] },
            results: [{ name: 'OutcomeFlip', flaky: false }],
          },
        ],
      },
    ],
    meta: { uuid: 'interop-2', source: 'action', dialects: ['maven-surefire'] },
  };
  return [r1, r2];
}

async function writeOurs(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'ffa-interop-')), 'flakefighters.db');
  const store = await openSqliteStore(path);
  for (const r of runs()) await store.save(r);
  await store.close();
  return path;
}

describe('the plugin reads a database we wrote', () => {
  test('stdlib sqlite3 + pickle.loads, mapped as the plugin\'s models map it, gives back exactly what we wrote', async () => {
    const path = await writeOurs();
    const read = readWithPython(path);
    // Every row of every plugin table is reachable from a run through the models' foreign keys.
    assert.deepEqual(read.reached, read.counts);
    assert.deepEqual(read.counts, { run: 2, activeflakefighter: 5, test: 4, test_execution: 4, flakefighter_result: 6, test_exception: 2, tracebackentry: 3 });
    // Every column of the plugin's DDL was selected (the reader fails on a missing one).
    assert.deepEqual(Object.keys(read.columns).sort(), ['activeflakefighter', 'flakefighter_result', 'run', 'test', 'test_exception', 'test_execution', 'tracebackentry']);
    assert.deepEqual(read.runs.map(pythonShape), runs().map(pluginShape));
  });

  test('and through the plugin\'s own database_management.py (SQLAlchemy 2)', async (t) => {
    const found = requireSystem('sqlalchemy2');
    const dir = mkdtempSync(join(tmpdir(), 'ffa-sqla-'));
    copyFileSync(`${SHARED}/plugin/database_management.py`, join(dir, 'database_management.py'));
    const script = new URL('./read_with_sqlalchemy.py', import.meta.url).pathname;
    const path = await writeOurs();
    const res = spawnSync(found, [script, path], { cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONPATH: dir } });
    assert.equal(res.status, 0, res.stderr);
    t.diagnostic(`read through database_management.py with ${found}`);
    assert.ok(existsSync(path));
    assert.deepEqual(JSON.parse(res.stdout).runs.map(pythonShape), runs().map(pluginShape));
  });
});
