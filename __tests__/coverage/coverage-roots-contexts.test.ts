/**
 * Coverage as real projects hand it over: recorded under another root (a container, another runner, a
 * symlinked workspace), with pytest-flakefighters' own per-attempt context names beside pytest-cov's,
 * or with contexts that name none of the tests in the results. Real pytest and coverage.py (Debian).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCoverage, type CoverageData } from '../../src/ingest/coverage.ts';
import { applyCoverage } from '../../src/ingest/coverage-apply.ts';
import { attachCoverage } from '../../src/ingest/coverage-attach.ts';
import { readResults } from '../../src/ingest/read-results.ts';
import type { Execution, Test } from '../../src/model.ts';
import { pythonWithCoverage } from './python-project.ts';
import { makePytestProject, runPytest, type PytestProject } from './pytest-contexts-project.ts';

async function resultsOf(dir: string): Promise<Test[]> {
  return (await readResults({ patterns: ['junit.xml'], workspace: dir, root: dir, ifNoFilesFound: 'error' })).tests;
}
const byName = (tests: Test[], suffix: string): Test => {
  const t = tests.find((x) => x.name.endsWith(suffix));
  assert.ok(t, `${suffix} in ${tests.map((x) => x.name).join(', ')}`);
  return t;
};
const lines = (e: Execution, file: string): number[] => e.coverage?.[file] ?? [];
/** One execution per attempt, as the plugin's own JUnit (`<execution>` elements) gives them. */
function withAttempts(name: string, outcomes: Execution['outcome'][]): Test {
  const executions = outcomes.map((outcome) => ({ outcome, startTime: null, endTime: null, stdout: null, stderr: null, report: 'x', coverage: null, exception: null, results: [] }));
  return { name, fspath: '', lineNo: null, skipped: false, results: [], executions };
}

describe('coverage recorded under another root is mapped onto the workspace', () => {
  let p: PytestProject;
  let elsewhere: string;
  let cov: CoverageData;
  before(async () => {
    p = makePytestProject();
    mkdirSync('/tmp/other-root', { recursive: true });
    elsewhere = join(mkdtempSync('/tmp/other-root/ci-'), 'proj');
    // The tests ran in another checkout (a container's /app, another runner's workspace); the action reads them here.
    runPytest(p.dir, p.c2, { contexts: 'pytest-cov', env: { NETWORK: 'down' }, runAt: elsewhere });
    cov = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
  });

  test('every recorded path is now a workspace path, and a notice says what was mapped', () => {
    assert.ok(Object.keys(cov.totals).length > 0);
    for (const file of Object.keys(cov.totals)) assert.ok(file.startsWith(`${p.dir}/`), file);
    assert.deepEqual(cov.notices, [`Coverage paths under ${elsewhere} were mapped onto the workspace (4 files)`]);
    assert.deepEqual(cov.warnings, []);
  });

  test('the regression covers the changed line in the workspace file', async () => {
    const tests = await resultsOf(p.dir);
    const use = applyCoverage(tests, cov, p.dir);
    assert.equal(use.perTest, true, use.warnings.join('\n'));
    assert.ok(lines(byName(tests, 'test_mul').executions[0], join(p.dir, 'app.py')).includes(6));
  });

  test('a symlinked workspace: coverage recorded through the real path maps onto the link', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'ff-link-')), 'ws');
    symlinkSync(realpathSync(p.dir), link);
    runPytest(p.dir, p.c2, { contexts: 'pytest-cov' });
    const viaLink = await readCoverage({ patterns: ['.coverage'], workspace: link, root: link });
    assert.ok(Object.keys(viaLink.totals).every((f) => f.startsWith(`${link}/`)), Object.keys(viaLink.totals).join(', '));
    assert.deepEqual(viaLink.notices, [`Coverage paths under ${realpathSync(p.dir)} were mapped onto the workspace (4 files)`]);
  });

  test("an installed package's file that shares a name with a project file is not mapped", async () => {
    const q = makePytestProject();
    // No `source`: coverage.py 6.5 then measures pytest itself in Debian's dist-packages (…/_pytest/main.py, …).
    writeFileSync(join(q.dir, 'main.py'), 'print("the project\'s own main")\n');
    runPytest(q.dir, q.c2, { contexts: 'pytest-cov', coveragerc: '' });
    const d = await readCoverage({ patterns: ['.coverage'], workspace: q.dir, root: q.dir });
    const pytestMain = Object.keys(d.totals).find((f) => f.endsWith('/_pytest/main.py'));
    assert.ok(pytestMain && !pytestMain.startsWith(q.dir), `pytest's main.py measured where it is: ${pytestMain}`);
    assert.equal(d.totals[join(q.dir, 'main.py')], undefined);
    assert.deepEqual(d.notices, []);
  });

  test('Windows paths are mapped by their suffix; files that are not in the workspace stay as recorded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-win-'));
    writeFileSync(join(dir, 'app.py'), 'x = 1\n');
    writeFileSync(
      join(dir, 'lcov.info'),
      'TN:tests/test_app.py::test_a\nSF:D:\\a\\proj\\proj\\app.py\nDA:1,1\nend_of_record\nTN:tests/test_app.py::test_a\nSF:C:\\hostedtoolcache\\Python\\Lib\\json\\decoder.py\nDA:5,1\nend_of_record\n',
    );
    const d = await readCoverage({ patterns: ['lcov.info'], workspace: dir, root: dir });
    assert.deepEqual(Object.keys(d.totals).sort(), [join(dir, 'app.py'), 'C:/hostedtoolcache/Python/Lib/json/decoder.py'].sort());
    assert.deepEqual(d.notices, ['Coverage paths under D:/a/proj/proj were mapped onto the workspace (1 file)']);
  });
});

