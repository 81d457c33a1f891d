/**
 * The enriched JUnit's <flakefighterresults> elements are byte for byte what the plugin's own `modify_xml`
 * (pytest-flakefighters src/pytest_flakefighters/plugin.py, commit a541673) writes for the same executions and verdicts:
 * the plugin's element-building lines run here in real python3 with its ElementTree, which writes an element without
 * children as `<name … />` (a passing test without verdicts: `<execution … /><test />`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Execution, Test } from '../../src/model.ts';
import { isoMicros, renderEnrichedJunit } from '../../src/report/junit-report.ts';
import type { ReportData } from '../../src/report/report-data.ts';

/** modify_xml's loop body for one testcase (names as in the plugin), serialised the way tree.write() does. */
const PLUGIN_ELEMENT = `
import json, sys
from xml.etree import ElementTree as ET
for report in json.load(sys.stdin):
    testcase = ET.Element("testcase")
    flakefighter_results = ET.SubElement(testcase, "flakefighterresults")
    for execution in report["executions"]:
        execution_results = ET.Element(
            "execution",
            {
                "outcome": execution["outcome"],
                "starttime": execution["start_time"],
                "endtime": execution["end_time"],
            },
        )
        flakefighter_results.append(execution_results)
        for name, classification in execution["flakefighter_results"].items():
            ET.SubElement(execution_results, name).text = classification
    test_results = ET.SubElement(flakefighter_results, "test")
    for name, classification in report["flakefighter_results"].items():
        ET.SubElement(test_results, name).text = classification
    print(ET.tostring(flakefighter_results, encoding="unicode"))
`;

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 17, 53, s, 448));
const exec = (outcome: Execution['outcome'], s: number, results: Execution['results'] = []): Execution => ({
  outcome, startTime: at(s), endTime: at(s + 1), stdout: null, stderr: null, report: outcome === 'passed' ? 'None' : 'AssertionError', coverage: null, exception: null, results,
});
const tests: Test[] = [
  { name: 'tests/test_a.py::test_pass', fspath: 'tests/test_a.py', lineNo: 1, skipped: false, results: [], executions: [exec('passed', 1)] },
  {
    name: 'tests/test_a.py::test_verdicts', fspath: 'tests/test_a.py', lineNo: 5, skipped: false,
    results: [{ name: 'CoverageIndependence', flaky: false }],
    executions: [exec('passed', 3, [{ name: 'DiffCov', flaky: true }, { name: 'TracebackMatching', flaky: false }])],
  },
  {
    name: 'tests/test_b.py::TestB::test_rerun', fspath: 'tests/test_b.py', lineNo: 9, skipped: false, results: [],
    executions: [exec('failed', 5, [{ name: 'TracebackMatching', flaky: true }]), exec('passed', 7)],
  },
];

test("each testcase's <flakefighterresults> is the plugin's ElementTree output for the same test (real python3)", () => {
  const data: ReportData = {
    run: { startTime: at(0), root: '', commitSha: null, tests, activeFlakefighters: [], meta: { uuid: 'u-1' } },
    history: [], files: [], dialects: ['pytest'], flakefighters: [], warnings: [], database: { kind: 'sqlite', description: 'x' },
  };
  const ours = [...renderEnrichedJunit(data).matchAll(/<flakefighterresults>.*?<\/flakefighterresults>/g)].map((m) => m[0]);
  // What the plugin keeps per test (stage_metadata["executions"], flakefighter_results), verdicts as their text.
  const verdicts = (rs: { name: string; flaky: boolean }[]) => Object.fromEntries(rs.map((r) => [r.name, r.flaky ? 'flaky' : 'genuine']));
  const reports = tests.map((t) => ({
    executions: t.executions.map((e) => ({ outcome: e.outcome, start_time: isoMicros(e.startTime), end_time: isoMicros(e.endTime), flakefighter_results: verdicts(e.results) })),
    flakefighter_results: verdicts(t.results),
  }));
  const py = spawnSync('python3', ['-c', PLUGIN_ELEMENT], { input: JSON.stringify(reports), encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const plugin = py.stdout.trim().split('\n');
  assert.deepEqual(ours, plugin);
  assert.equal(ours[0], '<flakefighterresults><execution outcome="passed" starttime="2026-11-25T17:53:01.448000" endtime="2026-11-25T17:53:02.448000" /><test /></flakefighterresults>');
});
