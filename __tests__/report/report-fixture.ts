/**
 * ReportData built in code: a realistic pytest run with stored history, genuine and flaky failures with evidence, a
 * skipped test, hostile test names, SFFL rows; and a generator for 100k-test runs.
 */
import type { Execution, FlakefighterResult, Outcome, Run, Test, TracebackFrame } from '../../src/model.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { PickleDict } from '../../src/store/pickle-types.ts';

export const ROOT = '/home/runner/work/shop/shop';
export const HOSTILE = 'tests/test_weird.py::test_html[<script>alert(1)</script>|`x`]';

const T0 = Date.parse('2026-11-20T10:00:00Z');

function exec(outcome: Outcome, at: number, opts: Partial<Execution> = {}): Execution {
  return {
    outcome,
    startTime: new Date(at),
    endTime: new Date(at + 120),
    stdout: null,
    stderr: null,
    report: outcome === 'passed' ? 'None' : opts.report ?? 'failure',
    coverage: null,
    exception: null,
    results: [],
    ...opts,
  };
}

function test(name: string, executions: Execution[], opts: Partial<Test> = {}): Test {
  const file = name.split('::')[0];
  return { name, fspath: file.endsWith('.py') ? `${ROOT}/${file}` : '', lineNo: null, skipped: false, executions, results: [], ...opts };
}

const genuineOf = (names: string[]): FlakefighterResult[] => names.map((name) => ({ name, flaky: false }));

const DISCOUNT_REPORT = `def test_apply_discount():
>       assert apply_discount(200, 10) == 180.0
E       assert 0.0 == 180.0
E        +  where 0.0 = apply_discount(200, 10)

tests/test_cart.py:27: AssertionError`;

const PARSE_FRAMES: TracebackFrame[] = [
  { path: 'tests/test_parse.py', lineno: 46, colno: null, statement: 'assert inventory.parse_record("apple: lots") == ("apple", 0)' },
  { path: 'src/inventory.py', lineno: 38, colno: null, statement: 'return name.strip(), _to_int(qty)' },
  { path: 'src/inventory.py', lineno: 43, colno: null, statement: 'return int(text)' },
];

