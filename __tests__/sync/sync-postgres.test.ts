import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import { openLocation } from '../../src/sync/open-any.ts';
import { verdictOf, type Run, type Test } from '../../src/model.ts';
import { FIXTURE_DB, sampleRun } from '../store/sample-run.ts';
import { at, classifyAndSave, content, scenario, tempDir } from './scenario.ts';

const PLUGIN_TABLES = ['run', 'activeflakefighter', 'test', 'test_execution', 'test_exception', 'tracebackentry', 'flakefighter_result'];
const pick = (c: Record<string, number>, names = PLUGIN_TABLES) => Object.fromEntries(names.map((n) => [n, c[n]]));

describe('sync with a real PostgreSQL', () => {
  let pg: PgServer;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.destroy();
  });

  async function freshDb(name: string): Promise<string> {
    await pg.psql(`CREATE DATABASE ${name}`);
    return pg.url.replace(/\/ffdb$/, `/${name}`);
  }

  test('sqlite → postgres → sqlite: every run arrives whole and equal, re-syncs change nothing', async () => {
    const url = await freshDb('roundtrip');
    const dir = tempDir();
    const src = join(dir, 'src.db');
    copyFileSync(FIXTURE_DB, src);
    const s = await openSqliteStore(src);
    for (let i = 0; i < 3; i++) await s.save(sampleRun({ uuid: `00000000-0000-4000-8000-00000000000${i}`, start: at(i), tests: 7 }));
    await s.close();

    // SQLAlchemy's spelling of the URL works as well.
    const sqlaUrl = url.replace(/^postgres:/, 'postgresql+psycopg2:');
    let from = (await openLocation(src, { readonly: true })).store;
    let to = (await openLocation(sqlaUrl)).store;
    const r1 = await syncDatabases(from, to);
    assert.equal(r1.copied, 8);
    const pgCounts = await to.tableCounts();
    const srcCounts = await from.tableCounts();
    assert.deepEqual(pick(pgCounts), pick(srcCounts));
    const srcRuns = await from.loadAllRuns();
    const pgRuns = await to.loadAllRuns();
    assert.deepEqual(pgRuns.map(content), srcRuns.map(content));
    const r2 = await syncDatabases(from, to);
    assert.deepEqual([r2.copied, r2.alreadyThere], [0, 8]);
    assert.deepEqual(await to.tableCounts(), pgCounts);
    await from.close();
    await to.close();

    // postgres → a new sqlite file, then back again: nothing new either way.
    const back = join(dir, 'back.db');
    from = (await openLocation(url)).store;
    to = (await openLocation(back)).store;
    const r3 = await syncDatabases(from, to);
    assert.equal(r3.copied, 8);
    await to.close();
    to = await openSqliteStore(back, { readonly: true });
    assert.deepEqual(pick(await to.tableCounts()), pick(srcCounts));
    assert.deepEqual((await to.loadAllRuns()).map(content), srcRuns.map(content));
    await to.close();
    const to2 = await openSqliteStore(back);
    const r4 = await syncDatabases(from, to2);
    assert.equal(r4.copied, 0);
    await to2.close();
    await from.close();
    // The plugin's own file gets nothing back either: its runs match by their natural key.
    const pluginCopy = join(dir, 'plugin.db');
    copyFileSync(FIXTURE_DB, pluginCopy);
    from = (await openLocation(url)).store;
    to = await openSqliteStore(pluginCopy);
    const r5 = await syncDatabases(from, to);
    assert.deepEqual([r5.copied, r5.alreadyThere], [3, 5]);
    await from.close();
    await to.close();
  });

  test('reclassify with a postgres destination appends exactly the changed verdict', async () => {
    const url = await freshDb('reclassify');
    const dir = tempDir();
    const src = join(dir, 'src.db');
    const s = await openSqliteStore(src);
    await classifyAndSave(s, scenario.A());
    await s.close();
    const seed = await openPostgresStore(url);
    for (const r of [scenario.B(), scenario.C(), scenario.D()]) await classifyAndSave(seed, r);
    const before = await seed.tableCounts();
    await seed.close();

    const from = await openSqliteStore(src, { readonly: true });
    const to = await openPostgresStore(url);
    const r = await syncDatabases(from, to, { reclassify: true });
    const runs = await to.loadAllRuns();
    const after = await to.tableCounts();
    await from.close();
    await to.close();
    const c = runs.find((x) => x.meta.uuid === scenario.C().meta.uuid)!;
    const d = runs.find((x) => x.meta.uuid === scenario.D().meta.uuid)!;
    assert.deepEqual(
      r.changes.map((x) => [x.runId, x.test, x.flakefighter, x.oldFlaky, x.newFlaky]),
      [[c.id, 'tests/test_other.py::test_other', 'TracebackMatching', false, true]],
    );
    assert.equal(verdictOf(c.tests[0]), 'flaky');
    assert.equal(verdictOf(d.tests[0]), 'genuine');
    const aResults = runs[0].tests.reduce((n, t) => n + t.results.length + t.executions.reduce((m, e) => m + e.results.length, 0), 0);
    assert.equal(after.flakefighter_result, before.flakefighter_result + aResults + 1);
    const rec = await pg.psql('SELECT run_id, name, old_flaky, new_flaky FROM ffa_reclassification', 'reclassify');
    assert.equal(rec.trim(), `${c.id}|TracebackMatching|f|t`);
    // Our extra table does not stop the database from opening again.
    const reopened = await openPostgresStore(url);
    assert.equal((await reopened.listRunKeys()).length, 4);
    await reopened.close();
  });

  test('killing the destination server mid-sync leaves only whole runs', async () => {
    const url = await freshDb('killed');
    const dir = tempDir();
    const src = join(dir, 'src.db');
    const s = await openSqliteStore(src);
    const N = 24; // keep in step with the message checked below
    for (let i = 0; i < N; i++) await s.save(bigRun(`11111111-0000-4000-8000-${String(i).padStart(12, '0')}`, at(i), 100));
    await s.close();

    const from = await openSqliteStore(src, { readonly: true });
    const to = await openPostgresStore(url, { retries: 0 });
    let stopping: Promise<void> | null = null;
    await assert.rejects(
      syncDatabases(from, to, {
        batchSize: 5,
        onProgress: (done) => {
          // Stop the server while later saves are still to come (and possibly in flight).
          if (done === 7 && !stopping) stopping = pg.stop('immediate');
        },
      }),
      (err: Error) => /sync stopped after copying \d+ of 24 run\(s\), each complete; run it again/.test(err.message),
    );
    await stopping;
    await to.close();
    await pg.start();

    const check = await openPostgresStore(url);
    const stored = await check.loadAllRuns();
    const counts = await check.tableCounts();
    await check.close();
    const srcRuns = new Map((await from.loadAllRuns()).map((r) => [r.meta.uuid, r]));
    assert.ok(stored.length >= 7 && stored.length < N, `${stored.length} runs stored`);
    for (const r of stored) {
      const orig = srcRuns.get(r.meta.uuid)!;
      assert.equal(r.tests.length, orig.tests.length);
      assert.deepEqual(content(r), content(orig));
    }
    // No orphan rows from a torn run.
    const perRun = [...srcRuns.values()][0];
    assert.equal(counts.test, stored.length * perRun.tests.length);
    assert.equal(counts.test_execution, stored.reduce((n, r) => n + r.tests.reduce((m, t) => m + t.executions.length, 0), 0));
    // And the next sync completes the copy.
    const to2 = await openPostgresStore(url);
    const rest = await syncDatabases(from, to2);
    assert.equal(rest.copied + rest.alreadyThere, N);
    assert.equal((await to2.listRunKeys()).length, N);
    await to2.close();
    await from.close();
  });
});

