import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResults } from '../../src/ingest/read-results.ts';
import { IMPORTED_REASON } from '../../src/ingest/junit.ts';
import { testFlaky, type Test } from '../../src/model.ts';
import { SHARED } from '../helpers/shared-dir.ts';

const PLUGIN = `${SHARED}/plugin`;
// The sample project's tree (test_inventory.py, tests/test_misc.py) stands in for the runner's checkout.
const ROOT = join(PLUGIN, 'sample');

async function run(n: number, dir = PLUGIN) {
  return readResults({ patterns: [`junit-${n}.xml`], workspace: dir, root: ROOT, ifNoFilesFound: 'error' });
}
const find = (tests: Test[], name: string) => tests.find((t) => t.name === name)!;
const outcomes = (t: Test) => t.executions.map((e) => e.outcome).join(',');
const SUPPLIER = 'test_inventory.py::TestSupplier::test_supplier_online';

/** verdicts.txt: run → test → executions with each flakefighter's verdict (F = flaky, g = genuine). */
function verdicts(file: string): Map<number, Map<string, { outcome: string; v: Record<string, boolean> }[]>> {
  const runs = new Map<number, Map<string, { outcome: string; v: Record<string, boolean> }[]>>();
  let run = 0;
  let test = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let m;
    if ((m = /^== run (\d+)/.exec(line))) runs.set((run = Number(m[1])), new Map());
    else if ((m = /^ {2}(\S+)\s+test-level:/.exec(line))) runs.get(run)!.set((test = m[1]), []);
    else if ((m = /^ {6}exec \d+ (\w+)\s+(.*)$/.exec(line))) {
      const v: Record<string, boolean> = {};
      for (const kv of m[2].trim().split(/\s+/)) v[kv.split('=')[0]] = kv.split('=')[1] === 'F';
      runs.get(run)!.get(test)!.push({ outcome: m[1], v });
    }
  }
  return runs;
}