/** One run at `at` (ms). `variant` selects which tests fail, to give the history some texture. */
function makeRun(id: number | undefined, at: number, variant: number, current: boolean): Run {
  const ffs = ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity'];
  const supplierFails = variant % 2 === 0 || current;
  const discountBroken = variant >= 7;
  const timeoutFails = variant % 3 === 0;
  const tests: Test[] = [
    test('tests/test_cart.py::test_add_item', [exec('passed', at, { results: genuineOf(ffs) })], { lineNo: 9 }),
    test('tests/test_cart.py::test_add_item_param[0]', [exec('passed', at + 1000)], { lineNo: 16 }),
    test('tests/test_cart.py::test_add_item_param[5|x]', [exec('passed', at + 2000)], { lineNo: 16 }),
    test(
      'tests/test_cart.py::TestSupplier::test_supplier_online',
      supplierFails
        ? [
            exec('failed', at + 3000, {
              message: 'ConnectionError: supplier did not answer',
              report: 'E   ConnectionError: supplier did not answer\n\ntests/test_cart.py:52: ConnectionError',
              exception: { name: 'ConnectionError', frames: [{ path: 'tests/test_cart.py', lineno: 51, colno: null, statement: 'assert supplier_online()' }] },
              results: [{ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'failed then passed on retry in this run' } }],
            }),
            exec('passed', at + 4000, { results: [{ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'failed then passed on retry in this run' } }] }),
          ]
        : [exec('passed', at + 3000)],
      { lineNo: 48 },
    ),
    test(
      'tests/test_cart.py::test_apply_discount',
      [
        discountBroken
          ? exec('failed', at + 5000, {
              message: 'assert 0.0 == 180.0',
              report: DISCOUNT_REPORT,
              exception: { name: 'AssertionError', frames: [{ path: 'tests/test_cart.py', lineno: 26, colno: null, statement: 'assert apply_discount(200, 10) == 180.0' }] },
              results: genuineOf(ffs),
            })
          : exec('passed', at + 5000),
      ],
      { lineNo: 25 },
    ),
    test(
      'tests/test_parse.py::test_parse_bad_record',
      [
        exec('failed', at + 6000, {
          report: "E   ValueError: invalid literal for int() with base 10: 'lots'\n\nsrc/inventory.py:44: ValueError",
          exception: { name: 'ValueError', frames: PARSE_FRAMES },
          results: genuineOf(ffs),
        }),
      ],
      // fspath unknown: the location must come from the traceback.
      { fspath: '' },
    ),
    test(
      'tests/test_net.py::test_timeout',
      [
        timeoutFails
          ? exec('failed', at + 7000, {
              message: 'TimeoutError: read timed out after 5s',
              exception: { name: 'TimeoutError', frames: [{ path: 'tests/test_net.py', lineno: 11, colno: null, statement: 'fetch(url, timeout=5)' }] },
              results: [
                { name: 'OutcomeFlip', flaky: false },
                { name: 'TracebackMatching', flaky: true, evidence: { reason: 'same traceback as run #41 (tests/test_net.py::test_timeout)', runId: 41, testName: 'tests/test_net.py::test_timeout' } },
                { name: 'CosineSimilarity', flaky: true, evidence: { reason: 'traceback similar to run #40 (similarity 0.97)', runId: 40, similarity: 0.97 } },
              ],
            })
          : exec('passed', at + 7000),
      ],
      { lineNo: 10 },
    ),
    test('tests/test_misc.py::test_remove_item', [], { skipped: true, lineNo: 30 }),
    test(
      'tests/test_misc.py::test_empty_basket',
      [exec('passed', at + 8000, { results: [{ name: 'DiffCov', flaky: true, evidence: { reason: 'covers no changed line and has no earlier outcome' } }] })],
      { lineNo: 4 },
    ),
    test(
      HOSTILE,
      [
        exec('failed', at + 9000, {
          message: 'AssertionError: got </script><img src=x onerror=alert(1)> | `code` & more',
          report: 'E   AssertionError: got </script><img src=x onerror=alert(1)> | `code` & more\x1b[31m\x00',
          exception: { name: 'AssertionError', frames: [{ path: 'tests/test_weird.py', lineno: 3, colno: null, statement: 'assert render() == "<b>"' }] },
          results: [{ name: 'CosineSimilarity', flaky: true, evidence: { reason: 'traceback similar to run #38 <b>bold</b> (similarity 0.91)', similarity: 0.91 } }],
        }),
      ],
      { lineNo: 2 },
    ),
    test(
      'com.shop.CartTest.testTotal',
      [
        exec('error', at + 10000, {
          message: 'java.lang.NullPointerException: price',
          report: 'java.lang.NullPointerException: price\n\tat com.shop.Cart.total(Cart.java:31)\n\tat com.shop.CartTest.testTotal(CartTest.java:18)',
          exception: {
            name: 'NullPointerException',
            frames: [
              { path: 'src/main/java/com/shop/Cart.java', lineno: 30, colno: null, statement: null },
              { path: 'src/test/java/com/shop/CartTest.java', lineno: 17, colno: null, statement: null },
            ],
          },
        }),
      ],
      { fspath: '' },
    ),
  ];
  if (!current && variant === 3) tests.pop(); // a test that only appears in later runs
  const run: Run = {
    startTime: new Date(at),
    createdAt: new Date(at + 60_000),
    root: ROOT,
    commitSha: current ? 'aab1ec15909e498abc081ff4b8c7ca0ae47f20b5' : `${variant}`.repeat(40),
    tests,
    activeFlakefighters: ffs.map((name) => ({ name, params: new PickleDict() })),
    meta: { uuid: `00000000-0000-4000-8000-${String(variant).padStart(12, '0')}`, branch: 'main', runId: String(1000 + variant), dialects: ['pytest', 'maven-surefire'], source: 'action' },
  };
  if (id !== undefined) run.id = id;
  return run;
}

