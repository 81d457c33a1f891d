/**
 * Remote history on a real PostgreSQL through the `database-url` secret, end to end: the built
 * dist/index.js run as the runner runs it, against throwaway servers from the pg-server helper.
 * `npm run build` first.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { repoRoot, runAction, type ActionRun, type ActionRunOptions } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { startArtifactStandIn, type ArtifactStandIn } from '../helpers/artifact-stand-in.ts';
import { extractZip } from '../../src/github/zip-reader.ts';
import { FFA_TABLES, PLUGIN_TABLES } from '../../src/store/schema.ts';
import { restorePluginDb } from '../helpers/plugin-db.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

const ALL_TABLES = [...PLUGIN_TABLES, ...FFA_TABLES];
const shaOf = (n: number) => 'abc'[n - 1].repeat(40);

const workspaces: string[] = [];
after(() => {
  for (const ws of workspaces) rmSync(ws, { recursive: true, force: true });
});

function sampleWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-pg-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  workspaces.push(ws);
  return ws;
}

/** Sample run n (1: flaky only, 2: all pass, 3: flaky + genuine) with the URL given as a secret input would be. */
function sampleRun(ws: string, n: number, url: string, inputs: Record<string, string> = {}, extra: Partial<ActionRunOptions> = {}): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: {
      'test-results': `run-${n}/*.xml`,
      root: 'project',
      'database-url': url,
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      ...inputs,
    },
    runId: String(700 + n),
    runNumber: n,
    sha: shaOf(n),
    ...extra,
  });
}

const withDatabase = (url: string, db: string) => url.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);


async function tableCounts(server: PgServer, db?: string): Promise<Record<string, number>> {
  const out = await server.psql(`SELECT ${ALL_TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(` || ',' || `)}`, db);
  const n = out.split(',').map(Number);
  return Object.fromEntries(ALL_TABLES.map((t, i) => [t, n[i]]));
}

/** Lines the runner would show: it consumes `::add-mask::` commands, so those alone may name a secret. */
const shownLines = (r: ActionRun) => r.all.split('\n').filter((l) => !l.startsWith('::add-mask::'));

/** No form of the secrets in the log, the job summary, or any report file. */
function assertNoSecrets(r: ActionRun, ws: string, secrets: string[]) {
  const reportDir = join(ws, 'flakefighters-report');
  const reports = existsSync(reportDir) ? readdirSync(reportDir).map((f) => [f, readFileSync(join(reportDir, f), 'utf8')] as const) : [];
  for (const s of secrets) {
    for (const line of shownLines(r)) assert.ok(!line.includes(s), `a log line shows a secret: ${line.replace(s, '<SECRET>')}`);
    assert.ok(!r.summary.includes(s), 'the job summary shows a secret');
    for (const [f, text] of reports) assert.ok(!text.includes(s), `report ${f} shows a secret`);
  }
}

function secretsOf(url: string, password: string): string[] {
  return [url, password, encodeURIComponent(password)];
}

function noStackTrace(text: string) {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
  assert.doesNotMatch(text, /Internal error/);
}

/** The lines that are workflow warnings or errors (annotations included). */
const problemLines = (r: ActionRun) => r.stdout.split('\n').filter((l) => /^::(warning|error)( |::)/.test(l));


/**
 * Holds a table lock in an open transaction on its own connection, until release(). SHARE mode
 * blocks INSERTs but not SELECTs, so a run's history loads and its save blocks inside its transaction.
 */
