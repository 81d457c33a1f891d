/**
 * sync carries a run's environment and working-tree flag both ways (sql.js file ⇄ PostgreSQL), and
 * copies runs out of a schema-1 file (__tests__/fixtures/environments) without writing to it: they
 * arrive as runs of no known environment.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import { syncDatabases } from '../../src/sync/sync.ts';
import { openLocation } from '../../src/sync/open-any.ts';
import { sampleRun } from '../store/sample-run.ts';
import { at, tempDir } from './scenario.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';
import { FFA_SCHEMA_VERSION } from '../../src/store/schema.ts';
import { repoRoot } from '../../scripts/local-runner.ts';

const SCHEMA1 = join(repoRoot, '__tests__/fixtures/environments/schema1.db');
const where = (r: { meta: { uuid: string; environment?: string | null; environmentLabel?: string | null; dirtyTree?: boolean | null } }) => ({
  uuid: r.meta.uuid,
  environment: r.meta.environment ?? null,
  label: r.meta.environmentLabel ?? null,
  dirty: r.meta.dirtyTree ?? null,
});

describe('sync keeps where a run ran', () => {
  let pg: PgServer;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await pg?.destroy();
  });

  test('sql.js → PostgreSQL → a new sql.js file', async () => {
    await pg.psql('CREATE DATABASE envsync', 'postgres');
    const url = pg.url.replace(/\/ffdb$/, '/envsync');
    const dir = tempDir();
    const src = join(dir, 'src.db');
    const s = await openSqliteStore(src);
    const legs = [
      { environment: '["action",".github/workflows/ci.yml","test","matrix:{\\"python\\":\\"3.9\\"}"]', environmentLabel: 'ci.yml › test › python 3.9', dirtyTree: null },
      { environment: '["machine","dev-box","linux","x64"]', environmentLabel: 'dev-box (linux x64)', dirtyTree: true },
      { environment: null, environmentLabel: null, dirtyTree: null },
    ];
    const saved = legs.map((l, i) => {
      const r = sampleRun({ uuid: `00000000-0000-4000-8000-0000000000e${i}`, start: at(i), tests: 3 });
      Object.assign(r.meta, l);
      return r;
    });
    for (const r of saved) await s.save(r);
    await s.close();
    const expected = saved.map(where);

    let from = (await openLocation(src, { readonly: true })).store;
    let to = (await openLocation(url)).store;
    assert.equal((await syncDatabases(from, to)).copied, 3);
    assert.deepEqual((await to.loadAllRuns()).map(where), expected);
    await from.close();
    await to.close();
    const pgRows = await pg.psql(`SELECT string_agg(coalesce(environment_label, '-') || ':' || coalesce(dirty_tree::text, '-'), ',' ORDER BY run_id) FROM ffa_run`, 'envsync');
    assert.equal(pgRows, 'ci.yml › test › python 3.9:-,dev-box (linux x64):true,-:-');

    const back = join(dir, 'back.db');
    from = (await openLocation(url)).store;
    to = (await openLocation(back)).store;
    assert.equal((await syncDatabases(from, to)).copied, 3);
    assert.deepEqual((await to.loadAllRuns()).map(where), expected);
    await from.close();
    await to.close();
    assert.deepEqual(
      await dbRows(back, 'SELECT environment_label, dirty_tree FROM ffa_run ORDER BY run_id'),
      [
        { environment_label: 'ci.yml › test › python 3.9', dirty_tree: null },
        { environment_label: 'dev-box (linux x64)', dirty_tree: 1 },
        { environment_label: null, dirty_tree: null },
      ],
    );
  });

  test('runs of a schema-1 file arrive with no environment; the source file is not written', async () => {
    const dir = tempDir();
    const src = join(dir, 'old.db');
    copyFileSync(SCHEMA1, src);
    const bytes = readFileSync(src);
    const dst = join(dir, 'new.db');
    const from = (await openLocation(src, { readonly: true })).store;
    const to = (await openLocation(dst)).store;
    assert.equal((await syncDatabases(from, to)).copied, 1);
    const [run] = await to.loadAllRuns();
    assert.deepEqual(where(run), { uuid: run.meta.uuid, environment: null, label: null, dirty: null });
    assert.equal(run.meta.runId, '4000');
    await from.close();
    await to.close();
    assert.ok(readFileSync(src).equals(bytes), 'a sync source is read only, even when its schema is older');
    assert.deepEqual(await dbRows(dst, "SELECT value FROM ffa_meta WHERE key = 'schema_version'"), [{ value: String(FFA_SCHEMA_VERSION) }]);
  });
});
