/**
 * Ids and attempts read from result files written by the real tools (fixtures/results/real-tools, each folder's
 * README names the tool, version and command): which records are one test's attempts, which are other tests.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';
import { EARLIER_ATTEMPT_MESSAGE, isParameterizedInvocation, looksLikeRetries } from '../../src/ingest/retries.ts';
import { newExecution } from '../../src/ingest/test-collector.ts';
import { mergedRowCases } from '../../src/ingest/merged-rows.ts';
import { parseXml } from '../../src/ingest/xml-scan.ts';
import type { Test } from '../../src/model.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'results', 'real-tools');

async function read(folder: string, pattern: string, root = '.') {
  return readResults({ patterns: [pattern], workspace: join(FIX, folder), root, ifNoFilesFound: 'error' });
}

/** id → outcomes of its executions in order, e.g. "failed,passed". */
function outcomes(tests: Test[]): Record<string, string> {
  return Object.fromEntries(tests.map((t) => [t.name, t.executions.map((e) => e.outcome).join(',')]));
}

describe('pytest-rerunfailures', () => {
  test('16.7.dev0 (16.6.1 and later): the empty records before the final one are failed attempts', async () => {
    const r = await read('pytest-rerunfailures', 'rerunfailures-16.7.dev0.xml', 'project');
    assert.deepEqual(r.dialects, ['pytest']);
    assert.deepEqual(outcomes(r.tests), {
      'tests/test_hazards.py::test_always_fails': 'failed,failed,failed',
      'tests/test_hazards.py::test_fails_then_passes': 'failed,passed',
      'tests/test_hazards.py::test_passes': 'passed',
      'tests/test_hazards.py::test_param[1]': 'passed',
      'tests/test_hazards.py::test_param[2]': 'failed,failed,failed',
      'tests/test_teardown.py::test_fails_and_teardown_errors': 'error,error,failed,error',
    });
    const always = r.tests.find((t) => t.name.endsWith('test_always_fails'))!;
    assert.equal(always.executions[0].message, EARLIER_ATTEMPT_MESSAGE);
    assert.equal(always.executions[0].report, '');
    assert.match(always.executions[2].report, /genuine: fails on every attempt/, 'the final attempt keeps its failure text');
    assert.equal(always.executions[2].exception?.frames[0]?.path, 'tests/test_hazards.py');
  });

  test('10.2 (Debian 12): one record per test, a failed attempt before a pass leaves no trace', async () => {
    const r = await read('pytest-rerunfailures', 'rerunfailures-10.2.xml', 'project');
    assert.deepEqual(outcomes(r.tests), {
      'tests/test_hazards.py::test_always_fails': 'failed',
      'tests/test_hazards.py::test_fails_then_passes': 'passed',
      'tests/test_hazards.py::test_passes': 'passed',
      'tests/test_hazards.py::test_param[1]': 'passed',
      'tests/test_hazards.py::test_param[2]': 'failed',
      // The call's failure and the teardown's error: two records of one attempt, both failing.
      'tests/test_teardown.py::test_fails_and_teardown_errors': 'failed,error',
    });
  });

  test('ids are the same with and without the plugin and across its versions', async () => {
    const names = async (file: string) => (await read('pytest-rerunfailures', file, 'project')).tests.map((t) => t.name);
    const plain = await names('plain-pytest-7.2.1.xml');
    assert.deepEqual(await names('rerunfailures-10.2.xml'), plain);
    assert.deepEqual(await names('rerunfailures-16.7.dev0.xml'), plain);
  });
});

