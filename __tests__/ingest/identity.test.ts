/**
 * Issue 12 at the parse level: test ids per JavaScript writer, repeated ids kept apart (stable ordinals, a
 * notice, never a merge), nameless testcases, suites that declare tests but hold none, paths written under
 * another root, files read together (a rerun of failures vs two legs), and totals against EnricoMi's
 * publish-unit-test-result-action's own expected results for its fixtures.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';
import { IdPaths } from '../../src/ingest/id-paths.ts';
import { distinguishingParts } from '../../src/ingest/cross-file.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';
import type { Test } from '../../src/model.ts';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'results');
const TOOLS = join(FIX, 'js-tools');
const ENRICO = join(FIX, 'enricomi');

const read = (workspace: string, ...patterns: string[]) => readResults({ patterns, workspace, root: '.', ifNoFilesFound: 'error' });
const outcomes = (t: Test | undefined) => t?.executions.map((e) => e.outcome).join(',');
const byName = (tests: Test[]) => new Map(tests.map((t) => [t.name, t]));
const names = (tests: Test[]) => tests.map((t) => t.name).sort();

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'ff-identity-'));
}

describe('jest-junit', () => {
  test('default options: the suite name (first describe title, "undefined") is not in the id; repeats are numbered, never merged', async () => {
    const r = await read(join(TOOLS, 'jest'), 'junit-default.xml');
    assert.deepEqual(r.dialects, ['jest-junit']);
    assert.deepEqual(names(r.tests), [
      'doubles',
      'doubles [2]',
      'lexer throws on bad input',
      'parser throws on bad input',
      'parser throws on bad input [2]',
      'passes on retry',
    ]);
    for (const t of r.tests) assert.equal(t.executions.length, 1, t.name);
    const t = byName(r.tests);
    assert.equal(outcomes(t.get('lexer throws on bad input')), 'failed');
    // test.each rows in one suite: file order, so the failing second row is "[2]" in every run.
    assert.equal(outcomes(t.get('doubles')), 'passed');
    assert.equal(outcomes(t.get('doubles [2]')), 'failed');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /^junit-default\.xml: 2 test ids are written more than once \("parser throws on bad input", "doubles"\); jest-junit does not write retries that way, so the 2 later occurrences are kept as separate tests .*addFileAttribute/);
  });

  test('addFileAttribute: the spec file is in the id, so only the test.each rows share one', async () => {
    const ws = join(TOOLS, 'jest');
    const r = await read(ws, 'junit-file.xml');
    assert.deepEqual(names(r.tests), [
      'src/each.test.js › doubles',
      'src/each.test.js › doubles [2]',
      'src/flaky.test.js › passes on retry',
      'src/other/parser.test.js › parser throws on bad input',
      'src/parser.test.js › lexer throws on bad input',
      'src/parser.test.js › parser throws on bad input',
    ]);
    assert.equal(byName(r.tests).get('src/other/parser.test.js › parser throws on bad input')!.fspath, join(ws, 'src/other/parser.test.js'));
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /1 test id is written more than once \("src\/each\.test\.js › doubles"\)/);
  });

  test('repeats in suites of different content are numbered by the suites\' content, not by the order parallel workers finished', async () => {
    // The layout of junit-default.xml: two spec files whose first describe is "parser", one of them failing.
    const suiteA = '<testsuite name="parser" tests="2"><testcase classname="parser works" name="parser works"/><testcase classname="parser keeps order" name="parser keeps order"/></testsuite>';
    const suiteB = '<testsuite name="parser" tests="1"><testcase classname="parser works" name="parser works"><failure>Error: no</failure></testcase></testsuite>';
    const ws = scratch();
    writeFileSync(join(ws, 'one.xml'), `<testsuites name="jest tests">${suiteA}${suiteB}</testsuites>`);
    writeFileSync(join(ws, 'two.xml'), `<testsuites name="jest tests">${suiteB}${suiteA}</testsuites>`);
    const one = byName((await read(ws, 'one.xml')).tests);
    const two = byName((await read(ws, 'two.xml')).tests);
    assert.equal(outcomes(one.get('parser works [2]')), outcomes(two.get('parser works [2]')));
    assert.equal(outcomes(one.get('parser works')), outcomes(two.get('parser works')));
  });

  test('CTRF (jest-ctrf-json-reporter): filePath under another root maps onto the workspace, retries stay attempts, repeats do not', async () => {
    const ws = join(TOOLS, 'jest');
    const r = await read(ws, 'ctrf-report.json');
    const t = byName(r.tests);
    assert.ok(JSON.parse(readFileSync(join(ws, 'ctrf-report.json'), 'utf8')).results.tests[0].filePath.startsWith('/work/scratch-h1/run/jest/'));
    assert.equal(outcomes(t.get('src/flaky.test.js::flaky.test.js › passes on retry')), 'failed,passed');
    assert.equal(t.get('src/flaky.test.js::flaky.test.js › passes on retry')!.fspath, join(ws, 'src/flaky.test.js'));
    assert.equal(outcomes(t.get('src/each.test.js::each.test.js › doubles')), 'passed');
    assert.equal(outcomes(t.get('src/each.test.js::each.test.js › doubles [2]')), 'failed');
    assert.equal(r.tests.length, 6);
    assert.match(r.warnings[0], /^ctrf-report\.json: 1 test id is written more than once/);
  });

  test('ids do not change when only absolute paths, timing or order change', async () => {
    const ws = scratch();
    cpSync(join(TOOLS, 'jest'), ws, { recursive: true });
    const doc = JSON.parse(readFileSync(join(ws, 'ctrf-report.json'), 'utf8'));
    // The same report written on Windows, in another order, with other durations.
    for (const x of doc.results.tests) {
      x.filePath = x.filePath.replace('/work/scratch-h1/run/jest/', 'D:\\a\\shop\\shop\\').replace(/\//g, '\\');
      x.duration = (x.duration ?? 0) + 17;
    }
    doc.results.tests.reverse();
    writeFileSync(join(ws, 'windows.json'), JSON.stringify(doc));
    const linux = await read(ws, 'ctrf-report.json');
    const windows = await read(ws, 'windows.json');
    assert.deepEqual(names(windows.tests), names(linux.tests));
  });
});

describe('mocha', () => {
  test('built-in xunit reporter and mocha-junit-reporter are told apart and give the same ids', async () => {
    const ws = join(TOOLS, 'mocha');
    const xunit = await read(ws, 'xunit.xml');
    const mjr = await read(ws, 'mocha-junit-reporter.xml');
    assert.deepEqual(xunit.dialects, ['mocha-xunit']);
    assert.deepEqual(mjr.dialects, ['mocha']);
    const expected = [
      'test/flaky.spec.js › network passes on retry',
      'test/other/parser.spec.js › parser should throw SyntaxError',
      'test/parser.spec.js › lexer should throw SyntaxError',
      'test/parser.spec.js › parser should throw SyntaxError',
    ];
    assert.deepEqual(names(xunit.tests), expected);
    assert.deepEqual(names(mjr.tests), expected);
    for (const r of [xunit, mjr]) {
      assert.equal(outcomes(byName(r.tests).get('test/parser.spec.js › lexer should throw SyntaxError')), 'failed');
      assert.equal(outcomes(byName(r.tests).get('test/parser.spec.js › parser should throw SyntaxError')), 'passed');
      assert.deepEqual(r.warnings, []);
    }
  });

  test('xunit without a file attribute (mocha before v9): the same title twice in one describe block is two tests (EnricoMi\'s latex-utensils.xml)', async () => {
    const r = await read(ENRICO, 'latex-utensils.xml');
    assert.deepEqual(r.dialects, ['mocha-xunit']);
    assert.equal(r.tests.length, 109);
    assert.equal(r.tests.filter((t) => / \[\d+\]$/.test(t.name)).length, 8);
    assert.ok(byName(r.tests).has('bibtexParser parse entry with command [2]'));
    assert.match(r.warnings[0], /latex-utensils\.xml: 7 test ids are written more than once/);
  });
});

describe('Playwright', () => {
  test('the project (hostname) is part of the id; the spec path stays as Playwright wrote it', async () => {
    const ws = join(TOOLS, 'playwright');
    const r = await read(ws, 'junit.xml');
    assert.deepEqual(r.dialects, ['playwright']);
    assert.equal(r.tests.length, 8);
    const t = byName(r.tests);
    assert.equal(outcomes(t.get('[chromium] › engine.spec.js › formats dates')), 'passed');
    assert.equal(outcomes(t.get('[firefox] › engine.spec.js › formats dates')), 'failed');
    assert.equal(outcomes(t.get('[firefox] › engine.spec.js › lexer › rejects bad input')), 'failed');
    // Written as a pass; the error-context attachment of its first attempt shows that attempt failed.
    assert.equal(outcomes(t.get('[chromium] › engine.spec.js › loads settings')), 'failed,passed');
    assert.equal(outcomes(t.get('[chromium] › engine.spec.js › parser › rejects bad input')), 'passed');
    // Spec paths are relative to testDir ('./tests'); the file is found there for annotations.
    assert.equal(t.get('[firefox] › engine.spec.js › formats dates')!.fspath, join(ws, 'tests/engine.spec.js'));
  });

  test('includeRetries: flakyFailure/rerunFailure are attempts (Playwright, not Surefire)', async () => {
    const r = await read(join(TOOLS, 'playwright'), 'junit-include-retries.xml');
    assert.deepEqual(r.dialects, ['playwright']);
    const t = byName(r.tests);
    assert.equal(outcomes(t.get('[chromium] › engine.spec.js › loads settings')), 'failed,passed');
    assert.equal(outcomes(t.get('[firefox] › engine.spec.js › formats dates')), 'failed,failed,failed');
  });
});

describe('generic xunit', () => {
  test('the same classname.name in two suites that name something (or two hosts) is told apart by the suite, not merged', async () => {
    const ws = scratch();
    writeFileSync(
      join(ws, 'r.xml'),
      '<testsuites><testsuite name="api" hostname="h"><testcase classname="Login" name="works"/></testsuite>' +
        '<testsuite name="ui" hostname="h"><testcase classname="Login" name="works"><failure>no</failure></testcase></testsuite>' +
        '<testsuite name="ui" hostname="h"><testcase classname="Login" name="works"/></testsuite></testsuites>',
    );
    const r = await read(ws, 'r.xml');
    assert.deepEqual(r.dialects, ['xunit']);
    assert.deepEqual(r.tests.map((t) => [t.name, outcomes(t)]), [
      ['[h] › api › Login.works', 'passed'],
      ['[h] › ui › Login.works', 'failed'],
      ['[h] › ui › Login.works [2]', 'passed'],
    ]);
    assert.match(r.warnings[0], /^r\.xml: 1 test id is written more than once \("Login\.works"\); xunit does not write retries that way/);
  });
});

describe('files read together', () => {
  test('a later file holding only tests that failed in one earlier file is a rerun: further attempts', async () => {
    const r = await read(join(TOOLS, 'playwright'), 'junit-no-retries.xml', 'junit-last-failed.xml');
    assert.equal(r.tests.length, 8);
    const t = byName(r.tests);
    assert.equal(outcomes(t.get('[chromium] › engine.spec.js › loads settings')), 'failed,passed');
    assert.equal(outcomes(t.get('[firefox] › engine.spec.js › formats dates')), 'failed,failed');
    assert.equal(outcomes(t.get('[firefox] › engine.spec.js › parser › rejects bad input')), 'passed');
    assert.deepEqual(r.notices, ['junit-last-failed.xml: its 5 tests all failed in junit-no-retries.xml, so it is read as a rerun of those failures: each is a further attempt of the same test.']);
  });

  test('two legs: the same tests in two files stay two tests each, named after the part of the path that differs', async () => {
    const ws = scratch();
    cpSync(join(TOOLS, 'mocha', 'test'), join(ws, 'test'), { recursive: true });
    for (const leg of ['py3.9', 'py3.10']) {
      mkdirSync(join(ws, 'reports', leg), { recursive: true });
      cpSync(join(TOOLS, 'mocha', 'xunit.xml'), join(ws, 'reports', leg, 'junit.xml'));
    }
    const r = await read(ws, 'reports/**/*.xml');
    assert.equal(r.tests.length, 8);
    assert.ok(byName(r.tests).has('test/parser.spec.js › lexer should throw SyntaxError [py3.9]'));
    assert.ok(byName(r.tests).has('test/parser.spec.js › lexer should throw SyntaxError [py3.10]'));
    for (const t of r.tests) assert.equal(t.executions.length, 1);
    assert.equal(r.notices.length, 1);
    assert.match(r.notices[0], /^reports\/py3\.10\/junit\.xml, reports\/py3\.9\/junit\.xml: 4 tests are in more than one of these files|^reports\/py3\.9\/junit\.xml, reports\/py3\.10\/junit\.xml: 4 tests/);
  });

  test('distinguishing parts of paths', () => {
    assert.deepEqual(distinguishingParts(['reports/py3.9/junit.xml', 'reports/py3.10/junit.xml']), ['py3.9', 'py3.10']);
    assert.deepEqual(distinguishingParts(['junit-linux.xml', 'junit-windows.xml']), ['junit-linux', 'junit-windows']);
    assert.deepEqual(distinguishingParts(['a/x/r.xml', 'b/x/r.json']), ['a/x/r.xml', 'b/x/r.json']);
  });
});

