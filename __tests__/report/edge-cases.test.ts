import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnnotations } from '../../src/report/annotations.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderJsonReport } from '../../src/report/json-report.ts';
import { renderEnrichedJunit } from '../../src/report/junit-report.ts';
import { renderPrComment } from '../../src/report/pr-comment.ts';
import type { ReportData } from '../../src/report/report-data.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { renderTerminalTable } from '../../src/report/terminal.ts';
import { readFileSync } from 'node:fs';
import { validate } from './json-schema-check.ts';

const empty: ReportData = {
  run: { startTime: new Date(Number.NaN), root: '', commitSha: null, tests: [], activeFlakefighters: [], meta: { uuid: 'u-1' } },
  history: [],
  files: [],
  dialects: [],
  flakefighters: [],
  warnings: [],
  database: { kind: 'sqlite', description: 'flakefighters.db' },
  links: [{ label: 'evil', url: 'javascript:alert(1)' }],
};

test('an empty run with no history renders everywhere, and only http(s) links are shown', () => {
  const outs = [renderSummary(empty), renderPrComment(empty), renderTerminalTable(empty), renderHtmlReport(empty), renderJsonReport(empty), renderEnrichedJunit(empty)];
  for (const o of outs) assert.ok(!o.includes('javascript:'));
  assert.match(outs[0], /^## ✅ flakefighters: no test results\n/);
  assert.deepEqual(buildAnnotations(empty), []);
  assert.match(outs[3], /No test failed in this run/);
  assert.match(outs[5], /<testsuite name="flakefighters" errors="0" failures="0" skipped="0" tests="0" time="0.000">/);
  const schema = JSON.parse(readFileSync(new URL('../../docs/report-schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(validate(schema, JSON.parse(outs[4])), []);
});

test('a failure with no verdicts at all is genuine, and has no location without file or frames', () => {
  const data: ReportData = {
    ...empty,
    run: {
      ...empty.run,
      startTime: new Date('2026-01-01T00:00:00Z'),
      tests: [{ name: 'suite.case', fspath: '', lineNo: null, skipped: false, results: [], executions: [{ outcome: 'failed', startTime: null, endTime: null, stdout: null, stderr: null, report: '', coverage: null, exception: null, results: [] }] }],
    },
  };
  const [a] = buildAnnotations(data);
  assert.deepEqual(a, { level: 'error', title: 'Genuine: suite.case', message: 'Genuine failure' });
  assert.match(renderSummary(data), /\| suite\.case \| 🔴 genuine \| no flakefighter said flaky \|/);
  assert.match(renderEnrichedJunit(data), /<testcase classname="suite" name="case" time="0.000"><failure message=""><\/failure><flakefighterresults><execution outcome="failed" \/><test \/><\/flakefighterresults><\/testcase>/);
});

test('a connection string in the database description never reaches a report', () => {
  const data: ReportData = { ...empty, database: { kind: 'postgres', description: 'postgres at postgres://ci:s3cret@db.example:5432/flaky (TLS)' } };
  for (const out of [renderSummary(data), renderHtmlReport(data), renderJsonReport(data), renderTerminalTable(data)]) {
    assert.ok(!out.includes('s3cret'));
    assert.ok(out.includes('url hidden'));
  }
});
