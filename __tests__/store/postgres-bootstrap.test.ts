import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { openPostgresStore, POSTGRES_INDEXES } from '../../src/store/postgres-store.ts';
import { SHARED } from '../helpers/shared-dir.ts';
import { FFA_SCHEMA_VERSION } from '../../src/store/schema.ts';

const FIXTURE_DDL = `${SHARED}/plugin/schema.postgres.sql`;

/** Columns and constraints as Postgres itself reports them, for an exact comparison. */
async function describeSchema(server: PgServer, db: string, tables: string[]): Promise<string> {
  return server.psql(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-')
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN (${tables.map((t) => `'${t}'`).join(',')})
      ORDER BY table_name, ordinal_position;
     SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        AND conrelid::regclass::text IN (${tables.map((t) => `'${t}'`).join(',')})
      ORDER BY 1;`,
    db,
  );
}

describe('postgres bootstrap', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  test('creates the plugin tables exactly as SQLAlchemy does, plus ffa_ tables and indexes', async () => {
    await server.psql('CREATE DATABASE ref; CREATE DATABASE fresh;', 'postgres');
    await server.psql(readFileSync(FIXTURE_DDL, 'utf8'), 'ref');
    const url = server.url.replace(/\/ffdb$/, '/fresh');
    const store = await openPostgresStore(url);
    await store.close();
    const plugin = ['run', 'activeflakefighter', 'test', 'test_execution', 'test_exception', 'flakefighter_result', 'tracebackentry'];
    const ours = await describeSchema(server, 'fresh', plugin);
    assert.ok(ours.includes('run.start_time timestamp without time zone'), ours);
    assert.equal(ours, await describeSchema(server, 'ref', plugin));
    const tables = (await server.psql(`SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1`, 'fresh')).split('\n');
    assert.deepEqual(tables, [
      'activeflakefighter', 'ffa_learned_result', 'ffa_meta', 'ffa_result_evidence', 'ffa_run', 'ffa_traceback_run', 'ffa_traceback_seen', 'ffa_traceback_signature',
      'flakefighter_result', 'run', 'test', 'test_exception', 'test_execution', 'tracebackentry',
    ]);
    const indexes = (await server.psql(`SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_ffa_%' ORDER BY 1`, 'fresh')).split('\n');
    assert.deepEqual(indexes, POSTGRES_INDEXES.map((i) => i.name).sort());
    assert.equal(await server.psql(`SELECT value FROM ffa_meta WHERE key = 'schema_version'`, 'fresh'), String(FFA_SCHEMA_VERSION));
  });

  test('leaves existing plugin tables alone and adds only what is missing', async () => {
    await server.psql('CREATE DATABASE plugin', 'postgres');
    await server.psql(readFileSync(FIXTURE_DDL, 'utf8') + `; INSERT INTO run (start_time, root) VALUES ('2026-01-01 10:00:00', '/r');`, 'plugin');
    const before = await describeSchema(server, 'plugin', ['run', 'test', 'test_execution']);
    const store = await openPostgresStore(server.url.replace(/\/ffdb$/, '/plugin'));
    await store.close();
    assert.equal(await describeSchema(server, 'plugin', ['run', 'test', 'test_execution']), before);
    assert.equal(await server.psql('SELECT count(*) FROM run', 'plugin'), '1');
  });

  test('four connection pools bootstrapping the same empty database at once all succeed', async () => {
    for (let round = 0; round < 2; round++) {
      const db = `race${round}`;
      await server.psql(`CREATE DATABASE ${db}`, 'postgres');
      const url = server.url.replace(/\/ffdb$/, `/${db}`);
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url, { retries: 0 })));
      await Promise.all(stores.map((s) => s.close()));
      assert.equal(await server.psql(`SELECT count(*) FROM pg_tables WHERE schemaname='public'`, db), '14');
    }
  });

  test('two separate node processes bootstrapping at once both succeed', async () => {
    await server.psql('CREATE DATABASE twoproc', 'postgres');
    const url = server.url.replace(/\/ffdb$/, '/twoproc');
    const storeModule = new URL('../../src/store/postgres-store.ts', import.meta.url).href;
    const script = `const { openPostgresStore } = await import(${JSON.stringify(storeModule)});
      const s = await openPostgresStore(process.env.FF_URL, { retries: 0 }); await s.close(); console.log('opened');`;
    const runOne = () =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, FF_URL: url }, encoding: 'utf8' }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr || err.message)) : resolve(stdout),
        );
      });
    const outs = await Promise.all([runOne(), runOne()]);
    assert.deepEqual(outs.map((o) => o.trim().split('\n').pop()), ['opened', 'opened']);
    assert.equal(await server.psql(`SELECT count(*) FROM pg_tables WHERE schemaname='public'`, 'twoproc'), '14');
  });

  test('refuses a table of ours with foreign columns', async () => {
    await server.psql('CREATE DATABASE alien', 'postgres');
    await server.psql('CREATE TABLE run (id serial primary key, name text)', 'alien');
    await assert.rejects(openPostgresStore(server.url.replace(/\/ffdb$/, '/alien')), /not a pytest-flakefighters database.*"run".*lacks start_time/);
  });

  test('an already bootstrapped database costs three queries to open, no lock', async () => {
    const url = server.url.replace(/\/ffdb$/, '/fresh');
    const queries: string[] = [];
    const store = await openPostgresStore(url, { onQuery: (q) => queries.push(q) });
    await store.close();
    assert.equal(queries.length, 3, queries.join('\n---\n')); // schema state, ffa_meta version, id sequences
  });
});
