import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachCoverage, readCoverage } from '../../src/ingest/coverage.ts';
import { testOf } from './test-of.ts';

/** Without NODE_TEST_CONTEXT the child is a test runner of its own, not a subtest reporting to this one. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

const LIB = `export function add(a, b) {
  if (a > 0) {
    return a + b;
  }
  return b;
}
export function mul(a, b) {
  return a * b;
}
`;

describe('lcov', () => {
  test("node's own lcov reporter: relative SF paths resolved against root, count-0 lines left out, totals only", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    writeFileSync(join(dir, 'lib.mjs'), LIB);
    writeFileSync(
      join(dir, 'lib.test.mjs'),
      `import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from './lib.mjs';\ntest('adds', () => { assert.equal(add(1, 2), 3); });\n`,
    );
    mkdirSync(join(dir, 'coverage'));
    execFileSync(
      process.execPath,
      ['--test', '--experimental-test-coverage', '--test-reporter=lcov', '--test-reporter-destination=coverage/lcov.info', 'lib.test.mjs'],
      { cwd: dir, env: childEnv() },
    );
    const root = join(dir, 'project-root-is-here');
    const d = await readCoverage({ patterns: ['coverage/*.info'], workspace: dir, root: dir });
    assert.deepEqual(d.formats, ['lcov']);
    assert.equal(d.hasContexts, false);
    assert.deepEqual(d.totals[join(dir, 'lib.mjs')], [1, 2, 3, 4, 6, 7]);
    // Node >= 22 leaves the test files themselves out of the report (the default --test-coverage-exclude).
    assert.deepEqual(Object.keys(d.totals), [join(dir, 'lib.mjs')]);
    assert.match(d.warnings[0], /need per-test coverage/);
    // With no named test at all, the unnamed TN is the whole run: not lent to every test as shared lines.
    assert.deepEqual(d.shared, {});
    const other = await readCoverage({ patterns: ['coverage/lcov.info'], workspace: dir, root });
    assert.ok(Object.keys(other.totals).every((p) => p.startsWith(root)));
  });

  test('a multi-TN tracefile is per-test coverage, matched to test ids exactly or by suffix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    const text = [
      'TN:com.acme.CalcTest.testAdd',
      'SF:src/Calc.java',
      'FN:3,add',
      'DA:3,1',
      'DA:4,2,abcdef',
      'DA:5,0',
      'end_of_record',
      'TN:com.acme.CalcTest.testAdd',
      'SF:/abs/Util.java',
      'DA:10,1',
      'end_of_record',
      'TN:CalcTest.testMul',
      'SF:src/Calc.java',
      'DA:8,3',
      'DA:9,1',
      'end_of_record',
      'TN:',
      'SF:src/Calc.java',
      'DA:1,1',
      'end_of_record',
      'TN:nobody.test',
      'SF:src/Calc.java',
      'DA:2,1',
      'end_of_record',
      '',
    ].join('\r\n');
    writeFileSync(join(dir, 'tests.lcov'), text);
    const d = await readCoverage({ patterns: ['*.lcov'], workspace: dir, root: dir });
    assert.equal(d.hasContexts, true);
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.perTest.get('com.acme.CalcTest.testAdd'), { '/abs/Util.java': [10], [join(dir, 'src/Calc.java')]: [3, 4] });
    assert.deepEqual(d.perTest.get('CalcTest.testMul'), { [join(dir, 'src/Calc.java')]: [8, 9] });
    assert.deepEqual(d.shared, { [join(dir, 'src/Calc.java')]: [1] });
    assert.deepEqual(d.totals[join(dir, 'src/Calc.java')], [1, 2, 3, 4, 8, 9]);

    const tests = [testOf('com.acme.CalcTest.testAdd'), testOf('com.acme.CalcTest.testMul'), testOf('com.acme.CalcTest.testDiv')];
    const r = attachCoverage(tests, d, dir);
    assert.equal(r.matched, 2);
    assert.deepEqual(r.unmatched, ['nobody.test']);
    assert.deepEqual(tests[0].executions[0].coverage, { '/abs/Util.java': [10], [join(dir, 'src/Calc.java')]: [1, 3, 4] });
    assert.deepEqual(tests[1].executions[0].coverage, { [join(dir, 'src/Calc.java')]: [1, 8, 9] });
    assert.equal(tests[2].executions[0].coverage, null);
  });

  test('one lcov file per test (matched by one glob) also gives per-test coverage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    mkdirSync(join(dir, 'cov'));
    writeFileSync(join(dir, 'cov', 'a.info'), 'TN:test_a\nSF:m.py\nDA:1,1\nend_of_record\n');
    writeFileSync(join(dir, 'cov', 'b.info'), 'TN:test_b\nSF:m.py\nDA:2,1\nend_of_record\n');
    const d = await readCoverage({ patterns: ['cov/*.info'], workspace: dir, root: dir });
    assert.equal(d.hasContexts, true);
    assert.deepEqual([...d.perTest.keys()].sort(), ['test_a', 'test_b']);
    const tests = [testOf('tests/test_m.py::test_a'), testOf('tests/test_m.py::test_b')];
    assert.equal(attachCoverage(tests, d, dir).matched, 2);
    assert.deepEqual(tests[1].executions[0].coverage, { [join(dir, 'm.py')]: [2] });
  });

  test('a single context that is plainly a test (nodeid) still counts as per-test', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    writeFileSync(join(dir, 'lcov.info'), 'TN:tests/test_m.py::test_only\nSF:m.py\nDA:1,1\nend_of_record\n');
    const d = await readCoverage({ patterns: ['lcov.info'], workspace: dir, root: dir });
    assert.equal(d.hasContexts, true);
    assert.deepEqual(d.warnings, []);
  });

  test('a totals-only file next to per-test files adds to totals, never to every test', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    writeFileSync(join(dir, 'a.info'), 'TN:test_a\nSF:m.py\nDA:1,1\nend_of_record\nTN:test_b\nSF:m.py\nDA:2,1\nend_of_record\n');
    writeFileSync(join(dir, 'all.info'), 'TN:\nSF:m.py\nDA:1,1\nDA:2,1\nDA:3,1\nend_of_record\n');
    const d = await readCoverage({ patterns: ['*.info'], workspace: dir, root: dir });
    assert.equal(d.hasContexts, true);
    assert.deepEqual(d.shared, {});
    assert.deepEqual(d.totals, { [join(dir, 'm.py')]: [1, 2, 3] });
    assert.equal(d.warnings.length, 1);
    assert.match(d.warnings[0], /all\.info; its lines count only toward totals/);
    const tests = [testOf('test_a')];
    attachCoverage(tests, d, dir);
    assert.deepEqual(tests[0].executions[0].coverage, { [join(dir, 'm.py')]: [1] });
  });

  test('a single TN name is a label, not per-test data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-cov-lcov-'));
    writeFileSync(join(dir, 'lcov.info'), 'TN:unit\nSF:m.py\nDA:1,1\nend_of_record\n');
    const d = await readCoverage({ patterns: ['lcov.info'], workspace: dir, root: dir });
    assert.equal(d.hasContexts, false);
    assert.match(d.warnings[0], /Only one context was found \("unit"\)/);
  });
});
