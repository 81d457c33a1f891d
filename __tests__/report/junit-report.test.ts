import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { junitNames, renderEnrichedJunit } from '../../src/report/junit-report.ts';
import { readResultFile } from '../../src/ingest/read-results.ts';
import { countRun } from '../../src/report/facts.ts';
import { HOSTILE, ROOT, makeReportData } from './report-fixture.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const PLUGIN = `${SHARED}/plugin`;

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** fast-xml-parser's ordered output as a plain element tree. */
function parse(xml: string): El {
  const p = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: true });
  const conv = (node: Record<string, unknown>): El | null => {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name === '#text' || name === '?xml') return null;
    const kids = node[name] as Record<string, unknown>[];
    return {
      name,
      attrs: (node[':@'] as Record<string, string>) ?? {},
      children: kids.map(conv).filter((x): x is El => x !== null),
      text: kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join(''),
    };
  };
  const top = (p.parse(xml) as Record<string, unknown>[]).map(conv).filter((x): x is El => x !== null);
  assert.equal(top.length, 1);
  return top[0];
}

const all = (el: El, name: string): El[] => [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];

/**
 * The plugin's <flakefighterresults> grammar (fixtures README §6): empty, or execution* then one test; executions
 * carry exactly outcome/starttime/endtime (isoformat with microseconds, no offset); every verdict is a child element
 * named for a flakefighter whose text is flaky|genuine. Returns what is wrong, or null.
 */
function shapeError(ff: El): string | null {
  if (Object.keys(ff.attrs).length) return 'attributes on flakefighterresults';
  if (!ff.children.length) return null;
  const names = ff.children.map((c) => c.name);
  if (names[names.length - 1] !== 'test' || names.slice(0, -1).some((n) => n !== 'execution')) return `children ${names.join(',')}`;
  for (const c of ff.children) {
    if (c.name === 'execution') {
      if (Object.keys(c.attrs).sort().join(',') !== 'endtime,outcome,starttime') return `execution attrs ${Object.keys(c.attrs)}`;
      for (const k of ['starttime', 'endtime']) if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(c.attrs[k])) return `${k} ${c.attrs[k]}`;
      if (!['passed', 'failed', 'error', 'skipped'].includes(c.attrs.outcome)) return `outcome ${c.attrs.outcome}`;
    } else if (Object.keys(c.attrs).length) return 'attributes on test';
    for (const v of c.children) {
      if (!/^[A-Za-z_][\w.-]*$/.test(v.name) || v.children.length || Object.keys(v.attrs).length) return `verdict element ${v.name}`;
      if (v.text !== 'flaky' && v.text !== 'genuine') return `verdict text ${v.text}`;
    }
  }
  return null;
}