function bigRun(uuid: string, start: Date, n: number): Run {
  const tests: Test[] = [];
  for (let i = 0; i < n; i++) {
    const failed = i % 3 === 0;
    tests.push({
      name: `tests/test_m${i % 9}.py::test_${i}`,
      fspath: `/r/tests/test_m${i % 9}.py`,
      lineNo: i + 1,
      skipped: false,
      results: [],
      executions: [
        {
          outcome: failed ? 'failed' : 'passed',
          startTime: start,
          endTime: start,
          stdout: null,
          stderr: null,
          report: failed ? 'AssertionError: ' + 'x'.repeat(200) : 'None',
          coverage: { '/r/src/mod.py': [1, 2, 3, i + 4] },
          exception: failed ? { name: 'AssertionError', frames: [{ path: '/r/src/mod.py', lineno: i, colno: null, statement: 'assert x', source: 's'.repeat(80) }] } : null,
          results: failed ? [{ name: 'TracebackMatching', flaky: false, evidence: { reason: 'no earlier flaky failure' } }] : [],
        },
      ],
    });
  }
  return { startTime: start, createdAt: null, root: '/r', commitSha: 'abc', tests, activeFlakefighters: [{ name: 'TracebackMatching', params: { run_live: true, root: '/r' } as never }], meta: { uuid, source: 'action', dialects: [] } };
}