describe('pytest-flakefighters JUnit import', () => {
  const expected = verdicts(join(PLUGIN, 'verdicts.txt'));

  for (const n of [1, 2, 3, 4, 5]) {
    test(`junit-${n}.xml: 10 tests with nodeids, verdicts imported`, async () => {
      const r = await run(n);
      assert.deepEqual(r.dialects, ['pytest-flakefighters']);
      assert.equal(r.tests.length, 10);
      const names = r.tests.map((t) => t.name).sort();
      assert.deepEqual(names, [...expected.get(n)!.keys()].sort());
      assert.equal(find(r.tests, 'tests/test_misc.py::test_empty_basket').fspath, join(ROOT, 'tests/test_misc.py'));
      assert.equal(find(r.tests, 'test_inventory.py::test_remove_item').skipped, true);
      for (const t of r.tests) {
        const want = expected.get(n)!.get(t.name)!;
        const ours = t.executions.filter((e) => e.outcome !== 'skipped');
        // Subdirectory tests get an empty <flakefighterresults /> (plugin bug): one execution from the testcase.
        if (t.name.startsWith('tests/')) {
          assert.equal(ours.length, 1);
          assert.deepEqual(ours[0].results, []);
          continue;
        }
        assert.equal(ours.length, want.length, t.name);
        ours.forEach((e, i) => {
          // Only the live flakefighters reach the XML (CosineSimilarity is post-processing).
          const live = Object.fromEntries(Object.entries(want[i].v).filter(([k]) => k !== 'CosineSimilarity'));
          assert.deepEqual(Object.fromEntries(e.results.map((x) => [x.name, x.flaky])), live, `${t.name} exec ${i}`);
          for (const x of e.results) assert.equal(x.evidence?.reason, IMPORTED_REASON);
        });
      }
    });
  }

  test('run 1: every execution says "passed", but the earlier attempts of a test that was rerun failed', async () => {
    const r = await run(1);
    const s = find(r.tests, SUPPLIER);
    assert.equal(outcomes(s), 'failed,failed,passed'); // the database has F,F,P
    assert.equal(s.executions[0].startTime?.getTime(), new Date('2026-11-25T17:53:13.459273').getTime());
    assert.equal(s.executions[2].endTime?.getTime(), new Date('2026-11-25T17:53:13.904553').getTime());
    assert.equal(s.executions[2].report, 'None');
    assert.deepEqual(s.results.map((x) => [x.name, x.flaky]), [['CoverageIndependence', true]]);
    assert.equal(testFlaky(s), true);
    // The other tests ran once: their single execution is as written.
    assert.equal(outcomes(find(r.tests, 'test_inventory.py::test_add_item')), 'passed');
  });

  test('run 3: a test that failed every attempt keeps its failure text on each', async () => {
    const r = await run(3);
    const s = find(r.tests, SUPPLIER);
    assert.equal(outcomes(s), 'failed,failed,failed');
    for (const e of s.executions) {
      assert.equal(e.exception?.name, 'AssertionError');
      assert.deepEqual(e.exception?.frames, [{ path: 'test_inventory.py', lineno: 37, colno: null, statement: '    assert supplier_online(COUNTER), "supplier offline"' }]);
    }
    const deep = find(r.tests, 'test_inventory.py::test_parse_bad_record').executions[0];
    assert.equal(deep.exception?.name, 'ValueError');
    // The same three project frames the plugin stored under pytest 7 (rows.json), relative and 0-based.
    const rows = JSON.parse(readFileSync(join(PLUGIN, 'rows.json'), 'utf8')).tracebackentry_pytest7.rows as { path: string; lineno: number; statement: string }[];
    assert.deepEqual(
      deep.exception?.frames.map((f) => [f.path, f.lineno, f.statement]),
      rows.map((x) => [x.path.replace('/home/runner/work/sample7/sample7/', ''), x.lineno, x.statement]),
    );
  });

  test('run 5 (--rerun-strategy=ALL): every test ran twice, so the written outcomes are kept', async () => {
    const r = await run(5);
    assert.equal(outcomes(find(r.tests, 'test_inventory.py::test_add_item')), 'passed,passed');
    // The database says passed,failed; the XML says failed,failed and nothing in it tells otherwise.
    assert.equal(outcomes(find(r.tests, SUPPLIER)), 'failed,failed');
  });

  test('the same nodeid twice in one plugin file keeps each testcase\'s executions in place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-plugin-'));
    try {
      const exec = (o: string, v: string) => `<execution outcome="${o}" starttime="2026-11-25T17:53:13.1" endtime="2026-11-25T17:53:13.2"><DiffCov>${v}</DiffCov></execution>`;
      writeFileSync(join(dir, 'j.xml'), `<testsuites><testsuite name="pytest"><testcase classname="test_inventory" name="test_add_item">` +
        `<failure message="boom">test_inventory.py:5: AssertionError</failure><flakefighterresults>${exec('failed', 'flaky')}</flakefighterresults></testcase>` +
        `<testcase classname="test_inventory" name="test_add_item"><flakefighterresults>${exec('passed', 'genuine')}</flakefighterresults></testcase></testsuite></testsuites>`);
      const r = await readResults({ patterns: ['j.xml'], workspace: dir, root: ROOT, ifNoFilesFound: 'error' });
      const t = find(r.tests, 'test_inventory.py::test_add_item');
      assert.equal(outcomes(t), 'failed,passed');
      assert.deepEqual(t.executions.map((e) => e.results[0].flaky), [true, false]);
      assert.equal(t.executions[0].message, 'boom');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the pytest 7 set reads the same way', async () => {
    for (const n of [1, 3]) {
      const r = await run(n, join(PLUGIN, 'pytest7'));
      assert.equal(r.tests.length, 10);
      assert.equal(outcomes(find(r.tests, SUPPLIER)), n === 1 ? 'failed,failed,passed' : 'failed,failed,failed');
    }
  });
});
