/**
 * The plugin's own databases read in full: every run, test, execution, exception, traceback entry,
 * result, coverage pickle and params pickle (the GitPython Repo as a placeholder), compared field by
 * field with an independent stdlib python3 reading of the same file. (__tests__/store/ checks the
 * counts and the schema; this checks the content.)
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Run } from '../../src/model.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { formatLocalTimestamp, formatUtcTimestamp } from '../../src/store/timestamps.ts';
import { toPlain } from '../../src/store/pickle.ts';
import { pluginShape, pythonShape, readWithPython } from './plugin-shape.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const FIXTURES = [
  ['pytest 8', `${SHARED}/plugin/flakefighters.db`],
  ['pytest 7', `${SHARED}/plugin/pytest7/flakefighters.db`],
] as const;

async function loadOurs(path: string): Promise<Run[]> {
  const store = await openSqliteStore(path, { readonly: true });
  try {
    assert.deepEqual(store.warnings, []);
    return await store.loadAllRuns();
  } finally {
    await store.close();
  }
}

describe('the plugin fixture databases, read in full', () => {
  for (const [label, path] of FIXTURES) {
    test(`${label}: our store reads exactly what python3 reads`, async () => {
      const ours = await loadOurs(path);
      const py = readWithPython(path, true);
      assert.deepEqual(py.reached, py.counts);
      assert.equal(ours.length, py.runs.length);
      ours.forEach((run, i) => assert.deepEqual(pluginShape(run), pythonShape(py.runs[i]), `run ${run.id}`));
    });
  }

  test('rows.json example rows match the rows we load, id for id', async () => {
    const rows = JSON.parse(readFileSync(`${SHARED}/plugin/rows.json`, 'utf8'));
    const runs = await loadOurs(FIXTURES[0][1]);
    const run = runs.find((r) => r.id === rows.run[0].id)!;
    assert.equal(formatLocalTimestamp(run.startTime), rows.run[0].start_time.slice(0, 23) + '000');
    assert.equal(formatUtcTimestamp(run.createdAt!), rows.run[0].created_at);
    assert.equal(run.root, rows.run[0].root);
    assert.equal(run.commitSha, rows.run[0].commit_sha);
    rows.activeflakefighter.forEach((a: any, i: number) => {
      assert.equal(run.activeFlakefighters[i].name, a.name);
      const plain = toPlain(run.activeFlakefighters[i].params) as Record<string, unknown>;
      if (a.name !== 'DiffCov') assert.deepEqual(plain, a.params.value);
      else assert.equal((plain.root as { __pickle_global__: string }).__pickle_global__, 'git.repo.base.Repo');
    });
    const tests = runs.flatMap((r) => r.tests);
    for (const t of rows.test) {
      const ours = tests.find((x) => x.id === t.id)!;
      assert.deepEqual([ours.fspath, ours.lineNo, ours.name, ours.skipped], [t.fspath, t.line_no, t.name, t.skipped === 1]);
    }
    const execs = tests.flatMap((t) => t.executions.map((e) => ({ e, t })));
    for (const x of rows.test_execution) {
      const { e, t } = execs.find((y) => y.e.id === x.id)!;
      assert.equal(t.id, x.test_id);
      assert.deepEqual([e.outcome, e.stdout, e.stderr, e.report], [x.outcome, x.stdout, x.stderr, x.report]);
      assert.equal(formatLocalTimestamp(e.startTime!), x.start_time.slice(0, 23) + '000');
      assert.deepEqual(e.coverage, x.coverage?.value ?? null);
    }
    const exc = rows.test_exception[0];
    const withExc = execs.find((y) => y.e.id === exc.execution_id)!.e;
    assert.equal(withExc.exception!.name, exc.name);
    const first = rows.tracebackentry.rows[0];
    assert.deepEqual(withExc.exception!.frames[0], { path: first.path, lineno: first.lineno, colno: first.colno, statement: first.statement, source: first.source });
    for (const r of rows.flakefighter_result.execution_level) {
      const got = execs.find((y) => y.e.id === r.test_execution_id)!.e.results.find((x) => x.id === r.id)!;
      assert.deepEqual([got.name, got.flaky], [r.name, r.flaky === 1]);
    }
    for (const r of rows.flakefighter_result.test_level) {
      const got = tests.find((t) => t.id === r.test_id)!.results.find((x) => x.id === r.id)!;
      assert.deepEqual([got.name, got.flaky], [r.name, r.flaky === 1]);
    }
  });
});