describe('paths written on another machine', () => {
  const ws = scratch();
  mkdirSync(join(ws, 'src', 'lib'), { recursive: true });
  writeFileSync(join(ws, 'src', 'lib', 'x.test.js'), '');
  const paths = new IdPaths(new SourceFiles(ws));

  test('under root, on Windows, in a container, in another checkout: the path relative to root', () => {
    for (const p of [join(ws, 'src/lib/x.test.js'), 'D:\\a\\shop\\shop\\src\\lib\\x.test.js', '/app/src/lib/x.test.js', 'file:///builds/g/p/src/lib/x.test.js']) {
      assert.deepEqual(paths.of(p), { rel: 'src/lib/x.test.js', abs: join(ws, 'src/lib/x.test.js') }, p);
    }
  });

  test('not under root: a CI checkout prefix is cut off, else the cleaned path is kept; relative paths as written', () => {
    assert.equal(paths.of('/home/runner/work/shop/shop/test/gone.spec.ts').rel, 'test/gone.spec.ts');
    assert.equal(paths.of('C:\\a\\shop\\shop\\test\\gone.spec.ts').rel, 'test/gone.spec.ts');
    assert.equal(paths.of('/opt/other/gone.spec.ts').rel, '/opt/other/gone.spec.ts');
    assert.deepEqual(paths.of('./test\\gone.spec.ts'), { rel: 'test/gone.spec.ts', abs: '' });
  });
});

