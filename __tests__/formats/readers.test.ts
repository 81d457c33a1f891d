/**
 * The readers of TRX, go test -json, RSpec, mocha and Dart JSON: the same totals as dorny/test-reporter on its
 * own fixtures (its __tests__/__outputs__), ids that do not change between two reads or with the checkout's
 * path, frames read from each language's traces, and one clear line for a broken file.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome, Test } from '../../src/model.ts';
import { readResultFile, readResults } from '../../src/ingest/read-results.ts';
import { UserError } from '../../src/store/store.ts';

const FORMATS = join(import.meta.dirname, '../fixtures/results/formats');
const fx = (p: string) => join(FORMATS, p);
const base = mkdtempSync(join(tmpdir(), 'ff-formats-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** dorny's counting: the outcome of each test's last execution; failed and error both count as failed. */
function totals(tests: Test[]): { passed: number; failed: number; skipped: number } {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const x of tests) {
    const o: Outcome = x.executions[x.executions.length - 1].outcome;
    if (o === 'passed') t.passed++;
    else if (o === 'skipped') t.skipped++;
    else t.failed++;
  }
  return t;
}

const byName = (tests: Test[], name: string): Test => {
  const t = tests.find((x) => x.name === name);
  assert.ok(t, `no test ${name} among ${tests.map((x) => x.name).join(', ')}`);
  return t;
};

describe('totals equal dorny/test-reporter on its fixtures', () => {
  // [file, dialect, passed, failed, skipped] from dorny's __tests__/__outputs__/*.md
  const cases: [string, string, number, number, number][] = [
    ['trx/dotnet-trx.trx', 'trx', 5, 5, 1],
    ['trx/dotnet-xunitv3.trx', 'trx', 1, 3, 0],
    ['trx/SilentNotes.trx', 'trx', 67, 0, 12],
    ['trx/empty.trx', 'trx', 0, 0, 0],
    ['go-test-json/golang-json.json', 'go-test-json', 5, 6, 1],
    ['rspec-json/rspec-json.json', 'rspec-json', 1, 1, 1],
    ['rspec-json/empty.json', 'rspec-json', 0, 0, 0],
    ['mocha-json/mocha-json.json', 'mocha-json', 1, 4, 1],
    ['mocha-json/mocha-test-results.json', 'mocha-json', 833, 0, 6],
    ['dart-json/dart-json.json', 'dart-json', 1, 4, 1],
    ['dart-json/provider-test-results.json', 'dart-json', 268, 1, 0],
    ['dart-json/empty.json', 'dart-json', 0, 0, 0],
  ];
  for (const [file, dialect, passed, failed, skipped] of cases) {
    test(`${file}: ${passed} passed, ${failed} failed, ${skipped} skipped`, async () => {
      const r = await readResultFile(fx(file), base);
      assert.equal(r.dialect, dialect);
      assert.deepEqual(totals(r.tests), { passed, failed, skipped });
    });
  }
});

