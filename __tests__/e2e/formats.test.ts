/**
 * TRX, go test -json, RSpec, mocha and Dart JSON through the built dist/index.js, as the runner runs it, with
 * the history in a sql.js file: for each format, a test that passed in attempt 1 and fails in a re-run attempt
 * of the same commit is flaky, a test that fails in both is genuine and fails the step, and the summary names
 * the format. Formats with in-run retries (go -count, mocha retries) give a flaky verdict in a single run.
 * `npm run build` first.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../../scripts/local-runner.ts';

const FORMATS = join(import.meta.dirname, '../fixtures/results/formats');
const SHA = 'd'.repeat(40);

interface Scenario {
  format: string;
  dialect: string;
  attempt1: string;
  attempt2: string;
  /** A folder copied as the workspace root (the project the results came from). */
  project?: string;
  flaky: string[];
  genuine: number;
  /** A fragment of a genuine failure's test id, expected in an error annotation. */
  genuineName: RegExp;
}

const scenarios: Scenario[] = [
  {
    format: 'TRX (xUnit v3)',
    dialect: 'trx',
    attempt1: 'trx/rerun-1.trx',
    attempt2: 'trx/rerun-2.trx',
    flaky: ['DotnetTests.XUnitV3Tests.FixtureTests.Passing_Test'],
    genuine: 3,
    genuineName: /Failing_Test/,
  },
  {
    format: 'go test -json',
    dialect: 'go-test-json',
    attempt1: 'go-test-json/calc-run1.json',
    attempt2: 'go-test-json/calc-run2.json',
    project: 'go-test-json/project',
    flaky: ['example.com/shop/calc.TestDiscount'],
    genuine: 3,
    genuineName: /TestRound/,
  },
  {
    format: 'RSpec JSON',
    dialect: 'rspec-json',
    attempt1: 'rspec-json/rerun-1.json',
    attempt2: 'rspec-json/rerun-2.json',
    flaky: ['spec/config/check_env_vars_spec.rb::CheckEnvVars#call when all env vars are defined behaves like success load logs success message'],
    genuine: 1,
    genuineName: /fails in assertion/,
  },
  {
    format: 'mocha JSON',
    dialect: 'mocha-json',
    attempt1: 'mocha-json/run1.json',
    attempt2: 'mocha-json/run2.json',
    project: 'mocha-json/project',
    // The payment stub failed and passed on mocha's own retry in each attempt; the discount test flipped.
    flaky: ['test/cart/cart.spec.js › cart applies a discount code', 'test/cart/cart.spec.js › cart checkout talks to the payment stub'],
    genuine: 1,
    genuineName: /rounds the total/,
  },
  {
    format: 'Dart JSON',
    dialect: 'dart-json',
    attempt1: 'dart-json/rerun-1.json',
    attempt2: 'dart-json/rerun-2.json',
    flaky: ['test/main_test.dart::Test 1 Passing test'],
    genuine: 4,
    genuineName: /Failing test/,
  },
];

function workspace(s: { project?: string }, files: Record<string, string>): string {
  const ws = mkdtempSync(join(tmpdir(), 'ff-e2e-formats-'));
  if (s.project) cpSync(join(FORMATS, s.project), ws, { recursive: true });
  mkdirSync(join(ws, 'results'), { recursive: true });
  for (const [name, src] of Object.entries(files)) cpSync(join(FORMATS, src), join(ws, 'results', name));
  return ws;
}

function run(ws: string, file: string, attempt: number, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { 'test-results': `results/${file}`, 'upload-artifact': 'false', 'history-from-artifact': 'false', ...inputs },
    runId: '4242',
    runAttempt: attempt,
    runNumber: 9,
    sha: SHA,
  });
}

const noStackTrace = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, 'no stack trace');
const ext = (p: string) => p.slice(p.lastIndexOf('.'));

