/**
 * Issue 18's "done when", through the built dist/index.js (`npm run build` first): on a realistic CI history recorded
 * with real pytest (__tests__/fixtures/learn-history: a flaky test failing on some commits and passing on their
 * re-runs, one real regression), a flaky failure is called flaky exactly when an earlier failure with its traceback
 * passed on a re-run of its commit before it, and the regression is never called flaky. The before/after numbers
 * (learning disabled vs. enabled) come from scripts/measure-learning.ts (see the fixture README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distIndex } from '../../scripts/local-runner.ts';
import { FLAKY_TEST, REGRESSED_TEST, measure } from '../../scripts/measure-learning.ts';

test('learned from re-runs: every flaky failure after the first re-run that passed is flaky; the regression never is', async () => {
  const m = await measure(distIndex);
  assert.ok(m.flakyFailures >= 2 && m.genuineFailures >= 1, 'the recording holds flaky failures and the regression');
  const learnedCommits = new Set<string>();
  const failedOn = new Set<string>();
  const expected: string[] = [];
  const got: string[] = [];
  for (const r of m.runs) {
    const name = `${r.entry.file} ${r.failures.get(FLAKY_TEST) ?? 'passed'}`;
    if (r.failures.has(FLAKY_TEST)) {
      // Known flaky at this moment: some earlier failure with this traceback passed on its commit's re-run.
      expected.push(`${r.entry.file} ${learnedCommits.size > 0 ? 'flaky' : 'genuine'}`);
      got.push(name);
      failedOn.add(r.entry.commit);
    } else if (failedOn.has(r.entry.commit)) {
      learnedCommits.add(r.entry.commit);
    }
    assert.notEqual(r.failures.get(REGRESSED_TEST), 'flaky', `${r.entry.file}: the regression is genuine`);
  }
  assert.deepEqual(got, expected);
  assert.equal(m.genuineCalledFlaky, 0);
  assert.ok(m.flakyFound > 0, 'learning found flaky failures');
});
