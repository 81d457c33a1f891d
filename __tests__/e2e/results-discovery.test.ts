/**
 * Issue 12, items 7-9, through the built dist/index.js (and dist/cli.js) as the runner runs them: the action never
 * reads its own reports back as results; no results (no file, or files with no tests) fails the step by default;
 * one unreadable file among several costs only its own tests and fails the step unless fail-on is never.
 * `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

const SAMPLES = join(repoRoot, 'samples');
const FIX = join(repoRoot, '__tests__/fixtures');
const CATALOG = join(FIX, 'junit4-timeouts/passing/TEST-com.example.CatalogTest.xml');
const NO_TESTS = join(FIX, 'empty-results/pytest-no-tests.xml');
const STACK_TRACE = /\n\s+at .+:\d+:\d+\)?/;

/** A checkout of the sample project with nothing in reports/ yet. */
function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-discovery-'));
  cpSync(join(SAMPLES, 'project'), join(ws, 'project'), { recursive: true });
  mkdirSync(join(ws, 'reports'));
  return ws;
}

function put(ws: string, rel: string, from: string | Buffer): void {
  mkdirSync(join(ws, rel, '..'), { recursive: true });
  writeFileSync(join(ws, rel), typeof from === 'string' ? readFileSync(from) : from);
}

/** A report cut off mid-write: the test process was killed while pytest wrote it. */
function truncated(sampleRun: number): Buffer {
  const whole = readFileSync(join(SAMPLES, `run-${sampleRun}/junit.xml`));
  return whole.subarray(0, Math.floor(whole.length / 2));
}

function step(ws: string, inputs: Record<string, string>, n = 1): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { root: 'project', 'upload-artifact': 'false', 'history-from-artifact': 'false', ...inputs },
    runId: String(900 + n),
    runNumber: n,
    sha: String(n).repeat(40),
  });
}

/** The step's own error lines (annotations on files or tests carry properties). */
const stepErrors = (r: ActionRun) => r.annotations.filter((a) => a.level === 'error' && !a.props.file && !a.props.title);

describe("the action's own report files are never read as results", () => {
  test('a broad glob in a workspace that holds the previous step\'s report dir (and copies of it) reads only the test results', async () => {
    const ws = workspace();
    put(ws, 'reports/junit.xml', join(SAMPLES, 'run-1/junit.xml'));
    const first = await step(ws, { 'test-results': 'reports/*.xml' }, 1);
    assert.equal(first.code, 0, first.all);
    assert.equal(first.outputs['flaky-failures'], '1');
    const junit = readFileSync(join(ws, 'flakefighters-report/junit-flakefighters.xml'), 'utf8');
    assert.match(junit, /<property name="flakefighters.generated-by" value="flakefighters-action" \/>/);
    // A later step (self-hosted runner, same job): new results, and the earlier reports, also downloaded elsewhere.
    put(ws, 'reports/junit.xml', join(SAMPLES, 'run-2/junit.xml'));
    put(ws, 'downloaded/junit-flakefighters.xml', join(ws, 'flakefighters-report/junit-flakefighters.xml'));
    put(ws, 'downloaded/flakefighters.json', join(ws, 'flakefighters-report/flakefighters.json'));

    const second = await step(ws, { 'test-results': '**/*.xml\n**/*.json' }, 2);
    assert.equal(second.code, 0, second.all);
    assert.equal(second.outputs.total, '6', 'only the six tests of reports/junit.xml');
    assert.equal(second.outputs.failed, '0', 'no failure invented from the previous verdicts');
    const notices = second.annotations.filter((a) => a.level === 'notice' && /skipped/.test(a.message));
    assert.equal(notices.length, 1, second.all);
    assert.match(notices[0].message, /skipped 4 file\(s\) the action wrote itself \(downloaded\/flakefighters\.json, downloaded\/junit-flakefighters\.xml, flakefighters-report\/flakefighters\.json, and 1 more\)/);
    assert.deepEqual(second.annotations.filter((a) => a.level === 'warning' || a.level === 'error'), [], second.all);
    const rows = await dbRows(join(ws, 'flakefighters.db'), 'SELECT run_id, count(*) AS n FROM test GROUP BY run_id ORDER BY run_id');
    assert.deepEqual(rows.map((r) => r.n), [6, 6]);
  });

  test('when only the own reports match, the error says so', async () => {
    const ws = workspace();
    put(ws, 'reports/junit.xml', join(SAMPLES, 'run-2/junit.xml'));
    assert.equal((await step(ws, { 'test-results': 'reports/*.xml' })).code, 0);
    const r = await step(ws, { 'test-results': 'flakefighters-report/*.xml' }, 2);
    assert.equal(r.code, 1);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0].message, /no result files match flakefighters-report\/\*\.xml in .* \(only 1 file\(s\) the action wrote itself \(flakefighters-report\/junit-flakefighters\.xml\)\)/);
  });
});