describe('renderEnrichedJunit', () => {
  const data = makeReportData();
  const xml = renderEnrichedJunit(data);
  const doc = parse(xml);
  const cases = all(doc, 'testcase');

  test('the shape checker accepts every plugin-written file', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const plugin = parse(readFileSync(join(PLUGIN, `junit-${n}.xml`), 'utf8'));
      const ffs = all(plugin, 'flakefighterresults');
      assert.equal(ffs.length, 10);
      for (const ff of ffs) assert.equal(shapeError(ff), null);
    }
  });

  test('every testcase carries one <flakefighterresults> in the plugin shape, last in the testcase', () => {
    assert.equal(cases.length, data.run.tests.length);
    for (const c of cases) {
      const ff = c.children.filter((x) => x.name === 'flakefighterresults');
      assert.equal(ff.length, 1);
      assert.equal(c.children[c.children.length - 1], ff[0]);
      assert.equal(shapeError(ff[0]), null, `${c.attrs.name}: ${shapeError(ff[0])}`);
    }
  });

  test('each execution has its own outcome and all verdicts (no plugin bugs)', () => {
    const byName = new Map(cases.map((c) => [`${c.attrs.classname}|${c.attrs.name}`, c]));
    for (const t of data.run.tests) {
      const { classname, name } = junitNames(t.name);
      const c = byName.get(`${classname}|${name}`);
      assert.ok(c, t.name);
      const ff = c.children.find((x) => x.name === 'flakefighterresults')!;
      const execs = ff.children.filter((x) => x.name === 'execution');
      assert.deepEqual(execs.map((e) => e.attrs.outcome), t.executions.map((e) => e.outcome), t.name);
      execs.forEach((x, i) => assert.deepEqual(x.children.map((v) => [v.name, v.text]), t.executions[i].results.map((r) => [r.name, r.flaky ? 'flaky' : 'genuine'])));
      const testEl = ff.children.find((x) => x.name === 'test');
      assert.deepEqual(testEl?.children.map((v) => [v.name, v.text]) ?? [], t.results.map((r) => [r.name, r.flaky ? 'flaky' : 'genuine']));
    }
    // The subdirectory test and the post-processing verdict (CosineSimilarity) the plugin drops are here.
    const timeout = byName.get('tests.test_net|test_timeout')!;
    assert.match(JSON.stringify(timeout), /CosineSimilarity/);
  });

  test('counts, failure elements, names the way pytest writes them', () => {
    const suite = all(doc, 'testsuite')[0];
    assert.deepEqual([suite.attrs.tests, suite.attrs.failures, suite.attrs.errors, suite.attrs.skipped], ['11', '4', '1', '1']);
    const hostile = cases.find((c) => c.attrs.name.startsWith('test_html'))!;
    assert.equal(hostile.attrs.classname, 'tests.test_weird');
    assert.equal(hostile.attrs.name, HOSTILE.split('::')[1]);
    const failure = hostile.children.find((x) => x.name === 'failure')!;
    assert.equal(failure.attrs.type, 'AssertionError');
    assert.ok(!/[\x00-\x08\x1b]/.test(failure.text), 'control characters stripped');
    assert.equal(cases.find((c) => c.attrs.name === 'testTotal')!.children[0].name, 'error');
    assert.equal(cases.find((c) => c.attrs.name === 'test_remove_item')!.children[0].name, 'skipped');
  });

  test('junitNames follows pytest mangle_test_address and classname.name', () => {
    assert.deepEqual(junitNames('tests/test_x.py::TestA::test_b[a::b.c/d]'), { classname: 'tests.test_x.TestA', name: 'test_b[a::b.c/d]' });
    assert.deepEqual(junitNames('test_inventory.py::test_add_item'), { classname: 'test_inventory', name: 'test_add_item' });
    assert.deepEqual(junitNames('com.x.FooTest.testBar[1.5]'), { classname: 'com.x.FooTest', name: 'testBar[1.5]' });
    assert.deepEqual(junitNames('lonely'), { classname: '', name: 'lonely' });
  });

  test('Python ElementTree parses it (real python3)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-junit-'));
    const file = join(dir, 'junit.xml');
    writeFileSync(file, xml);
    const py = spawnSync('python3', ['-c', 'import sys,xml.etree.ElementTree as ET; r=ET.parse(sys.argv[1]).getroot(); print(len(r.findall(".//testcase")), len(r.findall(".//flakefighterresults/execution")))', file], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const execs = data.run.tests.reduce((n, t) => n + t.executions.length, 0);
    assert.equal(py.stdout.trim(), `11 ${execs}`);
  });

  test('reads back through the ingest reader with the same tests, executions and verdicts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-junit-'));
    const file = join(dir, 'junit.xml');
    // Only the pytest tests: the plugin's format is pytest's, so ids of other frameworks come back pytest-shaped.
    const pyData = { ...data, run: { ...data.run, tests: data.run.tests.filter((t) => t.name.includes('::')) } };
    writeFileSync(file, renderEnrichedJunit(pyData));
    const back = await readResultFile(file, ROOT);
    assert.equal(back.dialect, 'pytest-flakefighters');
    assert.deepEqual(back.tests.map((t) => t.name).sort(), pyData.run.tests.map((t) => t.name).sort());
    for (const orig of pyData.run.tests) {
      const got = back.tests.find((t) => t.name === orig.name)!;
      assert.deepEqual(got.executions.map((e) => e.outcome), orig.executions.length ? orig.executions.map((e) => e.outcome) : got.executions.map((e) => e.outcome), orig.name);
      assert.deepEqual(
        got.executions.map((e) => e.results.map((r) => [r.name, r.flaky])),
        orig.executions.length ? orig.executions.map((e) => e.results.map((r) => [r.name, r.flaky])) : got.executions.map(() => []),
        orig.name,
      );
      assert.deepEqual(got.results.map((r) => [r.name, r.flaky]), orig.results.map((r) => [r.name, r.flaky]));
    }
    const again = { ...pyData, run: { ...pyData.run, tests: back.tests } };
    assert.deepEqual(countRun(again.run), countRun(pyData.run));
  });

  test('a test that passed, then failed on a forced rerun, reads back as written (no plugin-bug repair on our files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-junit-'));
    const file = join(dir, 'junit.xml');
    const tests = data.run.tests.filter((t) => t.name.includes('::'));
    const [first, ...others] = tests;
    const at = (ms: number) => new Date(Date.UTC(2026, 10, 25, 9, 0, 0, ms));
    const forced = {
      ...first,
      results: [],
      executions: [
        { outcome: 'passed' as const, startTime: at(0), endTime: at(5), stdout: null, stderr: null, report: 'None', coverage: null, exception: null, results: [] },
        { outcome: 'failed' as const, startTime: at(10), endTime: at(15), stdout: null, stderr: null, report: 'boom', message: 'boom', coverage: null, exception: null, results: [] },
      ],
    };
    // Other tests ran once: with different attempt counts the reader would repair plugin files (earlier attempts -> failed).
    const single = others.filter((t) => t.executions.length === 1);
    assert.ok(single.length > 0);
    writeFileSync(file, renderEnrichedJunit({ ...data, run: { ...data.run, tests: [forced, ...single] } }));
    const back = await readResultFile(file, ROOT);
    assert.deepEqual(back.tests.find((t) => t.name === first.name)!.executions.map((e) => e.outcome), ['passed', 'failed']);
  });
});