export function makeReportData(): ReportData {
  const history: Run[] = [];
  for (let v = 8; v >= 1; v--) history.push(makeRun(34 + v, T0 + v * 3_600_000, v, false));
  const run = makeRun(undefined, T0 + 10 * 3_600_000, 9, true);
  run.id = 43;
  return {
    run,
    history,
    files: ['reports/junit.xml', 'reports/surefire/TEST-com.shop.CartTest.xml'],
    dialects: ['pytest', 'maven-surefire'],
    flakefighters: ['OutcomeFlip', 'TracebackMatching', 'CosineSimilarity'],
    warnings: ['CoverageIndependence: no coverage given; no verdict', 'reports/empty.xml: no testcases'],
    database: { kind: 'sqlite', description: 'flakefighters.db (sql.js), 8 earlier runs' },
    historySource: 'artifact flakefighters-db of run #41',
    sffl: {
      formula: 'ochiai',
      rows: [
        { file: `${ROOT}/src/inventory.py`, line: 44, suspiciousness: 0.7071067811865475 },
        { file: `${ROOT}/src/inventory.py`, line: 39, suspiciousness: 0.5773502691896258 },
        { file: `${ROOT}/src/pricing.py`, line: 12, suspiciousness: 0.5 },
      ],
    },
    links: [{ label: 'HTML report', url: 'https://github.com/acme/shop/actions/runs/1009/artifacts/77' }],
    repoUrl: 'https://github.com/acme/shop',
    sha: 'aab1ec15909e498abc081ff4b8c7ca0ae47f20b5',
  };
}

/** A run of `n` tests of which `failing` fail (alternately genuine and flaky), with `historyRuns` similar stored runs. */
export function makeBigReportData(n: number, failing: number, historyRuns = 3): ReportData {
  // Names, paths and passing executions are shared between runs: reports only read them, and a 100k-test fixture
  // should cost the test little more than the report does.
  const names = Array.from({ length: n }, (_, i) => `tests/pkg${i % 97}/test_mod${i % 1013}.py::TestClass${i % 7}::test_case_${i}[param-${i % 13}]`);
  const paths = Array.from({ length: 1013 }, (_, m) => `${ROOT}/tests/pkg${m % 97}/test_mod${m}.py`);
  const mk = (at: number, id: number | undefined, seed: number): Run => {
    const passed = exec('passed', at);
    const tests: Test[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const fails = i < failing || (seed > 0 && i % 50 === seed);
      const flaky = fails && i % 2 === 1;
      const e = fails
        ? exec('failed', at + i, {
            message: `AssertionError: expected ${i} to equal ${i + 1} | <b>`,
            report: `E   AssertionError: expected ${i} to equal ${i + 1}\n\ntests/pkg/test_mod.py:${i % 400}: AssertionError`,
            exception: { name: 'AssertionError', frames: [{ path: `tests/pkg${i % 97}/test_mod${i % 1013}.py`, lineno: i % 400, colno: null, statement: 'assert x == y' }] },
            results: [{ name: 'OutcomeFlip', flaky, evidence: flaky ? { reason: 'failed then passed on retry in this run' } : undefined }],
          })
        : passed;
      tests[i] = { name: names[i], fspath: paths[i % 1013], lineNo: (i % 400) + 1, skipped: false, executions: [e], results: [] };
    }
    const run: Run = { startTime: new Date(at), root: ROOT, commitSha: 'f'.repeat(40), tests, activeFlakefighters: [], meta: { uuid: `big-${seed}`, dialects: ['pytest'] } };
    if (id !== undefined) run.id = id;
    return run;
  };
  const history = Array.from({ length: historyRuns }, (_, k) => mk(T0 + (historyRuns - k) * 3_600_000, 100 - k, k + 1));
  return {
    run: mk(T0 + 100 * 3_600_000, undefined, 0),
    history,
    files: ['reports/junit.xml'],
    dialects: ['pytest'],
    flakefighters: ['OutcomeFlip'],
    warnings: [],
    database: { kind: 'postgres', description: 'PostgreSQL 15 at db.internal (database flaky)' },
    historySource: 'postgres',
  };
}
