/**
 * Issue 17, goal 3: the summary says how big the history database is, what retention keeps, and which
 * store-max-runs would keep it under half its size. Renderer tests here; the real files (sql.js through the
 * built action, PostgreSQL through the pipeline) are in __tests__/e2e/database-size.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSummary } from '../../src/report/summary.ts';
import { databaseSizeLine, formatBytes } from '../../src/report/database-size-line.ts';
import { roundTargetBelow, runsUnder } from '../../src/store/database-size.ts';
import type { DatabaseSizeFacts } from '../../src/report/report-data.ts';
import { makeReportData } from './report-fixture.ts';

const MiB = 1024 * 1024;
const facts = (o: Partial<DatabaseSizeFacts> = {}): DatabaseSizeFacts => ({
  bytes: 43_000_000,
  usedBytes: 43_000_000,
  runs: 250,
  name: 'flakefighters.db',
  kept: { maxRuns: 1000, auto: true, since: null },
  fallback: false,
  ...o,
});

describe('the summary’s database size line', () => {
  test('size, runs, bytes per run, the retention and the store-max-runs that keeps it under half', () => {
    const md = renderSummary({ ...makeReportData(), databaseSize: facts() });
    // 43,000,000 B / 250 runs = 172,000 B a run; half is 20.5 MiB, so the round target is 20 MiB: 20,971,520 / 172,000 = 121 runs.
    const line = md.split('\n').find((l) => l.startsWith('database size: '));
    assert.equal(line, 'database size: flakefighters.db 41 MiB, 250 runs (~168 KiB per run) · retention: the newest 1,000 runs (store-max-runs auto) · `store-max-runs: 121` keeps it under 20 MiB  ');
    // It sits with the database line, before the history line.
    assert.ok(md.indexOf('database: sqlite') < md.indexOf('database size:') && md.indexOf('database size:') < md.indexOf('history: '));
  });

  test('no size line when the database could not say', () => {
    assert.doesNotMatch(renderSummary(makeReportData()), /database size:/);
  });

  test('PostgreSQL keeps every run unless told, and says how to prune', () => {
    const line = databaseSizeLine(facts({ name: null, bytes: 3 * 1024 ** 3, usedBytes: 3 * 1024 ** 3, runs: 12_000, kept: { maxRuns: null, auto: true, since: null } }));
    assert.equal(line, 'PostgreSQL tables 3.0 GiB, 12,000 runs (~262 KiB per run) · retention: every run (PostgreSQL; set store-max-runs or time-immemorial to prune) · `store-max-runs: 3906` keeps it under 1000 MiB');
  });

  test('a user retention with time-immemorial; a small file gets no advice', () => {
    const since = new Date(Date.UTC(2026, 10, 1));
    const line = databaseSizeLine(facts({ bytes: 900 * 1024, usedBytes: 900 * 1024, runs: 5, kept: { maxRuns: 50, auto: false, since } }));
    assert.match(line, /^flakefighters\.db 900 KiB, 5 runs \(~180 KiB per run\) · retention: the newest 50 runs, none from before 2026-11-01.* \(time-immemorial\)$/);
  });

  test('free pages left by pruned runs are named; the per-run figure counts pages in use only', () => {
    const line = databaseSizeLine(facts({ bytes: 60 * MiB, usedBytes: 40 * MiB, runs: 200 }));
    assert.match(line, /^flakefighters\.db 60 MiB, 200 runs \(~205 KiB per run\) · 20 MiB of it free pages of pruned runs, reused by later runs · /);
    assert.match(line, /`store-max-runs: 100` keeps it under 20 MiB$/);
  });

  test('the fallback file is never pruned, and says so', () => {
    assert.match(databaseSizeLine(facts({ fallback: true, kept: { maxRuns: null, auto: false, since: null } })), /the fallback file is never pruned/);
  });

  test('round targets and runs under a size', () => {
    assert.equal(roundTargetBelow(41 * MiB), 20 * MiB);
    assert.equal(roundTargetBelow(9 * MiB), 2 * MiB);
    assert.equal(roundTargetBelow(1.5 * MiB), null);
    assert.equal(roundTargetBelow(2 * 1024 * MiB), 1000 * MiB);
    assert.equal(runsUnder({ bytes: 100, usedBytes: 100, runs: 0 }, 50), null);
    assert.equal(runsUnder({ bytes: 10 * MiB, usedBytes: 10 * MiB, runs: 10 }, 0.5 * MiB), 1, 'never below one run');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
  });
});
