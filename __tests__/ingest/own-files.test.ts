/** readResults leaves out the action's own report files (issue 12, item 7) and keeps going past one bad file (item 9). */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults, type ReadResultsOptions } from '../../src/ingest/read-results.ts';
import { renderEnrichedJunit } from '../../src/report/junit-report.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { UserError } from '../../src/store/store.ts';

const base = mkdtempSync(join(tmpdir(), 'ff-own-files-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

function workspace(files: Record<string, string>): string {
  const ws = join(base, `ws${n++}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(ws, name, '..'), { recursive: true });
    writeFileSync(join(ws, name), content);
  }
  return ws;
}

const read = (ws: string, patterns: string[], extra: Partial<ReadResultsOptions> = {}) =>
  readResults({ patterns, workspace: ws, root: '.', ifNoFilesFound: 'error', ...extra });

const CASE = '<?xml version="1.0"?><testsuite name="s" tests="1"><testcase classname="a.B" name="t" time="0.1"/></testsuite>';

/** Reports as the action writes them, from a run with one failing test. */
function ownReports(): { junit: string; json: string } {
  const data: ReportData = {
    run: {
      startTime: new Date(0),
      root: '/ws',
      commitSha: null,
      activeFlakefighters: [],
      meta: { uuid: 'u' },
      tests: [{ name: 'a.B.t', fspath: '', lineNo: null, skipped: false, results: [], executions: [
        { outcome: 'failed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'boom', coverage: null, exception: null, results: [{ name: 'OutcomeFlip', flaky: true }] },
      ] }],
    },
    history: [],
    files: [],
    dialects: ['maven-surefire'],
    flakefighters: [],
    warnings: [],
    database: { kind: 'sqlite', description: 'x' },
  };
  return { junit: renderEnrichedJunit(data), json: renderJsonReport(data) };
}

describe("the action's own report files", () => {
  test('under report-dir, or carrying the marker anywhere, they are skipped with one notice', async () => {
    const { junit, json } = ownReports();
    const ws = workspace({
      'reports/junit.xml': CASE,
      'flakefighters-report/junit-flakefighters.xml': junit,
      'flakefighters-report/flakefighters.json': json,
      'artifacts/previous/junit-flakefighters.xml': junit,
      'artifacts/previous/report.json': json,
    });
    const r = await read(ws, ['**/*.xml', '**/*.json'], { reportDir: join(ws, 'flakefighters-report') });
    assert.deepEqual(r.files, ['reports/junit.xml']);
    assert.deepEqual(r.tests.map((t) => [t.name, t.executions.map((e) => e.outcome)]), [['a.B.t', ['passed']]]);
    assert.equal(r.notices.length, 1);
    assert.match(r.notices[0], /skipped 4 file\(s\) the action wrote itself/);
    assert.deepEqual(r.warnings, []);
  });

  test('the marker alone is enough (report-dir changed or empty); other suite properties are not a marker', async () => {
    const { junit } = ownReports();
    const other = CASE.replace('<testcase', '<properties><property name="flakefighters.other" value="x"/></properties><testcase');
    const ws = workspace({ 'reports/junit.xml': other, 'reports/old.xml': junit });
    const r = await read(ws, ['reports/*.xml']);
    assert.deepEqual(r.files, ['reports/junit.xml']);
    // Files written before the generated-by property carry only flakefighters.outcomes: recognised too.
    const older = junit.replace(/<property name="flakefighters.generated-by"[^>]*\/>/, '');
    assert.doesNotMatch(older, /generated-by/);
    const ws2 = workspace({ 'reports/junit.xml': CASE, 'reports/old.xml': older });
    assert.deepEqual((await read(ws2, ['reports/*.xml'])).files, ['reports/junit.xml']);
  });

  test('report-dir set to the workspace itself leaves out only the report files it names', async () => {
    const ws = workspace({ 'junit.xml': CASE, 'junit-flakefighters.xml': CASE.replace('name="t"', 'name="u"') });
    const r = await read(ws, ['*.xml'], { reportDir: ws });
    assert.deepEqual(r.files, ['junit.xml']);
  });

  test('when only own files match, the error says so', async () => {
    const { junit } = ownReports();
    const ws = workspace({ 'flakefighters-report/junit-flakefighters.xml': junit });
    await assert.rejects(read(ws, ['**/*.xml'], { reportDir: join(ws, 'flakefighters-report') }), (e: Error) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /no result files match \*\*\/\*\.xml in .* \(only 1 file\(s\) the action wrote itself \(flakefighters-report\/junit-flakefighters\.xml\)\)/);
      return true;
    });
  });
});

describe('a bad file among several', () => {
  test('the others are read; the bad ones are listed with their one-line errors', async () => {
    const ws = workspace({
      'reports/a.xml': CASE,
      'reports/b.xml': CASE.slice(0, 60),
      'reports/c.json': '{"results":',
      'reports/d.xml': CASE.replace('name="t"', 'name="u"'),
    });
    const r = await read(ws, ['reports/*']);
    assert.deepEqual(r.files, ['reports/a.xml', 'reports/d.xml']);
    assert.deepEqual(r.tests.map((t) => t.name).sort(), ['a.B.t', 'a.B.u']);
    assert.deepEqual(r.unreadable.map((u) => u.file), ['reports/b.xml', 'reports/c.json']);
    for (const u of r.unreadable) {
      assert.ok(u.message.startsWith(`${u.file}: `), u.message);
      assert.doesNotMatch(u.message, /\n/);
    }
  });

  test('a single bad file is still the one error it always was', async () => {
    const ws = workspace({ 'reports/b.xml': CASE.slice(0, 60) });
    await assert.rejects(read(ws, ['reports/*.xml']), (e: Error) => e instanceof UserError && e.message.startsWith('reports/b.xml: '));
  });

  test('files with no tests: error by default, a warning with warn', async () => {
    const empty = '<?xml version="1.0"?><testsuites><testsuite name="pytest" tests="0"/></testsuites>';
    const ws = workspace({ 'a.xml': empty, 'b.xml': empty });
    await assert.rejects(read(ws, ['*.xml']), /the 2 files matching \*\.xml in .* hold no tests/);
    const warn = await read(ws, ['*.xml'], { ifNoFilesFound: 'warn' });
    assert.equal(warn.warnings.length, 1);
    assert.match(warn.warnings[0], /hold no tests/);
  });
});
