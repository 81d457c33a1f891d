import { test, describe, before, after } from 'node:test';
import { countRun } from '../../src/model.ts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres-store.ts';
import { PickleDict } from '../../src/store/pickle-types.ts';
import type { Run, Test } from '../../src/model.ts';

const T0 = new Date(2026, 10, 20, 9, 0, 0, 0);

function makeRun(nTests: number, opts: { start?: Date; uuid?: string; commit?: string | null; runNo?: number } = {}): Run {
  const runNo = opts.runNo ?? 0;
  const start = opts.start ?? new Date(T0.getTime() + runNo * 60_000);
  const tests: Test[] = [];
  for (let i = 0; i < nTests; i++) {
    const fails = i % 10 === 3;
    const failExec = {
      outcome: 'failed' as const,
      startTime: new Date(start.getTime() + i * 10),
      endTime: new Date(start.getTime() + i * 10 + 5),
      stdout: `out ${i}`,
      stderr: null,
      report: `AssertionError: boom ${i}\n  at x`,
      coverage: { '/r/src/a.py': [3, 1, 2], [`/r/tests/t${i % 7}.py`]: [10 + (i % 5)] },
      exception: {
        name: 'AssertionError',
        frames: [
          { path: `tests/t${i % 7}.py`, lineno: 9 + (i % 3), colno: null, statement: 'assert f() == 2', source: 'def t():\n  assert f() == 2' },
          { path: 'src/a.py', lineno: 2, colno: null, statement: 'return 1', source: null },
        ],
      },
      results: [
        { name: 'TracebackMatching', flaky: false },
        { name: 'OutcomeFlip', flaky: true, evidence: { reason: 'failed then passed on retry in this run', runId: null, similarity: 0.5 } },
      ],
    };
    const passExec = {
      outcome: 'passed' as const,
      startTime: new Date(start.getTime() + i * 10 + 6),
      endTime: new Date(start.getTime() + i * 10 + 8),
      stdout: `passing output ${i}`,
      stderr: 'warn',
      report: 'None',
      coverage: { '/r/src/a.py': [1, 2] },
      exception: null,
      results: [],
    };
    tests.push({
      name: `tests/t${i % 7}.py::test_${i}`,
      fspath: `/r/tests/t${i % 7}.py`,
      lineNo: i + 1,
      skipped: false,
      executions: fails ? [failExec, passExec] : [passExec],
      results: i % 25 === 0 ? [{ name: 'CoverageIndependence', flaky: false, evidence: { reason: 'own cluster', cluster: 3 } }] : [],
    });
  }
  const params = new PickleDict([
    ['threshold', 0.8],
    ['root', '/r'],
  ]);
  return {
    startTime: start,
    root: '/r',
    commitSha: opts.commit === undefined ? 'c0ffee' : opts.commit,
    tests,
    activeFlakefighters: [{ name: 'TracebackMatching', params }],
    meta: {
      uuid: opts.uuid ?? randomUUID(),
      workflow: 'ci',
      job: 'test',
      runId: '9001',
      runAttempt: 1,
      runNumber: 7,
      ref: 'refs/heads/main',
      branch: 'main',
      repository: 'o/r',
      eventName: 'push',
      source: 'action',
      dialects: ['pytest'],
      environment: '["action","ci","test","runner:Linux/X64"]',
      environmentLabel: 'ci › test › Linux/X64',
      dirtyTree: true,
    },
  };
}

/** Drops database ids so a loaded run compares with the one saved. */
function strip(run: Run): unknown {
  return JSON.parse(
    JSON.stringify(run, (k, v) => (k === 'id' ? undefined : v instanceof PickleDict ? Object.fromEntries(v) : v)),
  );
}

async function counts(server: PgServer, db = 'ffdb'): Promise<Record<string, number>> {
  const tables = ['run', 'ffa_run', 'activeflakefighter', 'test', 'test_execution', 'test_exception', 'tracebackentry', 'flakefighter_result', 'ffa_result_evidence'];
  const out = await server.psql(tables.map((t) => `SELECT '${t}', count(*) FROM ${t};`).join('\n'), db);
  return Object.fromEntries(out.split('\n').map((l) => [l.split('|')[0], Number(l.split('|')[1])]));
}

