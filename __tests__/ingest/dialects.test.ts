import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';
import type { Test } from '../../src/model.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'results');

async function read(pattern: string, workspace = FIX, root = '.') {
  return readResults({ patterns: [pattern], workspace, root, ifNoFilesFound: 'error' });
}
const byName = (tests: Test[]) => new Map(tests.map((t) => [t.name, t]));
const outcomes = (t: Test | undefined) => t?.executions.map((e) => e.outcome).join(',');

describe('JUnit dialects', () => {
  test('pytest: nodeids from the files under root, failures, errors, skips, frames', async () => {
    const ws = join(FIX, 'pytest-project');
    const r = await read('report.xml', ws);
    assert.deepEqual(r.dialects, ['pytest']);
    assert.deepEqual(r.files, ['report.xml']);
    const t = byName(r.tests);
    assert.deepEqual([...t.keys()], [
      'tests/test_calc.py::test_add',
      'tests/test_calc.py::test_divide_by_zero',
      'tests/test_calc.py::TestParse::test_int',
      'tests/test_calc.py::TestParse::test_bad',
      'tests/test_calc.py::test_later',
      'tests/unit/test_io.py::test_read',
      'tests/unit/test_io.py::test_setup_error',
    ]);
    assert.equal(t.get('tests/test_calc.py::test_add')!.fspath, join(ws, 'tests/test_calc.py'));
    assert.equal(t.get('tests/unit/test_io.py::test_read')!.fspath, join(ws, 'tests/unit/test_io.py'));
    const pass = t.get('tests/test_calc.py::test_add')!.executions[0];
    assert.equal(pass.report, 'None');
    assert.equal(pass.exception, null);
    // Suite timestamp + cumulative testcase times.
    assert.equal(pass.startTime?.toISOString(), '2026-11-20T10:15:30.125Z');
    assert.equal(pass.endTime?.toISOString(), '2026-11-20T10:15:30.126Z');
    assert.equal(t.get('tests/test_calc.py::test_divide_by_zero')!.executions[0].startTime?.toISOString(), '2026-11-20T10:15:30.126Z');

    const div = t.get('tests/test_calc.py::test_divide_by_zero')!.executions[0];
    assert.equal(div.outcome, 'failed');
    assert.equal(div.message, 'ZeroDivisionError: division by zero');
    assert.match(div.report, /^def test_divide_by_zero\(\):\n>       assert divide\(1, 0\) == 0/);
    assert.deepEqual(div.exception, {
      name: 'ZeroDivisionError',
      frames: [
        { path: 'tests/test_calc.py', lineno: 10, colno: null, statement: '    assert divide(1, 0) == 0' },
        { path: 'calc.py', lineno: 1, colno: null, statement: '    return a / b' },
      ],
    });
    const bad = t.get('tests/test_calc.py::TestParse::test_bad')!.executions[0];
    assert.equal(bad.stdout, 'parsing\n');
    assert.equal(bad.exception?.name, 'ValueError');
    assert.deepEqual(bad.exception?.frames, [{ path: 'tests/test_calc.py', lineno: 19, colno: null, statement: '    assert int("x") == 0' }]);
    const skip = t.get('tests/test_calc.py::test_later')!;
    assert.equal(skip.skipped, true);
    assert.equal(outcomes(skip), 'skipped');
    assert.equal(skip.executions[0].message, 'not ready');
    const err = t.get('tests/unit/test_io.py::test_setup_error')!.executions[0];
    assert.equal(err.outcome, 'error');
    assert.equal(err.message, 'failed on setup with "RuntimeError: fixture failed"');
    assert.equal(err.exception?.name, 'RuntimeError');
  });

  // This used to read report-rerun.xml as a rerun of report.xml. It also holds test_add, which passed in
  // report.xml, so it is not a rerun of report.xml's failures: it is another run of those tests (a matrix leg),
  // and test_bad failing in one and passing in the other must not make one flaky test.
  test('pytest: the same nodeid in two files that are not a rerun of failures stays two tests, named after their file', async () => {
    const r = await readResults({ patterns: ['report.xml', 'report-rerun.xml'], workspace: join(FIX, 'pytest-project'), root: '.', ifNoFilesFound: 'error' });
    assert.equal(r.tests.length, 9);
    const t = byName(r.tests);
    assert.equal(outcomes(t.get('tests/test_calc.py::TestParse::test_bad [report]')), 'failed');
    assert.equal(outcomes(t.get('tests/test_calc.py::TestParse::test_bad [report-rerun]')), 'passed');
    assert.equal(outcomes(t.get('tests/test_calc.py::test_add [report-rerun]')), 'passed');
    assert.equal(outcomes(t.get('tests/test_calc.py::test_later')), 'skipped');
    assert.equal(r.notices.filter((n) => n.includes('report.xml, report-rerun.xml: 2 tests are in more than one')).length, 1);
  });

  test('jest-junit: ids keep the spec file, so equal titles in two files stay apart', async () => {
    const r = await read('jest-junit.xml');
    assert.deepEqual(r.dialects, ['jest-junit']);
    const t = byName(r.tests);
    assert.equal(r.tests.length, 5);
    assert.ok(t.has('src/__tests__/calculator.test.ts › Calculator adds numbers'));
    assert.ok(t.has('src/__tests__/api.test.ts › Calculator adds numbers'));
    const fail = t.get('src/__tests__/calculator.test.ts › Calculator divides by zero')!;
    assert.equal(fail.fspath, join(FIX, 'src/__tests__/calculator.test.ts'));
    // The suite name is a path: it goes into the id as written, and into fspath only when that file exists under root.
    assert.equal(t.get('src/__tests__/api.test.ts › api fetches user')!.fspath, '');
    assert.equal(fail.executions[0].exception?.name, 'Error');
    // node_modules and node: internals are left out; column kept 1-based, line 0-based.
    assert.deepEqual(fail.executions[0].exception?.frames, [
      { path: '/home/runner/work/app/app/src/__tests__/calculator.test.ts', lineno: 13, colno: 32, statement: null },
    ]);
    const api = t.get('src/__tests__/api.test.ts › api fetches user')!.executions[0].exception!;
    assert.equal(api.name, 'TypeError');
    assert.deepEqual(api.frames.map((f) => [f.path, f.lineno, f.colno]), [
      ['/home/runner/work/app/app/src/api.ts', 21, 17],
      ['/home/runner/work/app/app/src/__tests__/api.test.ts', 8, 18],
      ['/home/runner/work/app/app/src/__tests__/helpers.mjs', 2, 5],
    ]);
    assert.equal(outcomes(t.get('src/__tests__/calculator.test.ts › Calculator pending feature')), 'skipped');
  });

  test('mocha: full title with the spec file; AssertionError [ERR_ASSERTION] → AssertionError', async () => {
    const r = await read('mocha.xml');
    assert.deepEqual(r.dialects, ['mocha']);
    assert.deepEqual(r.tests.map((t) => t.name), [
      'test/user.spec.js › User creates a user',
      'test/user.spec.js › User rejects a bad email',
      'test/user.spec.js › User deletes a user',
      'test/order.spec.js › Order totals',
    ]);
    const e = r.tests[1].executions[0];
    assert.equal(e.outcome, 'failed');
    assert.equal(e.exception?.name, 'AssertionError');
    assert.deepEqual(e.exception?.frames, [{ path: 'test/user.spec.js', lineno: 17, colno: 12, statement: null }]);
  });

  test('maven surefire and failsafe: flakyFailure and rerunFailure become executions; Java paths resolved under root', async () => {
    const ws = join(FIX, 'maven-project');
    const r = await read('target/**/*.xml', ws);
    assert.deepEqual(r.dialects, ['maven-failsafe', 'maven-surefire']);
    const t = byName(r.tests);
    assert.equal(r.tests.length, 6);
    assert.equal(t.get('com.example.CalculatorTest.adds')!.fspath, join(ws, 'src/test/java/com/example/CalculatorTest.java'));
    assert.equal(t.get('com.example.CheckoutIT.checksOut')!.fspath, '');
    const flaky = t.get('com.example.CalculatorTest.sometimesTimesOut')!;
    assert.equal(outcomes(flaky), 'failed,passed');
    assert.equal(flaky.executions[0].message, 'expected: <2> but was: <0>');
    assert.equal(flaky.executions[0].stdout, 'slow add started\n');
    assert.equal(flaky.executions[0].exception?.name, 'AssertionFailedError');
    assert.deepEqual(flaky.executions[0].exception?.frames, [
      { path: 'src/test/java/com/example/CalculatorTest.java', lineno: 14, colno: null, statement: null },
    ]);
    const rerun = t.get('com.example.CalculatorTest.divides')!;
    assert.equal(outcomes(rerun), 'failed,failed,failed');
    assert.equal(rerun.executions[0].exception?.name, 'ArithmeticException');
    // Calculator.java is not in the fixture tree: the package path is kept.
    assert.deepEqual(rerun.executions[2].exception?.frames.map((f) => f.path), ['com/example/Calculator.java', 'src/test/java/com/example/CalculatorTest.java']);
    assert.equal(outcomes(t.get('com.example.CalculatorTest.later')), 'skipped');
    const it = t.get('com.example.CheckoutIT.talksToDatabase')!.executions[0];
    assert.equal(it.outcome, 'error');
    assert.equal(it.stderr, 'WARN pool exhausted\n');
    assert.equal(it.exception?.name, 'ConnectException');
  });

  test('gradle: suite-level output is the fallback for testcases; module-qualified frames', async () => {
    const r = await read('gradle-*.xml');
    assert.deepEqual(r.dialects, ['gradle']);
    const t = byName(r.tests);
    const f = t.get('com.example.StringUtilsTest.trimsUnicode()')!.executions[0];
    assert.equal(f.stdout, 'StringUtils loaded\n');
    assert.equal(f.exception?.name, 'AssertionFailedError');
    assert.deepEqual(f.exception?.frames.map((x) => [x.path, x.lineno]), [['com/example/StringUtilsTest.java', 20]]);
    assert.equal(outcomes(t.get('com.example.StringUtilsTest.slowPath()')), 'skipped');
    assert.equal(t.get('com.example.StringUtilsTest.reversesAString()')!.executions[0].startTime?.toISOString(), new Date('2026-11-20T10:15:30').toISOString());
  });

  test('go-junit-report: t.Errorf lines and panics', async () => {
    const r = await read('go-junit-report.xml');
    assert.deepEqual(r.dialects, ['go-junit-report']);
    const t = byName(r.tests);
    const fail = t.get('github.com/acme/shop/cart.TestTotal')!.executions[0];
    assert.equal(fail.exception?.name, 'Failure');
    assert.deepEqual(fail.exception?.frames.map((f) => [f.path, f.lineno]), [['cart_test.go', 26], ['cart_test.go', 27]]);
    const panic = t.get('github.com/acme/shop/pay.TestCharge')!.executions[0];
    assert.equal(panic.outcome, 'error');
    assert.equal(panic.exception?.name, 'panic');
    assert.deepEqual(panic.exception?.frames.map((f) => f.path), ['/home/runner/work/shop/shop/pay/client.go', '/home/runner/work/shop/shop/pay/client_test.go']);
    assert.equal(outcomes(t.get('github.com/acme/shop/cart.TestSlow')), 'skipped');
  });

  test('gotestsum: a rerun testcase is a second execution of the same test', async () => {
    const r = await read('gotestsum.xml');
    assert.deepEqual(r.dialects, ['gotestsum']);
    assert.equal(outcomes(byName(r.tests).get('github.com/acme/shop/cart.TestTotal')), 'failed,passed');
  });

  test('phpunit: file and line attributes, exception type from the report', async () => {
    const r = await read('phpunit.xml');
    assert.deepEqual(r.dialects, ['phpunit']);
    const t = byName(r.tests);
    const total = t.get('App.Tests.CartTest.testTotal')!;
    assert.equal(total.fspath, '/home/runner/work/shop/shop/tests/CartTest.php');
    assert.equal(total.lineNo, 20);
    assert.equal(total.executions[0].exception?.name, 'ExpectationFailedException');
    assert.deepEqual(total.executions[0].exception?.frames.map((f) => [f.path, f.lineno]), [['/home/runner/work/shop/shop/tests/CartTest.php', 23]]);
    assert.equal(t.get('App.Tests.CartTest.testCheckout')!.executions[0].outcome, 'error');
  });

  test('dotnet-junit (JunitXml.TestLogger): names already qualified; .NET frames', async () => {
    const r = await read('dotnet-junit.xml');
    assert.deepEqual(r.dialects, ['dotnet-junit']);
    assert.deepEqual(r.tests.map((t) => t.name), ['Shop.Tests.CartTests.Adds', 'Shop.Tests.CartTests.Totals(items: 3)', 'Shop.Tests.CartTests.Later']);
    const f = r.tests[1].executions[0];
    assert.equal(f.message, 'Assert.Equal() Failure\r\nExpected: 10\r\nActual:   9');
    assert.deepEqual(f.exception?.frames, [{ path: '/home/runner/work/shop/shop/tests/Shop.Tests/CartTests.cs', lineno: 26, colno: null, statement: null }]);
    assert.equal(r.tests[2].skipped, true);
  });

  test('xUnit.net v2 native XML', async () => {
    const r = await read('xunit-net.xml');
    assert.deepEqual(r.dialects, ['xunit.net']);
    assert.equal(outcomes(byName(r.tests).get('Shop.Tests.CartTests.Totals')), 'failed');
    assert.equal(byName(r.tests).get('Shop.Tests.CartTests.Totals')!.executions[0].exception?.name, 'EqualException');
    assert.equal(byName(r.tests).get('Shop.Tests.CartTests.Later')!.skipped, true);
  });

  test('CTRF: retries of a flaky pass become failed executions; retryAttempts give each attempt', async () => {
    const r = await read('ctrf.json');
    assert.deepEqual(r.dialects, ['ctrf']);
    const t = byName(r.tests);
    const login = t.get('tests/auth.spec.ts::auth › logs in')!;
    assert.equal(login.fspath, join(FIX, 'tests/auth.spec.ts'));
    assert.equal(login.lineNo, 5);
    assert.equal(login.executions[0].startTime?.getTime(), 1763633730000);
    assert.equal(outcomes(t.get('tests/cart.spec.ts::cart › checkout flows')), 'failed,failed,passed');
    const totals = t.get('tests/cart.spec.ts::cart › shows totals')!;
    assert.equal(outcomes(totals), 'failed,failed');
    assert.match(totals.executions[0].report, /Error: timeout/);
    assert.deepEqual(totals.executions[1].exception?.frames, [{ path: '/home/runner/work/app/app/tests/cart.spec.ts', lineno: 32, colno: 25, statement: null }]);
    const admin = t.get('tests/admin.spec.ts::admin › admin panel')!;
    assert.equal(admin.skipped, true);
    assert.equal(admin.executions[0].stdout, 'a\nb');
  });
});