describe('ids', () => {
  test('two reads of every fixture give the same ids, all distinct', async () => {
    for (const file of ['trx/dotnet-trx.trx', 'go-test-json/go.json', 'rspec-json/rspec-json.json', 'mocha-json/run1.json', 'dart-json/provider-test-results.json']) {
      const a = (await readResultFile(fx(file), base)).tests.map((t) => t.name);
      const b = (await readResultFile(fx(file), base)).tests.map((t) => t.name);
      assert.deepEqual(a, b, file);
      assert.equal(new Set(a).size, a.length, `${file}: ids are distinct`);
    }
  });

  test('go: package-qualified, subtests carry their parent, a build failure is a failure of its package', async () => {
    const r = await readResultFile(fx('go-test-json/go.json'), fx('go-test-json/project'));
    const names = r.tests.map((t) => t.name);
    assert.ok(names.includes('example.com/shop/calc.TestTable/wrong'));
    assert.ok(names.includes('example.com/shop/calc.TestTable'));
    const wrong = byName(r.tests, 'example.com/shop/calc.TestTable/wrong');
    assert.equal(wrong.executions[0].outcome, 'failed');
    assert.match(wrong.executions[0].report, /Add\(2, 2\) = 4, want 5/);
    assert.equal(byName(r.tests, 'example.com/shop/calc.TestTable/small').executions[0].outcome, 'passed');
    assert.equal(byName(r.tests, 'example.com/shop/calc.TestTable').executions[0].message, 'failed: a subtest failed');
    const build = byName(r.tests, 'example.com/shop/broken.(package)');
    assert.equal(build.executions[0].outcome, 'error');
    assert.match(build.executions[0].message ?? '', /build failed: example.com\/shop\/broken/);
    assert.equal(byName(r.tests, 'example.com/shop/calc.TestSkipped').executions[0].outcome, 'skipped');
    // The panic ended the crash package's binary: TestAfterPanic never ran and is not invented.
    assert.ok(!names.some((n) => n.endsWith('TestAfterPanic')));
  });

  test('go: a run whose only package fails to build is a failure of that package, with the compiler text when stderr was captured', async () => {
    const only = await readResultFile(fx('go-test-json/build-only.json'), fx('go-test-json/project'));
    assert.equal(only.dialect, 'go-test-json');
    assert.deepEqual(only.tests.map((t) => [t.name, t.executions[0].outcome]), [['example.com/shop/broken.(package)', 'error']]);
    const both = await readResultFile(fx('go-test-json/build-stderr.json'), fx('go-test-json/project'));
    const build = byName(both.tests, 'example.com/shop/broken.(package)').executions[0];
    assert.match(build.report, /broken\/broken_test\.go:6:17: undefined: undefinedThing/);
    assert.ok(both.tests.some((t) => t.name === 'example.com/shop/calc.TestRound'), 'the other package is read');
    assert.deepEqual(both.warnings, []);
  });

  test('go 1.24+: build-output/build-fail events and FailedBuild give the package failure with the compiler text', async () => {
    // The shape go 1.24 documents (cmd/test2json, "build-output" and "build-fail" actions; go 1.24 release notes).
    const ip = 'example.com/shop/broken [example.com/shop/broken.test]';
    const events = [
      { ImportPath: ip, Action: 'build-output', Output: '# example.com/shop/broken [example.com/shop/broken.test]\n' },
      { ImportPath: ip, Action: 'build-output', Output: 'broken/broken_test.go:6:17: undefined: undefinedThing\n' },
      { ImportPath: ip, Action: 'build-fail' },
      { Time: '2026-01-01T00:00:00Z', Action: 'start', Package: 'example.com/shop/broken' },
      { Time: '2026-01-01T00:00:00Z', Action: 'output', Package: 'example.com/shop/broken', Output: 'FAIL\texample.com/shop/broken [build failed]\n' },
      { Time: '2026-01-01T00:00:00Z', Action: 'fail', Package: 'example.com/shop/broken', Elapsed: 0, FailedBuild: ip },
    ];
    const f = join(base, 'go124.json');
    writeFileSync(f, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const r = await readResultFile(f, fx('go-test-json/project'));
    assert.equal(r.tests.length, 1);
    const ex = byName(r.tests, 'example.com/shop/broken.(package)').executions[0];
    assert.equal(ex.outcome, 'error');
    assert.match(ex.report, /^build failed\n# example\.com\/shop\/broken .*\nbroken\/broken_test\.go:6:17: undefined: undefinedThing/);
  });

  test('go -count=3: the repeats are attempts of one test, in order', async () => {
    const r = await readResultFile(fx('go-test-json/go-count3.json'), fx('go-test-json/project'));
    assert.deepEqual(byName(r.tests, 'example.com/shop/flaky.TestFlakyService').executions.map((e) => e.outcome), ['failed', 'passed', 'passed']);
    assert.deepEqual(byName(r.tests, 'example.com/shop/flaky.TestStable').executions.map((e) => e.outcome), ['passed', 'passed', 'passed']);
  });

  test('Dart retry: the attempt before `Retry: <name>` failed, the last one passed', async () => {
    const r = await readResultFile(fx('dart-json/retry.json'), base);
    const t = byName(r.tests, 'test/main_test.dart::Test 1 Test 1.1 Failing test');
    assert.deepEqual(t.executions.map((e) => e.outcome), ['failed', 'passed']);
    assert.match(t.executions[0].report, /Expected: <2>/);
    assert.equal(t.executions[1].stdout, null, 'the Retry: line is not output');
    assert.deepEqual(totals(r.tests), { passed: 2, failed: 3, skipped: 1 });
  });

  test('gotestsum --rerun-fails: the rerun appended to the --jsonfile is another attempt', async () => {
    const r = await readResultFile(fx('go-test-json/gotestsum-rerun.json'), fx('go-test-json/project'));
    assert.equal(r.dialect, 'go-test-json');
    assert.deepEqual(byName(r.tests, 'example.com/shop/flaky.TestFlakyService').executions.map((e) => e.outcome), ['failed', 'passed']);
    assert.deepEqual(byName(r.tests, 'example.com/shop/flaky.TestStable').executions.map((e) => e.outcome), ['passed']);
    assert.equal(r.tests.length, 2, 'the package that failed and then passed on the rerun adds no package-level failure');
  });

  test('mocha: equal titles in two spec files stay two tests; ids are relative to root wherever mocha ran', async () => {
    const r = await readResultFile(fx('mocha-json/run1.json'), fx('mocha-json/project'));
    const names = r.tests.map((t) => t.name);
    assert.ok(names.includes('test/cart/cart.spec.js › cart adds prices'));
    assert.ok(names.includes('test/orders/orders.spec.js › cart adds prices'));
    assert.equal(byName(r.tests, 'test/cart/cart.spec.js › cart adds prices').fspath, join(fx('mocha-json/project'), 'test/cart/cart.spec.js'));
    // currentRetry: 1 on a pass: one failed attempt, then the pass.
    assert.deepEqual(byName(r.tests, 'test/cart/cart.spec.js › cart checkout talks to the payment stub').executions.map((e) => e.outcome), ['failed', 'passed']);
  });

  test('Windows and container paths become relative to root when the files are there', async () => {
    const root = join(base, 'dart-root');
    mkdirSync(join(root, 'test'), { recursive: true });
    writeFileSync(join(root, 'test/main_test.dart'), '');
    writeFileSync(join(root, 'test/second_test.dart'), '');
    const dart = await readResultFile(fx('dart-json/dart-json.json'), root);
    assert.ok(dart.tests.some((t) => t.name === 'test/main_test.dart::Test 1 Test 1.1 Failing test'), dart.tests.map((t) => t.name).join('\n'));
    const mocha = await readResultFile(fx('mocha-json/mocha-json.json'), join(base, 'mocha-root'));
    // Not under root: kept as written, with / separators.
    assert.ok(mocha.tests.some((t) => t.name === 'C:/Users/Michal/Workspace/dorny/test-reporter/reports/mocha/test/main.test.js › Test 1 Passing test'));
  });

  test('RSpec: two examples with one description in one file are told apart by their scoped ids', async () => {
    const doc = JSON.parse(readFileSync(fx('rspec-json/rspec-json.json'), 'utf8'));
    const twin = { ...doc.examples[0], id: './spec/config/check_env_vars_spec.rb[1:2:1:1:1]', status: 'failed', exception: { class: 'RuntimeError', message: 'boom', backtrace: [] } };
    doc.examples.push(twin);
    const f = join(base, 'rspec-twins.json');
    writeFileSync(f, JSON.stringify(doc));
    const r = await readResultFile(f, base);
    const ids = r.tests.map((t) => t.name).filter((n) => n.includes('logs success message'));
    assert.deepEqual(ids.sort(), [
      'spec/config/check_env_vars_spec.rb::CheckEnvVars#call when all env vars are defined behaves like success load logs success message [1:1:1:1:1]',
      'spec/config/check_env_vars_spec.rb::CheckEnvVars#call when all env vars are defined behaves like success load logs success message [1:2:1:1:1]',
    ]);
  });

  test('TRX data-driven rows (InnerResults) are the tests; the summary result is not counted', async () => {
    // The MSTest shape of a [DataRow] test (Microsoft.TestPlatform TrxLogger): rows nested in the parent result.
    const trx = `<?xml version="1.0" encoding="utf-8"?>
<TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult executionId="p" testId="t1" testName="Adds" outcome="Failed" duration="00:00:00.0200000" resultType="DataDrivenTest">
      <InnerResults>
        <UnitTestResult executionId="r1" parentExecutionId="p" testId="t1" testName="Adds (1,2,3)" outcome="Passed" duration="00:00:00.0100000" resultType="DataDrivenDataRow" />
        <UnitTestResult executionId="r2" parentExecutionId="p" testId="t1" testName="Adds (2,2,5)" outcome="Failed" duration="00:00:00.0100000" resultType="DataDrivenDataRow">
          <Output><ErrorInfo><Message>Assert.AreEqual failed. Expected:&lt;5&gt;. Actual:&lt;4&gt;.</Message>
<StackTrace>   at Shop.Tests.MathTests.Adds(Int32 a, Int32 b, Int32 sum) in /src/Shop.Tests/MathTests.cs:line 14</StackTrace></ErrorInfo></Output>
        </UnitTestResult>
      </InnerResults>
    </UnitTestResult>
    <UnitTestResult executionId="x" testId="t2" testName="Waits" outcome="Timeout" duration="00:00:05.0000000" />
    <UnitTestResult executionId="y" testId="t3" testName="Maybe" outcome="Inconclusive" />
    <UnitTestResult executionId="z" testId="t4" testName="Crashes" outcome="Aborted" />
  </Results>
  <TestDefinitions>
    <UnitTest name="Adds" id="t1"><TestMethod className="Shop.Tests.MathTests, Shop.Tests, Version=1.0.0.0" name="Adds" /></UnitTest>
    <UnitTest name="Waits" id="t2"><TestMethod className="Shop.Tests.MathTests" name="Waits" /></UnitTest>
    <UnitTest name="Maybe" id="t3"><TestMethod className="Shop.Tests.MathTests" name="Maybe" /></UnitTest>
    <UnitTest name="Crashes" id="t4"><TestMethod className="Shop.Tests.MathTests" name="Crashes" /></UnitTest>
  </TestDefinitions>
</TestRun>`;
    const f = join(base, 'mstest.trx');
    writeFileSync(f, trx);
    const r = await readResultFile(f, base);
    assert.deepEqual(
      r.tests.map((t) => [t.name, t.executions[0].outcome]),
      [
        ['Shop.Tests.MathTests.Adds (1,2,3)', 'passed'],
        ['Shop.Tests.MathTests.Adds (2,2,5)', 'failed'],
        ['Shop.Tests.MathTests.Waits', 'failed'],
        ['Shop.Tests.MathTests.Maybe', 'skipped'],
        ['Shop.Tests.MathTests.Crashes', 'error'],
      ],
    );
    const row = r.tests[1].executions[0];
    assert.equal(row.endTime, null, 'no start time in the file: no invented times');
    assert.deepEqual(row.exception?.frames.map((x) => [x.path, x.lineno]), [['/src/Shop.Tests/MathTests.cs', 13]]);
  });

  test('a test id written twice in a TRX is two tests with an ordinal and a notice, never a retry', async () => {
    const text = readFileSync(fx('trx/dotnet-trx.trx'), 'utf8').replace('testName="Custom Name"', 'testName="DotnetTests.XUnitTests.CalculatorTests.Passing_Test"');
    const f = join(base, 'twice.trx');
    writeFileSync(f, text);
    const r = await readResultFile(f, base);
    assert.equal(r.tests.length, 11);
    const twins = r.tests.filter((t) => t.name.startsWith('DotnetTests.XUnitTests.CalculatorTests.Passing_Test'));
    assert.deepEqual(twins.map((t) => [t.name, t.executions.length]), [
      ['DotnetTests.XUnitTests.CalculatorTests.Passing_Test', 1],
      ['DotnetTests.XUnitTests.CalculatorTests.Passing_Test [2]', 1],
    ]);
    assert.match(r.warnings.join('\n'), /written more than once .* never merged/);
  });
});

describe('frames', () => {
  test('.NET frames from a TRX stack trace, mapped from the build path onto root', async () => {
    const root = join(base, 'dotnet-root');
    mkdirSync(join(root, 'reports/dotnet/DotnetTests.XUnitV3Tests'), { recursive: true });
    writeFileSync(join(root, 'reports/dotnet/DotnetTests.XUnitV3Tests/FixtureTests.cs'), '');
    const r = await readResultFile(fx('trx/dotnet-xunitv3.trx'), root);
    const ex = byName(r.tests, 'DotnetTests.XUnitV3Tests.FixtureTests.Failing_Test').executions[0];
    assert.equal(ex.outcome, 'failed');
    assert.match(ex.message ?? '', /Assert\.Null\(\) Failure/);
    // System.* frames are the runtime's and are left out.
    assert.deepEqual(ex.exception?.frames.map((f) => [f.path, f.lineno]), [['reports/dotnet/DotnetTests.XUnitV3Tests/FixtureTests.cs', 24]]);
    const dz = byName((await readResultFile(fx('trx/dotnet-trx.trx'), base)).tests, 'DotnetTests.XUnitTests.CalculatorTests.Exception_In_TargetTest').executions[0];
    assert.equal(dz.exception?.name, 'DivideByZeroException');
    assert.equal(dz.exception?.frames.length, 2);
  });

  test('Go frames: file.go:NN: lines under the package folder, panics by their stack', async () => {
    const r = await readResultFile(fx('go-test-json/go.json'), fx('go-test-json/project'));
    const round = byName(r.tests, 'example.com/shop/calc.TestRound');
    assert.deepEqual(round.executions[0].exception?.frames.map((f) => [f.path, f.lineno]), [['calc/calc_test.go', 19]]);
    assert.equal(round.fspath, join(fx('go-test-json/project'), 'calc/calc_test.go'));
    const panic = byName(r.tests, 'example.com/shop/crash.TestPanics').executions[0];
    assert.equal(panic.exception?.name, 'panic');
    // The trace names the scratch checkout that ran it; runtime and testing frames are left out.
    assert.deepEqual(panic.exception?.frames.map((f) => [f.path, f.lineno]), [['crash/crash.go', 2], ['crash/crash_test.go', 7]]);
    assert.match(panic.message ?? '', /^panic: runtime error: index out of range/);
  });

  test('Ruby frames from an RSpec backtrace, gems left out', async () => {
    const r = await readResultFile(fx('rspec-json/rspec-json.json'), base);
    const ex = r.tests.find((t) => t.executions[0].outcome === 'failed')!.executions[0];
    assert.equal(ex.exception?.name, 'MockExpectationError');
    assert.deepEqual(ex.exception?.frames.map((f) => [f.path, f.lineno]), [['config/check_env_vars.rb', 10], ['spec/config/check_env_vars_spec.rb', 6], ['spec/config/check_env_vars_spec.rb', 18]]);
    assert.equal(r.tests.find((t) => t.executions[0].outcome === 'failed')!.lineNo, 17);
  });

  test('JavaScript frames from mocha err.stack', async () => {
    const r = await readResultFile(fx('mocha-json/run2.json'), fx('mocha-json/project'));
    const ex = byName(r.tests, 'test/cart/cart.spec.js › cart applies a discount code').executions[0];
    assert.equal(ex.exception?.name, 'Error');
    assert.deepEqual(ex.exception?.frames.map((f) => [f.path, f.lineno]), [['lib.js', 2], ['test/cart/cart.spec.js', 10]]);
  });

  test('Dart frames: terse traces, dart: and foreign package: frames left out, the own package mapped to lib/', async () => {
    const root = join(base, 'darttest');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'pubspec.yaml'), 'name: darttest\n');
    const r = await readResultFile(fx('dart-json/dart-json.json'), root);
    const ex = byName(r.tests, 'test/main_test.dart::Test 1 Test 1.1 Exception in target unit').executions[0];
    assert.equal(ex.outcome, 'error');
    assert.deepEqual(ex.exception?.frames.map((f) => [f.path, f.lineno, f.colno]), [['lib/main.dart', 1, 3], ['test/main_test.dart', 16, 9]]);
    assert.equal(ex.exception?.name, 'Exception');
    const timeout = byName(r.tests, 'test/second_test.dart::Timeout test').executions[0];
    assert.equal(timeout.exception?.name, 'TimeoutException');
    // Hidden loading tests are not tests.
    assert.ok(!r.tests.some((t) => /loading/.test(t.name)));
  });
});

