import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTerminalTable } from '../../src/report/terminal.ts';
import { makeBigReportData, makeReportData } from './report-fixture.ts';

describe('renderTerminalTable', () => {
  test('aligned columns with the verdict of each failing test, then totals and warnings', () => {
    const out = renderTerminalTable(makeReportData());
    const lines = out.split('\n');
    assert.equal(lines[0], '✖ flakefighters: 6 failed: 3 genuine, 3 flaky · 4 passed · 1 skipped (11 tests)');
    const header = lines[2];
    assert.match(header, /^VERDICT +TEST +FLAKY ACCORDING TO +MESSAGE$/);
    const rows = lines.slice(3, 9);
    assert.deepEqual(rows.map((r) => r.split(/\s+/)[0]), ['genuine', 'genuine', 'genuine', 'flaky', 'flaky', 'flaky']);
    // Every column starts at the same offset in every row.
    const testCol = header.indexOf('TEST');
    const whyCol = header.indexOf('FLAKY ACCORDING TO');
    const msgCol = header.indexOf('MESSAGE');
    for (const r of rows) {
      assert.notEqual(r[testCol - 1], undefined);
      assert.equal(r[testCol - 1], ' ');
      assert.notEqual(r[testCol], ' ');
      assert.notEqual(r[whyCol], ' ', r);
      assert.equal(r[whyCol - 1], ' ', r);
      assert.notEqual(r[msgCol], ' ', r);
    }
    assert.match(rows[4], /tests\/test_net\.py::test_timeout +TracebackMatching, CosineSimilarity +TimeoutError: read timed out after 5s$/);
    // Control characters in messages never reach the terminal.
    assert.ok(!/[\x00\x1b]/.test(out));
    assert.match(out, /Flaky according to: OutcomeFlip 1, TracebackMatching 1, CosineSimilarity 2/);
    assert.match(out, /History: 8 earlier runs from artifact flakefighters-db of run #41 · database sqlite/);
    assert.match(out, /warning: CoverageIndependence: no coverage given; no verdict/);
  });

  test('colour only when asked, without breaking alignment', () => {
    const plain = renderTerminalTable(makeReportData());
    const coloured = renderTerminalTable(makeReportData(), { color: true });
    assert.match(coloured, /\x1b\[31mgenuine\x1b\[0m/);
    assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain);
  });

  test('rows are capped with a count of the rest', () => {
    const out = renderTerminalTable(makeBigReportData(1000, 800, 0), { maxRows: 100 });
    assert.match(out, /… and 700 more failures \(see the JSON\/HTML report\)/);
    assert.match(out, /^✖ flakefighters: 800 failed: 400 genuine, 400 flaky · 200 passed \(1,000 tests\)/);
  });
});