for (const s of scenarios) {
  describe(`${s.format}: a re-run attempt of the same commit`, () => {
    test('a test that passed in attempt 1 and fails in attempt 2 is flaky; one that fails in both is genuine and fails the step', async () => {
      const a1 = `attempt-1${ext(s.attempt1)}`;
      const a2 = `attempt-2${ext(s.attempt2)}`;
      const ws = workspace(s, { [a1]: s.attempt1, [a2]: s.attempt2 });
      const first = await run(ws, a1, 1);
      assert.ok(first.outputs.total && Number(first.outputs.total) > 0, first.all);
      assert.notEqual(first.code, 0, 'attempt 1 has genuine failures');
      const second = await run(ws, a2, 2);
      assert.notEqual(second.code, 0, `the genuine failure fails the step\n${second.all}`);
      assert.deepEqual(JSON.parse(second.outputs['flaky-tests']).sort(), [...s.flaky].sort(), second.summary);
      assert.equal(second.outputs['flaky-failures'], String(s.flaky.length));
      assert.equal(second.outputs['genuine-failures'], String(s.genuine));
      assert.match(second.summary, new RegExp(s.dialect.replace(/-/g, '\\\\?-')), 'the summary names the format');
      assert.match(second.summary, /OutcomeFlip/);
      assert.ok(second.annotations.some((a) => a.level === 'error' && s.genuineName.test(a.props.title ?? '')), JSON.stringify(second.annotations.map((a) => [a.level, a.props.title])));
      noStackTrace(second.all);
    });
  });
}

describe('in-run retries', () => {
  test('go test -json -count=3: a test that failed and then passed its repeats is flaky in a single run', async () => {
    const ws = workspace({ project: 'go-test-json/project' }, { 'go.json': 'go-test-json/go-count3.json' });
    const r = await run(ws, 'go.json', 1);
    assert.equal(r.code, 0, r.all);
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), ['example.com/shop/flaky.TestFlakyService']);
    assert.equal(r.outputs['genuine-failures'], '0');
    assert.equal(r.outputs.total, '2');
    assert.match(r.summary, /go\\?-test\\?-json/);
  });

  test('Dart retry: a test that failed and passed on its retry is flaky in a single run', async () => {
    const ws = workspace({}, { 'dart.json': 'dart-json/retry.json' });
    const r = await run(ws, 'dart.json', 1);
    assert.notEqual(r.code, 0, 'the other failures are genuine');
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), ['test/main_test.dart::Test 1 Test 1.1 Failing test']);
    assert.equal(r.outputs['genuine-failures'], '3');
  });

  test('mocha currentRetry: the retried test is flaky, the real bug genuine, in one run', async () => {
    const ws = workspace({ project: 'mocha-json/project' }, { 'mocha.json': 'mocha-json/run1.json' });
    const r = await run(ws, 'mocha.json', 1);
    assert.notEqual(r.code, 0);
    assert.deepEqual(JSON.parse(r.outputs['flaky-tests']), ['test/cart/cart.spec.js › cart checkout talks to the payment stub']);
    assert.equal(r.outputs['genuine-failures'], '1');
    const err = r.annotations.find((a) => a.level === 'error' && /rounds the total/.test(a.props.title ?? ''));
    assert.ok(err, 'the genuine failure is an error annotation');
    assert.equal(err.props.file, 'test/cart/cart.spec.js');
  });
});

describe('broken files', () => {
  test('a go test -json stream with a build failure and a panic, cut off: read up to where it stops, one warning line', async () => {
    const ws = workspace({ project: 'go-test-json/project' }, { 'go.json': 'go-test-json/truncated.json' });
    const r = await run(ws, 'go.json', 1, { 'fail-on': 'never' });
    assert.equal(r.code, 0, r.all);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning') && l.includes('cut off'));
    assert.equal(warnings.length, 1, r.stdout);
    assert.match(warnings[0], /results\/go\.json: the go test -json stream is cut off at line \d+/);
    assert.equal(r.outputs.total, '7');
    // The build failure of the broken package is a failure of that package, not lost.
    assert.match(r.summary.replace(/<wbr>/g, ''), /example\.com\/shop\/broken/);
    noStackTrace(r.all);
  });

  test('a malformed TRX: one error line naming the file, no stack trace', async () => {
    const ws = workspace({}, {});
    const text = readFileSync(join(FORMATS, 'trx/dotnet-trx.trx'), 'utf8');
    writeFileSync(join(ws, 'results/cut.trx'), text.slice(0, 5000));
    const r = await run(ws, 'cut.trx', 1);
    assert.notEqual(r.code, 0);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    assert.ok(errors.some((l) => /results\/cut\.trx: .*not well-formed XML/.test(l)), r.all);
    noStackTrace(r.all);
  });
});
