/**
 * pytest ids that hold a backslash, a non-ASCII character, `::` or `[`, as Debian's real pytest 7.2
 * and coverage.py 6.5 wrote them (__tests__/fixtures/coverage-escaped-ids, README there): the
 * JUnit file spells the nodeid as pytest does (`test_backslash[x\\y]`, `test_accented[caf\xe9]`),
 * pytest-flakefighters' context is `re.escape(nodeid) + "__1"`. The escape is undone exactly once, so
 * each test gets the lines of its own context, and the near-miss pair `test_pair[x\ny]` (a newline)
 * and `test_pair[x\\ny]` (a backslash and an n) keeps two different coverages.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiffCov } from '../../src/flakefighters/diff-cov.ts';
import { applyCoverage, type CoverageUse } from '../../src/ingest/coverage-apply.ts';
import { planCoverage } from '../../src/ingest/coverage-attach.ts';
import { normaliseContexts, parsePluginContext } from '../../src/ingest/coverage-contexts.ts';
import { readCoverage, type CoverageData } from '../../src/ingest/coverage.ts';
import { readResults } from '../../src/ingest/read-results.ts';
import type { Run, Test } from '../../src/model.ts';
import { context, run } from '../flakefighters/builders.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/coverage-escaped-ids/', import.meta.url));
const ROOT = join(FIXTURE, 'project');
const APP = join(ROOT, 'app.py');
/** The def lines of app.py, run while pytest collected (the plugin's `collection` context). */
const DEFS = [1, 5, 9, 13, 17, 21];

/** The nodeids as pytest printed them (`pytest -q` summary, junit.xml), in JavaScript string syntax. */
const IDS = {
  backslash: 'tests/test_escaped.py::test_backslash[x\\\\y]',
  accented: 'tests/test_escaped.py::test_accented[caf\\xe9]',
  colons: 'tests/test_escaped.py::test_colons[a::b[c]',
  newline: 'tests/test_escaped.py::test_pair[x\\ny]',
  backslashN: 'tests/test_escaped.py::test_pair[x\\\\ny]',
  offline: 'tests/test_escaped.py::test_offline[\\xe9t\\xe9]',
};

const byName = (tests: Test[], name: string): Test => {
  const t = tests.find((x) => x.name === name);
  assert.ok(t, `${name} in ${tests.map((x) => x.name).join(', ')}`);
  return t;
};


/** A failing test with one execution and no coverage yet. */
const mk = (name: string): Test => ({ name, fspath: '', lineNo: null, skipped: false, results: [], executions: [{ outcome: 'failed', startTime: null, endTime: null, stdout: null, stderr: null, report: 'x', coverage: null, exception: null, results: [] }] });

/** Coverage with per-test contexts only, keyed by normalised context name. */
const perTestCoverage = (perTest: [string, Record<string, number[]>][]): CoverageData => ({
  perTest: new Map(perTest),
  totals: {},
  shared: {},
  hasContexts: true,
  formats: [],
  warnings: [],
  notices: [],
});

