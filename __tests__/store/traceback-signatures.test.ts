/**
 * The traceback signature index (store/traceback-signatures.ts) against the full load it replaces: TracebackMatching and
 * CosineSimilarity must give the same results (verdict and evidence) reading the window's flaky signatures from the
 * index as reading every stored failure from loadHistory. On the parity vectors, on the plugin's own database synced
 * into ours (and read in place, unindexed), with verdicts learned on save, after retention, and on an old database
 * upgraded in place; on sql.js and on PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosineSimilarity } from '../../src/flakefighters/cosine-similarity.ts';
import type { Flakefighter } from '../../src/flakefighters/flakefighter.ts';
import { TracebackMatching } from '../../src/flakefighters/traceback-matching.ts';
import type { Run } from '../../src/model.ts';
import { FFA_SCHEMA_VERSION } from '../../src/store/schema.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { loadSqlJs } from '../../src/store/sqljs.ts';
import type { Store } from '../../src/store/store.ts';
import { storeTracebackSource } from '../../src/store/traceback-signatures.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import { exception, execution, run as mkRun, test as mkTest } from '../flakefighters/builders.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { SHARED } from '../helpers/shared-dir.ts';

type Json = any;
const PLUGIN_DB = join(SHARED, 'plugin/flakefighters.db');
const VECTORS = JSON.parse(readFileSync(join(SHARED, 'parity/cosine_similarity.json'), 'utf8')) as { cases: Json[] };
const T0 = Date.UTC(2026, 5, 1, 8);
const HOUR = 3_600_000;

const tmp = () => mkdtempSync(join(tmpdir(), 'ff-tbsig-'));

/** The results each execution got, in order: what the two paths must agree on. */
const resultsOf = (r: Run) => r.tests.map((t) => t.executions.map((e) => e.results));

/** A copy of `run` without any result (a run being classified now). */
function fresh(run: Run): Run {
  return { ...run, tests: run.tests.map((t) => ({ ...t, results: [], executions: t.executions.map((e) => ({ ...e, results: [] })) })) };
}

/**
 * Classifies copies of `current`: one against loadHistory (every stored failure), and against the signature index read
 * for the window's query (every indexed run: one index pass; else the window's runs joined) and for its list of runs.
 * The two index reads must agree; returns the full load's results and theirs.
 */
async function bothWays(
  store: Store,
  current: Run,
  make: () => Flakefighter[],
  since?: Date,
  maxRuns?: number,
): Promise<{ full: unknown; index: unknown; flaky: number }> {
  const q = { before: current.startTime, since, maxRuns };
  const a = fresh(current);
  const history = await store.loadHistory(q, { failuresOnly: true, coverage: false });
  const warnA: string[] = [];
  for (const f of make()) await f.classify({ run: a, history, root: a.root, warn: (m) => warnA.push(m) });
  const window = await store.loadHistoryRuns(q);
  assert.deepEqual(window.map((r) => [r.id, r.meta.uuid]), history.map((r) => [r.id, r.meta.uuid]), 'the same window, the same run uuids');
  const c = fresh(current);
  const warnC: string[] = [];
  for (const f of make()) await f.classify({ run: c, history: window, tracebacks: storeTracebackSource(store, window), root: c.root, warn: (m) => warnC.push(m) });
  assert.deepEqual(warnC, warnA, 'the same warnings');
  const b = fresh(current);
  const warnB: string[] = [];
  for (const f of make()) await f.classify({ run: b, history: [], tracebacks: storeTracebackSource(store, q), root: b.root, warn: (m) => warnB.push(m) });
  assert.deepEqual(warnB, warnA, 'the same warnings');
  assert.deepEqual(resultsOf(b), resultsOf(c), 'the query and the list of runs read the same');
  const flaky = b.tests.flatMap((t) => t.executions.flatMap((e) => e.results)).filter((r) => r.flaky).length;
  return { full: resultsOf(a), index: resultsOf(b), flaky };
}

const tracebackFlakefighters = (root: string, thresholds: number[] = [1]) => (): Flakefighter[] => [
  new TracebackMatching({ runLive: true, root }),
  ...thresholds.map((threshold) => new CosineSimilarity({ runLive: true, root, threshold })),
];

