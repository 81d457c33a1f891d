/**
 * The sql.js database (and the zipped artifact it becomes) per stored run, for a 1,000-test suite
 * saved 100 times through the real pipeline, with and without `store-max-runs: 10`.
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
import { kib, type Row } from './row.ts';

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
  for (const [label, max] of [['all runs kept', ''], ['store-max-runs: 10', '10']] as const) {
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
    if (!max) rows.push({ scenario: 'database size, 1,000-test suite', measure: 'per stored run (1 → 100 runs)', value: `${kib((sizes.get(100)!.file - one.file) / 99)} (zip ${kib((sizes.get(100)!.zip - one.zip) / 99)})` });
  }
  return rows;
}
