/**
 * The built dist/index.js run as the runner runs it, over the bundled sample runs and bad inputs,
 * with the history in a real sql.js file. `npm run build` first (.ci/run does).
 */
import { dbRows } from '../helpers/sqlite-rows.ts';
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { repoRoot, runAction, type ActionRunOptions } from '../../scripts/local-runner.ts';

const shaOf = (n: number) => 'abc'[n - 1].repeat(40);

function sampleWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-'));
  cpSync(join(repoRoot, 'samples'), ws, { recursive: true });
  return ws;
}

function sampleRun(ws: string, n: number, extra: Partial<ActionRunOptions> = {}, inputs: Record<string, string> = {}) {
  return runAction({
    workspace: ws,
    inputs: { 'test-results': `run-${n}/*.xml`, root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false', ...inputs },
    runId: String(500 + n),
    runNumber: n,
    sha: shaOf(n),
    ...extra,
  });
}


function noStackTrace(text: string) {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
}

describe('three consecutive sample runs on one sql.js database', () => {
  const ws = sampleWorkspace();
  const runs: Awaited<ReturnType<typeof sampleRun>>[] = [];
  before(async () => {
    for (const n of [1, 2, 3]) runs.push(await sampleRun(ws, n));
  });

  test('run 1: a failure that passed on retry is flaky and the step passes', () => {
    const r = runs[0];
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs.total, '6');
    assert.equal(r.outputs.failed, '1');
    assert.equal(r.outputs['flaky-failures'], '1');
    assert.equal(r.outputs['genuine-failures'], '0');
    assert.equal(r.outputs.skipped, '1');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), ['tests/test_shop.py::TestInventory::test_supplier_online']);
    assert.equal(r.outputs.database, 'sqlite');
    assert.match(r.outputs['run-id'], /^\d+$/);
    assert.match(r.summary, /test\\?_supplier\\?_online/, 'the summary names the flaky test (Markdown may escape _)');
    assert.match(r.summary, /OutcomeFlip/);
    assert.match(r.summary, /pytest/, 'the summary names the dialect');
    const warn = r.annotations.find((a) => a.level === 'warning' && a.props.title?.includes('test_supplier_online'));
    assert.ok(warn, 'a flaky failure is a warning annotation');
    assert.equal(warn.props.file, 'project/tests/test_shop.py');
  });

  test('run 2: everything passes', () => {
    const r = runs[1];
    assert.equal(r.code, 0, r.all);
    assert.equal(r.outputs.failed, '0');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), []);
  });

  test('run 3: the same traceback is flaky from history, the real bug is genuine and fails the step', () => {
    const r = runs[2];
    assert.notEqual(r.code, 0);
    assert.equal(r.outputs.failed, '2');
    assert.equal(r.outputs['flaky-failures'], '1');
    assert.equal(r.outputs['genuine-failures'], '1');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), ['tests/test_shop.py::TestInventory::test_supplier_online']);
    assert.match(r.summary, /TracebackMatching/);
    const error = r.annotations.find((a) => a.level === 'error' && a.props.file === 'project/tests/test_shop.py');
    assert.ok(error, 'a genuine failure is an error annotation on the test file');
    assert.match(error.props.title, /test_total/);
    assert.match(error.message, /assert 13 == 10/);
    assert.ok(Number(error.props.line) > 0);
    assert.ok(r.stdout.split('\n').some((l) => /^::error::1 genuine test failure/.test(l)), 'the step fails for the genuine failure');
    noStackTrace(r.all);
  });

  test('the database holds the three runs with the plugin tables and our metadata', async () => {
    const db = join(ws, 'flakefighters.db');
    const runRows = await dbRows(db, 'SELECT r.id, r.commit_sha, f.uuid, f.gh_run_id, f.run_attempt FROM run r JOIN ffa_run f ON f.run_id = r.id ORDER BY r.id');
    assert.equal(runRows.length, 3);
    assert.deepEqual(runRows.map((x) => x.commit_sha), [shaOf(1), shaOf(2), shaOf(3)]);
    assert.equal(new Set(runRows.map((x) => x.uuid)).size, 3);
    const tests = await dbRows(db, 'SELECT run_id, count(*) AS n FROM test GROUP BY run_id');
    assert.deepEqual(tests.map((t) => t.n), [6, 6, 6]);
    const verdicts = await dbRows(
      db,
      `SELECT t.run_id, t.name, r.name AS ff, r.flaky FROM flakefighter_result r JOIN test_execution e ON e.id = r.test_execution_id
       JOIN test t ON t.id = e.test_id WHERE t.name LIKE '%test_supplier_online' AND r.flaky = 1 ORDER BY t.run_id`,
    );
    assert.ok(verdicts.some((v) => v.run_id === 1 && v.ff === 'OutcomeFlip'));
    assert.ok(verdicts.some((v) => v.run_id === 3 && v.ff === 'TracebackMatching'));
    const frames = await dbRows(db, `SELECT path, lineno FROM tracebackentry`);
    assert.ok(frames.some((f) => f.path === 'tests/test_shop.py' && f.lineno === 25), 'frames stored relative to root, 0-based');
    const active = await dbRows(db, 'SELECT run_id, name FROM activeflakefighter WHERE run_id = 3 ORDER BY id');
    assert.deepEqual(active.map((a) => a.name), ['OutcomeFlip', 'TracebackMatching']);
  });

  test('report files are written', () => {
    const r = runs[2];
    const dir = join(ws, 'flakefighters-report');
    assert.equal(r.outputs['report-json'], 'flakefighters-report/flakefighters.json');
    assert.equal(r.outputs['report-html'], 'flakefighters-report/flakefighters.html');
    const json = JSON.parse(readFileSync(join(dir, 'flakefighters.json'), 'utf8'));
    assert.equal(json.schemaVersion, 2);
    assert.ok(readFileSync(join(dir, 'flakefighters.html'), 'utf8').includes('test_supplier_online'));
    assert.ok(readFileSync(join(dir, 'junit-flakefighters.xml'), 'utf8').includes('<flakefighterresults>'));
  });
});