async function orphans(server: PgServer, db = 'ffdb'): Promise<string> {
  return server.psql(
    `SELECT 'ffa_run', count(*) FROM ffa_run WHERE run_id NOT IN (SELECT id FROM run);
     SELECT 'aff', count(*) FROM activeflakefighter WHERE run_id NOT IN (SELECT id FROM run);
     SELECT 'test', count(*) FROM test WHERE run_id NOT IN (SELECT id FROM run);
     SELECT 'exec', count(*) FROM test_execution WHERE test_id NOT IN (SELECT id FROM test);
     SELECT 'exc', count(*) FROM test_exception WHERE execution_id NOT IN (SELECT id FROM test_execution);
     SELECT 'frame', count(*) FROM tracebackentry WHERE exception_id NOT IN (SELECT id FROM test_exception);
     SELECT 'result', count(*) FROM flakefighter_result WHERE test_id NOT IN (SELECT id FROM test) OR test_execution_id NOT IN (SELECT id FROM test_execution);
     SELECT 'evidence', count(*) FROM ffa_result_evidence WHERE result_id NOT IN (SELECT id FROM flakefighter_result);`,
    db,
  );
}
const NO_ORPHANS = 'ffa_run|0\naff|0\ntest|0\nexec|0\nexc|0\nframe|0\nresult|0\nevidence|0';