async function holdLock(url: string, table: string, mode: string): Promise<{ release(): Promise<void> }> {
  const sql = postgres(url, { onnotice: () => {}, max: 1 });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const tx = sql
    .begin(async (t) => {
      await t.unsafe(`LOCK TABLE ${table} IN ${mode} MODE`);
      locked();
      await released;
    })
    .catch(() => undefined); // the server may be killed under it
  await isLocked;
  return {
    async release() {
      release();
      await tx;
      await sql.end({ timeout: 0 }).catch(() => undefined);
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('remote history on PostgreSQL through database-url', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  test('the first run creates the tables; the second (SQLAlchemy URL form) sees it as history', async () => {
    const ws = sampleWorkspace();
    const first = await sampleRun(ws, 1, server.url);
    assert.equal(first.code, 0, first.all);
    assert.equal(first.outputs.database, 'postgres');
    assert.match(first.outputs['run-id'], /^\d+$/);
    assert.deepEqual(problemLines(first).filter((l) => !l.includes('test_supplier_online')), [], 'no warning besides the flaky test');
    const tables = (await server.psql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).split('\n');
    assert.deepEqual(tables, [...ALL_TABLES].sort());
    assert.equal(existsSync(join(ws, 'flakefighters.db')), false, 'no fallback file when the database is reachable');
    assert.match(first.summary, /PostgreSQL 127\.0\.0\.1:\d+\/ffdb/);

    const alchemy = server.url.replace(/^postgres:/, 'postgresql+psycopg2:');
    const second = await sampleRun(ws, 3, alchemy, { 'fail-on': 'never' });
    assert.equal(second.code, 0, second.all);
    assert.equal(second.outputs.database, 'postgres');
    assert.equal(second.outputs['flaky-failures'], '1');
    assert.equal(second.outputs['genuine-failures'], '1');
    assert.deepEqual(JSON.parse(second.outputs['flaky-tests']), ['tests/test_shop.py::TestInventory::test_supplier_online']);
    assert.match(second.summary, /TracebackMatching/);
    assert.match(second.summary, /\(1 earlier run\)/);
    assert.notEqual(second.outputs['run-id'], first.outputs['run-id']);

    const rows = (await server.psql(`SELECT r.id || ' ' || r.commit_sha || ' ' || f.source FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id`)).split('\n');
    assert.deepEqual(rows, [`${first.outputs['run-id']} ${shaOf(1)} action`, `${second.outputs['run-id']} ${shaOf(3)} action`]);
    const flaky = await server.psql(
      `SELECT count(*) FROM flakefighter_result r JOIN test_execution e ON e.id = r.test_execution_id JOIN test t ON t.id = e.test_id
        WHERE t.run_id = ${second.outputs['run-id']} AND r.name = 'TracebackMatching' AND r.flaky AND t.name LIKE '%test_supplier_online'`,
    );
    assert.equal(flaky, '1', 'the TracebackMatching verdict from run 1 is stored with run 3');
    for (const r of [first, second]) {
      assertNoSecrets(r, ws, [...secretsOf(server.url, server.password), alchemy]);
      assert.match(r.stdout, new RegExp(`^::add-mask::${server.password.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), 'the password is masked');
      noStackTrace(r.all);
    }
  });

  test('a database the plugin wrote is used as is and its runs are history', async () => {
    await server.psql('CREATE DATABASE plugindb', 'postgres');
    const url = withDatabase(server.url, 'plugindb');
    await restorePluginDb(url);
    const columns = `SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || coalesce(column_default, ''), ',' ORDER BY table_name, ordinal_position)
                       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ANY('{${PLUGIN_TABLES.join(',')}}')`;
    const pluginColumns = await server.psql(columns, 'plugindb');
    const before = await tableCounts(server, 'plugindb').catch(() => null);
    assert.equal(before, null, 'no ffa_ tables yet');

    const ws = sampleWorkspace();
    const r = await sampleRun(ws, 1, url);
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs.database, 'postgres');
    assert.match(r.summary, /\(5 earlier runs\)/, 'the five plugin runs are the history');
    assert.equal(await server.psql(columns, 'plugindb'), pluginColumns, 'plugin tables keep their exact columns');
    const counts = await tableCounts(server, 'plugindb');
    assert.equal(counts.run, 6);
    assert.equal(counts.ffa_run, 1, 'plugin runs get no ffa_run row');
    assert.equal(await server.psql(`SELECT min(id) FROM run WHERE id NOT IN (SELECT run_id FROM ffa_run)`, 'plugindb'), '1');
    assert.equal(await server.psql(`SELECT run_id FROM ffa_run`, 'plugindb'), r.outputs['run-id']);
    assert.ok(Number(r.outputs['run-id']) > 5, 'the sequence continues after the plugin ids');
    assertNoSecrets(r, ws, secretsOf(url, server.password));
  });
});

// ---------------------------------------------------------------------------------------------

describe('concurrent processes on one database', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  test('20 dist/index.js processes at once: 20 runs saved, no error, no duplicate id', async () => {
    const warm = await sampleRun(sampleWorkspace(), 1, server.url);
    assert.equal(warm.code, 0, warm.all);
    const t1 = performance.now();
    const single = await sampleRun(sampleWorkspace(), 3, server.url, { 'fail-on': 'never' }, { runId: '900' });
    const oneMs = performance.now() - t1;
    assert.equal(single.code, 0, single.all);

    const n = 20;
    const wss = Array.from({ length: n }, () => sampleWorkspace());
    const t20 = performance.now();
    const runs = await Promise.all(
      wss.map((ws, i) => sampleRun(ws, 1 + (i % 3), server.url, { 'fail-on': 'never' }, { runId: String(1000 + i), timeoutMs: 120_000 })),
    );
    const manyMs = performance.now() - t20;
    console.log(`# one process ${Math.round(oneMs)} ms; ${n} concurrent processes ${Math.round(manyMs)} ms (ratio ${(manyMs / oneMs).toFixed(1)}, load ${loadavg()[0].toFixed(1)})`);

    for (const r of runs) {
      assert.equal(r.code, 0, r.all);
      assert.equal(r.outputs.database, 'postgres', r.all);
      assert.match(r.outputs['run-id'], /^\d+$/);
      assert.deepEqual(problemLines(r).filter((l) => !/^::(warning|error) title=/.test(l)), [], 'no warning or error besides the test annotations');
      noStackTrace(r.all);
    }
    const ids = runs.map((r) => r.outputs['run-id']);
    assert.equal(new Set(ids).size, n, 'every process got its own run id');
    assert.equal(await server.psql(`SELECT count(*) FROM run`), String(n + 2));
    assert.equal(await server.psql(`SELECT count(*) || ' ' || count(DISTINCT uuid) || ' ' || count(DISTINCT gh_run_id) FROM ffa_run`), `${n + 2} ${n + 2} ${n + 2}`);
    assert.equal(await server.psql(`SELECT count(*) FROM run WHERE id IN (${ids.join(',')})`), String(n));
    // Every run is whole: 6 tests each, executions only under its tests.
    assert.equal(await server.psql(`SELECT count(*) FROM (SELECT run_id FROM test GROUP BY run_id HAVING count(*) <> 6) x`), '0');
    assert.equal(await server.psql(`SELECT count(DISTINCT run_id) FROM test`), String(n + 2));
    // A backend leaves pg_stat_activity a moment after its client hung up.
    await waitFor('every process to close its connections', async () => (await server.psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'flakefighters-action'`)) === '0', 5000);
    const serverLog = readFileSync(join(dirname(server.dataDir), 'server.log'), 'utf8');
    // Nothing was retried behind our back either: no deadlock, no unique violation, no error at all.
    assert.deepEqual(serverLog.split('\n').filter((l) => /ERROR|FATAL|deadlock/.test(l)), [], 'the server logged no error');
  });

  test('two processes bootstrapping an empty database at the same moment both succeed', async () => {
    await server.psql('CREATE DATABASE emptydb', 'postgres');
    const url = withDatabase(server.url, 'emptydb');
    const runs = await Promise.all([1, 2].map((n) => sampleRun(sampleWorkspace(), n, url, {}, { runId: String(2000 + n) })));
    for (const r of runs) {
      assert.equal(r.code, 0, r.all);
      assert.equal(r.outputs.database, 'postgres', r.all);
      assert.deepEqual(problemLines(r).filter((l) => !/^::(warning|error) title=/.test(l)), []);
    }
    const counts = await tableCounts(server, 'emptydb');
    assert.equal(counts.run, 2);
    assert.equal(counts.ffa_run, 2);
    assert.equal(counts.ffa_meta, 1, 'one schema version row');
    const { POSTGRES_INDEXES } = await import('../../src/store/postgres-store.ts');
    assert.equal(await server.psql(`SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE 'ix_ffa_%'`, 'emptydb'), String(POSTGRES_INDEXES.length));
    // Ten on the plugin's tables, three on the traceback signature index (ffa_traceback_seen).
    assert.equal(POSTGRES_INDEXES.length, 13);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the server dies in the middle of a save', () => {
  let server: PgServer;
  const ws = sampleWorkspace();
  let killed: ActionRun;
  let countsBefore: Record<string, number>;
  before(async () => {
    server = await startPostgres();
    const first = await sampleRun(ws, 1, server.url);
    assert.equal(first.code, 0, first.all);
    countsBefore = await tableCounts(server);

    // The save of run 3 writes run, ffa_run and activeflakefighter, then waits on the lock for `test`.
    const lock = await holdLock(server.url, 'test', 'SHARE');
    const pending = sampleRun(ws, 3, server.url);
    await waitFor('the save to block on the lock', async () =>
      (await server.psql(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = 'test'`)) === '1',
    );
    const inserted = await server.psql(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.granted AND l.mode = 'RowExclusiveLock' AND c.relname = 'run'`);
    assert.equal(inserted, '1', 'the run row is already written inside the open transaction');
    await server.stop('immediate');
    killed = await pending;
    await lock.release();
    await server.start();
  });
  after(async () => {
    await server?.destroy();
  });

  test('the step ends by fail-on, with one redacted warning naming what failed', () => {
    const r = killed;
    assert.equal(r.code, 1, r.all);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0], /^::error::1 genuine test failure/, 'failed by fail-on, not by a crash');
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    assert.equal(warnings.length, 1, r.all);
    assert.match(warnings[0], /Could not save this run to the database \(.*127\.0\.0\.1:\d+.*\).*flakefighters\.db/);
    assert.equal(r.outputs.database, 'sqlite');
    assert.match(r.outputs['run-id'], /^\d+$/);
    assert.equal(r.outputs['flaky-failures'], '1', 'history was read before the server died');
    assertNoSecrets(r, ws, secretsOf(server.url, server.password));
    noStackTrace(r.all);
  });

  test('no partial run in the database after the restart', async () => {
    assert.deepEqual(await tableCounts(server), countsBefore);
  });

  test('the run is in the fallback file, and the next run that reaches the database uploads it once', async () => {
    const [kept] = await dbRows(join(ws, 'flakefighters.db'), `SELECT f.uuid, f.source, r.commit_sha FROM ffa_run f JOIN run r ON r.id = f.run_id`);
    assert.deepEqual({ source: kept.source, sha: kept.commit_sha }, { source: 'fallback', sha: shaOf(3) });
    assert.equal((await dbRows(join(ws, 'flakefighters.db'), 'SELECT count(*) AS n FROM test'))[0].n, 6);

    const next = await sampleRun(ws, 2, server.url);
    assert.equal(next.code, 0, next.all);
    assert.equal(next.outputs.database, 'postgres');
    assert.match(next.stdout, /Uploaded 1 run\(s\) kept in .*flakefighters\.db/);
    assert.match(next.summary, /\(2 earlier runs\)/, 'the uploaded run is history for this one');
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid = '${kept.uuid}'`), '1');
    const uploadedId = await server.psql(`SELECT run_id FROM ffa_run WHERE uuid = '${kept.uuid}'`);
    assert.equal(await server.psql(`SELECT count(*) FROM test WHERE run_id = ${uploadedId}`), '6');

    const third = await sampleRun(ws, 2, server.url, {}, { runId: '799' });
    assert.equal(third.code, 0, third.all);
    assert.doesNotMatch(third.stdout, /Uploaded/);
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid = '${kept.uuid}'`), '1', 'uploaded once, by uuid');
    const counts = await tableCounts(server);
    assert.equal(counts.run, countsBefore.run + 3);
    assert.equal(counts.ffa_run, counts.run);
    assertNoSecrets(next, ws, secretsOf(server.url, server.password));
  });
});

// ---------------------------------------------------------------------------------------------

describe('a database that fails: one clear line, the run kept, no secret anywhere', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres();
    const r = await sampleRun(sampleWorkspace(), 2, server.url);
    assert.equal(r.code, 0, r.all);
  });
  after(async () => {
    await server?.destroy();
  });

  /** Run 2 (all pass): the only warning or error line must be the database's. */
  async function failing(url: string, password: string, expected: RegExp, inputs: Record<string, string> = {}) {
    const ws = sampleWorkspace();
    const r = await sampleRun(ws, 2, url, inputs);
    assert.equal(r.code, 0, r.all);
    const lines = problemLines(r);
    assert.equal(lines.length, 1, r.all);
    assert.match(lines[0], /^::warning::/, 'an unusable database is a warning: the run is kept in the fallback file');
    assert.match(lines[0], expected);
    assert.match(lines[0], /flakefighters\.db/, 'the warning says where the run is kept');
    assert.equal(r.outputs.database, 'sqlite');
    assert.match(r.outputs['run-id'], /^\d+$/);
    const kept = await dbRows(join(ws, 'flakefighters.db'), 'SELECT f.source FROM ffa_run f');
    assert.deepEqual(kept, [{ source: 'fallback' }]);
    assert.match(r.summary, /fallback/i);
    assertNoSecrets(r, ws, secretsOf(url, password));
    assert.ok(r.stdout.split('\n').includes(`::add-mask::${password}`), 'the password is masked');
    noStackTrace(r.all);
    return lines[0];
  }

  test('wrong password', async () => {
    const wrong = `nope@${randomBytes(5).toString('hex')}/:y`;
    const url = server.url.replace(encodeURIComponent(server.password), encodeURIComponent(wrong));
    await failing(url, wrong, /password authentication failed for user "ff" at 127\.0\.0\.1:\d+; check the database-url secret/);
  });

  test('store-max-runs does not prune the fallback file: every kept run is uploaded later', async () => {
    const wrong = `nope@${randomBytes(5).toString('hex')}/:y`;
    const badUrl = server.url.replace(encodeURIComponent(server.password), encodeURIComponent(wrong));
    const ws = sampleWorkspace();
    const inputs = { 'store-max-runs': '1', 'fail-on': 'never' };
    for (const [n, runId] of [[1, '7101'], [3, '7102']] as const) {
      const r = await sampleRun(ws, n, badUrl, inputs, { runId });
      assert.equal(r.code, 0, r.all);
      assert.equal(r.outputs.database, 'sqlite');
    }
    const kept = await dbRows(join(ws, 'flakefighters.db'), `SELECT uuid FROM ffa_run WHERE source = 'fallback'`);
    assert.equal(kept.length, 2, 'both runs wait in the fallback file');
    const reached = await sampleRun(ws, 2, server.url, { 'fail-on': 'never' }, { runId: '7103' });
    assert.equal(reached.code, 0, reached.all);
    assert.match(reached.stdout, /Uploaded 2 run\(s\) kept in/);
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid IN ('${kept.map((k) => k.uuid).join("','")}')`), '2');
  });

  test('unknown host', async () => {
    const url = `postgres://ff:${encodeURIComponent(server.password)}@no-such-host.invalid:5432/ffdb`;
    await failing(url, server.password, /unknown database host "no-such-host\.invalid"/);
  });

  test('refused port', async () => {
    const port = await freePort();
    const url = server.url.replace(`:${server.port}/`, `:${port}/`);
    await failing(url, server.password, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}`));
  });

  test('sslmode=require against a server without SSL', async () => {
    await failing(`${server.url}?sslmode=require`, server.password, /does not accept SSL, but the database-url asks for sslmode=require/);
  });

  test('statement_timeout=1 with a lock held', async () => {
    const lock = await holdLock(server.url, 'run', 'ACCESS EXCLUSIVE');
    try {
      await failing(`${server.url}?statement_timeout=1`, server.password, /statement_timeout=1 ms/);
      await failing(`${server.url}?statement_timeout=400`, server.password, /statement_timeout=400 ms/);
    } finally {
      await lock.release();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('TLS with database-ssl-ca through dist', () => {
  let server: PgServer;
  before(async () => {
    server = await startPostgres({ ssl: true, hba: ['hostssl all all 127.0.0.1/32 scram-sha-256'] });
  });
  after(async () => {
    await server?.destroy();
  });

  test('sslmode=verify-full with the CA as PEM text works; without it the certificate is refused', async () => {
    const url = `${server.url.replace('@127.0.0.1:', '@localhost:')}?sslmode=verify-full&application_name=ff-e2e-tls`;
    const ws = sampleWorkspace();
    const r = await sampleRun(ws, 1, url, { 'database-ssl-ca': server.caPem! });
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs.database, 'postgres', r.all);
    assert.deepEqual(problemLines(r).filter((l) => !/^::(warning|error) title=/.test(l)), []);
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run`), '1');
    assertNoSecrets(r, ws, secretsOf(url, server.password));

    const ws2 = sampleWorkspace();
    const refused = await sampleRun(ws2, 2, url);
    assert.equal(refused.code, 0, refused.all);
    assert.equal(refused.outputs.database, 'sqlite');
    const lines = problemLines(refused);
    assert.equal(lines.length, 1, refused.all);
    assert.match(lines[0], /^::warning::.*the TLS certificate of localhost:\d+ could not be verified.*database-ssl-ca/);
    assertNoSecrets(refused, ws2, secretsOf(url, server.password));
  });
});

