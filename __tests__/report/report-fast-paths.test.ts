/**
 * The report writers take shortcuts on the common case of a 100k-test run (names with nothing to escape, one passing
 * execution, times within a minute, values without bigints); each shortcut must give what the general path gives.
 * These cases sit where a shortcut stops applying.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoMicros, junitNames, renderEnrichedJunit } from '../../src/report/junit-report.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import type { Test } from '../../src/model.ts';
import { timelines } from '../../src/report/facts.ts';
import { makeBigReportData, makeReportData } from './report-fixture.ts';
import { writeReportFiles } from '../../src/report/write-report-files.ts';
import { stripAnsi } from '../../src/report/text.ts';

/** pytest's mangle_test_address (junitxml.py), as written there: partition at '[', split('::'), mangle the module. */
function mangleTestAddress(id: string): { classname: string; name: string } {
  const bracket = id.indexOf('[');
  const path = bracket >= 0 ? id.slice(0, bracket) : id;
  const names = path.split('::');
  names[0] = names[0].replaceAll('/', '.').replace(/\.py$/, '');
  names[names.length - 1] += bracket >= 0 ? id.slice(bracket) : '';
  return { classname: names.slice(0, -1).join('.'), name: names[names.length - 1] };
}

/** A seeded generator, so a failure names an id that can be tried again. */
function ids(count: number, alphabet: string[], seed = 17): string[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => Array.from({ length: 2 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
}

const passing = (name: string, at: number): Test => ({
  name,
  fspath: '',
  skipped: false,
  results: [],
  executions: [{ outcome: 'passed', startTime: new Date(at), endTime: new Date(at + 12), report: 'None', message: null, stdout: '', stderr: '', exception: null, coverage: null, results: [] }],
} as unknown as Test);

describe('junitNames', () => {
  test('splits pytest nodeids as mangle_test_address does, separators inside parameters and `:::` included', () => {
    const edge = ['a/py::t', 'a.py::t', 'x/y.py::C::D::t', 'a:::b::c', 'a::::b::c', 'm.py::t[x::y]', 'm.py[p]::t', '::t', 'a::', 'p/a.py::C::t[1-2]', 'py::t'];
    for (const id of [...edge, ...ids(20_000, [':', ':', 'a', '/', '.', 'p', 'y', '[', ']'])].filter((s) => s.includes('::'))) {
      assert.deepEqual(junitNames(id), mangleTestAddress(id), id);
    }
  });
});

describe('enriched JUnit testcase attributes', () => {
  test('a name that needs escaping has each attribute escaped; a plain one is written as it is', () => {
    const data = makeReportData();
    data.run.tests = [passing('tests/a&b.py::C<1>::t"x"', Date.UTC(2026, 0, 1)), passing('tests/a_b.py::C1::t_x', Date.UTC(2026, 0, 1))];
    const xml = renderEnrichedJunit(data);
    assert.match(xml, /<testcase classname="tests\.a&amp;b\.C&lt;1&gt;" name="t&quot;x&quot;" file="tests\/a&amp;b\.py" time="0\.012">/);
    assert.match(xml, /<testcase classname="tests\.a_b\.C1" name="t_x" file="tests\/a_b\.py" time="0\.012"><flakefighterresults><execution outcome="passed" starttime="2026-01-01T00:00:00\.000000" endtime="2026-01-01T00:00:00\.012000" \/><test \/><\/flakefighterresults><\/testcase>/);
  });

  test('a passing test with output keeps its system-out', () => {
    const data = makeReportData();
    const t = passing('tests/a.py::t', Date.UTC(2026, 0, 1));
    t.executions[0].stdout = 'hello <world>';
    data.run.tests = [t];
    assert.match(renderEnrichedJunit(data), /<system-out>hello &lt;world&gt;<\/system-out><flakefighterresults>/);
  });
});

describe('isoMicros', () => {
  test('seconds and milliseconds padded, across minutes and before 1970; years past 9999 as toISOString has them', () => {
    assert.equal(isoMicros(new Date(Date.UTC(2026, 0, 1, 0, 0, 5, 7))), '2026-01-01T00:00:05.007000');
    assert.equal(isoMicros(new Date(Date.UTC(2026, 0, 1, 0, 1, 59, 999))), '2026-01-01T00:01:59.999000');
    assert.equal(isoMicros(new Date(Date.UTC(2026, 0, 1, 0, 0, 5, 7))), '2026-01-01T00:00:05.007000');
    assert.equal(isoMicros(new Date(-1)), '1969-12-31T23:59:59.999000');
    assert.equal(isoMicros(new Date(Date.UTC(10000, 0, 1, 0, 0, 1, 20))), '+010000-01-01T00:00:01.020');
    assert.equal(isoMicros(new Date(NaN)), null);
  });
});

describe('JSON report values', () => {
  test('a bigint in evidence is written as a string, the rest of the report as before', () => {
    const withBig = makeReportData();
    const test0 = withBig.run.tests.find((t) => t.executions.some((e) => e.results.some((r) => r.evidence)))!;
    const result = test0.executions.flatMap((e) => e.results).find((r) => r.evidence)!;
    result.evidence = { ...result.evidence!, storedId: 12345678901234567890n };
    const json = renderJsonReport(withBig);
    assert.match(json, /"storedId": "12345678901234567890"/);
    // Without that one value, the report is the one of the same data without it.
    delete result.evidence.storedId;
    assert.equal(json.replace(/,\n\s*"storedId": "12345678901234567890"/, ''), renderJsonReport(withBig));
  });
});

describe('JSON report of a big run', () => {
  test('a simply passing test\'s durationSeconds is JSON.stringify of its seconds', () => {
    const data = makeBigReportData(6000, 10, 0);
    const ms = [0, 5, 50, 500, 999, 1000, 1010, 61_005, 3_600_000_007, 123_456_789_012];
    const simple = data.run.tests.filter((t) => t.executions.length === 1 && t.executions[0].outcome === 'passed' && !t.results.length && !t.executions[0].results.length && !t.skipped).slice(0, ms.length);
    simple.forEach((t, i) => {
      const e = t.executions[0];
      t.executions = [{ ...e, endTime: new Date(e.startTime!.getTime() + ms[i]) }];
    });
    const json = renderJsonReport(data);
    for (const [i, t] of simple.entries()) {
      const key = `{"name":${JSON.stringify(t.name)},"verdict":"passed","durationSeconds":`;
      const at = json.indexOf(key);
      assert.ok(at > 0, t.name);
      assert.equal(json.slice(at + key.length, json.indexOf('}', at)), JSON.stringify(Math.round((ms[i] / 1000) * 1e6) / 1e6), t.name);
    }
  });
});

describe('HTML text', () => {
  test('control characters are still stripped from unusual text; plain text is only escaped', () => {
    const data = makeReportData();
    data.run.tests = [{ ...passing('tests/a.py::t', Date.UTC(2026, 0, 1)), executions: [{ ...passing('x', Date.UTC(2026, 0, 1)).executions[0], outcome: 'failed', report: '\x1b[31mE   assert 1 == 2\x1b[0m\x00 <b>', message: 'E assert 1 == 2' }] } as unknown as Test];
    const html = renderHtmlReport(data);
    // The colour codes go whole (ESC and its `[31m`), not just the ESC they start with.
    assert.match(html, /<pre>E {3}assert 1 == 2 &lt;b&gt;<\/pre>/, 'colour codes and control characters stripped, the rest escaped');
    assert.ok(!html.includes('\x1b') && !html.includes('\x00') && !html.includes('[31m') && !html.includes('[0m'));
  });

  test('terminal sequences other than colours (erase line, cursor moves, 256 colours) go whole too', () => {
    assert.equal(stripAnsi('\x1b[2K\x1b[1Gdone \x1b[38;5;196mred\x1b[0m \x1b[?25h'), 'done red ');
    assert.equal(stripAnsi('a[31m b'), 'a[31m b', 'text without ESC is left alone');
  });
});

describe('report files share what the reports have in common', () => {
  test('the files written together are what each renderer gives alone', () => {
    for (const data of [makeReportData(), makeBigReportData(6000, 300, 3)]) {
      // A passing test a flakefighter called flaky (DiffCov on a new test): the flagged table draws on the shared sorting.
      const flagged = data.run.tests.find((t) => !t.executions.some((e) => e.outcome === 'failed' || e.outcome === 'error'))!;
      flagged.results = [{ name: 'DiffCov', flaky: true, evidence: { reason: 'new test' } }];
      const dir = mkdtempSync(join(tmpdir(), 'ff-shared-'));
      const files = writeReportFiles(data, dir);
      assert.equal(readFileSync(files.html, 'utf8'), renderHtmlReport(data));
      assert.equal(readFileSync(files.json, 'utf8'), renderJsonReport(data));
      assert.equal(readFileSync(files.junit, 'utf8'), renderEnrichedJunit(data));
      assert.match(readFileSync(files.html, 'utf8'), /id="flagged"/);
    }
  });
});

describe('enriched JUnit passing testcase without times', () => {
  test('an unknown start leaves its attribute out, as for any execution', () => {
    const data = makeReportData();
    const t = passing('tests/a.py::t', Date.UTC(2026, 0, 1));
    t.executions[0].startTime = null as unknown as Date;
    data.run.tests = [t];
    assert.match(renderEnrichedJunit(data), /<execution outcome="passed" endtime="2026-01-01T00:00:00\.012000" \/><test \/>/);
  });

  test('testcase times are toFixed(3) of the seconds', () => {
    const data = makeReportData();
    const ms = [0, 5, 999, 1000, 61_005, 3_600_000_007, 123_456_789_012];
    data.run.tests = ms.map((d, i) => {
      const t = passing(`tests/a.py::t${i}`, Date.UTC(2026, 0, 1));
      t.executions[0].endTime = new Date(Date.UTC(2026, 0, 1) + d);
      return t;
    });
    const times = [...renderEnrichedJunit(data).matchAll(/<testcase [^>]* time="([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(times, ms.map((d) => (d / 1000).toFixed(3)));
  });
});

describe('timelines and the flip ranking look names up through a prefilter', () => {
  test('names alike in length and ending, and names of one or two characters, are told apart', () => {
    const data = makeReportData();
    const names = ['x/abc', 'y/abc', 'q', 'qq', 'tests/a.py::t'];
    data.run.tests = names.map((n, i) => passing(n, Date.UTC(2026, 0, 1, 0, i)));
    const { runs, cells } = timelines(data, ['y/abc', 'q', 'zz', 'tests/b.py::t'], 50);
    const now = runs.indexOf(data.run);
    assert.deepEqual(Object.fromEntries([...cells].map(([n, row]) => [n, row[now]])), { 'y/abc': 'passed', q: 'passed', zz: 'absent', 'tests/b.py::t': 'absent' });
  });
});