describe('pytest ids with escaped characters get the coverage of their own plugin context', () => {
  let tests: Test[];
  let cov: CoverageData;
  let use: CoverageUse;
  before(async () => {
    tests = (await readResults({ patterns: ['junit.xml'], workspace: ROOT, root: ROOT, ifNoFilesFound: 'error' })).tests;
    cov = await readCoverage({ patterns: ['plugin.coverage'], workspace: ROOT, root: ROOT });
    use = applyCoverage(tests, cov, ROOT);
  });

  test('the JUnit ids are the nodeids as pytest wrote them', () => {
    assert.deepEqual(tests.map((t) => t.name).sort(), Object.values(IDS).sort());
  });

  test('the context names are re.escape(nodeid) + "__1"; each is read back as its nodeid, once unescaped', () => {
    const raw = JSON.parse(readFileSync(join(FIXTURE, 'contexts.json'), 'utf8')) as string[];
    // Python's re.escape (3.7+) puts a backslash before each special character and leaves `:` alone.
    const reEscape = (s: string): string => s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&');
    assert.deepEqual(raw.filter((n) => n.includes('::')).sort(), Object.values(IDS).map((id) => `${reEscape(id)}__1`).sort());
    for (const id of Object.values(IDS)) assert.deepEqual(parsePluginContext(`${reEscape(id)}__1`), { nodeid: id, attempt: 1 });
    assert.deepEqual([...cov.perTest.keys()].sort(), Object.values(IDS).map((id) => `${id}__1`).sort());
  });

  test('every context matches its own test; the coverage is used', () => {
    const plan = planCoverage(tests, cov, ROOT);
    assert.deepEqual(plan.unmatched, []);
    assert.equal(plan.matched, 6);
    assert.equal(use.perTest, true, use.warnings.join('\n'));
    assert.deepEqual(use.warnings, []);
    assert.deepEqual(cov.notices, ['Coverage paths under /tmp/ffesc/proj were mapped onto the workspace (1 file)']);
  });

  test('each test has the lines of its own function of app.py, with the collection lines', () => {
    const own = (id: string) => byName(tests, id).executions[0].coverage;
    assert.deepEqual(own(IDS.backslash), { [APP]: [...DEFS, 2].sort((a, b) => a - b) });
    assert.deepEqual(own(IDS.accented), { [APP]: [...DEFS, 6].sort((a, b) => a - b) });
    assert.deepEqual(own(IDS.colons), { [APP]: [...DEFS, 10].sort((a, b) => a - b) });
    assert.deepEqual(own(IDS.newline), { [APP]: [...DEFS, 14].sort((a, b) => a - b) });
    assert.deepEqual(own(IDS.backslashN), { [APP]: [...DEFS, 18].sort((a, b) => a - b) });
  });

  test('the near-miss pair (`x\\ny` and `x\\\\ny`, differing only by escaping) stays two tests with two coverages', () => {
    const a = byName(tests, IDS.newline);
    const b = byName(tests, IDS.backslashN);
    assert.notEqual(a, b);
    assert.ok(a.executions[0].coverage?.[APP]?.includes(14) && !a.executions[0].coverage?.[APP]?.includes(18));
    assert.ok(b.executions[0].coverage?.[APP]?.includes(18) && !b.executions[0].coverage?.[APP]?.includes(14));
  });

  test('a test whose context holds no line keeps no coverage, and a notice names it', () => {
    assert.equal(byName(tests, IDS.offline).executions[0].coverage, null);
    assert.deepEqual(use.notices, [
      `1 test(s) have coverage contexts that hold no line of their own (e.g. ${JSON.stringify(IDS.offline)}); DiffCov and CoverageIndependence give them no verdict.`,
    ]);
  });

  test('DiffCov: the failure that ran the changed line is genuine, its near-miss twin is not, the unknown one gets no verdict', () => {
    // app.py line 14 (newline's body) changed since the source commit, where every test passed.
    const sourceRun: Run = run(tests.map((t) => ({ ...t, executions: t.executions.map((e) => ({ ...e, outcome: 'passed' as const, results: [] })) })));
    const ff = new DiffCov({ root: ROOT, sourceCommit: 'a', targetCommit: 'b', linesChanged: new Map([[APP, new Set([14])]]), methodDeclarations: new Map(), sourceRuns: [sourceRun] });
    const ctx = context(run(tests, { root: ROOT }));
    ff.classify(ctx);
    const verdict = (id: string) => byName(tests, id).executions[0].results.find((r) => r.name === 'DiffCov');
    assert.equal(verdict(IDS.newline)?.flaky, false);
    assert.equal(verdict(IDS.newline)?.evidence?.reason, `covers line 14 of ${APP}, changed since the source commit`);
    assert.equal(verdict(IDS.backslashN)?.flaky, true);
    assert.equal(verdict(IDS.offline)?.flaky, false);
    assert.match(String(verdict(IDS.offline)?.evidence?.reason), /^no verdict: no per-test coverage of this execution is known \(no coverage context names the test, or its contexts hold no line\)/);
    assert.deepEqual(ctx.warnings, [`DiffCov: 1 failure(s) have no per-test coverage; no verdict (${IDS.offline})`]);
  });
});

describe('context names that differ only by escaping are never merged', () => {
  test('normalised once, the pair keeps two keys; a second unescape would have made one the other', () => {
    const lines = (n: number) => new Map([['/p/app.py', new Set([n])]]);
    const byContext = new Map([
      ['', new Map()],
      ['collection', lines(1)],
      ['t\\.py::test_p\\[x\\\\ny\\]__1', lines(14)],
      ['t\\.py::test_p\\[x\\\\\\\\ny\\]__1', lines(18)],
    ]);
    const out = normaliseContexts(byContext);
    assert.deepEqual([...out.keys()].sort(), ['', 't.py::test_p[x\\\\ny]__1', 't.py::test_p[x\\ny]__1']);
  });

  test('attaching reads a normalised name as it is: a nodeid with a backslash is not unescaped a second time', () => {
    const newline = mk('t.py::test_p[x\\ny]');
    const backslashN = mk('t.py::test_p[x\\\\ny]');
    const cov = perTestCoverage([
      ['t.py::test_p[x\\\\ny]__1', { '/p/app.py': [18] }],
      ['t.py::test_p[x\\ny]__1', { '/p/app.py': [14] }],
    ]);
    const plan = planCoverage([newline, backslashN], cov, '/p', { includeShared: false });
    assert.deepEqual(plan.unmatched, []);
    assert.deepEqual(plan.assignments.get(newline.executions[0]), { '/p/app.py': [14] });
    assert.deepEqual(plan.assignments.get(backslashN.executions[0]), { '/p/app.py': [18] });
  });

  test('a name that is both a test (`test_a__1`) and attempt 1 of another (`test_a`) lends its lines to neither', () => {
    const a = mk('t.py::test_a');
    const a1 = mk('t.py::test_a__1');
    const cov = perTestCoverage([
      ['t.py::test_a__1', { '/p/app.py': [2] }],
      ['t.py::test_a__1__1', { '/p/app.py': [6] }],
    ]);
    const plan = planCoverage([a, a1], cov, '/p', { includeShared: false });
    assert.deepEqual(plan.unmatched, ['t.py::test_a__1']);
    assert.equal(plan.assignments.has(a.executions[0]), false);
    assert.deepEqual(plan.assignments.get(a1.executions[0]), { '/p/app.py': [6] });
  });
});