describe("pytest-flakefighters' own context names are per-test contexts", () => {
  let p: PytestProject;
  let cov: CoverageData;
  before(async () => {
    p = makePytestProject();
    runPytest(p.dir, p.c2, { contexts: 'plugin', env: { NETWORK: 'down' } });
    cov = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
  });

  test('the .coverage holds the names the plugin writes: re.escape(nodeid) + "__" + attempt, and "collection"', () => {
    const names = JSON.parse(
      execFileSync(pythonWithCoverage(), ['-c', "import coverage, json; d = coverage.CoverageData('.coverage'); d.read(); print(json.dumps(sorted(d.measured_contexts())))"], {
        cwd: p.dir,
        encoding: 'utf8',
      }),
    ) as string[];
    assert.ok(names.includes('tests/test_app\\.py::TestMul::test_mul__1'), names.join('\n'));
    assert.ok(names.includes('tests/test_app\\.py::TestMul::test_mul__2'), 'the plugin reran the failure');
    assert.ok(names.includes('tests/test_app\\.py::test_param\\[1\\]__1'));
    assert.ok(names.includes('collection'));
  });

  test('they are read as test ids with the attempt; "collection" is the shared context', () => {
    assert.deepEqual(cov.warnings, []);
    const keys = [...cov.perTest.keys()];
    for (const k of ['tests/test_app.py::TestMul::test_mul__1', 'tests/test_app.py::TestMul::test_mul__2', 'tests/test_app.py::test_param[2]__1']) {
      assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
    }
    assert.ok(!keys.includes('collection'));
    // Import time: the def lines of app.py.
    assert.deepEqual(cov.shared[join(p.dir, 'app.py')], [1, 5, 9]);
    // pytest-cov's |run ran while the plugin's tracer had paused it: no line of the project's code.
    assert.equal(cov.perTest.get('tests/test_app.py::TestMul::test_mul')?.[join(p.dir, 'app.py')], undefined);
    assert.deepEqual(cov.perTest.get('tests/test_app.py::TestMul::test_mul__1')?.[join(p.dir, 'app.py')], [6]);
  });

  test("every test of pytest's JUnit gets its lines; the coverage is used", async () => {
    const tests = await resultsOf(p.dir);
    const use = applyCoverage(tests, cov, p.dir);
    assert.deepEqual(use, { perTest: true, warnings: [], notices: [] });
    const app = join(p.dir, 'app.py');
    assert.deepEqual(lines(byName(tests, 'test_mul').executions[0], app), [1, 5, 6, 9]);
    assert.deepEqual(lines(byName(tests, 'test_network').executions[0], app), [1, 5, 9, 10]);
    assert.deepEqual(lines(byName(tests, 'test_param[1]').executions[0], app), [1, 2, 5, 9]);
  });

  test('with one execution per attempt, each execution gets its own attempt; with fewer, all attempts', async () => {
    const q = makePytestProject();
    // Fails on the first attempt, passes on the plugin's rerun.
    runPytest(q.dir, q.c2, { contexts: 'plugin', env: { FLIP: '1' } });
    const flip = await readCoverage({ patterns: ['.coverage'], workspace: q.dir, root: q.dir });
    const testFile = join(q.dir, 'tests/test_app.py');
    const perAttempt = withAttempts('tests/test_app.py::test_network', ['failed', 'passed']);
    attachCoverage([perAttempt], flip, q.dir);
    // Line 24-25 run only on the first attempt (the marker is made), line 26 only on the second.
    assert.ok(lines(perAttempt.executions[0], testFile).includes(24));
    assert.ok(!lines(perAttempt.executions[0], testFile).includes(26));
    assert.ok(lines(perAttempt.executions[1], testFile).includes(26));
    assert.ok(!lines(perAttempt.executions[1], testFile).includes(24));
    const junitOnly = withAttempts('tests/test_app.py::test_network', ['passed']);
    attachCoverage([junitOnly], flip, q.dir);
    assert.ok(lines(junitOnly.executions[0], testFile).includes(24) && lines(junitOnly.executions[0], testFile).includes(26));
  });
});