describe('go', () => {
  test('gotestsum --rerun-fails: repeats are attempts, subtests and their parent are tests of their own', async () => {
    const r = await read('go', 'gotestsum-rerun-fails-1.xml');
    assert.deepEqual(r.dialects, ['gotestsum']);
    const p = 'example.com/hazards/hazards.';
    assert.deepEqual(outcomes(r.tests), {
      [p + 'TestAlwaysFails']: 'failed,failed,failed',
      [p + 'TestFailsThenPasses']: 'failed,passed',
      [p + 'TestRows/row#01']: 'failed,failed,failed',
      [p + 'TestRows']: 'failed,failed,failed',
      [p + 'TestPasses']: 'passed',
      [p + 'TestRows/row']: 'passed',
      [p + 'TestRows/other']: 'passed',
    });
  });

  test('gotestsum: the same ids in two runs and without --rerun-fails', async () => {
    const ids = async (file: string) => (await read('go', file)).tests.map((t) => t.name).sort();
    const first = await ids('gotestsum-rerun-fails-1.xml');
    assert.deepEqual(await ids('gotestsum-rerun-fails-2.xml'), first);
    assert.deepEqual(await ids('gotestsum-no-rerun.xml'), first);
  });

  test('go-junit-report: the same ids as gotestsum; -count=2 repeats are two tests, never one test retried', async () => {
    const r = await read('go', 'go-junit-report.xml');
    assert.deepEqual(r.dialects, ['go-junit-report']);
    const gotestsum = (await read('go', 'gotestsum-no-rerun.xml')).tests.map((t) => t.name).sort();
    assert.deepEqual(r.tests.map((t) => t.name).sort(), gotestsum);
    const twice = await read('go', 'go-junit-report-count2.xml');
    assert.deepEqual(outcomes(twice.tests), {
      'example.com/hazards/hazards.TestFailsThenPasses': 'failed',
      'example.com/hazards/hazards.TestFailsThenPasses [2]': 'passed',
      'example.com/hazards/hazards.TestPasses': 'passed',
      'example.com/hazards/hazards.TestPasses [2]': 'passed',
    });
  });
});

describe('PHPUnit', () => {
  test('data sets are part of the name; errors and failures as written', async () => {
    const r = await read('phpunit', 'phpunit-9.6.7.xml');
    assert.deepEqual(r.dialects, ['phpunit']);
    assert.deepEqual(outcomes(r.tests), {
      'HazardsTest.testAlwaysFails': 'failed',
      'HazardsTest.testPasses': 'passed',
      'HazardsTest.testRows with data set #0': 'passed',
      'HazardsTest.testRows with data set #1': 'failed',
      'HazardsTest.testRows with data set #2': 'passed',
      'HazardsTest.testNamedRows with data set "small"': 'passed',
      'HazardsTest.testNamedRows with data set "large"': 'failed',
      'HazardsTest.testErrors': 'error',
    });
  });

  test('--repeat: the nested file is still PHPUnit, and each repetition is its own test', async () => {
    const r = await read('phpunit', 'phpunit-9.6.7-repeat2.xml');
    assert.deepEqual(r.dialects, ['phpunit']);
    assert.equal(r.tests.length, 8);
    assert.equal(outcomes(r.tests)['HazardsTest.testRows with data set #1'], 'failed');
    assert.equal(outcomes(r.tests)['HazardsTest.testRows with data set #1 [2]'], 'failed');
    assert.ok(r.tests.every((t) => t.executions.length === 1));
  });
});

describe('Surefire and TestNG', () => {
  test('rerunFailure and flakyFailure read as attempts of one test', async () => {
    const r = await read('surefire', 'junit4-reruns2/TEST-example.HazardsTest.xml');
    assert.deepEqual(r.dialects, ['maven-surefire']);
    assert.deepEqual(outcomes(r.tests), {
      'example.HazardsTest.alwaysFails': 'failed,failed,failed',
      'example.HazardsTest.passes': 'passed',
      'example.HazardsTest.failsThenPasses': 'failed,passed',
    });
    assert.deepEqual(r.warnings, []);
  });

  test('rows sharing a phrased name that Surefire merged into flakyFailures are failures, not a retry that passed', async () => {
    const r = await read('surefire', 'junit4-reruns2/TEST-example.RowsTest.xml');
    assert.deepEqual(outcomes(r.tests), { 'example.RowsTest.adds[adds numbers]': 'failed,failed,failed' });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /junit4-reruns2\/TEST-example\.RowsTest\.xml: "example\.RowsTest\.adds\[adds numbers\]" holds 3 flaky attempt/);
  });

  test('without reruns the same rows are three tests, the failing one apart', async () => {
    const r = await read('surefire', 'junit4-no-reruns/TEST-example.RowsTest.xml');
    assert.deepEqual(outcomes(r.tests), {
      'example.RowsTest.adds[adds numbers]': 'passed',
      'example.RowsTest.adds[adds numbers] [2]': 'failed',
      'example.RowsTest.adds[adds numbers] [3]': 'passed',
    });
  });

  test('JUnit 5 rows under Surefire 2.22 carry their index', async () => {
    const r = await read('surefire', 'junit5-results/*.xml');
    assert.equal(r.tests.length, 6);
    assert.deepEqual(
      r.tests.filter((t) => t.executions[0].outcome === 'failed').map((t) => t.name),
      ['example.RowsTest.adds{int}[2]', 'example.RowsTest.indexed{String}[2]'],
    );
  });

  for (const file of ['surefire-TEST-example.RowsTest.xml', 'testng-JUnitReportReporter-TEST-example.RowsTest.xml', 'testng-JUnitXMLReporter-Surefire-test.xml']) {
    test(`TestNG data provider (${file}): three rows, three tests, one of them failing`, async () => {
      const r = await read('surefire', `testng-results/${file}`);
      const rows = r.tests.filter((t) => /\.adds(?: \[\d\])?$/.test(t.name));
      assert.equal(rows.length, 3, rows.map((t) => t.name).join(', '));
      assert.deepEqual(rows.map((t) => t.executions.length), [1, 1, 1]);
      assert.equal(rows.filter((t) => t.executions[0].outcome === 'failed').length, 1);
      assert.equal(r.tests.length, 5);
    });
  }
});