describe('broken files: one clear line, or read up to where they stop', () => {
  async function oneLine(p: Promise<unknown>, file: string, what: RegExp): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof UserError, String(e));
      assert.ok(!e.message.includes('\n'), e.message);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, what);
      return true;
    });
  }

  test('a truncated go test -json stream is read up to where it stops, with one warning line', async () => {
    const r = await readResultFile(fx('go-test-json/truncated.json'), fx('go-test-json/project'));
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /truncated\.json: the go test -json stream is cut off at line \d+/);
    assert.ok(!r.warnings[0].includes('\n'));
    assert.equal(byName(r.tests, 'example.com/shop/calc.TestRound').executions[0].outcome, 'failed');
    // Tests still running where the stream stops are errors that say so, never passes.
    const open = byName(r.tests, 'example.com/shop/calc.TestTable').executions[0];
    assert.equal(open.outcome, 'error');
    assert.match(open.report, /^no result: the go test -json stream stops before this test finished/);
  });

  test('go -timeout: the test that hung when the binary ended is an error with the timeout panic, the others keep their results', async () => {
    const r = await readResultFile(fx('go-test-json/timeout.json'), fx('go-test-json/project'));
    assert.deepEqual(r.warnings, []);
    assert.equal(byName(r.tests, 'example.com/shop/slow.TestQuick').executions[0].outcome, 'passed');
    const hung = byName(r.tests, 'example.com/shop/slow.TestHangs').executions[0];
    assert.equal(hung.outcome, 'error');
    assert.equal(hung.message, 'panic: test timed out after 1s');
    assert.match(hung.report, /^no result: the test binary ended while this test ran/);
    // The package's failure is this test's; no extra package-level test is invented.
    assert.equal(r.tests.length, 2);
  });

  test('a truncated TRX is one line naming the file', async () => {
    const text = readFileSync(fx('trx/dotnet-trx.trx'), 'utf8');
    const f = join(base, 'cut.trx');
    writeFileSync(f, text.slice(0, Math.floor(text.length / 2)));
    await oneLine(readResultFile(f, base), 'cut.trx', /not well-formed XML/);
  });

  test('truncated mocha and RSpec JSON name their format; a JSON line that is not an event stops a Dart stream', async () => {
    const cut = (src: string, name: string) => {
      const t = readFileSync(fx(src), 'utf8');
      writeFileSync(join(base, name), t.slice(0, Math.floor(t.length / 2)));
      return join(base, name);
    };
    await oneLine(readResultFile(cut('mocha-json/run1.json', 'cut-mocha.json'), base), 'cut-mocha.json', /not valid JSON .*mocha JSON report is cut off/);
    await oneLine(readResultFile(cut('rspec-json/rspec-json.json', 'cut-rspec.json'), base), 'cut-rspec.json', /not valid JSON .*RSpec JSON report is cut off/);
    const dart = readFileSync(fx('dart-json/dart-json.json'), 'utf8').split('\n');
    dart.splice(5, 0, 'Some console noise');
    writeFileSync(join(base, 'noisy-dart.json'), dart.join('\n'));
    await oneLine(readResultFile(join(base, 'noisy-dart.json'), base), 'noisy-dart.json', /line 6 is not JSON/);
    // A Dart stream cut at its end keeps what it read; the test that never finished is an error.
    const cutDart = readFileSync(fx('dart-json/dart-json.json'), 'utf8');
    const at = cutDart.indexOf('{"testID":11,"result"');
    writeFileSync(join(base, 'cut-dart.json'), cutDart.slice(0, at + 20));
    const r = await readResultFile(join(base, 'cut-dart.json'), base);
    assert.match(r.warnings.join('\n'), /cut-dart\.json: the Dart JSON stream is cut off/);
    assert.equal(r.tests.find((t) => t.name.endsWith('Test 1 Test 1.1 Failing test'))?.executions[0].outcome, 'error');
  });

  test('a file of mixed formats in one glob: each read by its own reader', async () => {
    const ws = join(base, 'mixed');
    mkdirSync(join(ws, 'results'), { recursive: true });
    cpSync(fx('trx/dotnet-trx.trx'), join(ws, 'results/a.trx'));
    cpSync(fx('go-test-json/golang-json.json'), join(ws, 'results/go.json'));
    cpSync(fx('rspec-json/rspec-json.json'), join(ws, 'results/rspec.json'));
    cpSync(fx('mocha-json/mocha-json.json'), join(ws, 'results/mocha.json'));
    cpSync(fx('dart-json/dart-json.json'), join(ws, 'results/dart.json'));
    const r = await readResults({ patterns: ['results/*'], workspace: ws, root: '.', ifNoFilesFound: 'error' });
    assert.deepEqual([...r.dialects].sort(), ['dart-json', 'go-test-json', 'mocha-json', 'rspec-json', 'trx']);
    assert.equal(r.tests.length, 11 + 12 + 3 + 6 + 6);
  });
});
