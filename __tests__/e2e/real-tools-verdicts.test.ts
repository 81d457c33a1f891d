/**
 * The built dist/index.js, run as the runner runs it, on result files written by the real tools
 * (fixtures/results/real-tools: pytest-rerunfailures, gotestsum, go-junit-report, PHPUnit, Surefire with JUnit 4/5
 * and TestNG, Gradle's test-retry). The verdicts a careful person gives: a test that fails on every attempt is
 * genuine and fails the step; one that fails and then passes on a retry is flaky; rows or repetitions that share
 * a name are separate tests, never one test retried; ids are the same in every run. `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runAction, type ActionRun } from '../../scripts/local-runner.ts';
import { dbRows } from '../helpers/sqlite-rows.ts';

const FIX = join(repoRoot, '__tests__/fixtures/results/real-tools');

function workspace(folder: string): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-real-tools-'));
  cpSync(join(FIX, folder), ws, { recursive: true });
  return ws;
}

interface Classified {
  run: ActionRun;
  /** Test id → verdict (passed, skipped, flaky, genuine) from the JSON report. */
  verdicts: Record<string, string>;
}

let runs = 0;
const shaOf = (n: number) => n.toString(16).padStart(40, 'c');

async function classify(ws: string, pattern: string, opts: { root?: string; sha?: string; runId?: string; runAttempt?: number } = {}): Promise<Classified> {
  const n = ++runs;
  const run = await runAction({
    workspace: ws,
    inputs: { 'test-results': pattern, root: opts.root ?? '.', 'upload-artifact': 'false', 'history-from-artifact': 'false' },
    runId: opts.runId ?? String(9000 + n),
    runAttempt: opts.runAttempt,
    runNumber: n,
    sha: opts.sha ?? shaOf(n),
  });
  const report = JSON.parse(readFileSync(join(ws, 'flakefighters-report', 'flakefighters.json'), 'utf8')) as { tests: { name: string; verdict: string }[] };
  return { run, verdicts: Object.fromEntries(report.tests.map((t) => [t.name, t.verdict])) };
}

/** The ids with one verdict, sorted. */
const withVerdict = (c: Classified, verdict: string) => Object.keys(c.verdicts).filter((k) => c.verdicts[k] === verdict).sort();

/** A genuine failure fails the step with the error line; no failure is called flaky that the tool did not retry. */
function assertStepFails(c: Classified, genuine: number) {
  assert.notEqual(c.run.code, 0, c.run.all);
  assert.equal(c.run.outputs['genuine-failures'], String(genuine), c.run.all);
  assert.ok(c.run.stdout.split('\n').some((l) => l.startsWith('::error::') && /genuine test failure/.test(l)), c.run.stdout);
}

describe('pytest-rerunfailures', () => {
  const root = 'project';
  const p = 'tests/test_hazards.py::';

  test('16.7.dev0 (as 16.6.1): fails on all 3 attempts → genuine; fails then passes → flaky; the step fails', async () => {
    const c = await classify(workspace('pytest-rerunfailures'), 'rerunfailures-16.7.dev0.xml', { root });
    assertStepFails(c, 3);
    assert.deepEqual(c.verdicts, {
      [p + 'test_always_fails']: 'genuine',
      [p + 'test_fails_then_passes']: 'flaky',
      [p + 'test_passes']: 'passed',
      [p + 'test_param[1]']: 'passed',
      [p + 'test_param[2]']: 'genuine',
      'tests/test_teardown.py::test_fails_and_teardown_errors': 'genuine',
    });
    assert.deepEqual(JSON.parse(c.run.outputs['flaky-tests']), [p + 'test_fails_then_passes']);
    assert.equal(c.run.outputs.total, '6');
  });

  test('16.7.dev0, only the flaky test failed: flaky and the step passes', async () => {
    const c = await classify(workspace('pytest-rerunfailures'), 'rerunfailures-16.7.dev0-flaky-only.xml', { root });
    assert.equal(c.run.code, 0, c.run.all);
    assert.deepEqual(c.verdicts, { [p + 'test_fails_then_passes']: 'flaky', [p + 'test_passes']: 'passed' });
    assert.equal(c.run.outputs['genuine-failures'], '0');
  });

  test('10.2 (Debian): a failed attempt before the pass leaves no trace, so that test passed; the genuine ones fail the step', async () => {
    const c = await classify(workspace('pytest-rerunfailures'), 'rerunfailures-10.2.xml', { root });
    assertStepFails(c, 3);
    assert.equal(c.verdicts[p + 'test_fails_then_passes'], 'passed');
    assert.deepEqual(withVerdict(c, 'flaky'), []);
    assert.deepEqual(withVerdict(c, 'genuine'), [p + 'test_always_fails', p + 'test_param[2]', 'tests/test_teardown.py::test_fails_and_teardown_errors']);
  });
});