describe('Gradle', () => {
  test('test-retry with mergeReruns off: repeated names are attempts', async () => {
    const r = await read('gradle', 'TEST-org.test.sample.*.xml');
    assert.deepEqual(r.dialects, ['gradle']);
    const o = outcomes(r.tests);
    assert.equal(o['org.test.sample.FlakyTestSuite.flakyTest()'], 'failed,failed,passed');
    assert.equal(o['org.test.sample.FlakyFailingTestSuite.failingTest()'], 'failed,failed,failed,failed,failed');
    assert.equal(r.tests.length, 6);
  });

  test('[n] invocations of two methods are six tests, the failing row apart', async () => {
    const r = await read('gradle', 'derived-one-row-fails/TEST-example.ReportNamesTest.xml');
    assert.equal(r.tests.length, 7);
    assert.ok(r.tests.every((t) => t.executions.length === 1));
    const failed = r.tests.filter((t) => t.executions[0].outcome === 'failed').map((t) => t.name);
    assert.deepEqual(failed, ['example.ReportNamesTest.[2] value = "plain" [2]']);
    const plain = await read('gradle', 'TEST-example.ReportNamesTest.xml');
    assert.deepEqual(plain.tests.map((t) => t.name), r.tests.map((t) => t.name), 'ids do not depend on outcomes');
  });

  test('the retry rule: a retry only follows a failure; [n] names are invocations', () => {
    const f = [newExecution('failed')];
    const p = [newExecution('passed')];
    assert.equal(looksLikeRetries([f, f, p]), true);
    assert.equal(looksLikeRetries([p, f]), false);
    assert.equal(looksLikeRetries([f, p, f]), false);
    assert.equal(isParameterizedInvocation('example.T.[1] value = ""'), true);
    assert.equal(isParameterizedInvocation('example.T.[12]'), true);
    assert.equal(isParameterizedInvocation('example.T.flakyTest()'), false);
    assert.equal(isParameterizedInvocation('example.T.adds{int}[1]'), false);
  });
});

describe('rows merged by a tool that merges reruns by name', () => {
  const names = (xml: string, dialect: 'maven-surefire' | 'gradle') => [...mergedRowCases(parseXml(xml), dialect)].map((tc) => tc.attrs.name);
  const flaky = '<flakyFailure message="x" type="T"><stackTrace>T: x</stackTrace></flakyFailure>';

  test('Surefire: only a suite that counts more runs than its testcases hold', () => {
    const suite = (tests: number) => `<testsuite name="C" tests="${tests}"><testcase name="a" classname="C">${flaky}</testcase><testcase name="b" classname="C"/></testsuite>`;
    assert.deepEqual(names(suite(3), 'maven-surefire'), [], 'a: 2 runs, b: 1 run');
    assert.deepEqual(names(suite(5), 'maven-surefire'), ['a']);
  });

  test('Gradle (mergeReruns on): a [n] invocation with flaky attempts, never an ordinary name', () => {
    const xml = `<testsuite name="C" tests="2"><testcase name="[1] firstParameter" classname="C">${flaky}</testcase><testcase name="flakyTest()" classname="C">${flaky}</testcase></testsuite>`;
    assert.deepEqual(names(xml, 'gradle'), ['[1] firstParameter']);
  });
});