describe('postgres store', () => {
  let server: PgServer;
  let store: PostgresStore;
  before(async () => {
    server = await startPostgres();
    store = await openPostgresStore(server.url, { full: true });
  });
  after(async () => {
    await store?.close();
    await server?.destroy();
  });

  test('a saved run comes back whole as the next run\'s history', async () => {
    const first = makeRun(30, { runNo: 1 });
    const saved = await store.save(first);
    assert.equal(saved.inserted, true);
    assert.ok(saved.runId > 0);
    const second = makeRun(30, { runNo: 2 });
    const history = await store.loadHistory({ before: second.startTime });
    assert.equal(history.length, 1);
    assert.equal(history[0].id, saved.runId);
    assert.deepEqual(strip(history[0]), strip({ ...first, createdAt: history[0].createdAt, meta: { ...first.meta, counts: countRun(first) } }));
    // Nothing at or after the run's own start.
    assert.equal((await store.loadHistory({ before: first.startTime })).length, 0);
    assert.equal(await store.hasRun(first.meta.uuid), true);
    assert.equal(await store.hasRun(randomUUID()), false);
    await store.save(second);
    const both = await store.loadHistory({ before: new Date(T0.getTime() + 3600_000) });
    assert.deepEqual(both.map((r) => r.meta.uuid), [second.meta.uuid, first.meta.uuid]);
    assert.deepEqual((await store.loadHistory({ before: new Date(T0.getTime() + 3600_000), maxRuns: 1 })).map((r) => r.meta.uuid), [second.meta.uuid]);
    assert.deepEqual(
      (await store.loadHistory({ before: new Date(T0.getTime() + 3600_000), since: new Date(T0.getTime() + 90_000) })).map((r) => r.meta.uuid),
      [second.meta.uuid],
    );
    const forCommit = await store.loadRunsForCommit('c0ffee', second.startTime);
    assert.deepEqual(forCommit.map((r) => r.meta.uuid), [first.meta.uuid]);
    assert.deepEqual(await store.loadRunsForCommit('nope', second.startTime), []);
  });

  test('lean history leaves out output of passing executions', async () => {
    const lean = await openPostgresStore(server.url);
    try {
      const [run] = await lean.loadHistory({ before: new Date(T0.getTime() + 90_000) });
      const t3 = run.tests.find((t) => t.name.endsWith('::test_3'))!;
      assert.equal(t3.executions[0].stdout, 'out 3');
      assert.equal(t3.executions[1].stdout, null);
      assert.deepEqual(t3.executions[1].coverage, { '/r/src/a.py': [1, 2] });
    } finally {
      await lean.close();
    }
  });

  test('saving the same uuid twice, even at once, stores it once', async () => {
    const run = makeRun(20, { runNo: 5 });
    const a = await store.save(run);
    const b = await store.save(run);
    assert.equal(b.inserted, false);
    assert.equal(b.runId, a.runId);
    const twin = makeRun(20, { runNo: 6 });
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(server.url)));
    try {
      const results = await Promise.all(stores.map((s) => s.save(twin)));
      assert.equal(results.filter((r) => r.inserted).length, 1);
      assert.equal(new Set(results.map((r) => r.runId)).size, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid = '${twin.meta.uuid}'`), '1');
  });

  test('20 concurrent saves over separate connections all land with unique ids', async () => {
    await server.psql('CREATE DATABASE conc', 'postgres');
    const url = server.url.replace(/\/ffdb$/, '/conc');
    const stores = await Promise.all(Array.from({ length: 20 }, () => openPostgresStore(url)));
    try {
      const runs = Array.from({ length: 20 }, (_, i) => makeRun(15, { runNo: 100 + i }));
      const results = await Promise.all(stores.map((s, i) => s.save(runs[i], { storeMaxRuns: 50 })));
      assert.ok(results.every((r) => r.inserted));
      assert.equal(new Set(results.map((r) => r.runId)).size, 20);
      const c = await counts(server, 'conc');
      assert.equal(c.run, 20);
      assert.equal(c.test, 300);
      assert.equal(await server.psql('SELECT count(DISTINCT id) FROM test_execution', 'conc'), String(c.test_execution));
      const loaded = await stores[0].loadHistory({ before: new Date(T0.getTime() + 10 * 3600_000) });
      assert.equal(loaded.length, 20);
      for (const r of loaded) {
        const orig = runs.find((x) => x.meta.uuid === r.meta.uuid)!;
        assert.deepEqual(r.tests.map((t) => t.name), orig.tests.map((t) => t.name));
        assert.equal(r.tests.reduce((n, t) => n + t.executions.length, 0), orig.tests.reduce((n, t) => n + t.executions.length, 0));
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('retention keeps the N newest including the new one and leaves no orphans', async () => {
    await server.psql('CREATE DATABASE keep', 'postgres');
    const s = await openPostgresStore(server.url.replace(/\/ffdb$/, '/keep'));
    try {
      const runs = Array.from({ length: 5 }, (_, i) => makeRun(12, { runNo: i }));
      for (const r of runs) await s.save(r);
      const res = await s.save(makeRun(12, { runNo: 10 }), { storeMaxRuns: 3 });
      assert.equal(res.pruned, 3);
      const left = await s.loadHistory({ before: new Date(T0.getTime() + 3600_000) });
      assert.deepEqual(left.map((r) => r.startTime.getTime()), [10, 4, 3].map((n) => T0.getTime() + n * 60_000));
      assert.equal(await orphans(server, 'keep'), NO_ORPHANS);
      const c = await counts(server, 'keep');
      assert.equal(c.test, 36);
      assert.equal(c.ffa_run, 3);
      const res2 = await s.save(makeRun(12, { runNo: 11 }), { since: new Date(T0.getTime() + 5 * 60_000) });
      assert.equal(res2.pruned, 2);
      assert.equal((await counts(server, 'keep')).run, 2);
      assert.equal(await orphans(server, 'keep'), NO_ORPHANS);
    } finally {
      await s.close();
    }
  });

  test('concurrent saves that all prune neither deadlock nor leave orphans', async () => {
    await server.psql('CREATE DATABASE prune', 'postgres');
    const url = server.url.replace(/\/ffdb$/, '/prune');
    const seed = await openPostgresStore(url);
    for (let i = 0; i < 6; i++) await seed.save(makeRun(10, { runNo: i }));
    await seed.close();
    const stores = await Promise.all(Array.from({ length: 10 }, () => openPostgresStore(url)));
    try {
      const results = await Promise.all(stores.map((s, i) => s.save(makeRun(10, { runNo: 20 + i }), { storeMaxRuns: 3 })));
      assert.ok(results.every((r) => r.inserted));
      assert.equal(results.reduce((n, r) => n + r.pruned, 0), 13);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    assert.equal((await counts(server, 'prune')).run, 3);
    assert.equal(await orphans(server, 'prune'), NO_ORPHANS);
  });

  test('statements per save do not grow with the run: 100 vs 10,000 tests', async () => {
    await server.psql('CREATE DATABASE trips', 'postgres');
    const queries: string[] = [];
    const s = await openPostgresStore(server.url.replace(/\/ffdb$/, '/trips'), { onQuery: (q) => queries.push(q) });
    try {
      const measure = async (n: number, runNo: number) => {
        queries.length = 0;
        const t = Date.now();
        await s.save(makeRun(n, { runNo }), { storeMaxRuns: 10 });
        return { statements: queries.length, ms: Date.now() - t };
      };
      const small = await measure(100, 1);
      const big = await measure(10_000, 2);
      console.log(`save statements: 100 tests → ${small.statements} (${small.ms} ms), 10000 tests → ${big.statements} (${big.ms} ms)`);
      assert.equal(big.statements, small.statements);
      queries.length = 0;
      const h = await s.loadHistory({ before: new Date(T0.getTime() + 3600_000) });
      console.log(`load statements for 2 runs / ${h.reduce((n, r) => n + r.tests.length, 0)} tests: ${queries.length}`);
      assert.ok(queries.length <= 12, String(queries.length));
      assert.equal(h[0].tests.length, 10_000);
    } finally {
      await s.close();
    }
  });
});