describe('counts agree with EnricoMi\'s publish-unit-test-result-action', () => {
  interface Stats {
    tests: number;
    tests_succ: number;
    tests_skip: number;
    tests_fail: number;
    tests_error: number;
    runs: number;
  }
  const stats = (name: string): Stats => JSON.parse(readFileSync(join(ENRICO, `${name}.results.json`), 'utf8')).stats;

  for (const name of ['no-attributes', 'minimal-attributes', 'junit.multiresult', 'latex-utensils', 'jest-junit']) {
    test(`${name}.xml: every testcase is one test (their runs); without ordinals, their tests; outcomes per test agree`, async () => {
      const r = await read(ENRICO, `${name}.xml`);
      const s = stats(name);
      assert.equal(r.tests.length, s.runs);
      const distinct = r.tests.filter((t) => !/ \[\d+\]$/.test(t.name));
      assert.equal(distinct.length, s.tests);
      const by = (o: string) => distinct.filter((t) => t.executions[t.executions.length - 1].outcome === o).length;
      assert.deepEqual([by('passed'), by('skipped'), by('failed'), by('error')], [s.tests_succ, s.tests_skip, s.tests_fail, s.tests_error]);
    });
  }

  test('the real-world files: every testcase is one test with their case result; distinct ids are their tests, except where we tell apart more', async () => {
    const REAL = join(import.meta.dirname, '..', 'fixtures', 'shared', 'real-world');
    const theirs = JSON.parse(readFileSync(join(ENRICO, 'real-world-stats.json'), 'utf8')) as Record<string, Record<string, number>>;
    // jest-junit with path suite names: the same describe/title in two spec files is one test to them (they key on
    // classname and name only), two tests to us.
    const MORE_DISTINCT: Record<string, number> = { 'external/jest/jest-test-results.xml': 4140 };
    let compared = 0;
    for (const [file, s] of Object.entries(theirs)) {
      if (s.cases === 0) continue;
      const r = await readResults({ patterns: [file], workspace: REAL, root: '.', ifNoFilesFound: 'ignore' });
      const last = (o: string) => r.tests.filter((t) => t.executions[t.executions.length - 1].outcome === o).length;
      assert.deepEqual([r.tests.length, last('passed'), last('skipped'), last('failed'), last('error')], [s.cases, s.cases_success, s.cases_skipped, s.cases_failure, s.cases_error], file);
      const distinct = r.tests.filter((t) => !/ \[\d+\]$/.test(t.name)).length;
      assert.equal(distinct, MORE_DISTINCT[file] ?? s.tests, file);
      compared++;
    }
    assert.ok(compared >= 18, `compared ${compared}`);
  });

  test('no-attributes.xml: four nameless testcases are four tests (pass, skip, failure, error), never one flaky test', async () => {
    const r = await read(ENRICO, 'no-attributes.xml');
    assert.deepEqual(r.tests.map((t) => [t.name, outcomes(t)]), [
      ['(unnamed testcase 1)', 'passed'],
      ['(unnamed testcase 2)', 'skipped'],
      ['(unnamed testcase 3)', 'failed'],
      ['(unnamed testcase 4)', 'error'],
    ]);
    assert.deepEqual(r.warnings, ['no-attributes.xml: 4 testcases have no name, so nothing tells them apart across runs; each is kept as its own test ("(unnamed testcase 1)", …, by position in the file) and never merged with another.']);
  });

  test('no-cases-but-tests.xml: a suite that declares 6 tests but holds none is named in a warning with its counts', async () => {
    const r = await readResults({ patterns: ['no-cases-but-tests.xml'], workspace: ENRICO, root: '.', ifNoFilesFound: 'warn' });
    const s = stats('no-cases-but-tests');
    assert.equal(r.tests.length, 0);
    const w = r.warnings.find((x) => x.includes('declares'));
    assert.ok(w, r.warnings.join('\n'));
    assert.equal(
      w,
      `no-cases-but-tests.xml: suite "pytest" declares ${s.tests} tests (${s.tests_fail} failed, ${s.tests_error} errors, ${s.tests_skip} skipped) but holds no testcases, so those tests are not in the results; the writer left them out (or stopped before writing them).`,
    );
  });
});
