/**
 * Review of settleRun (model.ts): the failing tests, the tests to judge and the counts read from a settled run are
 * what the plain passes over every test give, for runs with every shape of test; results added after settling (all
 * the flakefighters do) change the counts as they would unsettled; a run whose tests array is replaced or grown is
 * read the plain way again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execution } from './flakefighters/builders.ts';
import { countRun, failingTests, isFailing, settleRun, testFailed, testsToJudge, verdictOf, type Execution, type Outcome, type Run, type Test } from '../src/model.ts';

function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

const OUTCOMES: Outcome[] = ['passed', 'failed', 'error', 'skipped'];

function randomRun(seed: number): Run {
  const next = rng(seed);
  const tests: Test[] = [];
  for (let i = 0; i < 3000; i++) {
    const executions: Execution[] = Array.from({ length: Math.floor(next() * 4) }, () =>
      execution(OUTCOMES[Math.floor(next() * 4)], {
        // Now and then an exception on an execution that did not fail (a teardown, a warning).
        exception: next() < 0.2 ? { name: 'E', frames: [] } : null,
        results: next() < 0.2 ? [{ name: 'OutcomeFlip', flaky: next() < 0.5 }] : [],
      }),
    );
    tests.push({ name: `t${i}`, fspath: '', lineNo: null, skipped: next() < 0.1, executions, results: next() < 0.1 ? [{ name: 'X', flaky: next() < 0.5 }] : [] });
  }
  return { startTime: new Date(0), root: '/r', commitSha: null, tests, activeFlakefighters: [], meta: {} } as unknown as Run;
}

const names = (ts: readonly Test[]) => ts.map((t) => t.name);
const mayBeJudged = (t: Test) => t.executions.some((e) => isFailing(e.outcome) || e.exception !== null);

function plainCounts(run: Run) {
  const c = { total: run.tests.length, passed: 0, failed: 0, skipped: 0, flaky: 0, genuine: 0 };
  for (const t of run.tests) {
    const v = verdictOf(t);
    if (v === 'flaky' || v === 'genuine') c.failed++;
    c[v]++;
  }
  return c;
}

test('a settled run gives the failing tests, the tests to judge and the counts of the plain passes', () => {
  for (const seed of [1, 2, 3]) {
    const run = randomRun(seed);
    settleRun(run);
    assert.deepEqual(names(failingTests(run)), names(run.tests.filter(testFailed)));
    // Every test that holds a judged execution is there, in run order; no test that holds none.
    assert.deepEqual(names(testsToJudge(run)), names(run.tests.filter(mayBeJudged)));
    assert.notEqual(testsToJudge(run), run.tests, 'the settled list, not the whole run');
    assert.deepEqual(countRun(run), plainCounts(run));
    // Results added after settling, as the flakefighters add them: the counts follow.
    for (const t of failingTests(run)) t.results.push({ name: 'Late', flaky: Number(t.name.slice(1)) % 3 === 0 });
    assert.deepEqual(countRun(run), plainCounts(run));
  }
});

test('a settled run whose tests array is replaced or grown is read the plain way', () => {
  const run = randomRun(4);
  settleRun(run);
  const extra: Test = { name: 'late', fspath: '', lineNo: null, skipped: false, results: [], executions: [{ ...run.tests.find(testFailed)!.executions.find((e) => isFailing(e.outcome))! }] };
  run.tests.push(extra);
  assert.ok(names(failingTests(run)).includes('late'));
  assert.equal(testsToJudge(run), run.tests);
  assert.deepEqual(countRun(run), plainCounts(run));
  run.tests = run.tests.filter((t) => t !== extra);
  assert.ok(!names(failingTests(run)).includes('late'));
  assert.deepEqual(names(failingTests(run)), names(run.tests.filter(testFailed)));
  assert.deepEqual(countRun(run), plainCounts(run));
});
