/**
 * The sql.js database (and the zipped artifact it becomes) per stored run, for a 1,000-test suite
 * saved 100 times through the real pipeline, with every run kept and with `store-max-runs: 10`; then issue 17's
 * goal 3 (bytes per stored run at most half of the 167 KiB measured before it) and what the default
 * retention (`store-max-runs: auto`, default-retention.ts) keeps at this size.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { readConfig } from '../src/config/inputs.ts';
import { runPipeline } from '../src/pipeline.ts';
import type { Log } from '../src/log.ts';
import type { BenchContext } from './run.ts';
import { writeJunit } from './generate.ts';
import { kib, mib, type Row } from './row.ts';
import { AUTO_MAX_RUNS, autoStoreMaxRuns } from '../src/store/default-retention.ts';

/** Bytes per stored run of this suite before issue 17 (its text: 167 KiB, 95% of it passing tests' rows). */
const BASELINE_PER_RUN = 167 * 1024;

const silent: Log = { info() {}, warning() {}, error() {}, debug() {} };

async function grow(storeMaxRuns: string, checkpoints: number[]): Promise<Map<number, { file: number; zip: number }>> {
  const ws = mkdtempSync(join(tmpdir(), 'ff-bench-size-'));
  const sizes = new Map<number, { file: number; zip: number }>();
  try {
    const last = Math.max(...checkpoints);
    for (let i = 1; i <= last; i++) {
      writeJunit(join(ws, 'junit.xml'), { tests: 1000, seed: i, failureRate: 0.02 });
      const inputs: Record<string, string> = { 'test-results': 'junit.xml', 'store-max-runs': storeMaxRuns, 'report-dir': '' };
      const config = readConfig((n) => inputs[n] ?? '', ws);
      await runPipeline({ config, context: null, log: silent, source: 'cli', now: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000) });
      if (checkpoints.includes(i)) {
        const db = join(ws, 'flakefighters.db');
        // @actions/artifact zips with deflate level 6; the raw deflate size is the zip's payload.
        sizes.set(i, { file: statSync(db).size, zip: deflateRawSync(readFileSync(db), { level: 6 }).length });
      }
    }
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
  return sizes;
}

export default async function dbSize(_ctx: BenchContext): Promise<Row[]> {
  const checkpoints = [1, 10, 100];
  const rows: Row[] = [];
  for (const [label, max] of [['all runs kept', 'all'], ['store-max-runs: 10', '10']] as const) {
    const sizes = await grow(max, checkpoints);
    const one = sizes.get(1)!;
    for (const n of checkpoints) {
      const s = sizes.get(n)!;
      rows.push({
        scenario: 'database size, 1,000-test suite',
        measure: `${label}, after ${n} run(s)`,
        value: `${kib(s.file)} (zip ${kib(s.zip)})`,
        baseline: n > 1 ? `after 1 run ${kib(one.file)}` : undefined,
        ratio: n > 1 ? s.file / one.file : undefined,
      });
    }
    if (max !== 'all') continue;
    const perRun = (sizes.get(100)!.file - one.file) / 99;
    const perZip = (sizes.get(100)!.zip - one.zip) / 99;
    rows.push({ scenario: 'database size, 1,000-test suite', measure: 'per stored run (1 → 100 runs)', value: `${kib(perRun)} (zip ${kib(perZip)})` });
    rows.push({
      scenario: 'goal 3: artifact database',
      measure: 'bytes per stored run, 1,000-test suite',
      value: kib(perRun),
      baseline: `${kib(BASELINE_PER_RUN)} (before issue 17)`,
      ratio: perRun / BASELINE_PER_RUN,
      target: '≤ 0.50×',
      met: perRun <= BASELINE_PER_RUN / 2,
    });
    const size = sizes.get(100)!;
    const kept = autoStoreMaxRuns({ bytes: size.file, usedBytes: size.file, runs: 100 }, undefined);
    rows.push({
      scenario: 'goal 3: artifact database',
      measure: `default retention (store-max-runs auto keeps ${kept} of at most ${AUTO_MAX_RUNS} runs)`,
      value: `${mib((one.file + (kept - 1) * perRun) / 2 ** 20)} file, ${mib((one.zip + (kept - 1) * perZip) / 2 ** 20)} zipped (projected)`,
    });
  }
  return rows;
}
