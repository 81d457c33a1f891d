/**
 * loadRunsForCommit with `testNames` (what the pipeline asks for OutcomeFlip: this run's failing tests only) returns the
 * same runs with only those tests, and OutcomeFlip gives the same results as with the runs loaded whole; sql.js and
 * PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutcomeFlip } from '../../src/flakefighters/outcome-flip.ts';
import type { Run } from '../../src/model.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { exception, execution, run as mkRun, test as mkTest } from '../flakefighters/builders.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';

const T0 = Date.UTC(2026, 6, 1, 8);
const HOUR = 3_600_000;
const ENV = '["action","ci.yml","test","runner:Linux/X64"]';
const SHA = 'd'.repeat(40);

/** Four tests; the ones in `failing` fail, the rest pass. A quote in a name checks the names travel as data. */
function stored(k: number, failing: Set<number>, commit = SHA): Run {
  return mkRun(
    [0, 1, 2, 3].map((n) =>
      mkTest(`tests/test_x.py::test_${n}[it's]`, [
        failing.has(n) ? execution('failed', { exception: exception([['tests/test_x.py', 5 + n, null, 'assert x']]), report: 'boom' }) : execution('passed'),
      ]),
    ),
    {
      root: '/w/x',
      commitSha: commit,
      startTime: new Date(T0 + k * HOUR),
      activeFlakefighters: [{ name: 'OutcomeFlip', params: null }],
      meta: { uuid: `names-${k}`, runNumber: 20 + k, runId: String(700 + k), runAttempt: 1, environment: ENV, environmentLabel: 'ci.yml › test', dirtyTree: false },
    },
  );
}

const resultsOf = (r: Run) => r.tests.map((t) => t.executions.map((e) => e.results));

let server: PgServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.destroy();
});

const backends: { name: string; open(): Promise<Store> }[] = [
  { name: 'sql.js', open: async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'ff-names-')), 'db.sqlite')) },
  {
    name: 'PostgreSQL',
    async open() {
      await server.psql('CREATE DATABASE names_db', 'postgres');
      return openPostgresStore(server.url.replace(/\/[^/]*$/, '/names_db'));
    },
  },
];

for (const backend of backends) {
  describe(`loadRunsForCommit with testNames, ${backend.name}`, () => {
    test('only the named tests, every run of the commit and environment, and the same OutcomeFlip results', async () => {
      const store = await backend.open();
      try {
        // Runs 0 and 1 of the commit: test 0 passes in run 1, test 2 passes in both, test 3 fails in both.
        await store.save(stored(0, new Set([0, 1, 3])));
        await store.save(stored(1, new Set([1, 3])));
        await store.save(stored(2, new Set([0]), 'e'.repeat(40)));
        const current = stored(3, new Set([0, 1, 3]));
        current.meta = { ...current.meta, uuid: 'names-now', runId: '799' };
        const failing = current.tests.filter((t) => t.executions.some((e) => e.outcome === 'failed')).map((t) => t.name);
        const opts = { coverage: false, environment: ENV };
        const whole = await store.loadRunsForCommit(SHA, current.startTime, opts);
        const named = await store.loadRunsForCommit(SHA, current.startTime, { ...opts, testNames: failing });
        assert.deepEqual(named.map((r) => r.meta.uuid), ['names-1', 'names-0']);
        assert.deepEqual(named.map((r) => r.meta.uuid), whole.map((r) => r.meta.uuid));
        assert.ok(named.every((r) => r.tests.every((t) => failing.includes(t.name))), 'only the failing tests');
        assert.deepEqual(named.map((r) => r.tests.length), [3, 3]);
        const a = structuredClone(current);
        const b = structuredClone(current);
        new OutcomeFlip().classify({ run: a, history: [], sameCommitRuns: whole, root: a.root, warn() {} });
        new OutcomeFlip().classify({ run: b, history: [], sameCommitRuns: named, root: b.root, warn() {} });
        assert.deepEqual(resultsOf(b), resultsOf(a));
        assert.deepEqual(b.tests.map((t) => t.executions[0].results[0]?.flaky ?? null), [true, false, null, false], 'test 0 passed in run 1; 1 and 3 never passed');
        const none = await store.loadRunsForCommit(SHA, current.startTime, { ...opts, testNames: [] });
        assert.deepEqual(none.map((r) => r.tests.length), [0, 0], 'no name asked: the runs, no tests');
      } finally {
        await store.close();
      }
    });
  });
}
