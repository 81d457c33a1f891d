/**
 * Verdicts learned after their run was saved (issue 18) as the traceback flakefighters read them: a stored failure
 * flaky only by a learned verdict is flaky history for TracebackMatching and CosineSimilarity, whose evidence chains
 * back to the re-run that passed; hideLearnedAfter gives the history as it read at an earlier moment.
 */
import { describe, test as it } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity } from '../../src/flakefighters/cosine-similarity.ts';
import { TracebackMatching } from '../../src/flakefighters/traceback-matching.ts';
import { hideLearnedAfter, learnedFlakyOnly } from '../../src/learned-verdicts.ts';
import type { FlakefighterResult, Run } from '../../src/model.ts';
import { context, exception, execution, run, test } from './builders.ts';

const TB: [string, number, number | null, string | null][] = [
  ['tests/test_quotes.py', 5, null, 'quote = fetch_quote("ACME")'],
  ['quotes/feed.py', 12, null, 'raise FeedTimeout(f"quote feed did not answer for {symbol} within 2 s")'],
];
const LEARNED_AT = new Date('2026-11-25T12:30:00Z');

function learnedVerdict(): FlakefighterResult {
  return {
    name: 'OutcomeFlip',
    flaky: true,
    evidence: { reason: 'passed later in run #40 attempt 2 (ci.yml › test › python 3.11)', runUuid: 'teacher' },
    learned: { at: LEARNED_AT, fromRunUuid: 'teacher' },
  };
}

/** Run #40 attempt 1: the failure was genuine when classified; the re-run's pass appended a learned verdict. */
function storedFailure(learned: boolean): Run {
  const results: FlakefighterResult[] = [{ name: 'TracebackMatching', flaky: false }];
  if (learned) results.push(learnedVerdict());
  return run([test('tests/test_quotes.py::test_quote_has_price', [execution('failed', { exception: exception(TB), results })])], {
    id: 7,
    root: '/w',
    startTime: new Date('2026-11-25T12:00:00Z'),
    meta: { uuid: 'attempt-1', runNumber: 40, runAttempt: 1 },
  });
}

function current(): Run {
  return run([test('tests/test_quotes.py::test_quote_has_price', [execution('failed', { exception: exception(TB) })])], {
    root: '/w',
    startTime: new Date('2026-11-25T13:00:00Z'),
    meta: { uuid: 'now' },
  });
}

describe('learned verdicts in traceback history', () => {
  for (const make of [() => new TracebackMatching(), () => new CosineSimilarity()]) {
    it(`${make().name}: flaky by the learned verdict, with the chain back to the re-run; genuine without it`, () => {
      const now = current();
      make().classify(context(now, [storedFailure(true)]));
      const [r] = now.tests[0].executions[0].results;
      assert.equal(r.flaky, true);
      assert.match(String(r.evidence?.reason), /a flaky failure of run #40 \(tests\/test_quotes\.py::test_quote_has_price\), which passed later in run #40 attempt 2 \(ci\.yml › test › python 3\.11\)/);
      assert.deepEqual(r.evidence?.learnedFrom, { at: LEARNED_AT.toISOString(), runUuid: 'teacher', reason: 'passed later in run #40 attempt 2 (ci.yml › test › python 3.11)' });

      const again = current();
      make().classify(context(again, [storedFailure(false)]));
      assert.equal(again.tests[0].executions[0].results[0].flaky, false);
    });
  }

  it('a test some flakefighter called flaky at the time needs no chain', () => {
    const t = storedFailure(true).tests[0];
    assert.ok(learnedFlakyOnly(t));
    t.executions[0].results.push({ name: 'DiffCov', flaky: true });
    assert.equal(learnedFlakyOnly(t), null);
  });

  it('hideLearnedAfter: the history as it read before the verdict was learned, and unchanged after', () => {
    const h = [storedFailure(true)];
    const before = hideLearnedAfter(h, new Date(LEARNED_AT.getTime() - 1));
    assert.deepEqual(before[0].tests[0].executions[0].results.map((r) => r.name), ['TracebackMatching']);
    assert.equal(hideLearnedAfter(h, LEARNED_AT)[0].tests[0].executions[0].results.length, 1, 'learned at the moment itself: not yet known');
    assert.strictEqual(hideLearnedAfter(h, new Date(LEARNED_AT.getTime() + 1))[0], h[0], 'nothing to hide: the same run');
    assert.equal(h[0].tests[0].executions[0].results.length, 2, 'the stored run is not changed');
  });
});
