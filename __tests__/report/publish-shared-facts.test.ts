/**
 * publish sorts the run's failures and flagged tests out once, with the report files (sharingFacts), and hands them to
 * the annotations and the summary: what it writes must be what each renders on its own from the same data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publish } from '../../src/action/publish.ts';
import { readConfig } from '../../src/config/inputs.ts';
import type { Log } from '../../src/log.ts';
import type { PipelineResult } from '../../src/pipeline.ts';
import { buildAnnotations } from '../../src/report/annotations.ts';
import { countRun, flaggedButPassed, sharingFacts } from '../../src/report/facts.ts';
import { renderSummary } from '../../src/report/summary.ts';
import { makeReportData } from './report-fixture.ts';

test('the summary and annotations publish writes equal those rendered alone (failures, flagged tests)', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'ffa-publish-facts-'));
  try {
    const data = makeReportData();
    // The fixture has a test flagged flaky although it passed, and genuine and flaky failures.
    assert.equal(flaggedButPassed(data.run).length, 1);
    // Rendered alone first (rendering changes nothing; publish without a context uploads nothing and adds no warning).
    const alone = { summary: renderSummary(data), annotations: buildAnnotations(data, { max: 50 }) };
    const cfg = readConfig((n) => ({ 'test-results': 'junit.xml', 'report-dir': 'ffa-report' })[n] ?? '', ws);
    const result: PipelineResult = { data, counts: countRun(data.run), flakyTests: [], savedRunId: null, database: 'sqlite', sqlitePath: null, fellBack: false, failure: null };
    const logged: { level: string; message: string; title?: string }[] = [];
    const log: Log = {
      info: () => {},
      debug: () => {},
      warning: (message, p) => logged.push({ level: 'warning', message, title: p?.title }),
      error: (message, p) => logged.push({ level: 'error', message, title: p?.title }),
    };
    let summary = '';
    await publish(result, cfg, null, log, { setOutput: () => {}, writeSummary: async (md) => void (summary = md) });
    assert.equal(summary, alone.summary);
    assert.match(summary, /1 test flagged flaky although it passed in this run/);
    assert.deepEqual(
      logged,
      alone.annotations.map((a) => ({ level: a.level, message: a.message, title: a.title })),
    );
    // A nested scope of the same data reads the facts of the outer one.
    const facts = sharingFacts(data, () => {
      const outer = flaggedButPassed(data.run);
      const inner = sharingFacts(data, () => flaggedButPassed(data.run));
      return { outer, inner };
    });
    assert.deepEqual(facts.inner, facts.outer);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
