/**
 * OutcomeFlip's rule on the model alone: evidence only from the same code (sameCode) in the same
 * environment (sameEnvironment), whether the store selected the runs (sameCommitRuns) or they come from
 * plain history (sync's reclassification passes no sameCommitRuns).
 */
import { test as it } from 'node:test';
import assert from 'node:assert/strict';
import { OutcomeFlip } from '../../src/flakefighters/outcome-flip.ts';
import type { Run, RunMeta } from '../../src/model.ts';
import { context, execution, run, test } from './builders.ts';

const SHA = 'f'.repeat(40);
const LEG_A = { environment: 'A', environmentLabel: 'ci.yml › test › python 3.12' };
const LEG_B = { environment: 'B', environmentLabel: 'ci.yml › test › python 3.9' };

function stored(id: number, outcome: 'passed' | 'failed', meta: Partial<RunMeta>, commitSha: string | null = SHA): Run {
  return run([test('t', [execution(outcome)])], { id, commitSha, meta: { uuid: `u${id}`, ...meta } });
}
function current(meta: Partial<RunMeta>, executions = [execution('failed')], commitSha: string | null = SHA): Run {
  return run([test('t', executions)], { commitSha, meta: { uuid: 'now', ...meta } });
}
function verdict(now: Run, history: Run[], viaStore: boolean) {
  const ctx = context(now, history);
  if (viaStore) ctx.sameCommitRuns = history.filter((h) => h.commitSha === now.commitSha && h.meta.environment === now.meta.environment);
  new OutcomeFlip().classify(ctx);
  const r = now.tests[0].executions.find((e) => e.outcome === 'failed')!.results[0];
  return { flaky: r.flaky, reason: r.evidence!.reason };
}

for (const viaStore of [true, false]) {
  const how = viaStore ? 'runs selected by the store' : 'plain history';
  it(`a pass on another leg of the commit is no evidence; a pass on the same leg is (${how})`, () => {
    const history = [stored(2, 'passed', { ...LEG_B, runNumber: 41, runAttempt: 1 })];
    assert.deepEqual(verdict(current(LEG_A), history, viaStore), {
      flaky: false,
      reason: 'never passed on this commit fffffff, in this run or in 0 stored run(s) of this environment (ci.yml › test › python 3.12)',
    });
    history.push(stored(1, 'passed', { ...LEG_A, runNumber: 41, runAttempt: 1 }));
    assert.deepEqual(verdict(current({ ...LEG_A, runNumber: 41, runAttempt: 2 }), history, viaStore), {
      flaky: true,
      reason: 'passed on the same commit fffffff in run #41 attempt 1 (ci.yml › test › python 3.12)',
    });
  });

  it(`runs of no known environment (plugin runs, older rows) never match, nor does this one when its own is unknown (${how})`, () => {
    const plugin = stored(1, 'passed', { source: 'plugin' });
    assert.equal(verdict(current(LEG_A), [plugin], viaStore).flaky, false);
    const old = stored(2, 'passed', { environment: null });
    const now = current({ environment: null });
    assert.deepEqual(verdict(now, [old], false), { flaky: false, reason: 'never passed in this run; the environment is unknown, so stored runs were not compared' });
  });

  it(`a dirty working tree is the same code as no run, either way round (${how})`, () => {
    const machine = { environment: 'M', environmentLabel: 'dev-box (linux x64)' };
    const dirty = current({ ...machine, dirtyTree: true });
    assert.deepEqual(verdict(dirty, [stored(1, 'passed', machine)], viaStore), {
      flaky: false,
      reason: 'never passed in this run; the working tree had uncommitted changes, so no stored run of fffffff is the same code',
    });
    assert.equal(dirty.tests[0].executions[0].results[0].evidence?.noVerdict, true);
    assert.equal(verdict(current(machine), [stored(1, 'passed', { ...machine, dirtyTree: true })], viaStore).flaky, false);
    assert.deepEqual(verdict(current(machine), [stored(1, 'passed', { ...machine, dirtyTree: false })], viaStore), {
      flaky: true,
      reason: 'passed on the same commit fffffff in run #1 (dev-box (linux x64))',
    });
  });
}

it('another commit in the same environment is no evidence; an unknown commit compares with nothing', () => {
  assert.equal(verdict(current(LEG_A), [stored(1, 'passed', LEG_A, 'e'.repeat(40))], false).flaky, false);
  assert.deepEqual(verdict(current(LEG_A, [execution('failed')], null), [stored(1, 'passed', LEG_A, null)], false), {
    flaky: false,
    reason: 'never passed in this run; the commit is unknown, so stored runs were not compared',
  });
});

it('a failing and a passing execution of one test in this run (a retry the ingest kept) is flaky, whatever the environment', () => {
  const now = current({ dirtyTree: true }, [execution('failed'), execution('skipped'), execution('passed')]);
  assert.deepEqual(verdict(now, [], false), { flaky: true, reason: 'failed 1× and passed 1× in this run (retry or repeated testcase)' });
});

it('without a matrix input, two runs of one attempt in one environment are two legs: no run of it is evidence', () => {
  const runner = { environment: '["action",".github/workflows/ci.yml","test","runner:Linux/X64"]', environmentLabel: 'ci.yml › test › Linux/X64' };
  const sibling = stored(1, 'passed', { ...runner, runId: '900', runAttempt: 1, runNumber: 41 });
  const now = current({ ...runner, runId: '900', runAttempt: 1, runNumber: 41 });
  const v = verdict(now, [sibling], true);
  assert.equal(v.flaky, false);
  assert.equal(now.tests[0].executions[0].results[0].evidence?.noVerdict, true, 'an abstention, not a genuine verdict');
  assert.match(v.reason, /^no verdict from stored runs: it passed in run #41 attempt 1, but workflow run #41 saved more than one run in one attempt as ci\.yml › test › Linux\/X64/);
  // A re-run of one leg: attempt 1 saved both legs.
  const mine = stored(2, 'failed', { ...runner, runId: '900', runAttempt: 1, runNumber: 41 });
  assert.equal(verdict(current({ ...runner, runId: '900', runAttempt: 2, runNumber: 41 }), [mine, sibling], true).flaky, false);
  // One job per attempt: an earlier attempt is the same leg.
  assert.equal(verdict(current({ ...runner, runId: '900', runAttempt: 2, runNumber: 41 }), [sibling], true).flaky, true);
  // With the matrix input the key names the leg: two steps of one job are one environment.
  const matrix = { environment: '["action",".github/workflows/ci.yml","test","matrix:{\\"python\\":\\"3.9\\"}"]', environmentLabel: 'x' };
  const step1 = stored(3, 'passed', { ...matrix, runId: '900', runAttempt: 1, runNumber: 41 });
  assert.equal(verdict(current({ ...matrix, runId: '900', runAttempt: 1, runNumber: 41 }), [step1], true).flaky, true);
});
