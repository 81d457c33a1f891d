/**
 * Issue 16, case 12: secrets. A real PostgreSQL from the pg-server helper; an artifact service that
 * echoes the Authorization header in its error bodies. The built dist/index.js throughout
 * (`npm run build` first). No byte of the log, summary, outputs, report files or database may hold
 * the user name, the password, a query-string credential or ACTIONS_RUNTIME_TOKEN.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runAction } from '../../scripts/local-runner.ts';
import { startPostgres, type PgServer } from '../helpers/pg-server.ts';
import { fakeRuntimeToken } from '../helpers/artifact-stand-in.ts';
import { assertNoSecret, endedInTime, noStackTrace, plainWarnings, runCount, sampleWorkspace } from './fault-helpers.ts';

const LIMIT_MS = 90_000;
// The role's name and password both look like secrets and must never show.
const USER = 'ffuser_Us3rS3cr3tName';
const PASSWORD = 'pw_Qz8kL2vN0tPr1nted';

function inputs(url: string, extra: Record<string, string> = {}) {
  return { 'test-results': 'run-3/*.xml', root: 'project', 'database-url': url, 'upload-artifact': 'false', 'history-from-artifact': 'false', 'fail-on': 'never', ...extra };
}

describe('case 12: no credential is ever printed or stored', () => {
  let pg: PgServer;
  before(async () => {
    pg = await startPostgres();
    // Quoted: the name has capitals, which PostgreSQL would otherwise fold.
    await pg.psql(`CREATE ROLE "${USER}" LOGIN PASSWORD '${PASSWORD}'; GRANT ALL ON DATABASE ${pg.database} TO "${USER}"; GRANT ALL ON SCHEMA public TO "${USER}";`);
    await pg.psql(`ALTER DATABASE ${pg.database} OWNER TO "${USER}"`);
  });
  after(() => pg?.destroy());

  test('a failed login names the user as *** and keeps the run in the fallback file', async () => {
    const ws = sampleWorkspace();
    const url = `postgres://${USER}:wrong_${PASSWORD}@127.0.0.1:${pg.port}/${pg.database}`;
    const r = await runAction({ workspace: ws, inputs: inputs(url), timeoutMs: LIMIT_MS });
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    noStackTrace(r.all);
    const w = plainWarnings(r).join('\n');
    assert.match(w, /password authentication failed for user "\*\*\*"/);
    assert.equal(r.outputs.failed, '2', 'classified and the outputs written');
    assert.equal(await runCount(join(ws, 'flakefighters.db')), 1, 'the run is kept in the fallback file');
    assertNoSecret(r, [USER, PASSWORD, `wrong_${PASSWORD}`], [ws]);
  });

  test('user and password as query parameters are read as libpq reads them', async () => {
    const ws = sampleWorkspace();
    const url = `postgresql://127.0.0.1:${pg.port}/${pg.database}?user=${USER}&password=${encodeURIComponent(PASSWORD)}&sslmode=disable`;
    const r = await runAction({ workspace: ws, inputs: inputs(url), timeoutMs: LIMIT_MS });
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    noStackTrace(r.all);
    assert.deepEqual(plainWarnings(r), [], 'logged in, no fallback');
    const stored = await pg.psql(`SELECT count(*) || ' ' || string_agg(DISTINCT tableowner, ',') FROM run, pg_tables WHERE tablename = 'run'`);
    assert.equal(stored, `1 ${USER}`, 'the run is in PostgreSQL, in tables the query-string user created');
    assertNoSecret(r, [USER, PASSWORD], [ws]);
    const dump = await pg.psql(`SELECT string_agg(t::text, '') FROM (SELECT * FROM ffa_run) t`);
    assert.ok(!dump.includes(USER) && !dump.includes(PASSWORD), 'the database holds no credential');
  });

  test('a user name only in the query string is masked in a failed login too', async () => {
    const ws = sampleWorkspace();
    const url = `postgres://127.0.0.1:${pg.port}/${pg.database}?user=${USER}&password=nope_${PASSWORD}`;
    const r = await runAction({ workspace: ws, inputs: inputs(url), timeoutMs: LIMIT_MS });
    endedInTime(r);
    assert.equal(r.code, 0, r.all);
    assert.match(plainWarnings(r).join('\n'), /password authentication failed for user "\*\*\*"/);
    assertNoSecret(r, [USER, PASSWORD, `nope_${PASSWORD}`], [ws]);
  });
});

describe('case 12: ACTIONS_RUNTIME_TOKEN echoed by the artifact service', () => {
  let server: Server;
  let url = '';
  const echoed: string[] = [];
  before(async () => {
    // Every call fails with a body that repeats the request's Authorization header, as a misbehaving proxy would.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        echoed.push(req.headers.authorization ?? '');
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'invalid_argument', msg: `rejected request with Authorization: ${req.headers.authorization ?? ''}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('the token never shows, the run is kept and the step follows fail-on', async () => {
    const ws = sampleWorkspace();
    const token = fakeRuntimeToken('run-7001', 'job-7001-1-test');
    const r = await runAction({
      workspace: ws,
      inputs: { 'test-results': 'run-3/*.xml', root: 'project', 'github-token': 'ghs_faultSecretsToken0123456789' },
      env: {
        ACTIONS_RUNTIME_TOKEN: token,
        ACTIONS_RESULTS_URL: `${url}/`,
        GITHUB_API_URL: url,
        GITHUB_REPOSITORY: 'octo/demo',
        GITHUB_RUN_ID: '7001',
      },
      timeoutMs: LIMIT_MS,
    });
    endedInTime(r);
    noStackTrace(r.all);
    assert.ok(echoed.some((h) => h.includes(token)), 'the service did receive (and echo) the token');
    assert.notEqual(r.code, 0, 'fail-on: genuine fails the step for the genuine failures');
    assert.equal(r.outputs.failed, '2');
    assert.ok(r.summary.length > 0);
    assert.equal(await runCount(join(ws, 'flakefighters.db')), 1);
    assertNoSecret(r, [token, 'ghs_faultSecretsToken0123456789'], [ws]);
    assert.ok(!readFileSync(join(ws, 'flakefighters.db')).includes(token));
  });
});