interface Backend {
  name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** A fresh store holding a copy of the plugin's fixture database, unsynced (sql.js: the file itself). */
  pluginCopy?(): Promise<Store>;
  /** Reopens what `open` made (after close). */
  reopen(store: Store): Promise<Store>;
  /** Makes the database look like one written before schema 4: no index tables, schema_version 3. */
  downgrade(store: Store): Promise<void>;
  /** Rows of one of our tables. */
  count(store: Store, table: string): Promise<number>;
}

const sqliteBackend: Backend = {
  name: 'sql.js',
  open: async () => openSqliteStore(join(tmp(), 'db.sqlite')),
  pluginCopy: async () => {
    const path = join(tmp(), 'plugin.db');
    copyFileSync(PLUGIN_DB, path);
    return openSqliteStore(path);
  },
  reopen: (s) => openSqliteStore((s as unknown as { path: string }).path),
  async downgrade(s) {
    const path = (s as unknown as { path: string }).path;
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(path));
    db.run('DROP TABLE ffa_traceback_seen; DROP TABLE ffa_traceback_run; DROP TABLE ffa_traceback_signature');
    db.run("UPDATE ffa_meta SET value = '3' WHERE key = 'schema_version'");
    writeFileSync(path, db.export());
    db.close();
  },
  async count(s, table) {
    const path = (s as unknown as { path: string }).path;
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(path));
    try {
      return Number(db.exec(`SELECT COUNT(*) FROM ${table}`)[0].values[0][0]);
    } finally {
      db.close();
    }
  },
};

let server: PgServer;
let databases = 0;
const pgUrl = (s: Store) => (s as unknown as { url: string }).url;
const postgresBackend: Backend = {
  name: 'PostgreSQL',
  async open() {
    const name = `tbsig_${++databases}`;
    await server.psql(`CREATE DATABASE ${name}`, 'postgres');
    const url = server.url.replace(/\/[^/]*$/, `/${name}`);
    const store = await openPostgresStore(url);
    return Object.assign(store, { url });
  },
  async reopen(s) {
    const url = pgUrl(s);
    return Object.assign(await openPostgresStore(url), { url });
  },
  async downgrade(s) {
    const db = new URL(pgUrl(s)).pathname.slice(1);
    await server.psql("DROP TABLE ffa_traceback_seen; DROP TABLE ffa_traceback_run; DROP TABLE ffa_traceback_signature; UPDATE ffa_meta SET value = '3' WHERE key = 'schema_version'", db);
  },
  async count(s, table) {
    const db = new URL(pgUrl(s)).pathname.slice(1);
    return Number(await server.psql(`SELECT count(*) FROM ${table}`, db));
  },
};

before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

/** A stored run of the parity case: every earlier flaky traceback as a failing test some flakefighter called flaky. */
function parityHistory(c: Json, i: number): Run {
  return mkRun(
    c.previous_flaky_tracebacks.map((tb: Json, k: number) =>
      mkTest(`tests/test_prev.py::test_${k}`, [execution('failed', { exception: exception(tb), report: 'boom' })], { results: [{ name: 'Earlier', flaky: true }] }),
    ),
    { root: c.root, startTime: new Date(T0 + i * HOUR), meta: { uuid: `parity-${c.id}`, runNumber: i + 1 } },
  );
}

function parityCurrent(c: Json, i: number): Run {
  const exc = c.current_traceback === null ? null : exception(c.current_traceback.map((f: Json) => [f.path, f.lineno, f.colno, f.statement]));
  return mkRun([mkTest('tests/test_current.py::test_it', [execution('failed', { exception: exc, report: 'boom' })])], {
    root: c.root,
    startTime: new Date(T0 + i * HOUR + HOUR / 2),
    meta: { uuid: `current-${c.id}` },
  });
}