describe('fail-on and re-runs', () => {
  test('fail-on: never passes with a genuine failure; fail-on: any fails on a flaky one', async () => {
    const ws = sampleWorkspace();
    const never = await sampleRun(ws, 3, {}, { 'fail-on': 'never', save: 'false' });
    assert.equal(never.code, 0, never.all);
    assert.equal(never.outputs['genuine-failures'], '2', 'with no history both failures of run 3 are genuine');
    const any = await sampleRun(ws, 1, {}, { 'fail-on': 'any', save: 'false' });
    assert.notEqual(any.code, 0);
    assert.equal(any.outputs['run-id'], '', 'save: false writes no run');
  });

  test('a re-run attempt that fails where attempt 1 passed on the same commit is flaky', async () => {
    const ws = sampleWorkspace();
    const first = await sampleRun(ws, 2, { runId: '77', runAttempt: 1, sha: shaOf(3) });
    assert.equal(first.code, 0, first.all);
    const second = await sampleRun(ws, 3, { runId: '77', runAttempt: 2, sha: shaOf(3) });
    assert.equal(second.code, 0, 'both failures passed in attempt 1 of the same commit: flaky, the step passes');
    assert.equal(second.outputs['flaky-failures'], '2');
    assert.match(second.summary, /attempt 1/);
  });
});

describe('bad input: one clear line, no stack trace', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['fail-on: maybe', { 'fail-on': 'maybe' }, /Input 'fail-on' is 'maybe'; use one of: genuine, any, never/],
    ['load-max-runs: -1', { 'load-max-runs': '-1' }, /Input 'load-max-runs' is '-1'/],
    ['time-immemorial: 1:2', { 'time-immemorial': '1:2' }, /Input 'time-immemorial' is '1:2'; use days:hours:minutes/],
    ['empty test-results', { 'test-results': '' }, /Input 'test-results' is empty/],
    ['database-url with an unknown scheme', { 'database-url': 'mysql://u:hunter22@db/x' }, /database-url .*accepted forms/],
  ];
  for (const [name, inputs, expected] of cases) {
    test(name, async () => {
      const ws = sampleWorkspace();
      const r = await sampleRun(ws, 1, {}, inputs);
      assert.equal(r.code, 1);
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
      assert.equal(errors.length, 1, r.all);
      assert.match(errors[0], expected);
      // The runner swallows ::add-mask:: commands (and masks what they name); nothing else may show the secret.
      const shown = r.all.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
      assert.doesNotMatch(shown, /hunter22/);
      if (inputs['database-url']) assert.match(r.stdout, /^::add-mask::hunter22$/m, 'the password is masked');
      noStackTrace(r.all);
    });
  }

  test('malformed XML names the file', async () => {
    const ws = sampleWorkspace();
    writeFileSync(join(ws, 'run-1', 'broken.xml'), '<testsuite><testcase name="a">');
    const r = await sampleRun(ws, 1);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /::error::.*broken\.xml/);
    noStackTrace(r.all);
  });

  test('no result files: error (the default) fails, warn passes, both say which patterns', async () => {
    const ws = sampleWorkspace();
    const warn = await sampleRun(ws, 1, {}, { 'test-results': 'nothing/*.xml', 'if-no-files-found': 'warn' });
    assert.equal(warn.code, 0, warn.all);
    assert.match(warn.stdout, /::warning.*nothing\/\*\.xml/);
    const error = await sampleRun(ws, 1, {}, { 'test-results': 'nothing/*.xml' });
    assert.equal(error.code, 1);
    assert.match(error.stdout, /::error::.*nothing\/\*\.xml/);
  });

  test('a corrupt database file is moved aside and history starts fresh', async () => {
    const ws = sampleWorkspace();
    writeFileSync(join(ws, 'flakefighters.db'), 'this is not a database'.repeat(100));
    const r = await sampleRun(ws, 1);
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /::warning.*corrupt/i);
    const aside = readdirSync(ws).filter((f) => f.startsWith('flakefighters.db.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(readFileSync(join(ws, aside[0]), 'utf8'), 'this is not a database'.repeat(100), 'the bad file is kept as it was');
    assert.equal((await dbRows(join(ws, 'flakefighters.db'), 'SELECT count(*) AS n FROM run'))[0].n, 1);
  });

  test('a database written by a newer version is refused and left untouched', async () => {
    const ws = sampleWorkspace();
    await sampleRun(ws, 1);
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(join(ws, 'flakefighters.db')));
    db.run("UPDATE ffa_meta SET value = '999' WHERE key = 'schema_version'");
    const bytes = db.export();
    db.close();
    writeFileSync(join(ws, 'flakefighters.db'), bytes);
    const r = await sampleRun(ws, 2);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /::error::.*newer/);
    assert.deepEqual(new Uint8Array(readFileSync(join(ws, 'flakefighters.db'))), bytes);
    noStackTrace(r.all);
  });

  test('the action never writes outside its files on a config error', async () => {
    const ws = sampleWorkspace();
    await sampleRun(ws, 1, {}, { 'fail-on': 'maybe' });
    assert.equal(existsSync(join(ws, 'flakefighters.db')), false);
  });
});
