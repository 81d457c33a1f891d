import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countRun, failuresOf, flipRanking, relativeToRoot, timelines } from '../../src/report/facts.ts';
import { escapeMarkdown, stripInvalidXmlChars } from '../../src/report/text.ts';
import { makeReportData } from './report-fixture.ts';

describe('report facts', () => {
  const data = makeReportData();

  test('counts follow verdictOf: a failure is flaky when any flakefighter said so', () => {
    assert.deepEqual(countRun(data.run), { total: 11, passed: 4, failed: 6, skipped: 1, flaky: 3, genuine: 3 });
    const f = failuresOf(data.run);
    assert.deepEqual(f.map((x) => x.verdict), ['genuine', 'genuine', 'genuine', 'flaky', 'flaky', 'flaky']);
    // One reason per flakefighter even when it flagged several executions.
    assert.deepEqual(f[3].reasons.map(({ name, reason }) => ({ name, reason })), [{ name: 'OutcomeFlip', reason: 'failed then passed on retry in this run' }]);
    // pytest's "E   ..." line is the message when the execution has none.
    assert.equal(f[1].message, "ValueError: invalid literal for int() with base 10: 'lots'");
  });

  test('flip ranking counts pass/fail changes over executions in run order, retries included', () => {
    const ranked = flipRanking(data);
    const supplier = ranked.find((r) => r.name.endsWith('test_supplier_online'))!;
    // Runs 35..42 alternate P, (F,P), ... and this run is (F,P): P FP P FP P FP P FP FP → 14 executions, 10 changes.
    assert.equal(supplier.executions, 14);
    assert.equal(supplier.flips, 10);
    assert.equal(supplier.runs, 9);
    assert.equal(ranked[0], supplier);
    assert.ok(!ranked.some((r) => r.name.endsWith('test_add_item')), 'tests that never flipped are not ranked');
    const discount = ranked.find((r) => r.name.endsWith('test_apply_discount'))!;
    assert.deepEqual([discount.flips, discount.executions], [1, 9]);
  });

  test('timelines give each test its verdict per run, oldest first, absent where it did not run', () => {
    const { runs, cells } = timelines(data, ['com.shop.CartTest.testTotal', 'nope'], 5);
    assert.equal(runs.length, 5);
    assert.equal(runs[4], data.run);
    assert.deepEqual(cells.get('nope'), ['absent', 'absent', 'absent', 'absent', 'absent']);
    // Run #37 (variant 3) lacks the Java test.
    const all = timelines(data, ['com.shop.CartTest.testTotal']);
    assert.deepEqual(all.cells.get('com.shop.CartTest.testTotal'), ['genuine', 'genuine', 'absent', 'genuine', 'genuine', 'genuine', 'genuine', 'genuine', 'genuine']);
  });

  test('paths and escaping', () => {
    assert.equal(relativeToRoot('/r/a/b.py', '/r'), 'a/b.py');
    assert.equal(relativeToRoot('/r/a/b.py', '/r/'), 'a/b.py');
    assert.equal(relativeToRoot('/rx/b.py', '/r'), null);
    assert.equal(relativeToRoot('./a.py', '/r'), 'a.py');
    assert.equal(relativeToRoot('../a.py', '/r'), null);
    assert.equal(escapeMarkdown('a|b <c> `d` *e* [f](g)\nh'), 'a\\|b &lt;c&gt; \\`d\\` \\*e\\* \\[f\\](g) h');
    assert.equal(stripInvalidXmlChars('a\x00b\x1bc\td\uFFFEe😀'), 'abc\tde😀');
  });
});