/** Failing tests whose tracebacks repeat across runs, some flaky only by a verdict learned on a later save. */
function learningRuns(): Run[] {
  const env = '["action","ci.yml","test","runner:Linux/X64"]';
  const frames = (n: number): [string, number, number | null, string | null][] => [
    ['tests/test_app.py', 10 + n, null, `assert check(${n})`],
    ['src/app/core.py', 40 + (n % 2), 8, 'raise Boom()'],
  ];
  const tests = (k: number, passing: Set<number>) =>
    [0, 1, 2, 3].map((n) =>
      mkTest(`tests/test_app.py::test_${n}`, [
        passing.has(n) ? execution('passed') : execution('failed', { exception: exception(frames(n)), report: 'boom', results: [{ name: 'OutcomeFlip', flaky: k === 0 && n === 3 }] }),
      ]),
    );
  const meta = (k: number) => ({
    uuid: `learn-${k}`,
    runNumber: 10 + k,
    runId: String(500 + k),
    runAttempt: 1,
    environment: env,
    environmentLabel: 'ci.yml › test',
    dirtyTree: false,
  });
  const base = { root: '/w/app', activeFlakefighters: [{ name: 'OutcomeFlip', params: null }] };
  return [
    // Run 0 (commit a): tests 0-3 fail; test 3 is flaky when classified.
    mkRun(tests(0, new Set()), { ...base, commitSha: 'a'.repeat(40), startTime: new Date(T0), meta: meta(0) }),
    // Run 1 (commit a again, same environment): test 1 passes, so run 0's failure of test 1 is learned flaky.
    mkRun(tests(1, new Set([1])), { ...base, commitSha: 'a'.repeat(40), startTime: new Date(T0 + HOUR), meta: meta(1) }),
    // Run 2 (commit b): test 0 fails again.
    mkRun(tests(2, new Set([1, 2, 3])), { ...base, commitSha: 'b'.repeat(40), startTime: new Date(T0 + 2 * HOUR), meta: meta(2) }),
  ];
}

function currentFailingAll(startTime: Date): Run {
  const r = learningRuns()[0];
  return { ...fresh(r), startTime, commitSha: 'c'.repeat(40), meta: { uuid: 'now' } };
}

