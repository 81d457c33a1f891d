/**
 * junit.ts reads a large report as it goes: the dialect is decided from the first testcases and later ones
 * are let go of once read. These tests read each report twice, once deciding after a few testcases (so small
 * files take the streaming path, their suites cut down to their first testcases) and once as one tree, and
 * require the same tests, executions, dialect and warnings from both.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { decodeResultFile } from '../../src/ingest/decode-text.ts';
import { parseXmlReport, type ParsedReport } from '../../src/ingest/junit.ts';
import { SourceFiles } from '../../src/ingest/source-files.ts';
import { xmlFiles } from '../helpers/fixture-files.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');


/** The report read with the dialect decided after `decideAfter` testcases, or the one-line error it gives. */
function read(text: string, path: string, root: string, decideAfter: number): ParsedReport | string {
  try {
    return parseXmlReport(text, { file: relative(root, path), path, root, files: new SourceFiles(root) }, { decideAfter });
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

function sameBothWays(text: string, path: string, root: string, decideAfters: number[]): ParsedReport | string {
  const whole = read(text, path, root, Infinity);
  for (const n of decideAfters) assert.deepStrictEqual(read(text, path, root, n), whole, `${relative(FIXTURES, path)} read deciding after ${n} testcase(s)`);
  return whole;
}

test('every XML fixture reads the same deciding the dialect early as reading it whole', () => {
  const files = xmlFiles(FIXTURES);
  assert.ok(files.length > 100);
  let read = 0;
  for (const path of files) {
    const buf = readFileSync(path);
    if (buf.length === 0) continue;
    let text: string;
    try {
      text = decodeResultFile(buf, path).text.replace(/^[\s\ufeff]+/, '');
    } catch {
      continue;
    }
    if (!text.startsWith('<')) continue;
    const r = sameBothWays(text, path, resolve(path, '..'), [1, 2, 5, 25]);
    if (typeof r !== 'string') read++;
  }
  assert.ok(read > 80, `${read} fixtures read`);
});

const ws = mkdtempSync(join(tmpdir(), 'ff-stream-read-'));
test.after(() => rmSync(ws, { recursive: true, force: true }));
mkdirSync(join(ws, 'tests'), { recursive: true });
for (let m = 0; m < 3; m++) writeFileSync(join(ws, 'tests', `test_m${m}.py`), '');

function check(name: string, xml: string, expect: (r: ParsedReport) => void): void {
  const path = join(ws, `${name}.xml`);
  writeFileSync(path, xml);
  const r = sameBothWays(xml, path, ws, [1, 2, 3, 5, 10, 30, 70, 1000]);
  assert.notEqual(typeof r, 'string', String(r));
  expect(r as ParsedReport);
}

const cases = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n');

test('pytest: suite output written after its testcases, failures, skips, reruns, shared clock', () => {
  const xml = `<?xml version="1.0"?><testsuites name="pytest tests"><testsuite name="pytest" timestamp="2026-11-20T10:00:00+00:00">
${cases(60, (i) => {
  const cls = `tests.test_m${i % 3}.TestK`;
  if (i % 9 === 4) return `<testcase classname="${cls}" name="test_${i}" time="0.5"><failure message="assert ${i}">def test():\n&gt;   assert f() == 2\nE   assert 1 == 2\n\ntests/test_m${i % 3}.py:${i + 1}: AssertionError</failure></testcase>`;
  if (i % 11 === 5) return `<testcase classname="${cls}" name="test_${i}" time="0"><skipped message="no">why</skipped></testcase>`;
  if (i % 13 === 6) return `<testcase classname="${cls}" name="test_${i}" time="0.1"><system-out>own ${i}</system-out></testcase>`;
  if (i % 17 === 8) return `<testcase classname="${cls}" name="test_${i - 1}" time="0.2"/>`;
  return `<testcase classname="${cls}" name="test_${i}" time="0.01${i}"/>`;
})}
<system-out>suite output</system-out><system-err>suite errors</system-err></testsuite></testsuites>`;
  check('pytest', xml, (r) => {
    assert.equal(r.dialect, 'pytest');
    const t0 = r.tests[0];
    assert.equal(t0.executions[0].stdout, 'suite output');
    assert.equal(t0.executions[0].stderr, 'suite errors');
    assert.equal(r.tests.find((t) => t.name.endsWith('::test_6'))!.executions[0].stdout, 'own 6');
    assert.equal(r.tests.find((t) => t.name.endsWith('::test_4'))!.executions[0].stdout, 'suite output');
    // Consecutive testcases: one's end is the next one's start.
    assert.equal(r.tests[1].executions[0].startTime!.getTime(), t0.executions[0].endTime!.getTime());
  });
});

test('jest-junit: ids repeated within and across suites are told apart the same way', () => {
  const suite = (name: string, salt: string) =>
    `<testsuite name="${name}" tests="50">${cases(50, (i) => `<testcase classname="${name} t${i % 40}" name="${name} t${i % 40}" time="0.001"${i === 45 ? `><failure>${salt}</failure></testcase>` : '/>'}`)}</testsuite>`;
  const xml = `<testsuites name="jest tests">${suite('same', 'a')}${suite('other', 'b')}${suite('same', 'c')}<testsuite name="empty" tests="4" failures="1"/></testsuites>`;
  check('jest', xml, (r) => {
    assert.equal(r.dialect, 'jest-junit');
    assert.ok(r.tests.some((t) => t.name.endsWith(' [2]')));
    assert.ok(r.warnings.some((w) => w.includes('written more than once')));
    assert.ok(r.warnings.some((w) => w.includes('"empty"')));
  });
});

test('nested suites: output of an outer suite after the inner ones, nameless testcases, empty suites', () => {
  const inner = (k: number) =>
    `<testsuite name="Inner${k}" tests="30">${cases(30, (i) => `<testcase classname="C${k}" name="${i % 10 === 0 ? '' : `t${i}`}" file="tests/test_m${k % 3}.py" time="0.01"/>`)}</testsuite>`;
  const xml = `<testsuites><testsuite name="Outer" tests="99">${inner(1)}<testsuite name="Wrapper">${inner(2)}<testsuite name="Declared" tests="3"/></testsuite>${cases(25, (i) => `<testcase classname="Outer" name="o${i}"/>`)}<system-out>outer out</system-out></testsuite><testsuite name="Late" tests="2"><testcase classname="L" name="l"/><system-err>late err</system-err></testsuite></testsuites>`;
  check('nested', xml, (r) => {
    assert.equal(r.tests[0].executions[0].stdout, 'outer out');
    assert.equal(r.tests[r.tests.length - 1].executions[0].stderr, 'late err');
    assert.equal(r.tests[r.tests.length - 1].executions[0].stdout, null);
    assert.ok(r.warnings.some((w) => w.includes('no name')));
    assert.ok(r.warnings.some((w) => w.includes('"Declared"')));
  });
});

test('Playwright: a late testcase whose classname is not its suite makes the file another dialect, read the same', () => {
  const suite = (project: string, last: string) =>
    `<testsuite name="login.spec.ts" hostname="${project}" tests="40">${cases(40, (i) => `<testcase classname="${i === 39 ? last : 'login.spec.ts'}" name="t${i}" time="0.1"><system-out>[[ATTACHMENT|test-results/x${i}/error-context.md]]\n</system-out></testcase>`)}</testsuite>`;
  check('playwright', `<testsuites id="" name="">${suite('chromium', 'login.spec.ts')}${suite('firefox', 'login.spec.ts')}</testsuites>`, (r) => {
    assert.equal(r.dialect, 'playwright');
    assert.equal(r.tests[0].executions.length, 2);
  });
  check('not-playwright', `<testsuites id="" name="">${suite('chromium', 'login.spec.ts')}${suite('firefox', 'other.spec.ts')}</testsuites>`, (r) => {
    assert.equal(r.dialect, 'xunit');
  });
});

test('Surefire and Gradle files are read as one tree: merged rows and trailing output still count', () => {
  const surefire = `<testsuite xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report.xsd" name="p.RowsTest" tests="90">${cases(40, (i) => (i === 30 ? `<testcase name="row" classname="p.RowsTest"><flakyFailure message="x">boom</flakyFailure></testcase>` : `<testcase name="t${i}" classname="p.RowsTest"/>`))}</testsuite>`;
  check('surefire', surefire, (r) => {
    assert.equal(r.dialect, 'maven-surefire');
    assert.ok(r.warnings.some((w) => w.includes('parameterized rows')));
  });
  // Known as Surefire only by a rerun element, far from the start of the file.
  const bare = `<testsuite name="p.Q" tests="41">${cases(40, (i) => `<testcase name="t${i}" classname="p.Q"/>`)}<testcase name="r" classname="p.Q"><rerunFailure message="x">boom</rerunFailure><failure>boom</failure></testcase></testsuite>`;
  check('surefire-bare', bare, (r) => {
    assert.equal(r.dialect, 'maven-surefire');
  });
  const gradle = `<testsuite name="p.T" tests="40" hostname="h" timestamp="2026-11-20T10:00:00"><properties/>${cases(40, (i) => `<testcase name="t${i}" classname="p.T" time="0.1"/>`)}<system-out><![CDATA[out]]></system-out><system-err><![CDATA[err]]></system-err></testsuite>`;
  check('gradle', gradle, (r) => {
    assert.equal(r.dialect, 'gradle');
    assert.equal(r.tests[35].executions[0].stdout, 'out');
  });
});

test('pytest-flakefighters: the plugin executions of streamed testcases are imported', () => {
  const xml = `<testsuites name="pytest tests"><testsuite name="pytest">${cases(45, (i) => `<testcase classname="tests.test_m0" name="test_${i}" time="0.1">${i % 2 ? '<failure message="f">E x</failure>' : ''}<flakefighterresults><test><DeFlaker>${i % 3 ? 'flaky' : 'genuine'}</DeFlaker></test><execution outcome="${i % 2 ? 'failed' : 'passed'}" starttime="2026-11-20T10:00:00" endtime="2026-11-20T10:00:01"/>${i % 4 === 1 ? '<execution outcome="passed"/>' : ''}</flakefighterresults></testcase>`)}</testsuite></testsuites>`;
  check('plugin', xml, (r) => {
    assert.equal(r.dialect, 'pytest-flakefighters');
    assert.ok(r.tests.some((t) => t.executions.length === 2));
  });
});
