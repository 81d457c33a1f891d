import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore } from '../../src/store/postgres-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { testFlaky, type Run } from '../../src/model.ts';
import { PickleDict, OpaqueObject } from '../../src/store/pickle-types.ts';
import { PLUGIN_FIXTURES as FIXTURES, restorePluginDb } from '../helpers/plugin-db.ts';


function normalise(runs: Run[]): unknown {
  return JSON.parse(
    JSON.stringify(runs, (_k, v) =>
      v instanceof PickleDict ? { dict: [...v.entries()] } : v instanceof OpaqueObject ? { opaque: `${v.module}.${v.qualname}` } : typeof v === 'bigint' ? String(v) : v,
    ),
  );
}

describe('a database the plugin wrote, on Postgres', () => {
  let server: PgServer;
  let dir: string;
  before(async () => {
    server = await startPostgres();
    await restorePluginDb(server.url);
    dir = mkdtempSync(join(tmpdir(), 'ff-pgplugin-'));
  });
  after(async () => {
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('loads through our store with every row, as the sqlite store reads the same file', async () => {
    const store = await openPostgresStore(server.url, { full: true });
    try {
      const runs = await store.loadHistory({ before: new Date(2100, 0, 1) });
      const n = (f: (r: Run) => number) => runs.reduce((a, r) => a + f(r), 0);
      const execs = runs.flatMap((r) => r.tests.flatMap((t) => t.executions));
      assert.deepEqual(
        {
          runs: runs.length,
          tests: n((r) => r.tests.length),
          executions: execs.length,
          exceptions: execs.filter((e) => e.exception).length,
          frames: execs.reduce((a, e) => a + (e.exception?.frames.length ?? 0), 0),
          results: n((r) => r.tests.reduce((a, t) => a + t.results.length + t.executions.reduce((b, e) => b + e.results.length, 0), 0)),
          flakyTests: n((r) => r.tests.filter((t) => testFlaky(t)).length),
        },
        { runs: 5, tests: 50, executions: 58, exceptions: 16, frames: 460, results: 219, flakyTests: 19 },
      );
      assert.deepEqual(runs.map((r) => r.id), [5, 4, 3, 2, 1]);
      assert.ok(runs.every((r) => r.meta.source === 'plugin'));
      // DiffCov's params hold a pickled GitPython Repo: it must load as an opaque value.
      assert.ok(runs[0].activeFlakefighters.some((a) => JSON.stringify(normalise([{ p: a.params } as never])).includes('git.repo.base.Repo')));

      copyFileSync(join(FIXTURES, 'flakefighters.db'), join(dir, 'f.db'));
      const lite = await openSqliteStore(join(dir, 'f.db'), { readonly: true });
      try {
        const fromSqlite = await lite.loadHistory({ before: new Date(2100, 0, 1) });
        assert.deepEqual(normalise(runs), normalise(fromSqlite));
      } finally {
        await lite.close();
      }
      const keys = await store.listRunKeys();
      assert.deepEqual(keys.map((k) => k.uuid), runs.map((r) => r.meta.uuid).reverse());
    } finally {
      await store.close();
    }
  });

  test('a new run saved next to the plugin runs sees them as history', async () => {
    const store = await openPostgresStore(server.url);
    try {
      const [last] = await store.loadHistory({ before: new Date(2100, 0, 1), maxRuns: 1 });
      const run: Run = { ...last, id: undefined, startTime: new Date(2100, 0, 2), meta: { uuid: 'after-plugin', source: 'action' } };
      const res = await store.save(run);
      assert.equal(res.runId, 6);
      const history = await store.loadHistory({ before: new Date(2100, 0, 3) });
      assert.equal(history.length, 6);
      assert.equal(history[0].tests.length, 10);
      assert.equal(await server.psql('SELECT count(*) FROM tracebackentry'), String(460 + last.tests.reduce((a, t) => a + t.executions.reduce((b, e) => b + (e.exception?.frames.length ?? 0), 0), 0)));
    } finally {
      await store.close();
    }
  });
});