describe('no results fails the step by default', () => {
  test('no matching file: one error line saying what was looked for and where; warn and ignore pass', async () => {
    const ws = workspace();
    const r = await step(ws, { 'test-results': 'reports/**/*.xml' });
    assert.equal(r.code, 1);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.equal(r.annotations.length, 1, 'nothing else');
    assert.match(errors[0].message, new RegExp(`^test-results: no result files match reports/\\*\\*/\\*\\.xml in ${ws.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; did the test step fail before writing its report\\?`));
    assert.doesNotMatch(r.all, STACK_TRACE);
    assert.equal(existsSync(join(ws, 'flakefighters.db')), false, 'nothing saved');

    const warn = await step(ws, { 'test-results': 'reports/**/*.xml', 'if-no-files-found': 'warn' });
    assert.equal(warn.code, 0, warn.all);
    assert.ok(warn.annotations.some((a) => a.level === 'warning' && /no result files match reports/.test(a.message)));
    const ignore = await step(ws, { 'test-results': 'reports/**/*.xml', 'if-no-files-found': 'ignore' });
    assert.equal(ignore.code, 0, ignore.all);
    assert.deepEqual(ignore.annotations, []);
  });

  test('files that hold no tests (pytest collected nothing) fail the step too', async () => {
    const ws = workspace();
    put(ws, 'reports/junit.xml', NO_TESTS);
    const r = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(r.code, 1);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0].message, /^test-results: reports\/junit\.xml \(matching reports\/\*\.xml in .*\) holds no tests/);
    put(ws, 'reports/other.xml', NO_TESTS);
    const two = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(two.code, 1);
    assert.match(stepErrors(two)[0].message, /^test-results: the 2 files matching reports\/\*\.xml in .* hold no tests/);
    const warn = await step(ws, { 'test-results': 'reports/*.xml', 'if-no-files-found': 'warn' });
    assert.equal(warn.code, 0, warn.all);
    assert.equal(warn.outputs.total, '0');
  });

  test('the CLI errors by default too (exit status 2, one line), and --if-no-files-found warn passes', () => {
    const ws = workspace();
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(repoRoot, 'dist/cli.js'), 'classify', '--results', 'reports/*.xml', '--database', 'h.db', ...args], {
        cwd: ws,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
    const r = cli();
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('flakefighters: '));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /no result files match reports\/\*\.xml in /);
    assert.equal(cli('--if-no-files-found', 'warn').status, 0);
  });
});

describe('one unreadable file among several', () => {
  test('the others are read, classified, saved and reported; the bad one is named; the step fails unless fail-on is never', async () => {
    const ws = workspace();
    put(ws, 'reports/a-shop.xml', join(SAMPLES, 'run-2/junit.xml'));
    put(ws, 'reports/b-catalog.xml', CATALOG);
    put(ws, 'reports/c-cut.xml', truncated(3));
    const r = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(r.code, 1, r.all);
    assert.doesNotMatch(r.all, STACK_TRACE);
    // The good files: 6 pytest tests and 2 JUnit 4 tests, all passed or skipped.
    assert.equal(r.outputs.total, '8');
    assert.equal(r.outputs.failed, '0');
    const rows = await dbRows(join(ws, 'flakefighters.db'), 'SELECT count(*) AS n FROM test');
    assert.equal(rows[0].n, 8, 'the good files are saved');
    const fileErrors = r.annotations.filter((a) => a.level === 'error' && a.props.file);
    assert.equal(fileErrors.length, 1, r.all);
    assert.equal(fileErrors[0].props.file, 'reports/c-cut.xml');
    assert.match(fileErrors[0].message, /^reports\/c-cut\.xml: /);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0].message, /1 result file\(s\) \(reports\/c-cut\.xml\) could not be read; their tests are missing/);
    // The summary may escape Markdown and add <wbr> break chances inside paths.
    assert.match(r.summary.replace(/<wbr>|\\/g, ''), /reports\/c-cut\.xml: malformed XML/, 'the summary names the bad file');
    // Its tests are missing, so the run never reads as all-green: the headline says so.
    assert.match(r.summary, /^## ❌ flakefighters: no failures · 7 passed · 1 skipped · 1 result file unreadable/m);
    assert.ok(readFileSync(join(ws, 'flakefighters-report/flakefighters.json'), 'utf8').includes('reports/c-cut.xml'), 'the report does too');

    const never = await step(ws, { 'test-results': 'reports/*.xml', 'fail-on': 'never' }, 2);
    assert.equal(never.code, 0, never.all);
    assert.ok(never.annotations.some((a) => a.level === 'error' && a.props.file === 'reports/c-cut.xml'), 'still named');
    assert.equal((await dbRows(join(ws, 'flakefighters.db'), 'SELECT count(*) AS n FROM run'))[0].n, 2);
  });

  test('a genuine failure and an unreadable file: both reasons in the one failure line', async () => {
    const ws = workspace();
    put(ws, 'reports/a-shop.xml', join(SAMPLES, 'run-3/junit.xml'));
    put(ws, 'reports/b-cut.xml', truncated(1));
    const r = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(r.code, 1);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0].message, /^2 genuine test failure\(s\) \(and 0 flaky\)\. 1 result file\(s\) \(reports\/b-cut\.xml\) could not be read/);
  });

  test('only bad files: each named, one failure line, no stack trace, nothing saved', async () => {
    const ws = workspace();
    put(ws, 'reports/a.xml', truncated(1));
    put(ws, 'reports/b.xml', truncated(3));
    const r = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.all, STACK_TRACE);
    assert.deepEqual(r.annotations.filter((a) => a.level === 'error' && a.props.file).map((a) => a.props.file), ['reports/a.xml', 'reports/b.xml']);
    const errors = stepErrors(r);
    assert.equal(errors.length, 1, r.all);
    assert.match(errors[0].message, /^test-results: no tests to classify: 2 result file\(s\) \(reports\/a\.xml, reports\/b\.xml\) could not be read/);
    assert.equal(existsSync(join(ws, 'flakefighters.db')), false, 'no run saved');
  });

  test('a single bad file alone keeps its one-line error', async () => {
    const ws = workspace();
    put(ws, 'reports/junit.xml', truncated(1));
    const r = await step(ws, { 'test-results': 'reports/*.xml' });
    assert.equal(r.code, 1);
    assert.equal(r.annotations.length, 1, r.all);
    assert.match(stepErrors(r)[0].message, /^reports\/junit\.xml: /);
  });
});
