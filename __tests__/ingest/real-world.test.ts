import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const DIR = `${SHARED}/real-world`;
const ORACLE = join(import.meta.dirname, 'count_junit.py');

function xmlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...xmlFiles(p));
    else if (e.endsWith('.xml')) out.push(relative(DIR, p));
  }
  return out.sort();
}

// These files' own totals contradict their testcases (checked by the oracle below, not assumed):
// Nette Tester counts an error with no <error> element, pytest counted 15 tests with subtests for 10 testcases,
// and jest-junit writes tests="0" for suites that failed to run.
const SELF_INCONSISTENT: Record<string, string[]> = {
  'nette-tester/tester-v1.7-report.xml': ['errors'],
  'python-xunit-pytest.xml': ['tests'],
  'test-errors/jest/jest-test-results.xml': ['tests'],
};

// Ids written more than once by writers that do not write retries that way, and testcases without a name:
// each occurrence is its own test (never merged), with one notice per file.
const EXPECTED_WARNINGS: Record<string, RegExp[]> = {
  'external/java/TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml': [/: 1 test id is written more than once/],
  'external/java/pulsar-test-report.xml': [/: 39 test ids are written more than once .* the 138 later occurrences are kept as separate tests/],
  'external/jest/jest-test-results.xml': [/: 1 testcase has no name/, /: 31 test ids are written more than once .*addFileAttribute/],
};

const EXPECTED_DIALECT: Record<string, string> = {
  'dotnet-nunit.xml': 'nunit',
  'external/nunit-sample.xml': 'nunit',
  'jest-junit.xml': 'jest-junit',
  'external/jest/jest-test-results.xml': 'jest-junit',
  'test-errors/jest/jest-test-results.xml': 'jest-junit',
  'python-xunit-pytest.xml': 'pytest',
  'python-xunit-unittest.xml': 'python-xmlrunner',
  'phpunit/phpunit.xml': 'phpunit',
  'phpunit/phpunit-paths.xml': 'phpunit',
  'external/phpunit/phpcheckstyle-phpunit.xml': 'phpunit',
  'nette-tester/tester-v1.7-report.xml': 'nette-tester',
  'external/java/TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml': 'testng',
  'jest-junit-eslint.xml': 'eslint',
};

describe('real-world JUnit files', () => {
  const files = xmlFiles(DIR);
  const oracle = JSON.parse(execFileSync('python3', [ORACLE, ...files.map((f) => join(DIR, f))], { encoding: 'utf8' })) as Record<
    string,
    { counts: Record<string, number>; attrs: Record<string, number> }
  >;

  test('the fixture folder holds the files we expect', () => {
    assert.ok(files.length >= 25, `found ${files.length}`);
  });

  for (const file of files) {
    test(file, async () => {
      // warn: a file with no tests (the empty/ ones) is an error under the action's default, here a warning to check.
      const r = await readResults({ patterns: [file], workspace: DIR, root: '.', ifNoFilesFound: 'warn' });
      assert.deepEqual(r.files, [file]);
      const noTests = r.warnings.filter((w) => w.startsWith(`test-results: ${file} (matching ${file} in ${DIR}) holds no tests`));
      assert.equal(noTests.length, r.tests.length === 0 ? 1 : 0);
      const others = r.warnings.filter((w) => !noTests.includes(w));
      const expected = EXPECTED_WARNINGS[file] ?? [];
      assert.equal(others.length, expected.length, others.join('\n'));
      expected.forEach((re, i) => assert.match(others[i], re));
      if (EXPECTED_DIALECT[file]) assert.deepEqual(r.dialects, [EXPECTED_DIALECT[file]]);
      const got = { passed: 0, failed: 0, error: 0, skipped: 0 };
      for (const t of r.tests) {
        assert.ok(t.name.length > 0);
        for (const e of t.executions) {
          got[e.outcome]++;
          if (e.outcome === 'passed') assert.equal(e.report, 'None');
          if (e.outcome === 'failed' || e.outcome === 'error') assert.ok(e.report.length > 0 || e.message, `${t.name} has no failure text`);
        }
      }
      const { counts, attrs } = oracle[join(DIR, file)];
      assert.deepEqual(got, counts);
      const nunit = r.dialects[0] === 'nunit';
      const mine: Record<string, number> = {
        tests: got.passed + got.failed + got.error + got.skipped,
        failures: got.failed + (nunit ? got.error : 0),
        errors: got.error,
        skipped: got.skipped,
      };
      const inconsistent = SELF_INCONSISTENT[file] ?? [];
      for (const [k, v] of Object.entries(attrs)) {
        if (inconsistent.includes(k)) assert.notEqual(v, mine[k], `${file} ${k} is listed as inconsistent but agrees`);
        else assert.equal(mine[k], v, `${file}: ${k}`);
      }
    });
  }

  test('frames and names from real failure texts', async () => {
    const r = await readResults({ patterns: ['**/*.xml'], workspace: DIR, root: '.', ifNoFilesFound: 'error' });
    const t = new Map(r.tests.map((x) => [x.name, x]));
    // TestNG data-provider rows repeat the method name: two tests (the second with an ordinal), never one test's attempts.
    const pulsar = r.tests.filter((x) => x.name.startsWith('org.apache.pulsar.AddMissingPatchVersionTest.testVersionStrings'));
    assert.ok(pulsar.length >= 2, pulsar.map((x) => x.name).join(', '));
    // The same TestNG class is in two of the files read together: each copy is also named after its file.
    assert.ok(pulsar.some((x) => x.name.includes(' [2]')));
    const failed = pulsar.flatMap((x) => x.executions).find((e) => e.outcome === 'failed')!;
    assert.equal(failed.exception?.name, 'AssertionError');
    assert.deepEqual(failed.exception?.frames, [{ path: 'org/apache/pulsar/AddMissingPatchVersionTest.java', lineno: 28, colno: null, statement: null }]);
    const unittest = t.get('TestAcme.test_always_fail')!;
    assert.equal(unittest.lineNo, 23);
    assert.equal(unittest.fspath, join(DIR, 'tests/test_lib.py'));
    assert.deepEqual(unittest.executions[0].exception, {
      name: 'AssertionError',
      frames: [{ path: '/Users/foo/Projects/python-test/tests/test_lib.py', lineno: 23, colno: null, statement: 'self.fail("failed")' }],
    });
    const nunit = t.get('DotnetTests.XUnitTests.CalculatorTests.Exception_In_TargetTest')!.executions[0];
    assert.equal(nunit.outcome, 'error');
    assert.equal(nunit.exception?.name, 'DivideByZeroException');
    assert.equal(nunit.exception?.frames.length, 2);
    assert.equal(nunit.exception?.frames[0].lineno, 8);
    const msg = t.get('my_package.TestFoo.test_other_case')!.executions[0];
    assert.equal(msg.exception?.name, 'AssertionError');
    assert.equal(msg.exception?.frames[0].statement, 'self.assertFalse(True)');
  });
});