describe('go', () => {
  const p = 'example.com/hazards/hazards.';

  test('gotestsum --rerun-fails: failed on every rerun → genuine (test, subtest and parent); failed then passed → flaky', async () => {
    const c = await classify(workspace('go'), 'gotestsum-rerun-fails-1.xml');
    assertStepFails(c, 3);
    assert.deepEqual(c.verdicts, {
      [p + 'TestAlwaysFails']: 'genuine',
      [p + 'TestFailsThenPasses']: 'flaky',
      [p + 'TestRows/row#01']: 'genuine',
      [p + 'TestRows']: 'genuine',
      [p + 'TestPasses']: 'passed',
      [p + 'TestRows/row']: 'passed',
      [p + 'TestRows/other']: 'passed',
    });
  });

  test('gotestsum --rerun-fails, only the flaky test failed: the step passes', async () => {
    const c = await classify(workspace('go'), 'gotestsum-rerun-fails-flaky-only.xml');
    assert.equal(c.run.code, 0, c.run.all);
    assert.deepEqual(JSON.parse(c.run.outputs['flaky-tests']), [p + 'TestFailsThenPasses']);
  });

  test('two runs of gotestsum into one database: the same ids, and a re-run attempt keeps the genuine ones genuine', async () => {
    const ws = workspace('go');
    const sha = shaOf(0xabc);
    const first = await classify(ws, 'gotestsum-rerun-fails-1.xml', { sha, runId: '4242', runAttempt: 1 });
    const second = await classify(ws, 'gotestsum-rerun-fails-2.xml', { sha, runId: '4242', runAttempt: 2 });
    assert.deepEqual(Object.keys(second.verdicts).sort(), Object.keys(first.verdicts).sort());
    assert.deepEqual(second.verdicts, first.verdicts);
    assertStepFails(second, 3);
    const names = await dbRows(join(ws, 'flakefighters.db'), 'SELECT run_id, name FROM test ORDER BY run_id, name');
    const byRun = (id: unknown) => names.filter((x) => x.run_id === id).map((x) => x.name);
    const runIds = [...new Set(names.map((x) => x.run_id))];
    assert.equal(runIds.length, 2);
    assert.deepEqual(byRun(runIds[1]), byRun(runIds[0]));
  });

  test('go-junit-report: genuine failures; -count=2 repetitions are two tests, so fail-then-pass there is not called flaky', async () => {
    const ws = workspace('go');
    const c = await classify(ws, 'go-junit-report.xml');
    // No rerun: TestFailsThenPasses failed its only run, so it is genuine too.
    assertStepFails(c, 4);
    assert.deepEqual(withVerdict(c, 'flaky'), []);
    const twice = await classify(ws, 'go-junit-report-count2.xml');
    assertStepFails(twice, 1);
    assert.deepEqual(withVerdict(twice, 'genuine'), [p + 'TestFailsThenPasses']);
    assert.deepEqual(withVerdict(twice, 'flaky'), []);
    assert.equal(twice.run.outputs.total, '4');
  });
});

describe('PHPUnit', () => {
  test('every failing data set is its own genuine failure; nothing is flaky', async () => {
    const c = await classify(workspace('phpunit'), 'phpunit-9.6.7.xml');
    assertStepFails(c, 4);
    assert.deepEqual(withVerdict(c, 'genuine'), [
      'HazardsTest.testAlwaysFails',
      'HazardsTest.testErrors',
      'HazardsTest.testNamedRows with data set "large"',
      'HazardsTest.testRows with data set #1',
    ]);
    assert.equal(c.verdicts['HazardsTest.testRows with data set #0'], 'passed');
    assert.equal(c.run.outputs.total, '8');
  });

  test('--repeat 2: the repetitions are separate tests, the failing data set genuine in both', async () => {
    const c = await classify(workspace('phpunit'), 'phpunit-9.6.7-repeat2.xml');
    assertStepFails(c, 2);
    assert.deepEqual(withVerdict(c, 'flaky'), []);
    assert.equal(c.run.outputs.total, '8');
  });
});