// ---------------------------------------------------------------------------------------------

describe('on hosted runners (fresh workspace per job) a fallback run reaches the database through its artifact', () => {
  const TOKEN = 'ghs_e2ePgFallbackToken0123456789';
  let server: PgServer;
  let s: ArtifactStandIn;
  before(async () => {
    [server, s] = await Promise.all([startPostgres(), startArtifactStandIn()]);
  });
  after(async () => {
    await Promise.all([server?.destroy(), s?.close()]);
  });

  /** One job of workflow run `runId` in its own fresh workspace, with artifact upload and history-from-artifact on. */
  function job(runId: number, n: number) {
    const ws = sampleWorkspace();
    s.defineRun({ id: runId, runNumber: runId - 5000, runStartedAt: new Date() });
    return runAction({
      workspace: ws,
      inputs: {
        'test-results': `run-${n}/*.xml`,
        root: 'project',
        'database-url': server.url,
        'github-token': TOKEN,
        'history-from-artifact': 'true',
        'fail-on': 'never',
      },
      env: s.env(runId, { GITHUB_WORKSPACE: ws }),
    }).then((r) => ({ ...r, ws }));
  }

  test('job 1 falls back and uploads the file; job 2 on a fresh runner uploads the kept run to the database', async () => {
    const first = await job(5001, 1);
    assert.equal(first.code, 0, first.all);
    assert.equal(first.outputs.database, 'postgres');

    await server.stop('immediate');
    const down = await job(5002, 3);
    await server.start();
    assert.equal(down.code, 0, down.all);
    assert.equal(down.outputs.database, 'sqlite');
    assert.match(down.outputs['artifact-id'], /^\d+$/, 'the fallback file is uploaded as an artifact');
    const artifact = s.artifacts.find((a) => a.runId === 5002 && a.finalized);
    assert.ok(artifact);
    const dir = mkdtempSync(join(tmpdir(), 'ff-e2e-pg-unzip-'));
    workspaces.push(dir);
    const [file] = extractZip(artifact.bytes, dir, { maxBytes: 64 * 1024 * 1024 });
    const [kept] = await dbRows(file, `SELECT uuid, source FROM ffa_run`);
    assert.equal(kept.source, 'fallback');

    const next = await job(5003, 2);
    assert.equal(next.code, 0, next.all);
    assert.equal(next.outputs.database, 'postgres');
    assert.match(next.stdout, /Uploaded 1 run\(s\) kept in/);
    assert.equal(next.outputs['artifact-id'], '', 'no artifact once the database is reached');
    assert.match(next.summary, /\(2 earlier runs\)/);
    assert.equal(await server.psql(`SELECT count(*) FROM ffa_run WHERE uuid = '${kept.uuid}'`), '1');

    const again = await job(5004, 2);
    assert.equal(again.code, 0, again.all);
    assert.doesNotMatch(again.stdout, /Uploaded/);
    assert.equal(await server.psql(`SELECT count(*) || ' ' || count(DISTINCT uuid) FROM ffa_run`), '4 4');
    for (const r of [first, down, next, again]) {
      assertNoSecrets(r, r.ws, [...secretsOf(server.url, server.password), TOKEN]);
      noStackTrace(r.all);
    }
  });
});