describe('coverage that does not describe the results is not used', () => {
  test('contexts named in a way this action does not read (half of them): ignored, with why and how to fix it', async () => {
    const p = makePytestProject();
    runPytest(p.dir, p.c2, { contexts: 'other', env: { NETWORK: 'down' } });
    const cov = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
    const tests = await resultsOf(p.dir);
    const use = applyCoverage(tests, cov, p.dir);
    assert.equal(use.perTest, false);
    assert.equal(use.warnings.length, 1);
    assert.match(use.warnings[0], /^Per-test coverage not used: DiffCov, CoverageIndependence and SFFL give no verdict from it\. 8 of 13 coverage contexts match no test/);
    assert.match(use.warnings[0], /"tests\/test_app\.py::TestMul::test_mul#1"|"tests\/test_app\.py::test_add#1"/);
    assert.match(use.warnings[0], /--cov-context=test/);
    assert.ok(tests.every((t) => t.executions.every((e) => e.coverage === null)), 'nothing attached');
  });

  test('coverage of a part of the suite (pytest -k) for results of all of it: the failing tests have none, so it is not used', async () => {
    const p = makePytestProject();
    runPytest(p.dir, p.c2, { contexts: 'pytest-cov', env: { NETWORK: 'down' }, args: ['-k', 'add or param'] });
    const cov = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
    runPytest(p.dir, p.c2, { contexts: 'pytest-cov', env: { NETWORK: 'down' } });
    const tests = await resultsOf(p.dir);
    const use = applyCoverage(tests, cov, p.dir);
    assert.equal(use.perTest, false);
    assert.match(use.warnings[0], /2 of 2 failing tests have no coverage of their own in it/);
  });

  test('a failing test whose own contexts hold no line keeps no coverage (unknown), the others keep theirs', async () => {
    const p = makePytestProject();
    // Only app.py is measured, and test_network fails before it calls into app: its contexts record nothing.
    runPytest(p.dir, p.c2, { contexts: 'pytest-cov', env: { NETWORK: 'offline' }, coveragerc: '[run]\ninclude = app.py\n' });
    const cov = await readCoverage({ patterns: ['.coverage'], workspace: p.dir, root: p.dir });
    const tests = await resultsOf(p.dir);
    const use = applyCoverage(tests, cov, p.dir);
    assert.equal(use.perTest, true, use.warnings.join('\n'));
    assert.equal(byName(tests, 'test_network').executions[0].outcome, 'failed');
    assert.equal(byName(tests, 'test_network').executions[0].coverage, null);
    assert.deepEqual(lines(byName(tests, 'test_mul').executions[0], join(p.dir, 'app.py')), [1, 5, 6, 9]);

    // An lcov section with only unrun lines (DA:n,0, as istanbul/c8 write every file) is an empty context.
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-empty-'));
    writeFileSync(join(dir, 'lcov.info'), 'TN:t.a\nSF:m.js\nDA:1,1\nend_of_record\nTN:t.b\nSF:m.js\nDA:1,0\nDA:2,0\nend_of_record\n');
    const lcov = await readCoverage({ patterns: ['lcov.info'], workspace: dir, root: dir });
    const two = [withAttempts('t.a', ['passed']), withAttempts('t.b', ['failed'])];
    const r = attachCoverage(two, lcov, dir);
    assert.deepEqual(r.empty, ['t.b']);
    assert.deepEqual(two[0].executions[0].coverage, { [join(dir, 'm.js')]: [1] });
    assert.equal(two[1].executions[0].coverage, null);
  });
});