describe('Maven Surefire', () => {
  test('rerunFailingTestsCount: rerunFailure on every rerun → genuine; flakyFailure → flaky; rows merged by Surefire are not flaky', async () => {
    const c = await classify(workspace('surefire'), 'junit4-reruns2/*.xml');
    assertStepFails(c, 2);
    assert.deepEqual(c.verdicts, {
      'example.HazardsTest.alwaysFails': 'genuine',
      'example.HazardsTest.passes': 'passed',
      'example.HazardsTest.failsThenPasses': 'flaky',
      'example.RowsTest.adds[adds numbers]': 'genuine',
    });
    assert.match(c.run.all, /adds\[adds numbers\].{0,40} holds 3 flaky attempt/);
  });

  test('only the flaky test failed: flaky and the step passes', async () => {
    const c = await classify(workspace('surefire'), 'junit4-reruns2-flaky-only/*.xml');
    assert.equal(c.run.code, 0, c.run.all);
    assert.deepEqual(JSON.parse(c.run.outputs['flaky-tests']), ['example.HazardsTest.failsThenPasses']);
  });

  test('no reruns: three rows with one phrased name are three tests, the failing one genuine and never merged with a passing one', async () => {
    const c = await classify(workspace('surefire'), 'junit4-no-reruns/TEST-example.RowsTest.xml');
    assertStepFails(c, 1);
    assert.equal(c.run.outputs.total, '3');
    assert.equal(withVerdict(c, 'passed').length, 2);
    assert.deepEqual(withVerdict(c, 'flaky'), []);
  });

  test('JUnit 5 rows carry their index under Surefire 2.22: each failing row genuine', async () => {
    const c = await classify(workspace('surefire'), 'junit5-results/*.xml');
    assertStepFails(c, 2);
    assert.deepEqual(withVerdict(c, 'genuine'), ['example.RowsTest.adds{int}[2]', 'example.RowsTest.indexed{String}[2]']);
  });

  for (const file of ['surefire-TEST-example.RowsTest.xml', 'testng-JUnitReportReporter-TEST-example.RowsTest.xml', 'testng-JUnitXMLReporter-Surefire-test.xml']) {
    test(`TestNG data provider (${file}): the failing row is genuine, the passing rows stay apart`, async () => {
      const c = await classify(workspace('surefire'), `testng-results/${file}`);
      assertStepFails(c, 2);
      assert.equal(c.run.outputs.total, '5');
      assert.deepEqual(withVerdict(c, 'flaky'), []);
      assert.equal(Object.keys(c.verdicts).filter((k) => /\.adds(?: \[\d\])?$/.test(k)).length, 3);
    });
  }
});

describe('Gradle (files from public sources)', () => {
  test('test-retry with mergeReruns off: failed, failed, passed → flaky; failed five times → genuine', async () => {
    const c = await classify(workspace('gradle'), 'TEST-org.test.sample.Flaky*.xml');
    assertStepFails(c, 1);
    assert.deepEqual(c.verdicts, {
      'org.test.sample.FlakyFailingTestSuite.failingTest()': 'genuine',
      'org.test.sample.FlakyTestSuite.flakyTest()': 'flaky',
    });
  });

  test('[n] invocations of two methods: one failing row is genuine, never merged with the other method\'s passing row', async () => {
    const ws = workspace('gradle');
    const c = await classify(ws, 'derived-one-row-fails/*.xml');
    assertStepFails(c, 1);
    assert.equal(c.run.outputs.total, '7');
    assert.deepEqual(withVerdict(c, 'flaky'), []);
    const again = await classify(ws, 'derived-one-row-fails/*.xml');
    assert.deepEqual(again.verdicts, c.verdicts, 'the same ids and verdicts in a second run');
  });
});
