/**
 * Goal 7 of issue 17: our classifiers against pytest-flakefighters' own, on the same seeded
 * workloads (bench/workloads.ts writes them as JSON; bench/plugin-classifiers.py builds the plugin's
 * ORM objects from it). Each side times only its classification, in its own process, medians of
 * BENCH_RUNS (the plugin's slow cases fewer); the rows say whether both concluded the same. Where
 * the plugin cannot run (not fetched, or Python lacks numpy/scipy/scikit-learn/pandas/SQLAlchemy 2)
 * one line says so and ours is printed alone.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './run.ts';
import { extractFetched } from './fetched.ts';
import { timeFn } from './measure.ts';
import { ms, type Row } from './row.ts';
import { ourClassifier, sfflPeerWorkload, sparseCoverageWorkload, tracebackWorkload, type PeerWorkload } from './workloads.ts';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/**
 * The plugin's CoverageIndependence builds a pandas frame column by column: minutes at 2,000 executions
 * of 5,000 lines. Past this budget it is stopped and the ratio printed is a lower bound (≥).
 */
const PLUGIN_BUDGET_S = Number(process.env.BENCH_PLUGIN_BUDGET_S ?? 240);
const SCENARIO = 'classifiers vs plugin';

interface Case {
  kind: 'cosine' | 'coverage' | 'sffl';
  label: string;
  make: () => PeerWorkload;
  /** Ours at least this many times faster than the plugin. */
  speedup: number;
  /** The plugin takes seconds to minutes here: fewer runs. */
  pluginRuns: number;
}

const CASES: Case[] = [
  { kind: 'cosine', label: 'CosineSimilarity, 100 failures × 500 earlier flaky tracebacks', make: () => tracebackWorkload(500, 100), speedup: 20, pluginRuns: 3 },
  { kind: 'coverage', label: 'CoverageIndependence, 2,000 executions × 5,000 lines', make: () => sparseCoverageWorkload(2000, 5000), speedup: 50, pluginRuns: 1 },
  { kind: 'coverage', label: 'CoverageIndependence, 8,000 executions × 5,000 lines', make: () => sparseCoverageWorkload(8000, 5000), speedup: 50, pluginRuns: 1 },
  { kind: 'sffl', label: 'SFFL (ochiai), 2,000 tests × 2 executions', make: () => sfflPeerWorkload(2000), speedup: 1, pluginRuns: 3 },
];

function pluginReady(dataDir: string): { src: string } | string {
  const got = extractFetched(dataDir, 'test-flare/pytest-flakefighters', ['src']);
  if (typeof got === 'string') return got;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy, scipy, sklearn, pandas, sqlalchemy; assert sqlalchemy.__version__.startswith("2.")'], { stdio: 'pipe' });
  } catch {
    return `${PYTHON} lacks numpy, scipy, scikit-learn, pandas or SQLAlchemy 2 (apt-get install python3-numpy python3-scipy python3-sklearn python3-pandas; scripts/install-sqlalchemy2.sh)`;
  }
  return { src: join(got.dir, 'src') };
}

export default async function classifiers(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const plugin = pluginReady(ctx.dataDir);
  if (typeof plugin === 'string') rows.push({ scenario: SCENARIO, measure: `plugin not run: ${plugin}`, value: 'ours alone' });
  for (const c of CASES) {
    process.stderr.write(`bench: classifiers ${c.label} …\n`);
    const w = c.make();
    const ours = ourClassifier(c.kind, w);
    const ourResult = ours();
    let theirs: { seconds: number; result: string; stopped?: boolean } | string | null = null;
    if (typeof plugin !== 'string') {
      const file = join(ctx.dataDir, `classifiers-${c.kind}-${w.tests.length}.json`);
      writeFileSync(file, JSON.stringify(w));
      try {
        const out = execFileSync(PYTHON, [new URL('./plugin-classifiers.py', import.meta.url).pathname, plugin.src, c.kind, file, String(Math.min(ctx.runs, c.pluginRuns))], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
          stdio: ['ignore', 'pipe', 'pipe'],
          timeout: PLUGIN_BUDGET_S * 1000,
        });
        theirs = JSON.parse(out.trim().split('\n').pop()!);
      } catch (err) {
        const e = err as { stderr?: string; signal?: string; message: string };
        if (e.signal) theirs = { seconds: PLUGIN_BUDGET_S, result: 'unknown', stopped: true };
        else theirs = `the plugin failed: ${(e.stderr || e.message).trim().split('\n').pop()}`;
      }
    }
    const oursMs = await timeFn(ours, ctx.runs);
    if (theirs === null || typeof theirs === 'string') {
      rows.push({ scenario: SCENARIO, measure: c.label, value: `ours ${ms(oursMs)} (${ourResult})`, baseline: theirs ?? 'plugin not run', target: `≥ ${c.speedup}× the plugin` });
      continue;
    }
    const pluginMs = theirs.seconds * 1000;
    const speedup = pluginMs / oursMs;
    const same = theirs.result === ourResult;
    const outcome = theirs.stopped
      ? `ours: ${ourResult}; the plugin stopped after ${PLUGIN_BUDGET_S} s, so the ratio is a lower bound`
      : same
        ? `same result: ${ourResult}`
        : `DIFFERENT result: ours ${ourResult}, plugin ${theirs.result}`;
    rows.push({
      scenario: SCENARIO,
      measure: `${c.label} (${outcome})`,
      value: `ours ${ms(oursMs)}`,
      baseline: theirs.stopped ? `plugin > ${PLUGIN_BUDGET_S} s` : `plugin ${ms(pluginMs)}`,
      ratio: speedup,
      target: c.speedup === 1 ? 'no slower than the plugin' : `≥ ${c.speedup}× faster`,
      met: (same || theirs.stopped === true) && speedup >= c.speedup,
    });
  }
  return rows;
}
