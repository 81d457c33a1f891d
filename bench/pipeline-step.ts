/**
 * One whole pipeline step on a stored history, as a CI step runs it: read the run's JUnit file, open the database,
 * classify, save, and write the reports with the default report-dir (JSON, HTML, enriched JUnit) and the summary.
 * Issue 17: what the reports read of the history must not make the step grow with the runs kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../src/config/inputs.ts';
import type { Log } from '../src/log.ts';
import { runPipeline } from '../src/pipeline.ts';
import { renderSummary } from '../src/report/summary.ts';
import { writeReportFiles } from '../src/report/write-report-files.ts';
import { HISTORY, HISTORY_ROOT, writeJunit } from './generate.ts';
import { median } from './measure.ts';

const silent: Log = { info() {}, warning() {}, error() {}, debug() {} };

/** A database to run the steps on, thrown away afterwards (each step saves a run into it). */
export interface StepDatabase {
  /** Inputs naming it: database-path or database-url. */
  inputs: Record<string, string>;
  dispose(): Promise<void>;
}

/**
 * Median wall time of `runs` steps (after one warm-up) for the current run's JUnit file (the bench's current run: same
 * seed and shape), each a minute after the one before, all newer than every stored run.
 */
export async function measurePipelineStep(db: StepDatabase, start: Date, commitSha: string | null, runs: number): Promise<number> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-step-'));
  try {
    writeJunit(join(ws, 'junit.xml'), { tests: HISTORY.tests, seed: 77, failureRate: HISTORY.failureRate, depth: HISTORY.depth });
    const inputs: Record<string, string> = {
      'test-results': 'junit.xml',
      root: HISTORY_ROOT,
      'target-commit': commitSha ?? '',
      'upload-artifact': 'false',
      'history-from-artifact': 'false',
      // The action's default (readConfig takes the inputs as given).
      'report-dir': 'flakefighters-report',
      ...db.inputs,
    };
    const config = readConfig((n) => inputs[n] ?? '', ws);
    const once = async (i: number): Promise<number> => {
      const t = performance.now();
      const result = await runPipeline({ config, context: null, log: silent, source: 'cli', now: new Date(start.getTime() + i * 60_000) });
      writeReportFiles(result.data, config.reportDir);
      renderSummary(result.data);
      return performance.now() - t;
    };
    const warm = await once(0);
    if (warm > 60_000) return warm;
    const xs: number[] = [];
    for (let i = 1; i <= runs; i++) xs.push(await once(i));
    return median(xs);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}
