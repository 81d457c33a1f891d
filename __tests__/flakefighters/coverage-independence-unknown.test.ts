/**
 * CoverageIndependence and a test whose coverage is unknown: left out of the clustering whole (its
 * other executions too), and a failing one gets a noVerdict row instead of "clustered with passes".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoverageIndependence } from '../../src/flakefighters/coverage-independence.ts';
import { testFlaky } from '../../src/model.ts';
import { context, execution, run, test as mkTest } from './builders.ts';

test('a failing test with an execution of unknown coverage gets no verdict; the others are clustered without it', () => {
  const same = { '/r/app.py': [1, 2] };
  const cur = run([
    mkTest('a', [execution('passed', { coverage: same })]),
    mkTest('b', [execution('passed', { coverage: same })]),
    // Its passing rerun ran the same lines as a and b, but what the failure ran is unknown.
    mkTest('c', [execution('failed', { coverage: null }), execution('passed', { coverage: same })]),
    mkTest('d', [execution('passed', { coverage: null })]),
  ]);
  const ctx = context(cur);
  new CoverageIndependence().classify(ctx);
  assert.deepEqual(cur.tests.map((t) => t.results.map((r) => [r.flaky, r.evidence?.noVerdict ?? false])), [[[false, false]], [[false, false]], [[false, true]], []]);
  assert.equal(testFlaky(cur.tests[2]), false);
  assert.match(String(cur.tests[2].results[0].evidence?.reason), /^no verdict: an execution of this test has no known per-test coverage/);
  assert.deepEqual(ctx.warnings, ['CoverageIndependence: 2 test(s) have executions without per-test coverage and were left out of the clustering; no verdict for them']);
});
