/**
 * What the job summary explains: the leg it ran on, why a genuine failure is genuine (the flakefighters' own reasons),
 * links from evidence and history to workflow runs (with the attempt), how often each failing test flaked, and every
 * warning of the run before the failures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSummary } from '../../src/report/summary.ts';
import { renderPrComment } from '../../src/report/pr-comment.ts';
import { makeReportData } from './report-fixture.ts';

function data() {
  const d = makeReportData();
  d.run.meta.environmentLabel = 'ci.yml › test › os windows-latest, python 3.12';
  const discount = d.run.tests.find((t) => t.name.endsWith('test_apply_discount'))!;
  const failed = discount.executions.find((e) => e.outcome === 'failed')!;
  failed.results = [
    { name: 'OutcomeFlip', flaky: false, evidence: { reason: 'never passed on this commit aab1ec1, in this run or in 8 stored run(s) of this environment' } },
    { name: 'TracebackMatching', flaky: false, evidence: { reason: 'no earlier flaky failure with the same traceback' } },
  ];
  // A flaky verdict pointing at run #41's second attempt.
  const ref = d.history.find((r) => r.id === 41)!;
  ref.meta.runAttempt = 2;
  const supplier = d.run.tests.find((t) => t.name.endsWith('test_supplier_online'))!;
  supplier.executions[0]!.results = [{ name: 'OutcomeFlip', flaky: true, evidence: { reason: 'passed on the same commit aab1ec1 in run #41 attempt 2', runId: 41, runUuid: ref.meta.uuid, testName: supplier.name } }];
  d.warnings = Array.from({ length: 150 }, (_, i) => `warning number ${i + 1}`);
  return d;
}

test('the summary names the leg, explains genuine rows, links evidence runs with their attempt, says how often each test flaked', () => {
  const md = renderSummary(data());
  assert.match(md.split('\n')[2]!, /leg \*\*ci\.yml › test › os windows-latest, python 3\.12\*\*/);
  const row = (name: string) => md.split('\n').find((l) => l.startsWith('| ') && l.includes(name))!;
  const discount = row('test\\_apply\\_discount');
  assert.match(discount, /🔴 genuine<br><sub>failed \d+ of 9 runs<\/sub>/);
  assert.match(discount, /\*\*OutcomeFlip\*\*: never passed on this commit aab1ec1, in this run or in 8 stored run\(s\) of this environment<br>\*\*TracebackMatching\*\*: no earlier flaky failure with the same traceback/);
  const supplier = row('test\\_supplier\\_online');
  assert.match(supplier, /🟡 flaky<br><sub>flaked \d+ of 9 runs<\/sub>/);
  assert.match(supplier, /\(\[run \\#41\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1007\/attempts\/2\)\)/);
  assert.match(md, /\| \[#41\]\(https:\/\/github\.com\/acme\/shop\/actions\/runs\/1007\/attempts\/2\) \|/, 'the history row links the attempt too');
});

test('every warning is listed, before the failures', () => {
  const md = renderSummary(data());
  assert.match(md, /### Warnings \(150\)/);
  for (const n of [1, 75, 150]) assert.ok(md.includes(`- ⚠️ warning number ${n}\n`), `warning ${n}`);
  assert.ok(md.indexOf('### Warnings') < md.indexOf('### Failures'));
});

test('the single-comment renderer (kept for callers) uses the same rows', () => {
  const md = renderPrComment(data());
  assert.match(md, /\| Test \| Verdict \| Why \|/);
  assert.match(md, /never passed on this commit aab1ec1/);
});
