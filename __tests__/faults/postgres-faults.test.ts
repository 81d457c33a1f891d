/**
 * Issue 16, cases 5, 6 and 7 on a real PostgreSQL (pg-server helper), through the built
 * dist/index.js (`npm run build` first):
 *  5. uploading the runs kept in the fallback file fails (a read-only role): the database is still
 *     used for this run's history, the pending runs stay pending, nothing waits on an open pool;
 *  6. the backend is terminated twice during one history load: the retries get through;
 *  7. the plugin tables belong to another role (ours has DML, REFERENCES and CREATE): no fallback,
 *     the indexes it cannot make are skipped with a notice naming the grant.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { createServer } from 'node:net';

import { join } from 'node:path';
import postgres from 'postgres';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { POSTGRES_PLUGIN_DDL, PLUGIN_TABLES } from '../../src/store/schema.ts';
import { assertNoSecret, endedInTime, noStackTrace, plainWarnings, rows, runCount, sampleWorkspace } from './fault-helpers.ts';

const SUPPLIER = 'tests/test_shop.py::TestInventory::test_supplier_online';
const withDatabase = (url: string, db: string) => url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
const asRole = (url: string, role: string, password: string) => url.replace(/^postgres:\/\/[^@]*@/, `postgres://${role}:${password}@`);

function run(ws: string, results: 1 | 2 | 3, url: string, runId: number, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { 'test-results': `run-${results}/*.xml`, root: 'project', 'database-url': url, 'upload-artifact': 'false', 'history-from-artifact': 'false', ...inputs },
    runId: String(runId),
    runNumber: runId % 1000,
    sha: 'abc'[results - 1]!.repeat(40),
    timeoutMs: 90_000,
  });
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

let pg: PgServer;
before(async () => {
  pg = await startPostgres();
});
after(() => pg?.destroy());

describe('case 5: the pending upload fails (a read-only role)', () => {
  test('history still comes from the database, the pending runs stay pending, the run is kept, nothing hangs', async () => {
    await pg.psql('CREATE DATABASE pending5', 'postgres');
    const url = withDatabase(pg.url, 'pending5');
    const ws = sampleWorkspace();
    const fallback = join(ws, 'flakefighters.db');
    // Run 1 reaches the database; run 2 cannot (closed port) and waits in the fallback file.
    assert.equal((await run(ws, 1, url, 5001)).code, 0);
    const down = await run(ws, 2, `postgres://ff:x@127.0.0.1:${await closedPort()}/pending5?connect_timeout=2`, 5002);
    assert.equal(down.code, 0, down.all);
    assert.equal(await runCount(fallback), 1);
    // Run 3 logs in as a role that may read but not write.
    await pg.psql(`CREATE ROLE reader5 LOGIN PASSWORD 'ro_Secret55'; GRANT USAGE ON SCHEMA public TO reader5; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader5;`, 'pending5');
    const t0 = Date.now();
    const r = await run(ws, 3, asRole(url, 'reader5', 'ro_Secret55'), 5003);
    endedInTime(r);
    assert.ok(Date.now() - t0 < 25_000, `ended in ${Date.now() - t0} ms (no pool left open)`);
    noStackTrace(r.all);
    const w = plainWarnings(r);
    assert.ok(w.some((m) => /^Could not upload the runs kept in .*flakefighters\.db to the database \(.*permission denied.*\); they stay there, pending/.test(m)), w.join('\n'));
    assert.ok(!w.some((m) => m.startsWith('Could not use the database-url database')), 'the database was not abandoned');
    assert.equal(r.outputs['flaky-failures'], '1', 'run 1, read from the database, makes the supplier failure flaky');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']!), [SUPPLIER]);
    assert.ok(w.some((m) => m.startsWith('Could not save this run to the database')), 'the save itself fails too (read-only)');
    const kept = await rows(fallback, `SELECT f.source, CAST(f.gh_run_id AS INTEGER) AS gh FROM ffa_run f ORDER BY f.run_id`);
    assert.deepEqual(kept.map((k) => [k.source, k.gh]), [['fallback', 5002], ['fallback', 5003]], 'both runs pending in the file');
    assert.equal(await pg.psql('SELECT count(*) FROM run', 'pending5'), '1');
    assertNoSecret(r, ['ro_Secret55'], [ws]);
  });
});

describe('case 6: the backend terminated twice during one history load', () => {
  test('the retries get through: history loaded, the run saved to the database', async () => {
    await pg.psql('CREATE DATABASE retry6', 'postgres');
    const url = withDatabase(pg.url, 'retry6');
    const ws = sampleWorkspace();
    assert.equal((await run(ws, 1, url, 6001)).code, 0);
    // Hold the run table: the next load waits on the lock, and every connection of the action is
    // terminated then (the idle one too), twice, before the lock is released.
    const admin = postgres(url, { max: 2, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = admin
      .begin(async (t) => {
        await t.unsafe('LOCK TABLE run IN ACCESS EXCLUSIVE MODE');
        locked();
        await released;
      })
      .catch(() => undefined);
    await isLocked;
    let rounds = 0;
    let stop = false;
    const terminator = (async () => {
      while (!stop && rounds < 2) {
        const [w] = await admin.unsafe(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'flakefighters-action' AND wait_event_type = 'Lock'`);
        if (w!.n > 0) {
          await admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flakefighters-action'`);
          rounds++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      release();
    })();
    const r = await run(ws, 3, url, 6003);
    stop = true;
    await terminator;
    await holder;
    await admin.end({ timeout: 1 });
    endedInTime(r);
    noStackTrace(r.all);
    assert.equal(rounds, 2, 'the backends were terminated twice');
    assert.match(r.stdout, /terminat|closed the connection/i, 'the retries were logged');
    assert.deepEqual(plainWarnings(r), [], 'no fallback');
    assert.equal(r.outputs['flaky-failures'], '1', 'history (run 1) was read');
    assert.equal(await pg.psql('SELECT count(*) FROM run', 'retry6'), '2', 'the run is in the database');
  });
});

describe('case 7: plugin tables owned by another role', () => {
  test('bootstrap works without owning them; the skipped indexes are named with the grant; no fallback', async () => {
    await pg.psql('CREATE DATABASE owner7', 'postgres');
    const url = withDatabase(pg.url, 'owner7');
    const ddl = PLUGIN_TABLES.map((t) => POSTGRES_PLUGIN_DDL[t]).join(';\n');
    await pg.psql(
      `CREATE ROLE plugin_owner7; GRANT CREATE, USAGE ON SCHEMA public TO plugin_owner7; SET ROLE plugin_owner7; ${ddl}; RESET ROLE;
       CREATE ROLE writer7 LOGIN PASSWORD 'wr_Secret77'; GRANT CREATE, USAGE ON SCHEMA public TO writer7;
       GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON ALL TABLES IN SCHEMA public TO writer7;
       GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO writer7;`,
      'owner7',
    );
    const writer = asRole(url, 'writer7', 'wr_Secret77');
    const ws = sampleWorkspace();
    const first = await run(ws, 1, writer, 7001);
    endedInTime(first);
    assert.equal(first.code, 0, first.all);
    noStackTrace(first.all);
    assert.deepEqual(plainWarnings(first), [], 'no fallback');
    assert.match(first.stdout, /index\(es\) that speed up history loads were not created \(ix_ffa_run_start_time, .*their tables belong to role plugin_owner7.*GRANT plugin_owner7 TO <database-url user>/);
    const third = await run(ws, 3, writer, 7003);
    endedInTime(third);
    assert.deepEqual(plainWarnings(third), []);
    assert.equal(third.outputs['flaky-failures'], '1', 'history from the database');
    assert.equal(await pg.psql('SELECT count(*) FROM run', 'owner7'), '2');
    assert.equal(await pg.psql(`SELECT tableowner FROM pg_tables WHERE tablename = 'run'`, 'owner7'), 'plugin_owner7');
    assertNoSecret(third, ['wr_Secret77'], [ws]);
  });
});

