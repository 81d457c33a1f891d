/**
 * "Reference flakefighters": how the heavy flakefighters grow. Each is timed at size n and 2n on
 * the ready-made inputs of src/flakefighters/workloads.ts, interleaved, and the ratio t(2n)/t(n)
 * is printed against what the algorithm's complexity allows (pairwise clustering is quadratic, the
 * others linear), with 15% slack for noise.
 */
import { cosineSimilarityWorkload, coverageIndependenceWorkload, sfflWorkload } from './workloads.ts';
import type { BenchContext } from './run.ts';
import { pairFn } from './measure.ts';
import { ms, type Row } from './row.ts';

interface Case {
  name: string;
  /** What n counts, for the measure column. */
  input: (n: number) => string;
  n: number;
  make: (n: number) => () => unknown;
  /** Expected growth when the input doubles. */
  growth: number;
  complexity: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

const CASES: Case[] = [
  {
    name: 'CoverageIndependence',
    input: (n) => `${fmt(n)} executions × 5,000 covered lines`,
    n: 2000,
    make: (n) => coverageIndependenceWorkload(n, 5000),
    growth: 4,
    complexity: 'O(n²) pairwise distances',
  },
  {
    name: 'CosineSimilarity',
    input: (n) => `20 failures vs ${fmt(n)} earlier flaky tracebacks`,
    n: 500,
    make: (n) => cosineSimilarityWorkload(n),
    growth: 2,
    complexity: 'O(n) per failure',
  },
  {
    name: 'SFFL',
    input: (n) => `${fmt(n)} tests × 2 executions`,
    n: 2000,
    make: (n) => sfflWorkload(n),
    growth: 2,
    complexity: 'O(n) over covered lines',
  },
];

export default async function flakefighters(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of CASES) {
    process.stderr.write(`bench: flakefighters ${c.name} …\n`);
    // Inputs are built up front; only the classification is timed.
    const small = c.make(c.n);
    const large = c.make(2 * c.n);
    // CoverageIndependence at 2n takes seconds per run: three pairs are enough for a stable median.
    const runs = c.growth > 2 ? Math.min(ctx.runs, 3) : ctx.runs;
    const r = await pairFn(large, small, runs);
    const limit = c.growth * 1.15;
    rows.push({ scenario: 'flakefighters', measure: `${c.name}, ${c.input(c.n)}`, value: ms(r.b) });
    rows.push({
      scenario: 'flakefighters',
      measure: `${c.name}, ${c.input(2 * c.n)}`,
      value: `${ms(r.a)} (×${r.ratio.toFixed(1)} when input doubles)`,
      baseline: `n ${ms(r.b)}`,
      ratio: r.ratio,
      target: `≤ ${limit.toFixed(1)}× (${c.complexity})`,
      met: r.ratio <= limit,
    });
  }
  return rows;
}