for (const backend of [sqliteBackend, postgresBackend]) {
  describe(`traceback signature index, ${backend.name}`, () => {
    test('parity vectors: the same TracebackMatching and CosineSimilarity results as the full load, and the plugin\'s verdicts', async () => {
      const store = await backend.open();
      try {
        const thresholds = [...new Set(VECTORS.cases.flatMap((c) => Object.keys(c.cosine_verdicts).map(Number)))];
        let compared = 0;
        let matched = 0;
        for (const [i, c] of VECTORS.cases.entries()) {
          await store.save(parityHistory(c, i));
          const current = parityCurrent(c, i);
          // The window is this case's run alone.
          const got = await bothWays(store, current, tracebackFlakefighters(c.root, thresholds), new Date(T0 + i * HOUR));
          assert.deepEqual(got.index, got.full, `case ${c.id}`);
          const results = (got.index as Json)[0][0] as { name: string; flaky: boolean; evidence?: Json }[];
          const tm = results.find((r) => r.name === 'TracebackMatching')!;
          if (!tm.evidence?.noVerdict && c.current_traceback !== null) assert.equal(tm.flaky, c.traceback_matching_verdict, `case ${c.id}: the plugin's TracebackMatching verdict`);
          compared++;
          matched += got.flaky;
        }
        assert.equal(compared, VECTORS.cases.length);
        assert.ok(matched > 0, 'some case matches a flaky traceback, so the comparison says something');
      } finally {
        await store.close();
      }
    });

    test('the plugin\'s database synced into ours: every run classified against the runs before it gives the same results', async () => {
      const from = await openSqliteStore(PLUGIN_DB, { readonly: true });
      const to = await backend.open();
      try {
        await syncDatabases(from, to as never);
        const runs = await (to as unknown as { loadAllRuns(): Promise<Run[]> }).loadAllRuns();
        assert.equal(runs.length, 5);
        let flaky = 0;
        for (const r of runs) {
          const got = await bothWays(to, r, tracebackFlakefighters(r.root, [1, 0.8]));
          assert.deepEqual(got.index, got.full, `run ${r.id}`);
          flaky += got.flaky;
        }
        assert.ok(flaky > 0, 'some failure matches an earlier flaky one');
        // A new run after all of them: its window is every stored run (the index's single pass).
        const last = runs[runs.length - 1];
        const next = await bothWays(to, { ...last, startTime: new Date(last.startTime.getTime() + HOUR), meta: { uuid: 'next' } }, tracebackFlakefighters(last.root, [1, 0.8]));
        assert.deepEqual(next.index, next.full, 'a run after every stored one');
        assert.ok(next.flaky > 0);
      } finally {
        await from.close();
        await to.close();
      }
    });

    if (backend.pluginCopy) {
      test('the plugin\'s own file, opened in place: its runs are indexed on first read, with the same results', async () => {
        const store = await backend.pluginCopy!();
        try {
          const runs = await (store as unknown as { loadAllRuns(): Promise<Run[]> }).loadAllRuns();
          for (const r of runs) {
            const got = await bothWays(store, r, tracebackFlakefighters(r.root, [1, 0.8]));
            assert.deepEqual(got.index, got.full, `run ${r.id}`);
          }
        } finally {
          await store.close();
        }
        assert.equal(await backend.count(store, 'ffa_traceback_run'), 4, 'the four runs read as history were indexed and kept');
      });
    }

    test('verdicts learned on save count as flaky, with the same learned evidence', async () => {
      const store = await backend.open();
      try {
        for (const r of learningRuns()) await store.save(r);
        const current = currentFailingAll(new Date(T0 + 3 * HOUR));
        const got = await bothWays(store, current, tracebackFlakefighters('/w/app', [1, 0.5]));
        assert.deepEqual(got.index, got.full);
        const tm = (got.index as Json).map((t: Json) => t[0].find((r: Json) => r.name === 'TracebackMatching'));
        assert.deepEqual(tm.map((r: Json) => r.flaky), [false, true, false, true], 'test 1 by the learned verdict, test 3 by its own');
        assert.equal(tm[1].evidence.learnedFrom.runUuid, 'learn-1');
        assert.match(tm[1].evidence.reason, /which passed later in run #11/);
        // load-max-runs: the newest two runs (1 and 2) hold no flaky failure of tests 1 and 3.
        const capped = await bothWays(store, current, tracebackFlakefighters('/w/app', [1, 0.5]), undefined, 2);
        assert.deepEqual(capped.index, capped.full);
        assert.equal(capped.flaky, 0);
        const three = await bothWays(store, current, tracebackFlakefighters('/w/app', [1, 0.5]), undefined, 3);
        assert.deepEqual(three.index, got.index);
      } finally {
        await store.close();
      }
    });

    test('retention deletes the index rows of the runs it prunes', async () => {
      const store = await backend.open();
      const runs = learningRuns();
      for (const r of runs) await store.save(r, { storeMaxRuns: 2 });
      const got = await bothWays(store, currentFailingAll(new Date(T0 + 3 * HOUR)), tracebackFlakefighters('/w/app'));
      assert.deepEqual(got.index, got.full);
      await store.close();
      assert.equal(await backend.count(store, 'ffa_traceback_run'), 2);
      assert.equal(await backend.count(store, 'ffa_traceback_seen'), 3 + 1, 'run 1: tests 0, 2, 3; run 2: test 0');
    });

    test('an old database (schema 3) is upgraded in place and its runs indexed as they were', async () => {
      const store = await backend.open();
      for (const r of learningRuns()) await store.save(r);
      const current = currentFailingAll(new Date(T0 + 3 * HOUR));
      const before = await bothWays(store, current, tracebackFlakefighters('/w/app', [1, 0.5]));
      await store.close();
      await backend.downgrade(store);
      const again = await backend.reopen(store);
      try {
        assert.equal(await backend.count(again, 'ffa_traceback_run').catch(() => -1), again.kind === 'sqlite' ? -1 : 0, 'no index rows before the first read');
        const after = await bothWays(again, current, tracebackFlakefighters('/w/app', [1, 0.5]));
        assert.deepEqual(after, before);
      } finally {
        await again.close();
      }
      assert.equal(await backend.count(again, 'ffa_traceback_run'), 3, 'the backfill was kept');
      assert.equal(Number(await backend.count(again, "ffa_meta WHERE key = 'schema_version' AND value = '" + FFA_SCHEMA_VERSION + "'")), 1);
    });
  });
}
